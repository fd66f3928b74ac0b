"""Monte Carlo certificates against the exact law, the Gaussian, and brute force. Each statistical
assertion has a stated false-failure rate; seeds are fixed."""
import numpy as np
import pytest

import fastsmooth as fs
from fastsmooth.certificates import montecarlo
from fastsmooth.certificates.api import exact_law


@pytest.mark.parametrize("noise,r", [(fs.L2Centripetal(3072, 3060, 4.0), 0.5), (fs.L2Centripetal(20, 5, 1.0), 0.7),
                                     (fs.L1Centripetal(100, 40, 0.5), 0.8), (fs.Laplace(10, 0.5), 0.3)], ids=repr)
def test_exact_cdf_inside_the_band(noise, r):
    n = 200_000
    law = montecarlo.HistogramLaw(noise, np.array([r]), n, seed=3)
    eps = montecarlo.dkw_eps(n, 1e-6)  # false failure <= 1e-6
    edges = law.edges[0, ::64]
    below = law.below[0, ::64] / n  # empirical P(X < edge)
    low, up, _, _ = exact_law(noise).bounds(r, edges, strict=True)
    assert (below <= up + eps).all() and (below >= low - eps).all()


@pytest.mark.parametrize("noise", [fs.L2Centripetal(3072, 3060, 4.0), fs.L1Centripetal(100, 40, 0.5)], ids=repr)
def test_mc_bounds_below_exact_and_converging(noise):
    r = 0.5 * fs.certified_radius(noise, 0.99)
    pA = np.array([0.3, 0.6, 0.9, 0.99])
    exact = fs.lower_bound(noise, pA, r, method="exact")
    gaps = []
    for n in (10_000, 100_000, 1_000_000):
        mc = fs.lower_bound(noise, pA, r, method="mc", n_mc=n, alpha_mc=1e-6, seed=1)
        assert mc.alpha_mc == 1e-6 and mc.n_mc == n
        assert (mc <= exact + 1e-9).all()  # false failure <= 1e-6
        gaps.append(np.max(exact - mc))
    assert gaps[0] > gaps[1] > gaps[2] and gaps[2] < gaps[0] / 2 and gaps[2] < 0.05
    radii = [fs.certified_radius(noise, 0.9, method="mc", n_mc=n, alpha_mc=1e-6, seed=2)
             for n in (10_000, 1_000_000, 8_000_000)]
    exact_radius = fs.certified_radius(noise, 0.9)
    assert radii[0] <= radii[1] <= exact_radius and radii[1] > 0.9 * exact_radius
    # at 8e6 samples the DKW band costs about 1% of the radius; the pilot must place the main pass's
    # ladder within that (its coarse grid alone left up to 16%)
    assert 0.975 * exact_radius < radii[2] <= exact_radius


def test_mixed_at_k0_is_the_gaussian():
    d, sigma, r, n = 784, 0.5, 0.01, 400_000
    gauss = fs.Gaussian(d, sigma)
    pA = np.array([0.6, 0.9, 0.99])
    exact = fs.lower_bound(gauss, pA, r, norm="linf")  # = l2 bound at sqrt(d) r (Proposition 4)
    mc = fs.lower_bound(fs.MixedLinfL2(d, 0.0, sigma), pA, r, n_mc=n, alpha_mc=1e-6, seed=4)
    assert (mc <= exact + 1e-9).all()  # false failure <= 1e-6
    # within the band: lam* <= e^{x*} (x* the pA-quantile of X ~ N(-s^2/2, s^2), s = sqrt(d) r / sigma)
    s = np.sqrt(d) * r / sigma
    lam = np.exp(-s * s / 2 + s * np.array([0.26, 1.29, 2.33]))
    eps = montecarlo.dkw_eps(n, 1e-6)
    assert (exact - mc <= (lam + 1) * eps + 0.01).all()
    radius = fs.certified_radius(fs.MixedLinfL2(d, 0.0, sigma), 0.9, n_mc=n, alpha_mc=1e-6, seed=5)
    assert 0.85 * fs.certified_radius(gauss, 0.9, norm="linf") < radius <= fs.certified_radius(gauss, 0.9, norm="linf")


def test_mixed_k_positive_against_importance_sampling():
    """MixedLinfL2(4, 1, 1) at r = 0.3: the MC bound against Neyman-Pearson on self-normalized importance
    samples from N(0, I) (weights ||g||_inf^-k), with X from the full 4-dimensional density."""
    noise, r, pA = fs.MixedLinfL2(4, 1.0, 1.0), 0.3, 0.8
    n = 400_000
    mc = fs.lower_bound(noise, pA, r, n_mc=n, alpha_mc=1e-6, seed=6)
    g = np.random.default_rng(6).standard_normal((n, 4))
    w = np.abs(g).max(1) ** -1.0
    w /= w.sum()
    X = noise.log_pdf(g - r) - noise.log_pdf(g)
    order = np.argsort(X)
    X, cw = X[order], np.cumsum(w[order])
    F = lambda x: np.interp(x, X, cw, left=0.0, right=1.0)  # noqa: E731
    grid = np.linspace(X[int(0.01 * n)], X[int(0.999 * n)], 2000)
    plug_in = max(np.exp(x) * (pA - F(x)) + 1 - F(-x) for x in grid)
    ess = 1 / (w**2).sum()
    lam = np.exp(grid[np.argmax([np.exp(x) * (pA - F(x)) + 1 - F(-x) for x in grid])])
    tol = (lam + 1) * (montecarlo.dkw_eps(n, 1e-6) + 6 / np.sqrt(ess)) + 0.01
    assert abs(mc - plug_in) < tol and mc <= plug_in + 6 * (lam + 1) / np.sqrt(ess)


def test_mc_top2_and_curve_are_conservative():
    noise = fs.L2Centripetal(200, 50, 1.0)
    top2_mc = fs.certified_radius(noise, [0.8, 0.95], pB=[0.1, 0.02], method="mc", n_mc=200_000, seed=7)
    top2_exact = fs.certified_radius(noise, [0.8, 0.95], pB=[0.1, 0.02])
    assert (top2_mc <= top2_exact).all() and (top2_mc > 0.8 * top2_exact).all()
    curve = fs.RadiusCurve(noise, method="mc", n_mc=200_000, cache=False)
    pA = np.linspace(0.55, 0.999, 30)
    looked_up = curve(pA)
    exact = fs.certified_radius(noise, pA)
    assert (looked_up <= exact).all() and (looked_up > 0.7 * exact).all() and curve.alpha_mc == 1e-3
    assert curve(0.4) == 0 and curve(1.0) == np.inf


def test_mc_hinge_bound_is_a_valid_upper_bound_of_the_exact_hinge():
    """H(lam) from the histogram bounds E[(lam - rho)_+], computed from the exact law, at every edge."""
    noise, r, n = fs.L2Centripetal(50, 20, 1.0), 0.4, 100_000
    law = montecarlo.HistogramLaw(noise, np.array([r]), n, seed=9)
    lam, hinge = law.hinge_bounds(montecarlo.dkw_eps(n, 1e-6))
    exact = exact_law(noise)
    for i in range(200, 4000, 200):
        x0 = law.edges[0, i]
        cdf_low = exact.bounds(r, x0)[0]
        sf_up_strict = exact.bounds(r, -x0, strict=True)[3]
        # E[(lam - rho)_+] = lam G(x0) - P(X >= -x0) >= lam cdf_low - sf_up; false failure <= 1e-6
        assert hinge[0, i] >= lam[0, i] * cdf_low - sf_up_strict - 1e-9
