"""Monte Carlo certificates against the exact law, the Gaussian, and brute force. Each statistical
assertion has a stated false-failure rate; seeds are fixed."""
import numpy as np
import pytest
from scipy import stats

import fastsmooth as fs
from fastsmooth.certificates import montecarlo
from fastsmooth.certificates.api import exact_law


def dkw_eps(n, alpha):
    """Half-width of the two-sided DKW band (Massart's constant): a test statistic here."""
    return float(np.sqrt(np.log(2.0 / alpha) / (2.0 * n)))


@pytest.mark.parametrize("noise,r", [(fs.L2Centripetal(3072, 3060, 4.0), 0.5), (fs.L2Centripetal(20, 5, 1.0), 0.7),
                                     (fs.L1Centripetal(100, 40, 0.5), 0.8), (fs.Laplace(10, 0.5), 0.3)], ids=repr)
def test_histograms_sample_the_exact_law(noise, r):
    n = 200_000
    law = montecarlo.HistogramLaw(noise, np.array([r]), n, seed=3)
    eps = dkw_eps(n, 1e-6)  # false failure <= 1e-6
    edges = law.edges[0, ::64]
    below = law.below[0, ::64] / n  # empirical P(X < edge)
    low, up, _, _ = exact_law(noise).bounds(r, edges, strict=True)
    assert (below <= up + eps).all() and (below >= low - eps).all()


@pytest.mark.parametrize("noise,r", [(fs.L2Centripetal(784, 392, 0.3), 0.45), (fs.L1Centripetal(10, 4, 0.5), 1.2)],
                         ids=repr)
def test_each_statement_bounds_the_exact_value(noise, r):
    """The four kinds of statement of the module docstring, at 60 thresholds each, against the exact law:
    each is a confidence bound at delta = 1e-6, so all 240 hold but with probability 2.4e-4."""
    n, delta = 100_000, 1e-6
    law = montecarlo.HistogramLaw(noise, np.array([r]), n, seed=11)
    exact = exact_law(noise)
    t = np.linspace(200, 3900, 60).astype(int)[None, :]
    x = law.edges[0, t[0]][None, :]
    _, _, sf_low, sf_up = exact.bounds(r, x[0])  # P(X > x)
    _, cdf_up_strict, _, _ = exact.bounds(r, -x[0], strict=True)  # P(X < -x)
    cdf_low_strict = exact.bounds(r, -x[0], strict=True)[0]
    assert (law.above_direct(t, delta)[0] <= sf_up + 1e-12).all()
    assert (law.above_tilted(x, delta)[0] <= sf_up + 1e-12).all()
    assert (law.below_direct(-x, delta)[0] >= cdf_low_strict - 1e-12).all()
    # E[(lam - rho)_+] = lam G(x) - P(X >= -x) >= lam cdf_low - P(X >= -x)
    lam = np.exp(x[0])
    cdf_low = exact.bounds(r, x[0])[0]
    assert (law.hinge_upper(np.exp(x), delta)[0] >= lam * cdf_low - (1 - cdf_low_strict) - 1e-9).all()
    # and they are tight: the tilted tail within 10% where the exact tail is 1e-4 or more
    useful = sf_low > 1e-4
    assert (law.above_tilted(x, delta)[0][useful] > 0.9 * sf_low[useful]).any()
    assert cdf_up_strict.size == 60


SOUNDNESS_CASES = [fs.L2Centripetal(20, 5, 1.0), fs.L2Centripetal(784, 392, 0.3), fs.L1Centripetal(10, 4, 0.5),
                   fs.L1Centripetal(100, 40, 0.5), fs.Gaussian(50, 0.5), fs.Laplace(10, 0.5)]


def test_soundness_over_many_cases_and_seeds():
    """With alpha_mc = 0.2, a call's results all hold with probability >= 0.8. Over 6 noises x 2 sample
    sizes x 5 seeds, each call of lower_bound (4 pA at one radius), of binary certified_radius (4 pA)
    and of top-2 certified_radius (2 pairs) is a violation if any value exceeds the exact one. The
    violations are at most Binomial(180, 0.2): the count is tested at a false-failure rate of 1e-6."""
    pA = np.array([0.6, 0.9, 0.99, 0.999])
    calls = violations = 0
    for noise in SOUNDNESS_CASES:
        r = 0.6 * float(fs.certified_radius(noise, 0.99))
        exact_L = fs.lower_bound(noise, pA, r)  # closed forms for Gaussian and Laplace, else the exact law
        exact_R = fs.certified_radius(noise, pA)
        pa2, pb2 = np.array([0.9, 0.99]), np.array([0.05, 0.004])
        exact_T = fs.certified_radius(noise, pa2, pB=pb2)
        for n_mc in (3000, 30_000):
            for seed in range(5):
                opts = {"method": "mc", "n_mc": n_mc, "alpha_mc": 0.2, "seed": seed}
                L = fs.lower_bound(noise, pA, r, **opts)
                R = fs.certified_radius(noise, pA, **opts)
                T = fs.certified_radius(noise, pa2, pB=pb2, **opts)
                violations += bool((L > exact_L + 1e-9).any())
                violations += bool((R > exact_R * (1 + 1e-8)).any())
                violations += bool((T > exact_T * (1 + 1e-8)).any())
                calls += 3
    assert calls == 180
    assert stats.binom.sf(violations - 1, calls, 0.2) > 1e-6, violations


