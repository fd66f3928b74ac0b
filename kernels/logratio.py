"""Per-sample log-likelihood ratios X = log(pi0(z - delta*) / pi0(z)) from radial statistics.

These are the formulas of docs/math.md §2, written once as scalar functions of the few numbers a
sample needs (never the d-dimensional vector). ``define(jit)`` compiles them for a target (the
kernels use ``define_dispatch``, which adds X by family id and the slot of X in a histogram); the
module-level functions are the same source as plain Python, which
`np.vectorize` applies to arrays. log and log1p come from `elementary` (plain arithmetic, so that
the CPU loops over samples vectorize).
"""
import math

from . import elementary
from .elementary import ATANH_SERIES_MAX
from .families import GAUSSIAN, L1, L2, MIXED


def define(jit, elem=None):
    """(log_ratio_l1, log_ratio_l2, log_ratio_mixed, log_ratio_l2_series, log_ratio_l2_log1p)
    compiled with `jit`; `elem`: elementary.define(jit) if the caller already has it (each compiled
    function is then compiled once)."""
    elem = elem or elementary.define(jit)
    log_positive, log1p, log_ratio_series = elem["log_positive"], elem["log1p"], elem["log_ratio_series"]

    @jit
    def log_ratio_l2_series(R2, z1, r, k, sigma):
        """log_ratio_l2 where its logarithm's argument lies in [0.707, 1.414] (|s| <= ATANH_SERIES_MAX
        below), NaN elsewhere: the form that loops over samples run in SIMD lanes.

        ||z - r e1||^2 / ||z||^2 = (R2 - cross) / R2 with cross = 2 r z1 - r^2, and
        log(A / B) = 2 atanh(s) with s = (A - B) / (A + B) = -cross / (2 R2 - cross): one division
        and log's series, with no exponent split. s is computed from cross and R2 directly, so small
        r against ||z|| loses nothing to cancellation.
        """
        cross = 2.0 * r * z1 - r * r
        s = cross / (cross - 2.0 * R2)
        x = -0.5 * k * log_ratio_series(s) + cross * (0.5 / (sigma * sigma))  # a product: no division per sample
        return x if abs(s) <= ATANH_SERIES_MAX else math.nan

    @jit
    def log_ratio_l2_log1p(R2, z1, r, k, sigma):
        """log_ratio_l2 by log1p(-cross / R2), for any R2 > 0 (used where the series does not apply)."""
        cross = 2.0 * r * z1 - r * r
        return -0.5 * k * log1p(-cross / R2) + cross * (0.5 / (sigma * sigma))

    @jit
    def log_ratio_l2(R2, z1, r, k, sigma):
        """X for the L2 family (Gaussian at k = 0) with delta* = r*e1.

        R2 = ||z||_2^2 > 0, z1 the first coordinate (the squared norm: no square root per sample).
        ||z - r e1||^2 - ||z||^2 = r^2 - 2 r z1 = -cross. log_ratio_l2_series where it applies (the
        common case: r small against ||z||); elsewhere log1p(-cross / R2), which also avoids the
        cancellation of log||z - r e1||^2 - log||z||^2.
        """
        x = log_ratio_l2_series(R2, z1, r, k, sigma)
        return x if x == x else log_ratio_l2_log1p(R2, z1, r, k, sigma)

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

    return log_ratio_l1, log_ratio_l2, log_ratio_mixed, log_ratio_l2_series, log_ratio_l2_log1p


def define_dispatch(jit, hot, elem, unknown_family):
    """The formulas above compiled with `hot` (named "log_ratio_l2" and so on) and with them:
    `log_ratio`, X at radius r by family id from the statistics of draws.sample_stats (compiled with
    `jit`; `unknown_family` raises for an id without a log-ratio), `l2_unscaled`, the L2 family's
    statistics in the units of z, and `histogram_bin`, the slot of X in the reductions' counts."""
    ratio_l1, ratio_l2, ratio_mixed, ratio_l2_series, ratio_l2_log1p = define(hot, elem)

    @hot
    def l2_unscaled(a, b, scale):
        """(R^2, z1) from the L2 family's statistics (a, b) = (R^2 / scale^2, z1 / scale) of sample_stats."""
        return scale * scale * a, scale * b

    @jit
    def log_ratio(family, a, b, s, t, r, d, k, scale):
        """X at radius r from the statistics of sample_stats."""
        if family == L2 or family == GAUSSIAN:
            r2, z1 = l2_unscaled(a, b, scale)
            return ratio_l2(r2, z1, r, k, scale)
        if family == L1:
            return ratio_l1(scale * a, scale * b, r, k, scale)
        if family == MIXED:
            return ratio_mixed(scale * a, scale * s, scale * b, scale * t, r, d, k, scale)
        unknown_family(family)
        return math.nan

    @hot
    def histogram_bin(x, lo, inv_width, nbins):
        """Slot of x in counts[0 .. nbins+1]: 0 below lo (and NaN: counted as smallest, the safe side),
        1..nbins the bins, nbins+1 at or above the top."""
        if not (x >= lo):
            return 0
        pos = (x - lo) * inv_width
        if pos >= nbins:
            return nbins + 1
        return 1 + int(pos)

    return dict(log_ratio_l1=ratio_l1, log_ratio_l2=ratio_l2, log_ratio_mixed=ratio_mixed,
                log_ratio_l2_series=ratio_l2_series, log_ratio_l2_log1p=ratio_l2_log1p, l2_unscaled=l2_unscaled,
                log_ratio=log_ratio, histogram_bin=histogram_bin)


log_ratio_l1, log_ratio_l2, log_ratio_mixed, log_ratio_l2_series, log_ratio_l2_log1p = define(lambda f: f)
