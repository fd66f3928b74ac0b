"""Compile the CUDA kernels to PTX without a GPU (a developer's check, not a test).

numba's CUDA simulator runs the kernels' Python source, so it cannot show that NVVM accepts them.
This compiles `fastsmooth.kernels.gpu`'s kernels for a compute capability (default 9.0, Hopper)
with NVVM alone. It needs the CUDA toolkit's libnvvm and libnvrtc (for example
`pip install "nvidia-cuda-nvrtc==13.*"` next to a toolkit, with CUDA_HOME set) but no driver:
numba-cuda asks the current device for its compute capability when it compiles an overload
(scalar `.view`, used by kernels/elementary.py), so that one query is answered here.

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


if __name__ == "__main__":
    main(tuple(int(v) for v in sys.argv[1:3]) if len(sys.argv) >= 3 else (9, 0))
