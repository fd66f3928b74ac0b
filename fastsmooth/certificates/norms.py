"""Which norms a noise certifies, and the exact conversions between them (one place for all)."""
import numpy as np

from .closed_forms import l1_radius_from_l2, linf_radius_from_l2
from ..noises import NORMS

_EPS = np.finfo(np.float64).eps


def resolve_norm(noise, norm):
    """The norm to certify: the noise's native norm for None; ValueError if the noise cannot."""
    if norm is None:
        norm = noise.native_norm
    if not isinstance(norm, str) or norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS} or None (the noise's native norm), got {norm!r}")
    if not noise.certifiable_norms:
        raise ValueError(f"{type(noise).__name__} cannot certify any norm: no worst-case perturbation is "
                         "proven for it (docs/math.md §2). It is for sampling and training; certify l-inf with "
                         "MixedLinfL2 or an L2 family noise.")
    if norm not in noise.certifiable_norms:
        raise ValueError(f"{type(noise).__name__} cannot certify norm {norm!r}; it certifies "
                         f"{', '.join(noise.certifiable_norms)}")
    return norm


def native_radius(noise, radius, norm):
    """The native-norm radius whose ball contains the `norm` ball of `radius` (rounded up)."""
    radius = np.asarray(radius, dtype=np.float64)
    if noise.native_norm == "l2" and norm == "linf":
        return radius * np.sqrt(noise.d) * (1.0 + 4 * _EPS)  # Proposition 4
    return radius  # l1 ball in the l2 ball; l2 and l1 balls in the l-inf ball: same radius


def radius_in_norm(noise, radius_native, norm):
    """A certified native-norm radius expressed in `norm` (rounded down)."""
    if noise.native_norm == "l2" and norm == "linf":
        return linf_radius_from_l2(radius_native, noise.d)
    if noise.native_norm == "l2" and norm == "l1":
        return l1_radius_from_l2(radius_native)
    return np.asarray(radius_native, dtype=np.float64)
