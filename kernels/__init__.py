"""fastsmooth.kernels: the numerical core, written as plain functions.

This package depends on numpy only (numba joins it with the compiled kernels). It knows nothing
of scipy or torch. Every function here is elementwise arithmetic that works on numpy scalars and
arrays today and compiles unchanged under ``numba.njit`` / ``numba.cuda.jit(device=True)``.
"""
from .logratio import log_ratio_l1, log_ratio_l2, log_ratio_mixed

__all__ = ["log_ratio_l1", "log_ratio_l2", "log_ratio_mixed"]
