"""Kernels: Philox known answers, CPU = CUDA simulator bit for bit, independence of chunking and
threads, and the laws of the per-sample statistics."""
import os
import subprocess
import sys

import numba
import numpy as np
import pytest
from scipy import stats

import fastsmooth as fs
from fastsmooth.kernels import cpu, families
from fastsmooth.kernels.device import EXTRA, STREAM_REDUCE, define
from fastsmooth.kernels.elementary import ATANH_SERIES_MAX

sys.path.insert(0, os.path.dirname(__file__))
from kernel_cases import FILL_CASES, REDUCE_CASES, SEED  # noqa: E402

KAT = [  # docs/design.md: counter words, key words -> output words
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
]
PLAIN = define(lambda f: f)  # the same source as plain Python


@pytest.mark.parametrize("ctr,key,expected", KAT)
def test_philox_known_answers(ctr, key, expected):
    words = [np.uint64(v) for v in ctr + key]
    assert tuple(int(v) for v in cpu.philox(*words)) == expected
    assert tuple(int(v) for v in PLAIN["philox"](*words)) == expected


def _words(seed):
    return np.uint64(seed & 0xFFFFFFFF), np.uint64(seed >> 32)


def _cpu_fill(noise, n, offset):
    return noise.sample(n, seed=SEED, offset=offset)


def _cpu_reduce(noise, n, radii, lows, inv_widths, nbins):
    return cpu.reduce(noise.kernel_spec(), n, 0, radii, lows, inv_widths, nbins, SEED, STREAM_REDUCE, chunks=3)


@pytest.fixture(scope="module")
def simulator_results(tmp_path_factory):
    path = tmp_path_factory.mktemp("cudasim") / "results.npz"
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1", PYTHONPATH=os.path.dirname(__file__))
    subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "cudasim_worker.py"), str(path)],
                   check=True, env=env, timeout=900)
    with np.load(path) as data:
        return dict(data)


@pytest.mark.parametrize("case", FILL_CASES, ids=[c[0] for c in FILL_CASES])
def test_fill_cpu_equals_cuda_simulator(case, simulator_results):
    name, noise, n, offset = case
    expected = _cpu_fill(noise, n, offset)
    for shape in ("4x1", "3x2"):
        np.testing.assert_array_equal(simulator_results[f"fill-{name}-{shape}"], expected)


@pytest.mark.parametrize("case", REDUCE_CASES, ids=[c[0] for c in REDUCE_CASES])
def test_reduce_cpu_equals_cuda_simulator(case, simulator_results):
    name, noise, n, radii, lows, inv_widths, nbins = case
    counts = _cpu_reduce(noise, n, radii, lows, inv_widths, nbins)
    assert counts.sum() == n * radii.size
    np.testing.assert_array_equal(simulator_results[f"reduce-{name}"], counts)


@pytest.mark.parametrize("noise", [c[1] for c in FILL_CASES] + [fs.L2Centripetal(3072, 3060, 4.0)], ids=repr)
def test_chunks_and_threads_do_not_change_samples(noise):
    whole = noise.sample(37, seed=5)
    parts = np.concatenate([noise.sample(10, seed=5), noise.sample(1, seed=5, offset=10),
                            noise.sample(26, seed=5, offset=11)])
    np.testing.assert_array_equal(parts, whole)
    into = np.full((37, noise.d), np.nan, np.float32)
    assert noise.sample(37, seed=5, out=into) is into
    np.testing.assert_array_equal(into, whole)
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        np.testing.assert_array_equal(noise.sample(37, seed=5), whole)
    finally:
        numba.set_num_threads(threads)
    assert not np.array_equal(noise.sample(37, seed=6), whole)


def test_reduction_independent_of_chunking():
    noise = fs.L1Centripetal(50, 10, 0.5)
    spec = noise.kernel_spec()
    args = (np.array([0.2, 0.5]), np.array([-4.0, -8.0]), np.array([20.0, 10.0]), 64)
    one = cpu.reduce(spec, 5000, 0, *args, 1, 1, chunks=1)
    many = cpu.reduce(spec, 5000, 0, *args, 1, 1, chunks=7)
    split = cpu.reduce(spec, 1234, 0, *args, 1, 1, chunks=2) + cpu.reduce(spec, 3766, 1234, *args, 1, 1, chunks=3)
    np.testing.assert_array_equal(one, many)
    np.testing.assert_array_equal(one, split)


