"""Noise families: validation, normalization, moments, sampling laws."""
import numpy as np
import pytest
from scipy import integrate, stats

import fastsmooth as fs

ALL = [fs.Gaussian(2, 0.7), fs.Laplace(2, 0.6), fs.L2Centripetal(2, 0.5, 1.1), fs.L1Centripetal(2, 1.2, 0.8),
       fs.LinfCentripetal(2, 0.7, 0.9), fs.MixedLinfL2(2, 0.6, 0.8)]


@pytest.mark.parametrize("noise", ALL, ids=repr)
def test_log_pdf_integrates_to_one_in_2d(noise):
    # Polar coordinates keep the k-singularity at the origin integrable for quad.
    def radial(rho, theta):
        z = np.array([[rho * np.cos(theta), rho * np.sin(theta)]])
        return rho * np.exp(noise.log_pdf(z)[0])
    total, err = integrate.dblquad(radial, 0, 2 * np.pi, 0, 40 * noise.scale, epsabs=1e-10)
    assert total == pytest.approx(1.0, abs=1e-6)


def test_log_pdf_normalization_in_higher_dimension():
    """Monte Carlo check in d = 6: E_q[pi0/q] = 1 under a wide Gaussian q (false-failure rate ~1e-9)."""
    rng = np.random.default_rng(3)
    n, d, s_q = 400_000, 6, 1.5
    z = rng.standard_normal((n, d)) * s_q
    log_q = stats.norm.logpdf(z, scale=s_q).sum(1)
    for noise in [fs.L2Centripetal(d, 2.0, 1.0), fs.L1Centripetal(d, 2.0, 0.5), fs.LinfCentripetal(d, 2.0, 0.6),
                  fs.MixedLinfL2(d, 2.0, 0.8)]:
        w = np.exp(noise.log_pdf(z) - log_q)
        assert abs(w.mean() - 1) < 6 * w.std() / np.sqrt(n), noise


@pytest.mark.parametrize("noise", [fs.Gaussian(10, 1.0), fs.L2Centripetal(10, 4.5, 2.0), fs.Laplace(10, 0.5),
                                   fs.L1Centripetal(10, 3, 1.0), fs.LinfCentripetal(10, 2, 1.0),
                                   fs.MixedLinfL2(10, 3, 1.0)], ids=repr)
def test_second_moment_and_rms(noise):
    z = noise.sample(200_000, seed=5).astype(np.float64)
    sq = (z**2).sum(1)
    # CLT, 6 standard errors: false failure ~2e-9
    assert abs(sq.mean() - noise.second_moment()) < 6 * sq.std() / np.sqrt(sq.size)
    matched = type(noise).from_rms(noise.d, 0.3, noise.k) if noise.k else type(noise).from_rms(noise.d, 0.3)
    assert matched.rms == pytest.approx(0.3, rel=1e-12)
    assert type(matched) is type(noise) and matched.k == noise.k


def test_mixed_table_moment_identity_and_accuracy():
    # E||z||_2^2 = sigma^2 (d - k) (integration by parts) against the tabulated law of T.
    for d, k in [(10, 3.0), (784, 0.0), (3072, 3060.0)]:
        noise = fs.MixedLinfL2(d, k, 1.0)
        table = noise.table
        from scipy import special

        def per_tau(tau):
            trunc = 1 - 2 * tau * np.exp(-tau**2 / 2) / np.sqrt(2 * np.pi) / special.erf(tau / np.sqrt(2))
            return tau**2 + (d - 1) * trunc
        assert table.expect(per_tau) == pytest.approx(d - k, rel=1e-5)
        assert table.cdf_error < 1e-6


@pytest.mark.parametrize("noise,norm_ord,law", [
    (fs.L2Centripetal(20, 7.0, 1.5), 2, lambda R: stats.gamma.cdf(R**2 / (2 * 1.5**2), (20 - 7) / 2)),
    (fs.L1Centripetal(20, 7.0, 0.5), 1, lambda R: stats.gamma.cdf(R / 0.5, 20 - 7)),
    (fs.LinfCentripetal(20, 7.0, 1.5), np.inf, lambda R: stats.gamma.cdf(R**2 / (2 * 1.5**2), (20 - 7) / 2)),
], ids=["l2", "l1", "linf"])
def test_radial_laws_ks(noise, norm_ord, law):
    z = noise.sample(20_000, seed=9).astype(np.float64)
    R = np.linalg.norm(z, ord=norm_ord, axis=1)
    assert stats.kstest(R, law).pvalue > 1e-6  # false-failure rate 1e-6 (float32 rounding is far smaller)


