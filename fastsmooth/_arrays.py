"""Where arrays live: numpy or any DLPack CPU array in place, CUDA arrays through the CUDA array
interface. The one place that picks the CPU or CUDA kernels."""
import numpy as np

CUDA_HELP = ('the CUDA path needs numba-cuda and an NVIDIA GPU: pip install "fastsmooth[cuda]" (it brings '
             'numba-cuda and cupy for CUDA 12; see README.md)')


def kernels(device):
    """The kernels module for device "cpu" or "cuda" (a clear error if CUDA is not usable)."""
    if device == "cpu":
        from .kernels import cpu
        return cpu
    if device != "cuda":
        raise ValueError(f"device must be 'cpu' or 'cuda', got {device!r}")
    try:
        from numba import cuda
    except ImportError as exc:  # pragma: no cover - numba always brings a cuda module stub
        raise RuntimeError(CUDA_HELP) from exc
    try:
        available = cuda.is_available()
    except Exception:  # noqa: BLE001 - driver errors of every kind mean "not usable"
        available = False
    if not available:
        raise RuntimeError("no usable CUDA GPU was found; " + CUDA_HELP)
    try:
        from .kernels import gpu
    except ImportError as exc:
        raise RuntimeError(CUDA_HELP) from exc
    return gpu


def output(out, shape, name):
    """(array the kernels write, device) for an `out` argument; a new numpy array if out is None."""
    if out is None:
        return np.empty(shape, dtype=np.float32), "cpu"
    if getattr(out, "requires_grad", False):
        raise ValueError(f"{name} is a tensor that requires grad: writing into it in place would bypass autograd "
                         f"(torch refuses such writes too); pass {name}.detach() or a tensor without requires_grad")
    if hasattr(out, "__cuda_array_interface__"):
        cai = out.__cuda_array_interface__
        if tuple(cai["shape"]) != tuple(shape) or np.dtype(cai["typestr"]) != np.float32:
            raise ValueError(f"{name} must be a float32 array of shape {shape}, got shape {tuple(cai['shape'])} "
                             f"and dtype {np.dtype(cai['typestr'])}")
        strides = cai.get("strides")
        if strides is not None and tuple(strides) != (4 * shape[1], 4):
            raise ValueError(f"{name} must be C-contiguous, got strides {strides}")
        return out, "cuda"
    if isinstance(out, np.ndarray):
        arr = out
    elif hasattr(out, "__dlpack__"):
        try:
            arr = np.from_dlpack(out.detach() if hasattr(out, "detach") else out)
        except Exception as exc:  # noqa: BLE001
            raise TypeError(f"{name} could not be shared with numpy through DLPack: {exc}") from exc
    else:
        raise TypeError(f"{name} must be a numpy array, a CPU torch tensor / DLPack array or a CUDA array, "
                        f"got {type(out).__name__}")
    if arr.dtype != np.float32 or arr.shape != tuple(shape):
        raise ValueError(f"{name} must be a float32 array of shape {shape}, got shape {arr.shape} and dtype "
                         f"{arr.dtype}")
    if not arr.flags.c_contiguous or not arr.flags.writeable:
        raise ValueError(f"{name} must be C-contiguous and writable")
    return arr, "cpu"