def test_nvvm_compiles_this_package_without_contraction(monkeypatch):
    """kernels/gpu.py wraps numba-cuda's NVVM entry point: modules holding this package's functions
    (their mangled names) compile with fma=0, other modules and fastmath requests as asked.
    (tools/cuda_ptx_check.py checks the PTX itself where libnvvm is installed.)"""
    from numba.cuda.cudadrv import nvvm

    from fastsmooth.kernels import gpu
    calls = []
    monkeypatch.setattr(nvvm, "compile_ir", lambda llvmir, **options: calls.append(options) or "ptx")
    gpu.configure_nvvm()
    ours = "define void @_ZN10fastsmooth7kernels3gpu14_reduce_kernelE(double %x) {}"
    assert nvvm.compile_ir([ours], opt=3, fastmath=False) == "ptx"
    nvvm.compile_ir(["define void @_ZN8__main__6kernelE(double %x) {}"], opt=3, fastmath=False)
    nvvm.compile_ir(ours, opt=3, fastmath=True)
    assert calls == [{"opt": 3, "fastmath": False, "fma": False}, {"opt": 3, "fastmath": False},
                     {"opt": 3, "fastmath": True}]
    assert gpu.NVVM_MARK in ours


def test_torch_cpu_tensor_filled_in_place():
    torch = pytest.importorskip("torch") if False else __import__("torch")
    noise = fs.MixedLinfL2(20, 3.0, 0.5)
    t = torch.zeros(8, 20)
    noise.sample(8, seed=3, out=t)
    np.testing.assert_array_equal(t.numpy(), noise.sample(8, seed=3))
    with pytest.raises(ValueError, match="float32 array of shape"):
        noise.sample(8, seed=3, out=torch.zeros(8, 20, dtype=torch.float64))
    with pytest.raises(ValueError, match="C-contiguous"):
        noise.sample(8, seed=3, out=np.zeros((20, 8), np.float32).T)
    with pytest.raises(TypeError, match="out must be"):
        noise.sample(8, seed=3, out=[[0.0] * 20] * 8)


def test_cuda_without_gpu_says_what_to_install():
    from numba import cuda
    if cuda.is_available():
        pytest.skip("a CUDA GPU is present: the error path does not apply")
    with pytest.raises(RuntimeError, match=r'pip install "fastsmooth\[cuda\]"'):
        fs.certified_radius(fs.Gaussian(10, 1.0), 0.9, method="mc", device="cuda")


# ---- laws of the per-sample statistics (KS tests at false-failure rate 1e-6 each) ---------------
def _stats(kind, noise, n, seed=21):
    fn = cpu.dev["stats_l2" if kind == "l2" else "stats_l1"]
    shape = noise.kernel_spec().shape
    k0, k1 = _words(seed)
    return np.array([fn(shape, noise.d, k0, k1, np.uint64(i), 1) for i in range(n)])


@pytest.mark.parametrize("d,k", [(2, 0.5), (3, 1.0), (4, 0.0), (5, 2.0), (40, 30.5), (3072, 3060.0)])
def test_l2_reduction_statistics_laws(d, k):
    """R^2 / (2 sigma^2) ~ Gamma((d - k) / 2) and (1 + u1) / 2 ~ Beta((d-1)/2, (d-1)/2), every way u1 is
    drawn: d = 2 and 3 in closed form, d = 4, 5 with many rejected proposals, large d (KS, 1e-6 each);
    and R independent of u1 (a 2 x 2 contingency table at the medians, chi-square, 1e-6)."""
    noise = fs.L2Centripetal(d, k, 1.0)
    R2, z1 = _stats("l2", noise, 4000).T  # in units of sigma^2 and sigma
    u1 = z1 / np.sqrt(R2)
    assert stats.kstest(R2 / 2, stats.gamma((d - k) / 2).cdf).pvalue > 1e-6
    assert stats.kstest((1 + u1) / 2, stats.beta((d - 1) / 2, (d - 1) / 2).cdf).pvalue > 1e-6
    high_r, high_u = R2 > np.median(R2), np.abs(u1) > np.median(np.abs(u1))
    table = [[np.sum(high_r & high_u), np.sum(high_r & ~high_u)], [np.sum(~high_r & high_u), np.sum(~high_r & ~high_u)]]
    assert stats.chi2_contingency(table).pvalue > 1e-6


