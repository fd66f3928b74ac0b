"""fastsmooth: certified robustness by randomized smoothing with Gaussian, Laplace and centripetal noises."""
__version__ = "0.1.0"

from .noises import (Gaussian, L1Centripetal, L2Centripetal, Laplace, LinfCentripetal, MixedLinfL2,
                     Noise)
