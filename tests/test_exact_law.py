"""The exact law of X for k > 0 (both families) against brute force and identities."""
import numpy as np
import pytest
from scipy import integrate

import fastsmooth as fs
from fastsmooth.certificates import dual
from fastsmooth.certificates.api import exact_law

# Brute force: z from the noise's sampler, X from the full d-dimensional log-density difference.
# DKW: P(sup_x |F_n(x) - G(x)| > eps) <= 2 exp(-2 n eps^2); eps below makes a false failure 1e-6 per law.
N_MC = 200_000
FALSE_FAILURE = 1e-6
EPS_DKW = np.sqrt(np.log(2 / FALSE_FAILURE) / (2 * N_MC))

CASES = [
    (fs.L2Centripetal(3, 1.5, 1.0), 0.8),
    (fs.L2Centripetal(8, 6.0, 0.5), 0.3),
    (fs.L1Centripetal(4, 2.0, 1.0), 0.9),
    (fs.L1Centripetal(10, 7.5, 0.3), 0.5),
]


def brute_force_X(noise, r, seed):
    z = noise.sample(N_MC, seed=seed).astype(np.float64)
    shifted = z.copy()
    shifted[:, 0] -= r
    return np.sort(noise.log_pdf(shifted) - noise.log_pdf(z))


@pytest.mark.parametrize("noise,r", CASES, ids=[repr(c[0]) for c in CASES])
def test_law_matches_brute_force(noise, r):
    X = brute_force_X(noise, r, seed=11)
    law = exact_law(noise)
    xs = np.quantile(X, np.linspace(0.02, 0.98, 25))
    low, up, _, _ = law.bounds(r, xs)
    ecdf = np.searchsorted(X, xs, side="right") / X.size
    assert (ecdf <= up + EPS_DKW).all() and (ecdf >= low - EPS_DKW).all()
    # The certificate: L from the law against Neyman-Pearson on the brute-force sample.
    # With the ECDF inside the DKW band, the plug-in dual at any x0 is within (e^x0 + 1) eps of the truth.
    for pA in (0.6, 0.9):
        L = fs.lower_bound(noise, pA, r, method="exact")
        x_star = dual.quantile(law, r, pA)
        lam = np.exp(x_star)
        F = lambda x, side: np.searchsorted(X, x, side=side) / X.size  # noqa: E731
        plug_in = lam * (pA - F(x_star, "right")) + 1 - F(-x_star, "left")
        assert abs(L - plug_in) <= (lam + 1) * EPS_DKW + 1e-9, (L, plug_in)


# Near z = delta*, X ~ -k log||z - delta*||, so e^x P(X > x) decays like e^{x (1 - d/k)}: these cases
# have d/k >= 2, light enough a tail for E[e^X] to be integrated on a finite range.
LIGHT_TAIL_CASES = [
    (fs.L2Centripetal(3, 1.5, 1.0), 0.8),
    (fs.L2Centripetal(8, 3.0, 0.5), 0.3),
    (fs.L1Centripetal(4, 2.0, 1.0), 0.9),
    (fs.L1Centripetal(10, 4.0, 0.3), 0.5),
]


@pytest.mark.parametrize("noise,r", LIGHT_TAIL_CASES, ids=[repr(c[0]) for c in LIGHT_TAIL_CASES])
def test_change_of_measure_identities(noise, r):
    """E[e^X] = 1 and E[e^X 1{X <= t}] = P(X >= -t), integrating the law's CDF by Simpson's rule."""
    law = exact_law(noise)
    lo_x, hi_x = dual.quantile(law, r, 1e-12), dual.quantile(law, r, 1 - 1e-15)
    # E[e^X] = int e^x P(X > x) dx; below the grid P(X > x) = 1 and the integral is e^(min x) < 1e-10
    x = np.linspace(min(lo_x, 0.0) - 23, hi_x + 1, 6001)
    sf = law.estimates(r, x)[1]
    assert integrate.simpson(np.exp(x) * sf, x=x) == pytest.approx(1.0, abs=1e-4)
    # E[e^X 1{X <= t}] = e^t G(t) - int_{-inf}^t e^x G(x) dx
    for p in (0.3, 0.5, 0.9):
        t = dual.quantile(law, r, p)
        xs = np.linspace(lo_x - 1, t, 4001)
        G = law.cdf_estimate(r, xs)
        lhs = np.exp(t) * G[-1] - integrate.simpson(np.exp(xs) * G, x=xs)
        rhs = 1 - law.cdf_estimate(r, -t, strict=True)
        assert lhs == pytest.approx(rhs, abs=1e-4)


@pytest.mark.parametrize("noise", [fs.L2Centripetal(3072, 3060, 4.0), fs.L1Centripetal(50, 20, 1.0),
                                   fs.L2Centripetal(5, 2.0, 1.0)], ids=repr)
def test_lower_bound_monotone(noise):
    pA = np.linspace(0.05, 0.999, 15)
    r = noise.scale * np.array([0.01, 0.1, 0.3, 0.6, 1.0])
    P, Rr = np.meshgrid(pA, r)
    L = fs.lower_bound(noise, P, Rr, method="exact")
    assert (np.diff(L, axis=1) >= -1e-10).all(), "L must not decrease in pA"
    assert (np.diff(L, axis=0) <= 1e-10).all(), "L must not increase in r"
    assert ((L >= 0) & (L <= P)).all()
    assert (np.diff(L, axis=0) < -1e-3).any()


def test_k_near_d_radius_between_gaussian_like_bounds():
    """L2Centripetal(3072, 3060, 4): the certificate at pA = 1/2 + is tiny and grows with pA; top-2 with
    pB = 1 - pA equals binary; linf is l2 / sqrt(d) (Proposition 4)."""
    noise = fs.L2Centripetal(3072, 3060, 4.0)
    R = fs.certified_radius(noise, [0.5, 0.6, 0.99], use_curve=False)
    assert R[0] == 0.0 and 0 < R[1] < R[2]
    top2 = fs.certified_radius(noise, 0.99, 0.01)
    assert top2 == pytest.approx(R[2], rel=1e-6) and top2 <= R[2] * (1 + 1e-6)
    linf = fs.certified_radius(noise, 0.99, norm="linf", use_curve=False)
    assert linf == pytest.approx(R[2] / np.sqrt(3072), rel=1e-12)
    assert fs.certified_radius(noise, 0.99, norm="l1", use_curve=False) == pytest.approx(R[2], rel=1e-12)


def test_proposition_4_lower_bound():
    noise = fs.L2Centripetal(100, 20, 1.0)
    r = 0.02
    assert fs.lower_bound(noise, 0.9, r, norm="linf") == pytest.approx(
        fs.lower_bound(noise, 0.9, np.sqrt(100) * r, norm="l2"), rel=1e-9)