@pytest.mark.parametrize("d,k", [(2, 0.5), (30, 4.0), (784, 700.0)])
def test_l1_reduction_statistics_laws(d, k):
    noise = fs.L1Centripetal(d, k, 1.0)
    R, z1 = _stats("l1", noise, 4000).T
    assert stats.kstest(R, stats.gamma(d - k).cdf).pvalue > 1e-6
    assert stats.kstest(np.abs(z1) / R, stats.beta(1, d - 1).cdf).pvalue > 1e-6
    assert stats.binomtest(int((z1 > 0).sum()), z1.size).pvalue > 1e-6


def test_gamma_below_one():
    """Gamma(0.3) by a Gamma(1.3) variate times U^(1/0.3) (the plain-arithmetic exp and log): KS, 1e-6."""
    k0, k1 = _words(4)
    g = np.array([cpu.dev["gamma"](0.3, k0, k1, np.uint64(i), 1, 0) for i in range(4000)])
    assert stats.kstest(g, stats.gamma(0.3).cdf).pvalue > 1e-6


@pytest.mark.parametrize("tau", [0.3, 0.999, 1.0, 2.5])
def test_fallback_draws_are_truncated_normals(tau):
    """The mixed family's fallback (rejection on blocks of its own, Box-Muller candidates for
    tau >= 1, uniform proposals below): N(0, 1) truncated to [-tau, tau], KS against scipy's
    truncnorm (1e-6), over coordinates j of many samples; and coordinates j and j + 1 of a sample
    uncorrelated (their blocks differ; |r| < 5.3 / sqrt(n), 1e-7 under independence)."""
    k0, k1 = _words(9)
    fallback = cpu.dev["fallback"]
    x = np.array([[fallback(tau, k0, k1, np.uint64(i), 1, j) for j in range(2)] for i in range(3000)])
    assert (np.abs(x) <= tau).all()
    assert stats.kstest(x.ravel(), stats.truncnorm(-tau, tau).cdf).pvalue > 1e-6
    assert abs(np.corrcoef(x[:, 0], x[:, 1])[0, 1]) < 5.3 / np.sqrt(x.shape[0])


def test_mixed_laws_against_importance_sampling():
    """T = ||z||_inf and z_1 of MixedLinfL2(4, 1, 1) against self-normalized importance sampling from
    N(0, I) with weights ||g||_inf^-k. The weighted ECDF's error is bounded with 6 standard errors from
    the effective sample size (false failure ~1e-8 per point, 20 points)."""
    d, k = 4, 1.0
    noise = fs.MixedLinfL2(d, k, 1.0)
    z = noise.sample(100_000, seed=8).astype(np.float64)
    g = np.random.default_rng(8).standard_normal((400_000, d))
    w = np.abs(g).max(1) ** -k
    w /= w.sum()
    ess = 1 / (w**2).sum()
    for stat_z, stat_g in ((np.abs(z).max(1), np.abs(g).max(1)), (z[:, 0], g[:, 0])):
        for x in np.quantile(stat_z, np.linspace(0.05, 0.95, 10)):
            p_is = w[stat_g <= x].sum()
            p_mc = (stat_z <= x).mean()
            tol = 6 * np.sqrt(p_is * (1 - p_is)) * (1 / np.sqrt(ess) + 1 / np.sqrt(stat_z.size))
            assert abs(p_is - p_mc) < tol


@pytest.mark.parametrize("k", [0.0, 48.5], ids=["normal-proposals", "uniform-proposals"])
def test_mixed_coordinates_are_truncated_normals(k):
    """Given T = ||z||_inf, the other coordinates are iid N(0, sigma^2) truncated to [-T, T]: their
    probability-integral transforms are iid U(0, 1) (KS, false failure 1e-6)."""
    from scipy import special
    sigma, d = 0.7, 50
    z = fs.MixedLinfL2(d, k, sigma).sample(400, seed=12).astype(np.float64) / sigma
    T = np.abs(z).max(axis=1, keepdims=True)
    face = np.abs(z) == T
    assert (face.sum(axis=1) == 1).all()
    pit = (special.ndtr(z) - special.ndtr(-T)) / (special.ndtr(T) - special.ndtr(-T))
    assert stats.kstest(pit[~face], "uniform").pvalue > 1e-6
    assert (T >= 1).all() if k == 0 else (T < 1).mean() > 0.5  # the path the case is named for


