"""Compile the CUDA kernels to PTX without a GPU (a developer's check, not a test).

numba's CUDA simulator runs the kernels' Python source, so it cannot show that NVVM accepts them.
This compiles `fastsmooth.kernels.gpu`'s kernels for a compute capability (default 9.0, Hopper)
with NVVM alone. It needs the CUDA toolkit's libnvvm and libnvrtc (for example
`pip install "nvidia-cuda-nvrtc==13.*"` next to a toolkit, with CUDA_HOME set) but no driver:
numba-cuda asks the current device for its compute capability when it compiles an overload
(scalar `.view`, used by kernels/elementary.py), so that one query is answered here. It also checks
that the package's own arithmetic compiles without fused multiply-adds (kernels/gpu.py sets NVVM's
-fma=0 for it), the condition for GPU floats to match the CPU's bit for bit.

    CUDA_HOME=/usr/local/cuda python tools/cuda_ptx_check.py [major minor]
"""
import sys
import types

from numba import cuda
from numba.cuda import api, dispatcher

SIGNATURES = {
    "_fill_kernel": "(float32[:, ::1], int64, float64, float64, float64[::1], float64[::1], uint64, uint64, int64)",
    "_reduce_kernel": ("(int64[:, ::1], int64, int64, int64, float64, int64, float64, float64, float64[::1], "
                       "float64[::1], float64[::1], float64[::1], float64[::1], int64, uint64, uint64, int64)"),
}


def main(cc=(9, 0)):
    device = types.SimpleNamespace(compute_capability=cc, id=0)
    for module in (api, dispatcher):  # the dispatcher holds its own reference to the function
        module.get_current_device = lambda: device
    from fastsmooth.kernels import gpu
    for name, signature in SIGNATURES.items():
        ptx, _ = cuda.compile_ptx(getattr(gpu, name).py_func, signature, cc=cc)
        print(f"{name}: {len(ptx)} characters of PTX for sm_{cc[0]}{cc[1]}, "
              f"{ptx.count('call.uni')} calls left after inlining")
    # No fused multiply-adds in the package's own arithmetic (gpu.NVVM_MARK): a probe of the L2
    # reduction's hot path, which calls no libdevice function (libdevice's exp, erf, ... use FMAs
    # of their own, so the full kernels hold some).
    normal_pair, squeeze, log_ratio_l2 = gpu.dev["normal_pair"], gpu.dev["gamma_squeeze"], gpu.dev["log_ratio_l2"]

    def probe(out, words):
        i = cuda.grid(1)
        if i < out.size:
            a, b = normal_pair(words[i], words[i] + 1)
            out[i] = log_ratio_l2(a * a + 1.0, b, 0.5, 3060.0, 4.0) + squeeze(6.0, a, words[i])

    ptx, _ = cuda.compile_ptx(probe, "(float64[::1], uint64[::1])", cc=cc)
    fused, unfused = ptx.count("fma.rn.f64"), ptx.count("mul.f64") + ptx.count("add.f64")
    print(f"contraction probe: {fused} fma.rn.f64, {unfused} mul/add.f64 that ptxas could fuse, "
          f"{ptx.count('mul.rn.f64')} mul.rn.f64")
    if fused or unfused:
        sys.exit("NVVM contracted multiply-adds in fastsmooth's arithmetic: GPU floats would differ from the CPU's")


if __name__ == "__main__":
    main(tuple(int(v) for v in sys.argv[1:3]) if len(sys.argv) >= 3 else (9, 0))
