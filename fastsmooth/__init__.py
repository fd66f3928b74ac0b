"""fastsmooth: certified robustness by randomized smoothing with Gaussian, Laplace and the
centripetal noises, against l1, l2 and l-inf attacks.

    >>> import fastsmooth as fs
    >>> noise = fs.L2Centripetal(d=3072, k=3060, sigma=4.0)
    >>> r = fs.certified_radius(noise, pA=0.99)            # l2 radius, never overstated
    >>> r_inf = fs.certified_radius(noise, 0.99, norm="linf")
"""
from ._version import __version__ as __version__
from .noises import Gaussian, L1Centripetal, L2Centripetal, Laplace, LinfCentripetal, MixedLinfL2, Noise
from .certificates import (RadiusCurve, certified_radius, gaussian_lower_bound, gaussian_radius,
                           l1_radius_from_l2, laplace_dp_radius, laplace_lower_bound, laplace_multiclass_radius,
                           laplace_radius, linf_radius_from_l2, lower_bound)

__all__ = ["Noise", "Gaussian", "Laplace", "L2Centripetal", "L1Centripetal", "LinfCentripetal", "MixedLinfL2",
           "certified_radius", "lower_bound", "RadiusCurve", "gaussian_lower_bound", "gaussian_radius",
           "laplace_lower_bound", "laplace_radius", "laplace_multiclass_radius", "laplace_dp_radius",
           "linf_radius_from_l2", "l1_radius_from_l2"]


def __getattr__(name):
    # The torch layer loads on first use, so the certificates work without torch installed.
    if name in ("Smooth", "certify_dataset", "certified_accuracy", "accuracy_table", "plot_certified_accuracy",
                "read_results", "NoiseAugment", "adversarial_noisy_batch"):
        from . import smoothing
        return getattr(smoothing, name)
    raise AttributeError(f"module 'fastsmooth' has no attribute {name!r}")
