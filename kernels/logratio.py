"""Per-sample log-likelihood ratios X = log(pi0(z - delta*) / pi0(z)) from radial statistics.

These are the formulas of DESIGN.md §2, written once as scalar functions of the few numbers a
sample needs (never the d-dimensional vector). They use only `math`, so the same source compiles
under numba.njit and numba.cuda.jit(device=True); `np.vectorize` applies them to arrays.
"""
import math


def log_ratio_l2(R, u1, r, k, sigma):
    """X for the L2 family (Gaussian at k = 0) with delta* = r*e1.

    R = ||z||_2 > 0, u1 = z_1 / R in [-1, 1]. The log1p form avoids the cancellation of
    log||z - r e1||^2 - log||z||^2 when r is small against R.
    """
    cross = 2.0 * r * R * u1 - r * r
    return -0.5 * k * math.log1p(-cross / (R * R)) + cross / (2.0 * sigma * sigma)


def log_ratio_l1(R, z1, r, k, b):
    """X for the L1 family (Laplace at k = 0) with delta* = r*e1.

    R = ||z||_1 > 0, z1 the first coordinate. Delta = ||z - r e1||_1 - ||z||_1 = |z1 - r| - |z1|.
    """
    delta = abs(z1 - r) - abs(z1)
    return -k * math.log1p(delta / R) - delta / b


def log_ratio_mixed(T, S, m_plus, m_minus, r, d, k, sigma):
    """X for MixedLinfL2 with delta* = r*(1, ..., 1).

    T = ||z||_inf, S = sum(z), m_plus = max z_i, m_minus = min z_i.
    ||z - delta*||_inf = max(m_plus - r, r - m_minus); ||z - delta*||_2^2 - ||z||_2^2 = d r^2 - 2 r S.
    """
    shifted_inf = max(m_plus - r, r - m_minus)
    tail = -k * math.log(shifted_inf / T) if k != 0.0 else 0.0
    return tail + (2.0 * r * S - d * r * r) / (2.0 * sigma * sigma)