# ---- the plain-arithmetic elementary functions and the vectorized L2 reduction ------------------
def _ulps(got, ref):
    """|got - ref| in units in the last place of the float64 nearest ref (ref in long double)."""
    return np.abs(got.astype(np.longdouble) - ref) / np.spacing(np.abs(ref.astype(np.float64)))


def test_elementary_functions_within_an_ulp_or_two():
    """log, log1p, sin and cos against numpy's long-double functions (x86: 64-bit mantissas, far
    more accurate than the float64 results checked); the documented bounds are 1, 2, 1, 2 ulp."""
    elem = cpu.dev["elementary"]
    log_positive, log1p, sincos = (np.vectorize(elem[name]) for name in ("log_positive", "log1p", "sincos_quarter"))
    rng = np.random.default_rng(0)
    x = np.concatenate([np.exp(rng.uniform(-700, 700, 5000)), rng.uniform(0.5, 2, 5000),
                        1 + rng.uniform(-1e-9, 1e-9, 500),
                        [2.3e-308, 2.0, np.nextafter(1, 0), np.nextafter(1, 2), 1.7e308]])
    assert _ulps(log_positive(x), np.log(x.astype(np.longdouble))).max() <= 1.0
    assert log_positive(1.0) == 0.0
    q = np.concatenate([rng.uniform(-0.999, 10, 5000), np.geomspace(1e-300, 1e-2, 500),
                        -np.geomspace(1e-300, 1e-2, 500), np.exp(rng.uniform(-30, 600, 500))])
    assert _ulps(log1p(q), np.log1p(q.astype(np.longdouble))).max() <= 2.0
    s = np.concatenate([rng.uniform(-ATANH_SERIES_MAX, ATANH_SERIES_MAX, 5000),
                        np.geomspace(1e-300, ATANH_SERIES_MAX, 500), -np.geomspace(1e-300, ATANH_SERIES_MAX, 500)])
    series = np.vectorize(elem["log_ratio_series"])(s)
    s_long = s.astype(np.longdouble)
    assert _ulps(series, np.log1p(2 * s_long / (1 - s_long))).max() <= 1.0  # log((1 + s) / (1 - s))
    t = np.concatenate([rng.uniform(0, np.pi / 4, 5000), [1e-300, 1e-8, np.pi / 4]])
    s, c = sincos(t)
    assert _ulps(s, np.sin(t.astype(np.longdouble))).max() <= 1.0
    assert _ulps(c, np.cos(t.astype(np.longdouble))).max() <= 2.0


def test_exp_and_expm1_against_long_double():
    """The plain-arithmetic exp (1 ulp where the result is normal; subnormal results within an ulp
    of the subnormal grid) and expm1 (1.5 ulp) against numpy's long-double functions, on both
    sides of every reduction boundary k ln 2 +- ln(2)/2 that the samples reach, with the limits:
    0 and inf past the range, -1 for very negative x, exact zeros."""
    elem = cpu.dev["elementary"]
    exp, expm1 = np.vectorize(elem["exp"]), np.vectorize(elem["expm1"])
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.uniform(-708, 709.7, 20000), rng.uniform(-1.5, 1.5, 20000),
                        np.geomspace(1e-300, 1, 500), -np.geomspace(1e-300, 1, 500), [-0.0, 0.0, 709.78, -708.3]])
    x_long = x.astype(np.longdouble)
    assert _ulps(exp(x), np.exp(x_long)).max() <= 1.0
    assert _ulps(expm1(x), np.expm1(x_long)).max() <= 1.5
    tiny = rng.uniform(-745.1, -708.5, 2000)  # subnormal results: error counted in units of 2^-1074
    assert (np.abs(exp(tiny).astype(np.longdouble) - np.exp(tiny.astype(np.longdouble))) <= 2.0**-1074).all()
    with np.errstate(over="ignore"):
        assert exp(709.8) == np.inf and exp(-745.2) == 0.0 and exp(-1e308) == 0.0 and exp(0.0) == 1.0
        assert expm1(-40.0) == -1.0 and expm1(-1e308) == -1.0 and expm1(0.0) == 0.0 and expm1(709.8) == np.inf


