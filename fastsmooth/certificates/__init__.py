"""Certificates: closed forms, the exact law of X, the dual bound, radius search and radius curves.

This layer knows the noise families and numpy/scipy, nothing of torch.
"""
from .api import certified_radius, check_options, lower_bound
from .common import DEVICES, MC_DEFAULTS, METHODS
from .closed_forms import (gaussian_lower_bound, gaussian_radius, l1_radius_from_l2, laplace_dp_radius,
                           laplace_lower_bound, laplace_multiclass_radius, laplace_radius, linf_radius_from_l2)
from .curves import RadiusCurve, cache_dir
from .norms import radius_in_norm, resolve_norm

__all__ = ["certified_radius", "lower_bound", "check_options", "RadiusCurve", "gaussian_lower_bound", "gaussian_radius",
           "laplace_lower_bound", "laplace_radius", "laplace_multiclass_radius", "laplace_dp_radius",
           "linf_radius_from_l2", "l1_radius_from_l2", "resolve_norm", "radius_in_norm", "cache_dir", "METHODS",
           "MC_DEFAULTS", "DEVICES"]
