"""CUDA drivers: the same device functions compiled with numba.cuda.jit(device=True).

Imported only when a CUDA path is used; needs numba-cuda (``pip install "fastsmooth[cuda]"``) and
a GPU, or NUMBA_ENABLE_CUDASIM=1 (numba's simulator, which runs these kernels on the CPU).
One thread per sample in a grid-stride loop; histogram counts are added with integer atomics, so
results do not depend on the launch shape.

The public drivers take the same positional arguments as kernels/cpu.py's (a families.KernelSpec
and a seed below 2^64); the launch shape is this driver's tuning:

    fill(out, spec, seed, offset=0, *, threads=256, blocks=None)
    reduce(spec, n, offset, radii, lows, inv_widths, nbins, seed, stream, *, threads=256, blocks=None)

Importing this module changes nothing in numba: configure_nvvm(), which the drivers call, sets up
NVVM for this package's code on first use.
"""
import numpy as np
from numba import cuda

from . import families
from .device import define

NVVM_MARK = "10fastsmooth7kernels"  # in the mangled names of every function compiled from this package


def configure_nvvm():
    """Make NVVM compile this package's CUDA code with -fma=0 (idempotent; a no-op under the simulator).

    By default NVVM fuses a multiply and a dependent add into one FMA (its -fma=1), which rounds
    once where the CPU rounds twice, so GPU floats would differ from the CPU's in the last bits;
    numba-cuda has no switch for it short of fastmath. This wraps numba-cuda's NVVM entry point:
    modules that hold functions of this package (NVVM_MARK in their IR) compile with fma=0, so that
    their multiplies and adds come out as mul.rn/add.rn, which ptxas does not fuse either; every
    other module compiles exactly as before. tools/cuda_ptx_check.py checks the result."""
    try:
        from numba.cuda.cudadrv import nvvm
        compile_ir = nvvm.compile_ir
    except (ImportError, AttributeError):  # the CUDA simulator has no NVVM
        return
    if getattr(compile_ir, "fastsmooth_wrapper", False):
        return

    def compile_ir_for_fastsmooth(llvmir, **options):
        modules = [llvmir] if isinstance(llvmir, (str, bytes)) else llvmir
        ours = any(NVVM_MARK in (m if isinstance(m, str) else m.decode("utf-8", "replace")) for m in modules)
        if ours and not options.get("fastmath"):
            options["fma"] = False
        return compile_ir(llvmir, **options)

    compile_ir_for_fastsmooth.fastsmooth_wrapper = True
    nvvm.compile_ir = compile_ir_for_fastsmooth


_compile_without_contraction = configure_nvvm  # the former name

# CUDA device code raises with constant arguments only (numba-cuda has no dynamic exceptions); the
# drivers below check the family id, naming it, before any launch
dev = define(cuda.jit(device=True), exception_values=False)
_fill_row = dev["fill_row"]
_sample_stats, _log_ratio, _histogram_bin = dev["sample_stats"], dev["log_ratio"], dev["histogram_bin"]


@cuda.jit
def _fill_kernel(out, family, shape, scale, cdf, log_tau, k0, k1, offset):
    i = cuda.grid(1)
    stride = cuda.gridsize(1)
    while i < out.shape[0]:
        _fill_row(out[i], family, shape, scale, cdf, log_tau, k0, k1, np.uint64(offset + i))
        i += stride


@cuda.jit
def _reduce_kernel(counts, family, n, offset, shape, d, k, scale, cdf, log_tau, radii, lows, inv_widths, nbins,
                   k0, k1, stream):
    i = cuda.grid(1)
    stride = cuda.gridsize(1)
    while i < n:
        a, b, s, t = _sample_stats(family, shape, d, cdf, log_tau, k0, k1, np.uint64(offset + i), stream)
        for j in range(radii.size):
            x = _log_ratio(family, a, b, s, t, radii[j], d, k, scale)
            cuda.atomic.add(counts, (j, _histogram_bin(x, lows[j], inv_widths[j], nbins)), 1)
        i += stride


def _launch(n, threads=256, blocks=None):
    if blocks is None:
        blocks = max(1, min((n + threads - 1) // threads, 65535))
    return blocks, threads


def fill(out, spec, seed, offset=0, *, threads=256, blocks=None):
    """Fill row i of a CUDA array (anything with __cuda_array_interface__; float32, (n, spec.d)) in
    place with sample offset + i of the noise of `spec`; a host array is copied over and back (the
    simulator's and the tests' path). Returns out."""
    family = families.check_family(spec.family)
    k0, k1 = families.seed_words(seed)
    configure_nvvm()
    on_device = hasattr(out, "__cuda_array_interface__")
    target = cuda.as_cuda_array(out) if on_device else cuda.to_device(out)
    if target.shape[1] != spec.d:
        raise ValueError(f"out has {target.shape[1]} columns, the noise {spec.d} coordinates")
    grid = _launch(target.shape[0], threads, blocks)
    _fill_kernel[grid](target, family, spec.shape, spec.scale, cuda.to_device(spec.table),
                       cuda.to_device(spec.log_tau), k0, k1, np.uint64(offset))
    cuda.synchronize()
    if not on_device:
        target.copy_to_host(out)
    return out


def reduce(spec, n, offset, radii, lows, inv_widths, nbins, seed, stream, *, threads=256, blocks=None):
    """cpu.reduce's histograms (the same counts), with integer atomics on the device."""
    family = families.check_family(spec.family, families.WITH_LOG_RATIO)
    k0, k1 = families.seed_words(seed)
    configure_nvvm()
    n, offset, nbins, stream = int(n), int(offset), int(nbins), int(stream)
    counts = cuda.to_device(np.zeros((radii.size, nbins + 2), np.int64))
    grid = _launch(n, threads, blocks)
    _reduce_kernel[grid](counts, family, n, offset, spec.shape, spec.d, spec.k, spec.scale, cuda.to_device(spec.table),
                         cuda.to_device(spec.log_tau), cuda.to_device(radii), cuda.to_device(lows),
                         cuda.to_device(inv_widths), nbins, k0, k1, stream)
    return counts.copy_to_host()