def test_mixed_max_coordinate_law_ks():
    noise = fs.MixedLinfL2(50, 10.0, 1.0)
    z = noise.sample(20_000, seed=2).astype(np.float64)
    T = np.abs(z).max(axis=1)
    table = noise.table
    assert stats.kstest(T, lambda t: np.interp(np.log(t), table.log_tau, table.cdf)).pvalue > 1e-6


def test_sample_reproducible_and_typed():
    noise = fs.L1Centripetal(30, 5, 1.0)
    a, b, c = noise.sample(7, seed=1), noise.sample(7, seed=1), noise.sample(7, seed=2)
    assert a.shape == (7, 30) and a.dtype == np.float32
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert noise.sample(0).shape == (0, 30)


@pytest.mark.parametrize("make,exc,words", [
    (lambda: fs.L2Centripetal(10, 10, 1.0), ValueError, "0 <= k < d"),
    (lambda: fs.L2Centripetal(10, -1, 1.0), ValueError, "0 <= k < d"),
    (lambda: fs.L1Centripetal(10, 11, 1.0), ValueError, "k"),
    (lambda: fs.Gaussian(10, 0.0), ValueError, "sigma must be > 0"),
    (lambda: fs.Gaussian(10, -1.0), ValueError, "sigma"),
    (lambda: fs.Laplace(10, float("nan")), ValueError, "b must be finite"),
    (lambda: fs.MixedLinfL2(10, float("nan"), 1.0), ValueError, "k must be finite"),
    (lambda: fs.Gaussian(1, 1.0), ValueError, r"d must be an integer in \[2, 67108864\], got 1"),
    (lambda: fs.MixedLinfL2(2**26 + 1, 0.0, 1.0), ValueError, r"d must be an integer in \[2, 67108864\], got 67108865"),
    (lambda: fs.Gaussian(10.0, 1.0), TypeError, "d must be an integer"),
    (lambda: fs.Gaussian(True, 1.0), TypeError, "d must be an integer"),
    (lambda: fs.Gaussian(10, "1"), TypeError, "sigma must be a real number"),
    (lambda: fs.Gaussian.from_rms(10, 0.0), ValueError, "rms must be > 0"),
    (lambda: fs.Gaussian(10, 1.0).sample(-1), ValueError, "n must be a non-negative integer"),
    (lambda: fs.Gaussian(10, 1.0).sample(3, seed=1.5), TypeError, "seed"),
    (lambda: fs.Gaussian(10, 1.0).log_pdf(np.zeros((3, 9))), ValueError, "shape"),
])
def test_bad_parameters(make, exc, words):
    with pytest.raises(exc, match=words):
        make()


def test_log_ratio_kernels_match_full_dimensional_densities():
    """The kernels' two-number formulas equal log pi0(z - delta*) - log pi0(z) computed on full vectors."""
    from fastsmooth import kernels
    log_ratio_l1, log_ratio_l2, log_ratio_mixed = (np.vectorize(f) for f in (
        kernels.log_ratio_l1, kernels.log_ratio_l2, kernels.log_ratio_mixed))
    r = 0.37
    noise = fs.L2Centripetal(7, 2.5, 0.8)
    z = noise.sample(1000, seed=4).astype(np.float64)
    shifted = z.copy()
    shifted[:, 0] -= r
    R = np.linalg.norm(z, axis=1)
    np.testing.assert_allclose(log_ratio_l2(R**2, z[:, 0], r, noise.k, noise.sigma),
                               noise.log_pdf(shifted) - noise.log_pdf(z), rtol=1e-9, atol=1e-9)
    noise = fs.L1Centripetal(7, 2.5, 0.8)
    z = noise.sample(1000, seed=4).astype(np.float64)
    shifted = z.copy()
    shifted[:, 0] -= r
    np.testing.assert_allclose(log_ratio_l1(np.abs(z).sum(1), z[:, 0], r, noise.k, noise.b),
                               noise.log_pdf(shifted) - noise.log_pdf(z), rtol=1e-9, atol=1e-9)
    noise = fs.MixedLinfL2(7, 2.5, 0.8)
    z = noise.sample(1000, seed=4).astype(np.float64)
    X = log_ratio_mixed(np.abs(z).max(1), z.sum(1), z.max(1), z.min(1), r, 7, noise.k, noise.sigma)
    np.testing.assert_allclose(X, noise.log_pdf(z - r) - noise.log_pdf(z), rtol=1e-9, atol=1e-9)
