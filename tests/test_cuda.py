"""The CUDA half against the CPU, bit for bit: on a real GPU, or under numba's CUDA simulator
(NUMBA_ENABLE_CUDASIM=1; tools/gpu_check.py --simulate runs this file so, and CI runs that). On a
machine with neither, every test here is skipped: the CPU-versus-simulator equality is also
checked in test_kernels.py. `python tools/gpu_check.py OUT_DIR` runs this file on the device.

Under the simulator the tests that need device arrays (torch or cupy CUDA tensors) are skipped:
the simulator has none. The sizes are small under the simulator and larger on a GPU.
"""
import numba
import numpy as np
import pytest
from numba import cuda

import fastsmooth as fs
from fastsmooth.certificates import montecarlo
from fastsmooth.kernels.device import STREAM_REDUCE

from kernel_cases import FILL_CASES, REDUCE_CASES, SEED

SIMULATOR = bool(numba.config.ENABLE_CUDASIM)
try:
    REAL_GPU = not SIMULATOR and cuda.is_available()
except Exception:  # noqa: BLE001 - a broken driver is a missing GPU here
    REAL_GPU = False

pytestmark = pytest.mark.skipif(not (REAL_GPU or SIMULATOR), reason="no CUDA GPU (and not under the simulator)")
needs_device_arrays = pytest.mark.skipif(not REAL_GPU, reason="needs a real CUDA GPU (device arrays)")

# launch shapes (threads a block, blocks); the simulator runs each thread as a Python thread: small ones there
LAUNCHES = ((4, 1), (3, 2)) if SIMULATOR else ((4, 1), (3, 2), (256, None))
FAMILIES = [fs.Gaussian(784, 0.25), fs.L2Centripetal(784, 772, 2.0), fs.Laplace(784, 0.2),
            fs.L1Centripetal(784, 700, 0.5), fs.LinfCentripetal(784, 700, 0.3), fs.MixedLinfL2(784, 20, 0.25),
            fs.L2Centripetal(784, 783.5, 1.0)]  # the last: Gamma shape 0.25 (the boost U^(1/a))


def _gpu():
    from fastsmooth.kernels import gpu
    return gpu


def _cpu_reduce(noise, n, offset, radii, lows, inv_widths, nbins, seed=SEED):
    from fastsmooth.kernels import cpu
    return cpu.reduce(noise.kernel_spec(), n, offset, radii, lows, inv_widths, nbins, seed, STREAM_REDUCE, chunks=4)


def _gpu_reduce(noise, n, offset, radii, lows, inv_widths, nbins, seed=SEED, **launch):
    return _gpu().reduce(noise.kernel_spec(), n, offset, radii, lows, inv_widths, nbins, seed, STREAM_REDUCE, **launch)


@pytest.mark.parametrize("case", FILL_CASES, ids=[c[0] for c in FILL_CASES])
def test_fill_equals_cpu_for_any_launch_shape(case):
    name, noise, n, offset = case
    expected = noise.sample(n, seed=SEED, offset=offset)
    for threads, blocks in LAUNCHES:
        out = np.zeros((n, noise.d), np.float32)
        _gpu().fill(out, noise.kernel_spec(), SEED, offset, threads=threads, blocks=blocks)
        np.testing.assert_array_equal(out, expected, err_msg=f"{name}, {threads} threads x {blocks} blocks")


@pytest.mark.parametrize("case", REDUCE_CASES, ids=[c[0] for c in REDUCE_CASES])
def test_reduce_equals_cpu_for_any_launch_shape(case):
    name, noise, n, radii, lows, inv_widths, nbins = case
    n = n if SIMULATOR else 200_000
    expected = _cpu_reduce(noise, n, 0, radii, lows, inv_widths, nbins)
    assert expected.sum() == n * radii.size
    for threads, blocks in LAUNCHES:
        got = _gpu_reduce(noise, n, 0, radii, lows, inv_widths, nbins, threads=threads, blocks=blocks)
        np.testing.assert_array_equal(got, expected)


@needs_device_arrays
@pytest.mark.parametrize("noise", FAMILIES, ids=repr)
def test_sample_into_device_arrays_equals_cpu(noise):
    import torch
    for n, seed, offset in ((2049, 0, 0), (333, 2**64 - 1, 2**33 + 5), (1, 12345, 999_999)):
        expected = noise.sample(n, seed=seed, offset=offset)
        tensor = torch.empty((n, noise.d), dtype=torch.float32, device="cuda")
        assert noise.sample(n, seed=seed, offset=offset, out=tensor) is tensor
        np.testing.assert_array_equal(tensor.cpu().numpy(), expected)
    try:
        import cupy
    except ImportError:
        return
    array = cupy.empty((100, noise.d), dtype=cupy.float32)
    noise.sample(100, seed=7, offset=3, out=array)
    np.testing.assert_array_equal(cupy.asnumpy(array), noise.sample(100, seed=7, offset=3))


@needs_device_arrays
@pytest.mark.parametrize("noise", [fs.Gaussian(3072, 0.25), fs.L2Centripetal(3072, 3060, 4.0),
                                   fs.L1Centripetal(3072, 3000, 0.2), fs.MixedLinfL2(3072, 20, 0.25)], ids=repr)
def test_histograms_equal_cpu(noise):
    radii = np.array([0.01, 0.1, 0.5]) if noise.family != "mixed" else np.array([0.001, 0.004])
    n = 20_000 if noise.family == "mixed" else 1_000_000
    cpu_law = montecarlo.HistogramLaw(noise, radii, n, seed=3, device="cpu")
    gpu_law = montecarlo.HistogramLaw(noise, radii, n, seed=3, device="cuda")
    np.testing.assert_array_equal(gpu_law.counts, cpu_law.counts)


@needs_device_arrays
def test_monte_carlo_certificates_equal_cpu():
    noise = fs.MixedLinfL2(784, 20, 0.25)
    opts = {"n_mc": 20_000, "alpha_mc": 1e-3, "seed": 5}
    pA = [0.6, 0.9, 0.99]
    np.testing.assert_array_equal(fs.certified_radius(noise, pA, device="cuda", **opts),
                                  fs.certified_radius(noise, pA, device="cpu", **opts))
    assert fs.lower_bound(noise, 0.9, 0.002, device="cuda", **opts) == fs.lower_bound(noise, 0.9, 0.002, **opts)


@needs_device_arrays
def test_smooth_on_the_gpu_counts_as_on_the_cpu():
    import torch
    w = torch.linspace(-1.0, 1.0, 784)

    def model(x):  # in float64: the GPU's and CPU's sums round alike to far below any score gap
        s = x.reshape(x.shape[0], -1).double() @ w.double().to(x.device)
        return torch.stack([-s, s], 1)

    x = (0.01 * w).reshape(28, 28)
    for noise in (fs.Gaussian(784, 0.25), fs.L1Centripetal(784, 700, 0.5)):
        on_cpu = fs.Smooth(model, 2, noise)
        on_gpu = fs.Smooth(model, 2, noise)
        assert on_gpu.certify(x.cuda(), 100, 5000, 0.001, 700, seed=9) == on_cpu.certify(x, 100, 5000, 0.001, 700,
                                                                                          seed=9)
        np.testing.assert_array_equal(on_gpu.last_counts, on_cpu.last_counts)