def test_l2_log_ratio_both_forms_against_long_double():
    """X of the L2 family from (R2, z1): the SIMD form 2 atanh(s) where |s| <= ATANH_SERIES_MAX (NaN
    elsewhere) and log1p(-cross / R2) for the rest, against long-double log1p on the same float64
    cross = 2 r z1 - r^2: within 4 ulp of the larger of X's two terms, plus log1p's conditioning
    where -cross / R2 nears -1 (the rounding of that quotient); each form used."""
    rng = np.random.default_rng(5)
    n = 20_000
    R2 = np.exp(rng.uniform(-20, 20, n))
    z1 = np.sqrt(R2) * rng.uniform(-1, 1, n)
    r = np.sqrt(R2) * np.exp(rng.uniform(-6, 1.5, n))
    k = rng.uniform(0, 3000, n)
    sigma = np.exp(rng.uniform(-3, 3, n))
    series = np.array([cpu.dev["log_ratio_l2_series"](*args) for args in zip(R2, z1, r, k, sigma)])
    full = np.array([cpu.dev["log_ratio_l2"](*args) for args in zip(R2, z1, r, k, sigma)])
    cross = 2.0 * r * z1 - r * r  # float64, as the kernel rounds it
    q = -cross.astype(np.longdouble) / R2
    log_term = -0.5 * k * np.log1p(q)
    linear_term = cross.astype(np.longdouble) / (2 * sigma.astype(np.longdouble) ** 2)
    scale = np.maximum(np.abs(log_term), np.abs(linear_term)).astype(np.float64)
    # and the conditioning of log1p at q near -1: the rounding of q (2^-53 |q|) over 1 + q, times k / 2
    conditioning = (0.5 * k * 2.0**-52 * np.abs(q) / (1 + q)).astype(np.float64)
    assert (np.abs(full - (log_term + linear_term)) <= 4 * np.spacing(scale) + conditioning).all()
    s = cross / (cross - 2.0 * R2)
    in_range = np.abs(s) <= ATANH_SERIES_MAX
    assert 0.2 < in_range.mean() < 0.8
    np.testing.assert_array_equal(np.isnan(series), ~in_range)
    np.testing.assert_array_equal(series[in_range], full[in_range])


def test_uniform_minus_one_is_exact():
    """The squeezes' u - 1 in one operation: equal to uniform(w) - 1 (both exact) at the ends and on
    100,000 random words."""
    rng = np.random.default_rng(8)
    words = np.concatenate([rng.integers(0, 2**32, 100_000, dtype=np.uint64),
                            np.array([0, 1, 2**31 - 1, 2**31, 2**32 - 2, 2**32 - 1], np.uint64)])
    got = np.array([cpu.dev["uniform_minus_one"](w) for w in words])
    np.testing.assert_array_equal(got, (words.astype(np.float64) + 0.5) / 2**32 - 1.0)


def test_box_muller_octants_give_independent_normals():
    """Both outputs N(0, 1) and the angle uniform on the circle (KS, false failure 1e-6 each), and the
    two outputs uncorrelated (|r| < 6/sqrt(n): false failure 2e-9)."""
    words = np.random.default_rng(3).integers(0, 2**32, size=(2, 20000), dtype=np.uint64)
    pairs = np.array([cpu.dev["normal_pair"](w0, w1) for w0, w1 in words.T])
    for column in pairs.T:
        assert stats.kstest(column, "norm").pvalue > 1e-6
    angle = (np.arctan2(pairs[:, 1], pairs[:, 0]) + np.pi) / (2 * np.pi)
    assert stats.kstest(angle, "uniform").pvalue > 1e-6
    assert abs(np.corrcoef(pairs.T)[0, 1]) < 6 / np.sqrt(len(pairs))


VECTORIZED_CASES = [fs.L2Centripetal(5, 4.0, 1.0), fs.L2Centripetal(4, 2.0, 0.7), fs.L2Centripetal(3, 0.4, 1.0),
                    fs.Gaussian(40, 0.5), fs.MixedLinfL2(11, 0.0, 0.6), fs.MixedLinfL2(20, 18.5, 0.6)]
VECTORIZED_IDS = ["l2-shape-0.5-every-gamma-redrawn", "l2-shape-1-many-rejections", "l2-d3-every-u1-closed-form",
                  "gaussian", "mixed-ziggurat-proposals", "mixed-uniform-proposals"]


