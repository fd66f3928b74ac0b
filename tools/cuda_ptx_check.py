"""Compile the CUDA kernels to PTX without a GPU (a developer's check, not a test).

numba's CUDA simulator runs the kernels' Python source, so it cannot show that NVVM accepts them.
This compiles `fastsmooth.kernels.gpu`'s kernels for a compute capability (default 9.0, Hopper)
with NVVM alone. It needs the CUDA toolkit's libnvvm and libnvrtc (for example
`pip install "nvidia-cuda-nvrtc==13.*"` next to a toolkit, with CUDA_HOME set) but no driver:
numba-cuda asks the current device for its compute capability when it compiles an overload
(scalar `.view`, used by kernels/elementary.py), so that one query is answered here.

It also checks what GPU floats equal to the CPU's bit for bit needs (a failure exits non-zero):
- no fused multiply-adds (kernels/gpu.py sets NVVM's -fma=0 for this package): no fma.rn.f64, and
  no mul.f64/add.f64 (the forms ptxas may fuse later), no flush-to-zero (.ftz);
- no libdevice function but the exactly rounded ones (sqrt, fabs, fmin, fmax): the kernels' exp,
  log, sin and cos are kernels/elementary.py's plain arithmetic, where libdevice's would round
  differently from the CPU's libm.

    CUDA_HOME=/usr/local/cuda python tools/cuda_ptx_check.py [major minor]
"""
import re
import sys
import types

from numba import cuda
from numba.cuda import api, dispatcher

SIGNATURES = {
    "_fill_kernel": "(float32[:, ::1], int64, float64, float64, float64[::1], float64[::1], uint64, uint64, int64)",
    "_reduce_kernel": ("(int64[:, ::1], int64, int64, int64, float64, int64, float64, float64, float64[::1], "
                       "float64[::1], float64[::1], float64[::1], float64[::1], int64, uint64, uint64, int64)"),
}


EXACT_LIBDEVICE = {"__nv_sqrt", "__nv_fabs", "__nv_fmin", "__nv_fmax"}  # IEEE results (min/max: but for NaN, -0)


def main(cc=(9, 0)):
    device = types.SimpleNamespace(compute_capability=cc, id=0)
    for module in (api, dispatcher):  # the dispatcher holds its own reference to the function
        module.get_current_device = lambda: device
    from fastsmooth.kernels import gpu
    from numba.cuda.cudadrv import nvvm
    gpu.configure_nvvm()  # what the drivers do before their first launch
    seen_ir = []
    compile_ir = nvvm.compile_ir  # gpu's wrapper: record the IR that reaches NVVM, then compile as it does

    def recording_compile_ir(llvmir, **options):
        modules = [llvmir] if isinstance(llvmir, (str, bytes)) else llvmir
        seen_ir.extend(m if isinstance(m, str) else m.decode("utf-8", "replace") for m in modules)
        return compile_ir(llvmir, **options)

    nvvm.compile_ir = recording_compile_ir
    problems = []
    for name, signature in SIGNATURES.items():
        seen_ir.clear()
        ptx, _ = cuda.compile_ptx(getattr(gpu, name).py_func, signature, cc=cc)
        libdevice = set(re.findall(r'declare [^@]*@"?(__nv_\w+)', "\n".join(seen_ir)))
        fused, unfused, ftz = ptx.count("fma.rn.f64"), ptx.count("mul.f64") + ptx.count("add.f64"), ptx.count(".ftz")
        print(f"{name}: {len(ptx)} characters of PTX for sm_{cc[0]}{cc[1]}, {ptx.count('call.uni')} calls left "
              f"after inlining; {fused} fma.rn.f64, {unfused} mul/add.f64 that ptxas could fuse, {ftz} .ftz; "
              f"libdevice: {', '.join(sorted(libdevice)) or 'none'}")
        if fused or unfused or ftz:
            problems.append(f"{name}: NVVM contracted multiply-adds or flushed subnormals")
        if libdevice - EXACT_LIBDEVICE:
            problems.append(f"{name}: libdevice functions that round differently from the CPU's libm: "
                            f"{', '.join(sorted(libdevice - EXACT_LIBDEVICE))}")
    if problems:
        sys.exit("GPU floats would differ from the CPU's:\n" + "\n".join(problems))


if __name__ == "__main__":
    main(tuple(int(v) for v in sys.argv[1:3]) if len(sys.argv) >= 3 else (9, 0))
