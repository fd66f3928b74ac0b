"""The general machinery (method="exact") against the closed forms of docs/math.md §1, and the closed forms
against independent computations."""
import numpy as np
import pytest
from scipy import stats

import fastsmooth as fs

D_GRID = [2, 3, 10, 784, 3072, 150528]


def cohen_L(pA, r, s):
    return stats.norm.cdf(stats.norm.ppf(pA) - r / s)


@pytest.mark.parametrize("d", D_GRID)
@pytest.mark.parametrize("sigma", [0.25, 1.0])
def test_exact_gaussian_lower_bound_matches_cohen(d, sigma):
    noise = fs.L2Centripetal(d, 0.0, sigma)
    pA = np.array([0.3, 0.55, 0.9, 0.999])
    r = sigma * np.array([0.05, 0.5, 1.5])
    P, Rr = np.meshgrid(pA, r)
    L = fs.lower_bound(noise, P, Rr, method="exact")
    truth = cohen_L(P, Rr, sigma)
    np.testing.assert_allclose(L, truth, rtol=1e-7)
    assert (L <= truth * (1 + 1e-13)).all(), "a lower bound above the closed form"


@pytest.mark.parametrize("d", D_GRID)
def test_exact_gaussian_radii_match_cohen(d):
    sigma = 0.5
    noise = fs.L2Centripetal(d, 0.0, sigma)
    pA = np.array([0.55, 0.9, 0.999])
    R = fs.certified_radius(noise, pA, method="exact", use_curve=False)
    truth = sigma * stats.norm.ppf(pA)
    np.testing.assert_allclose(R, truth, rtol=1e-7)
    assert (R <= truth).all()
    pA2, pB2 = np.array([0.8, 0.6]), np.array([0.15, 0.3])
    R2 = fs.certified_radius(noise, pA2, pB2, method="exact")
    truth2 = 0.5 * sigma * (stats.norm.ppf(pA2) - stats.norm.ppf(pB2))
    np.testing.assert_allclose(R2, truth2, rtol=1e-7)
    assert (R2 <= truth2).all()


def test_gaussian_closed_forms_and_default_method():
    noise = fs.Gaussian(3072, 0.5)
    pA = np.linspace(0.51, 0.9999, 7)
    np.testing.assert_allclose(fs.certified_radius(noise, pA), 0.5 * stats.norm.ppf(pA), rtol=1e-11)
    np.testing.assert_allclose(fs.certified_radius(noise, 0.9, 0.05),
                               0.25 * (stats.norm.ppf(0.9) - stats.norm.ppf(0.05)), rtol=1e-11)
    assert fs.certified_radius(noise, 0.5) == 0.0 and fs.certified_radius(noise, 1.0) == np.inf
    # Gaussian is the k = 0 member of its family: same certificate.
    assert fs.certified_radius(noise, 0.97) == fs.certified_radius(fs.L2Centripetal(3072, 0, 0.5), 0.97)


def laplace_L_bruteforce(pA, r, b, cells=400_000):
    """Neyman-Pearson on a fine 1-D grid of z1 (the only coordinate X depends on for iid Laplace)."""
    edges = np.linspace(-30 * b, 30 * b + r, cells + 1)  # the mass outside, ~1e-13, is below the tolerance
    mid, width = 0.5 * (edges[1:] + edges[:-1]), np.diff(edges)
    p0 = stats.laplace.pdf(mid, 0, b) * width
    p1 = stats.laplace.pdf(mid, r, b) * width
    order = np.argsort(p1 / p0, kind="stable")
    c0, c1 = np.cumsum(p0[order]), np.cumsum(p1[order])
    return np.interp(pA, np.concatenate([[0], c0]), np.concatenate([[0], c1]))


@pytest.mark.parametrize("d", [2, 10, 3072])
def test_laplace_bounds_all_regimes(d):
    b = 0.7
    exact = fs.L1Centripetal(d, 0.0, b)
    r = 0.6
    threshold = 1 - np.exp(-r / b) / 2  # where the closed form's two regimes meet
    pA = np.array([0.2, 0.45, 0.5, 0.6, threshold - 0.02, threshold + 0.02, 0.99])
    L_closed = fs.laplace_lower_bound(pA, r, b)
    L_exact = fs.lower_bound(exact, pA, r, method="exact")
    brute = laplace_L_bruteforce(pA, r, b)
    np.testing.assert_allclose(L_closed, brute, atol=2e-5)
    np.testing.assert_allclose(L_exact, L_closed, rtol=1e-7)
    assert (L_exact <= L_closed * (1 + 1e-12)).all()
    # the closed form's regimes, written out
    upper = pA >= threshold
    np.testing.assert_allclose(L_closed[upper], 1 - np.exp(r / b) * (1 - pA[upper]), rtol=1e-10)
    mid = (pA >= 0.5) & ~upper
    np.testing.assert_allclose(L_closed[mid], np.exp(-r / b) / (4 * (1 - pA[mid])), rtol=1e-10)


@pytest.mark.parametrize("d", [2, 3072])
def test_laplace_binary_radius(d):
    b = 0.7
    pA = np.array([0.3, 0.55, 0.9, 0.999])
    truth = np.where(pA > 0.5, -b * np.log(2 * (1 - pA)), 0.0)
    np.testing.assert_allclose(fs.certified_radius(fs.Laplace(d, b), pA), truth, rtol=1e-11)
    R = fs.certified_radius(fs.L1Centripetal(d, 0.0, b), pA, method="exact", use_curve=False)
    np.testing.assert_allclose(R, truth, rtol=1e-7)
    assert (R <= truth).all()


def test_laplace_top2_dominates_teng_and_dp():
    b = 0.5
    grid = [(pA, pB) for pA in np.linspace(0.3, 0.995, 12) for pB in np.linspace(0.001, 0.6, 12)
            if pA + pB <= 1 and pB < pA]
    pA, pB = np.array(grid).T
    noise = fs.Laplace(784, b)
    top2 = fs.certified_radius(noise, pA, pB)
    teng = fs.laplace_multiclass_radius(pA, pB, b)
    dp = fs.laplace_dp_radius(pA, pB, b)
    assert (top2 >= teng * (1 - 1e-9)).all()
    assert (top2 >= dp * (1 - 1e-9)).all()
    assert (top2 > teng * 1.01).any(), "the exact top-2 certificate should beat Teng's somewhere"
    # at pB = 1 - pA the top-2 certificate is the binary one
    np.testing.assert_allclose(fs.certified_radius(noise, 0.9, 0.1), fs.certified_radius(noise, 0.9), rtol=1e-8)
    # the exact law gives the same top-2 radii as the closed-form bound
    some = slice(0, None, 17)
    exact = fs.certified_radius(fs.L1Centripetal(784, 0.0, b), pA[some], pB[some], method="exact")
    np.testing.assert_allclose(exact, top2[some], rtol=1e-6)


def test_closed_form_identities():
    # Teng's bound and the DP bound, written out
    assert fs.laplace_dp_radius(0.8, 0.1, 2.0) == pytest.approx(np.log(8.0), rel=1e-11)
    assert fs.laplace_multiclass_radius(0.8, 0.1, 2.0) == pytest.approx(max(np.log(8.0), -2 * np.log(0.3)), rel=1e-11)
    assert fs.gaussian_lower_bound(0.9, 0.0, 1.0) == pytest.approx(0.9, rel=1e-11)
