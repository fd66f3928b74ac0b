"""Certificates: closed forms, the exact law of X, the dual bound, radius search and radius curves.

This layer knows the noise families and numpy/scipy, nothing of torch.
"""
from .api import certified_radius, check_options, lower_bound
from .closed_forms import (gaussian_lower_bound, gaussian_radius, l1_radius_from_l2, laplace_dp_radius,
                           laplace_lower_bound, laplace_multiclass_radius, laplace_radius, linf_radius_from_l2)
from .curves import RadiusCurve

__all__ = ["certified_radius", "lower_bound", "check_options", "RadiusCurve", "gaussian_lower_bound", "gaussian_radius",
           "laplace_lower_bound", "laplace_radius", "laplace_multiclass_radius", "laplace_dp_radius",
           "linf_radius_from_l2", "l1_radius_from_l2"]
