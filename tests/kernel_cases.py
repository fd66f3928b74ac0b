"""Small cases shared by the CPU-versus-CUDA-simulator tests (the simulator is slow: keep them tiny)."""
import numpy as np

import fastsmooth as fs

SEED = (7 << 32) + 12345
FILL_CASES = [
    ("gaussian", fs.Gaussian(9, 0.5), 5, 3),
    ("l2", fs.L2Centripetal(9, 4.5, 1.0), 5, 0),
    ("laplace", fs.Laplace(9, 0.5), 5, 11),
    ("l1", fs.L1Centripetal(9, 2.0, 0.7), 5, 0),
    ("linf", fs.LinfCentripetal(9, 3.0, 1.0), 5, 2),
    ("mixed", fs.MixedLinfL2(9, 2.0, 0.8), 5, 1),
    ("l2-shape-below-1", fs.L2Centripetal(9, 8.5, 1.0), 3, 0),  # Gamma(0.25): the boost U^(1/a), exp and log
    ("gaussian-tail", fs.Gaussian(9, 1.0), 1, 422),  # sample 422's coordinate 4 takes the ziggurat's tail
]
_R = np.array([0.1, 0.6])
REDUCE_CASES = [
    ("l2", fs.L2Centripetal(9, 4.5, 1.0), 40, _R, np.array([-3.0, -6.0]), np.array([8.0, 4.0]), 48),
    ("l1", fs.L1Centripetal(9, 2.0, 0.7), 40, _R, np.array([-3.0, -6.0]), np.array([8.0, 4.0]), 48),
    ("mixed", fs.MixedLinfL2(9, 2.0, 0.8), 30, _R, np.array([-3.0, -6.0]), np.array([8.0, 4.0]), 48),
]