def _histograms_over_the_middle(x, nbins):
    """Bins over the middle 90% of each row of x (X at one radius), so that slots 0 and nbins + 1 are
    used too, and the counts of x in them by the plain-Python histogram_bin: (lows, inv_widths, counts)."""
    lows = np.quantile(x, 0.05, axis=1)
    inv_widths = nbins / (np.quantile(x, 0.95, axis=1) - lows)
    counts = np.zeros((x.shape[0], nbins + 2), np.int64)
    for j in range(x.shape[0]):
        for value in x[j]:
            counts[j, PLAIN["histogram_bin"](value, lows[j], inv_widths[j], nbins)] += 1
    return lows, inv_widths, counts


@pytest.mark.parametrize("noise", VECTORIZED_CASES, ids=VECTORIZED_IDS)
def test_vectorized_reduction_equals_the_per_sample_path(noise):
    """cpu.reduce runs the L2 family in vectorized passes over samples, and the mixed family in
    vectorized passes over coordinates, with slow draws and rejections finished in between; its
    counts must equal X computed one sample at a time by the plain-Python device functions (batches
    and chunks cut at odd places: 700 samples from offset 300, 3 chunks)."""
    spec = noise.kernel_spec()
    radii = np.array([0.05, 0.4, 1.5]) * (noise.sigma if spec.family == families.MIXED else 1.0)
    x = np.empty((radii.size, 700))
    for i in range(700):
        a, b, s, t = PLAIN["sample_stats"](spec.family, spec.shape, noise.d, spec.table, spec.log_tau, *_words(SEED),
                                           np.uint64(300 + i), STREAM_REDUCE)
        x[:, i] = [PLAIN["log_ratio"](spec.family, a, b, s, t, r, noise.d, noise.k, spec.scale) for r in radii]
    nbins = 64
    lows, inv_widths, expected = _histograms_over_the_middle(x, nbins)
    counts = cpu.reduce(spec, 700, 300, radii, lows, inv_widths, nbins, SEED, STREAM_REDUCE, chunks=3)
    assert (expected[:, 0] > 0).all() and (expected[:, -1] > 0).all() and (expected[:, 1:-1].sum(axis=1) > 500).all()
    np.testing.assert_array_equal(counts, expected)


def test_deferred_samples_counted_as_the_per_sample_path_counts_them():
    """At d = 3072 about 0.6% of samples have an undecided first attempt: cpu.reduce counts them at a
    placeholder's slot and finishes them PENDING at a time and at each chunk's end. Its counts over
    30,000 samples (offset 7, 3 chunks: over 100 deferred) must equal those of X computed one sample
    at a time by the device path (cpu.sample_stats and log_ratios_of: stats_l2, log_ratio_l2), which
    defers nothing."""
    noise = fs.L2Centripetal(3072, 3060, 4.0)
    spec = noise.kernel_spec()
    n, offset, radii, nbins = 30_000, 7, np.array([0.2, 0.9]), 64
    k0, k1 = _words(SEED)
    undecided = 0
    for i in range(offset, offset + n):
        words = cpu.dev["block"](k0, k1, np.uint64(i), STREAM_REDUCE, EXTRA)
        g_radius, u1, _, _ = cpu.dev["l2_draws_from"](spec.shape, 0.5 * (noise.d - 3), *words)
        undecided += (g_radius < 0) or np.isnan(u1)
    assert 100 < undecided < 400
    stats = cpu.sample_stats(spec, n, offset, SEED, STREAM_REDUCE)
    x = cpu.log_ratios_of(spec, stats, radii)
    lows, inv_widths, expected = _histograms_over_the_middle(x, nbins)
    counts = cpu.reduce(spec, n, offset, radii, lows, inv_widths, nbins, SEED, STREAM_REDUCE, chunks=3)
    np.testing.assert_array_equal(counts, expected)