@pytest.mark.parametrize("noise", [fs.L2Centripetal(784, 392, 0.3), fs.L1Centripetal(100, 40, 0.5)], ids=repr)
def test_tightness_at_one_hundred_thousand_samples(noise):
    """MC radius / exact radius at n_mc = 1e5 (seed 0, deterministic): above 0.95 from pA = 0.6 to
    0.9999 (the DKW band gave 0.64 to 0.95 there; at 1e6 samples bench/RESULTS.md records 0.98-0.99)."""
    pA = np.array([0.6, 0.9, 0.99, 0.999, 0.9999])
    ratio = fs.certified_radius(noise, pA, method="mc", n_mc=100_000) / fs.certified_radius(noise, pA)
    assert (ratio <= 1.0).all() and (ratio > 0.95).all(), ratio


def test_mixed_at_k0_is_the_gaussian():
    d, sigma, r, n = 784, 0.5, 0.01, 400_000
    gauss = fs.Gaussian(d, sigma)
    pA = np.array([0.6, 0.9, 0.99])
    exact = fs.lower_bound(gauss, pA, r, norm="linf")  # = l2 bound at sqrt(d) r (Proposition 4)
    mc = fs.lower_bound(fs.MixedLinfL2(d, 0.0, sigma), pA, r, n_mc=n, alpha_mc=1e-6, seed=4)
    assert (mc <= exact + 1e-9).all()  # false failure <= 1e-6
    assert (exact - mc <= 0.01 * exact).all(), exact - mc
    radius = fs.certified_radius(fs.MixedLinfL2(d, 0.0, sigma), [0.6, 0.9, 0.999], n_mc=n, alpha_mc=1e-6, seed=5)
    exact_radius = fs.certified_radius(gauss, [0.6, 0.9, 0.999], norm="linf")
    assert (0.97 * exact_radius < radius).all() and (radius <= exact_radius).all(), radius / exact_radius


def test_mixed_k_positive_against_importance_sampling():
    """MixedLinfL2(4, 1, 1) at r = 0.3: the MC bound against Neyman-Pearson on self-normalized importance
    samples from N(0, I) (weights ||g||_inf^-k), with X from the full 4-dimensional density. The MC bound
    fails with probability 1e-6; the plug-in's own error is bounded by 6 of its standard errors."""
    noise, r = fs.MixedLinfL2(4, 1.0, 1.0), 0.3
    n = 400_000
    g = np.random.default_rng(6).standard_normal((n, 4))
    w = np.abs(g).max(1) ** -1.0
    w /= w.sum()
    X = noise.log_pdf(g - r) - noise.log_pdf(g)
    order = np.argsort(X)
    X, cw = X[order], np.cumsum(w[order])
    F = lambda x: np.interp(x, X, cw, left=0.0, right=1.0)  # noqa: E731
    ess = 1 / (w**2).sum()
    grid = np.linspace(X[int(0.01 * n)], X[int(0.999 * n)], 2000)
    for pA in (0.6, 0.8, 0.95):
        mc = fs.lower_bound(noise, pA, r, n_mc=n, alpha_mc=1e-6, seed=6)
        values = np.array([np.exp(x) * (pA - F(x)) + 1 - F(-x) for x in grid])
        plug_in, lam = values.max(), np.exp(grid[np.argmax(values)])
        slack = 6 * (lam + 1) / np.sqrt(ess)
        assert mc <= plug_in + slack and mc > plug_in - slack - 0.02, (pA, mc, plug_in)


def test_mc_top2_and_curve_are_conservative_and_close():
    noise = fs.L2Centripetal(200, 50, 1.0)
    top2_mc = fs.certified_radius(noise, [0.8, 0.95], pB=[0.1, 0.02], method="mc", n_mc=200_000, seed=7)
    top2_exact = fs.certified_radius(noise, [0.8, 0.95], pB=[0.1, 0.02])
    assert (top2_mc <= top2_exact).all() and (top2_mc > 0.93 * top2_exact).all(), top2_mc / top2_exact
    curve = fs.RadiusCurve(noise, method="mc", n_mc=200_000, cache=False)
    pA = np.linspace(0.55, 0.999, 30)
    looked_up = curve(pA)
    exact = fs.certified_radius(noise, pA)
    assert (looked_up <= exact).all() and (looked_up > 0.9 * exact).all() and curve.alpha_mc == 1e-3
    assert curve(0.4) == 0 and curve(1.0) == np.inf


def test_confidence_bounds_against_their_definitions():
    """Clopper-Pearson against scipy's binomial tails, the KL bound against its defining equation and the
    empirical Bernstein bound against its formula (Maurer and Pontil 2009, Theorem 4)."""
    n, delta = 1000, 1e-3
    k = np.array([0, 1, 37, 500, 999, 1000])
    low, up = montecarlo.cp_lower(k, n, delta), montecarlo.cp_upper(k, n, delta)
    inner = (k > 0) & (k < n)
    np.testing.assert_allclose(stats.binom.sf(k[inner] - 1, n, low[inner]), delta, rtol=1e-6)
    np.testing.assert_allclose(stats.binom.cdf(k[inner], n, up[inner]), delta, rtol=1e-6)
    assert low[0] == 0 and up[-1] == 1
    mean = np.array([0.0, 0.01, 0.3, 0.9])
    q = montecarlo.kl_lower(mean, n, delta)
    m, qq = mean[1:], q[1:]
    kl = m * np.log(m / qq) + (1 - m) * np.log((1 - m) / (1 - qq))
    np.testing.assert_allclose(kl, np.log(1 / delta) / n, rtol=1e-6)
    assert q[0] == 0 and (q <= mean).all()
    log_term = np.log(2 / delta)
    assert montecarlo.eb_upper(0.2, 0.01, n, delta) == pytest.approx(
        0.2 + np.sqrt(2 * 0.01 * log_term / n) + 7 * log_term / (3 * (n - 1)), rel=1e-12)
