"""Per-sample log-likelihood ratios X = log(pi0(z - delta*) / pi0(z)) from radial statistics.

These are the formulas of DESIGN.md §2, written once as scalar functions of the few numbers a
sample needs (never the d-dimensional vector). ``define(jit)`` compiles them for a target (the
kernels do); the module-level functions are the same source as plain Python, which
`np.vectorize` applies to arrays. log and log1p come from `elementary` (plain arithmetic, so that
the CPU loops over samples vectorize).
"""
from . import elementary


def define(jit, elem=None):
    """(log_ratio_l1, log_ratio_l2, log_ratio_mixed) compiled with `jit`; `elem`: elementary.define(jit)
    if the caller already has it (each compiled function is then compiled once)."""
    elem = elem or elementary.define(jit)
    log_positive, log1p = elem["log_positive"], elem["log1p"]

    @jit
    def log_ratio_l2(R2, z1, r, k, sigma):
        """X for the L2 family (Gaussian at k = 0) with delta* = r*e1.

        R2 = ||z||_2^2 > 0, z1 the first coordinate (the squared norm: no square root per sample).
        ||z - r e1||^2 - ||z||^2 = r^2 - 2 r z1; the log1p form avoids the cancellation of
        log||z - r e1||^2 - log||z||^2 when r is small against ||z||.
        """
        cross = 2.0 * r * z1 - r * r
        return -0.5 * k * log1p(-cross / R2) + cross * (0.5 / (sigma * sigma))  # a product: no division per sample

    @jit
    def log_ratio_l1(R, z1, r, k, b):
        """X for the L1 family (Laplace at k = 0) with delta* = r*e1.

        R = ||z||_1 > 0, z1 the first coordinate. Delta = ||z - r e1||_1 - ||z||_1 = |z1 - r| - |z1|.
        """
        delta = abs(z1 - r) - abs(z1)
        return -k * log1p(delta / R) - delta / b

    @jit
    def log_ratio_mixed(T, S, m_plus, m_minus, r, d, k, sigma):
        """X for MixedLinfL2 with delta* = r*(1, ..., 1).

        T = ||z||_inf, S = sum(z), m_plus = max z_i, m_minus = min z_i.
        ||z - delta*||_inf = max(m_plus - r, r - m_minus); ||z - delta*||_2^2 - ||z||_2^2 = d r^2 - 2 r S.
        """
        shifted_inf = max(m_plus - r, r - m_minus)
        tail = -k * log_positive(shifted_inf / T) if k != 0.0 else 0.0
        return tail + (2.0 * r * S - d * r * r) / (2.0 * sigma * sigma)

    return log_ratio_l1, log_ratio_l2, log_ratio_mixed


log_ratio_l1, log_ratio_l2, log_ratio_mixed = define(lambda f: f)