@pytest.mark.parametrize("a", [1.0, 1.7, 6.0, 1535.5])
def test_gamma_squeeze_accepts_only_what_the_exact_test_accepts(a):
    """The log-free squeeze of gamma_squeeze is a sufficient condition of the Marsaglia-Tsang test
    (checked with numpy's log on 200,000 attempts whose normals are spread wider than N(0, 1)), and it
    leaves few attempts undecided (the docstring's 0.03 / dd, with room for sampling error)."""
    rng = np.random.default_rng(11)
    n = rng.standard_normal(200_000) * 1.5
    w = rng.integers(0, 2**32, size=n.size, dtype=np.uint64)
    squeeze = np.array([cpu.dev["gamma_squeeze"](a, x, word) for x, word in zip(n, w)])
    dd = a - 1 / 3
    v = (1 + n / np.sqrt(9 * dd)) ** 3
    u = (w.astype(np.float64) + 0.5) / 2**32
    with np.errstate(invalid="ignore", divide="ignore"):
        exact = (v > 0) & (np.log(u) < 0.5 * n**2 + dd * (1 - v + np.log(v)))
    accepted = squeeze >= 0
    assert not (accepted & ~exact).any()
    np.testing.assert_allclose(squeeze[accepted], (dd * v)[accepted], rtol=1e-13)  # 1 + y cancels near v = 0
    assert (exact & ~accepted).mean() < 1.5**4 * 0.03 / dd + 1e-3


@pytest.mark.parametrize("m", [0.5, 1.0, 3.5, 48.5, 1534.5])
def test_u1_squeeze_accepts_only_what_the_exact_test_accepts(m):
    """u1_squeeze's log-free test implies u1's rejection test log u < m (log(1 - y) + y), y = x^2,
    checked with numpy's log1p on 200,000 proposals spread wider than N(0, 1 / (2m)); and the
    undecided share is small where proposals are mostly accepted (3 / (8 m) rejected, in theory)."""
    rng = np.random.default_rng(12)
    n = rng.standard_normal(200_000) * 1.5
    w = rng.integers(0, 2**32, size=n.size, dtype=np.uint64)
    squeeze = np.array([cpu.dev["u1_squeeze"](m, v, word) for v, word in zip(n, w)])
    x = n * (1 / np.sqrt(2 * m))  # the kernel's rounding: a product with the hoisted reciprocal
    y = x * x
    u = (w.astype(np.float64) + 0.5) / 2**32
    with np.errstate(invalid="ignore"):
        exact = (y < 1) & (np.log(u) < m * (np.log1p(-y) + y))
    accepted = squeeze == squeeze
    assert not (accepted & ~exact).any()
    np.testing.assert_array_equal(squeeze[accepted], x[accepted])
    if m > 40:
        assert (exact & ~accepted).mean() < 1.5**4 * 3 / (8 * m) + 1e-3


@pytest.mark.parametrize("a", [1.0, 6.0, 1535.5])
def test_gamma_variates_follow_their_law(a):
    """gamma() (first attempts through gamma_try, rejections on later blocks): KS, false failure 1e-6."""
    k0, k1 = _words(9)
    g = np.array([cpu.dev["gamma"](a, k0, k1, np.uint64(i), 1, 0) for i in range(4000)])
    assert stats.kstest(g, stats.gamma(a).cdf).pvalue > 1e-6


@pytest.mark.parametrize("noise", VECTORIZED_CASES[3:], ids=VECTORIZED_IDS[3:])
def test_vectorized_fill_equals_the_per_sample_path(noise):
    """cpu.fill's SIMD passes (fast paths, then the full path where they left NaN) give the rows of
    the plain-Python device fill_row, for 60 rows from offset 5; the slow paths are exercised."""
    family, _, _, shape, scale, cdf, log_tau = noise.kernel_spec()
    rows = noise.sample(60, seed=SEED, offset=5)
    expected = np.empty_like(rows)
    for i in range(60):
        PLAIN["fill_row"](expected[i], family, shape, scale, cdf, log_tau, *_words(SEED), np.uint64(5 + i))
    np.testing.assert_array_equal(rows, expected)
    # the NaN-flagged full paths ran: some fast-path draws of these rows needed them
    words = [PLAIN["block"](*_words(SEED), np.uint64(5 + i), 0, 4096 + b)
             for i in range(60) for b in range(noise.d // 2)]
    if family == families.MIXED:
        tau = [PLAIN["mixed_draw_t"](cdf, log_tau, *_words(SEED), np.uint64(5 + i), 0)[0] for i in range(60)]
        flags = [PLAIN["mixed_fast"](w[0], w[1], tau[n // (noise.d // 2)]) for n, w in enumerate(words)]
    else:
        flags = [PLAIN["ziggurat_fast"](w[0], w[1]) for w in words]
    assert np.isnan(flags).sum() >= 3
