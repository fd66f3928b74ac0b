"""Draws of the noise families, written once for every target (see device.py): a sample's row
(fill_row and the per-family fills) and the few statistics its log-likelihood ratio X needs
(sample_stats and the per-family stats), from the random numbers of rng.py.
"""
import math

import numpy as np

from .families import GAUSSIAN, L1, L2, LINF, MIXED
from .rng import COORDS, EXTRA, FALLBACK_BLOCKS, FALLBACK_REGION, GAMMA_A, HIGH_BIT, STREAM_FILL, ZIGGURAT_BLOCKS


def define(jit, hot, elem, rng, unknown_family):
    """The draws compiled with `jit` (`hot` for the small ones called in loops over samples), from the
    elementary functions `elem` and the random-number functions `rng` (rng.define); `unknown_family`
    raises the error that ends each dispatch on a family id."""
    log_positive, exp, expm1 = elem["log_positive"], elem["exp"], elem["expm1"]
    block, pick, uniform, signed_uniform = rng["block"], rng["pick"], rng["uniform"], rng["signed_uniform"]
    uniform53, normal_pair, face_index = rng["uniform53"], rng["normal_pair"], rng["face_index"]
    ziggurat, ziggurat_fast, normal_pair_zig = rng["ziggurat"], rng["ziggurat_fast"], rng["normal_pair_zig"]
    gamma, gamma_squeeze, gamma_try = rng["gamma"], rng["gamma_squeeze"], rng["gamma_try"]
    u1_squeeze, u1_try, u1_draw = rng["u1_squeeze"], rng["u1_try"], rng["u1_draw"]

    @jit
    def table_quantile(q, table, log_tau):
        """exp(u) at probability q of the law of u whose density is linear between the nodes log_tau
        (its values at the nodes are table[n:], n = log_tau.size) with CDF table[:n] at the nodes (a
        trapezoid table): the cell by bisection, then the root of the cell's quadratic CDF,
        h (f0 s + (f1 - f0) s^2 / 2) = q - c0, as s = 2 r / (f0 + sqrt(f0^2 + 2 (f1 - f0) r)), r = (q - c0) / h
        (no cancellation; sqrt is exactly rounded on every target)."""
        n = log_tau.size
        lo, hi = 0, n - 1
        if q <= table[0]:
            return exp(log_tau[0])
        if q >= table[hi]:
            return exp(log_tau[hi])
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if table[mid] <= q:
                lo = mid
            else:
                hi = mid
        h = log_tau[hi] - log_tau[lo]
        f0 = table[n + lo]
        r = (q - table[lo]) / h
        disc = f0 * f0 + 2.0 * (table[n + hi] - f0) * r
        denominator = f0 + math.sqrt(max(disc, 0.0))
        s = 2.0 * r / denominator if denominator > 0.0 else 0.5
        return exp(log_tau[lo] + min(max(s, 0.0), 1.0) * h)

    # ---- fill one row of a sample ------------------------------------------------------------
    @jit
    def fill_l2(row, shape, scale, k0, k1, index):
        d = row.size
        radius = scale * math.sqrt(2.0 * gamma(shape, k0, k1, index, STREAM_FILL, GAMMA_A))
        sq = 0.0
        for j0 in range(0, d, 2):
            w0, w1, w2, w3 = block(k0, k1, index, STREAM_FILL, COORDS + j0 // 2)
            n0, n1 = normal_pair_zig(w0, w1, w2, w3, k0, k1, index, STREAM_FILL, j0)
            row[j0] = n0
            sq += n0 * n0  # from the float64 value: a re-read of the float32 store may be folded away
            if j0 + 1 < d:
                row[j0 + 1] = n1
                sq += n1 * n1
        factor32 = np.float32(radius / math.sqrt(sq))
        for j in range(d):
            row[j] = row[j] * factor32  # a float32 product: one rounding on every target

    @jit
    def fill_gaussian(row, sigma, k0, k1, index):
        """N(0, sigma^2 I): the k = 0 member of the L2 family, drawn directly (one pass, no radius)."""
        d = row.size
        for j0 in range(0, d, 2):
            w0, w1, w2, w3 = block(k0, k1, index, STREAM_FILL, COORDS + j0 // 2)
            n0, n1 = normal_pair_zig(w0, w1, w2, w3, k0, k1, index, STREAM_FILL, j0)
            row[j0] = sigma * n0
            if j0 + 1 < d:
                row[j0 + 1] = sigma * n1

    @jit
    def fill_l1(row, shape, scale, k0, k1, index):
        d = row.size
        radius = scale * gamma(shape, k0, k1, index, STREAM_FILL, GAMMA_A)
        total = 0.0
        for j0 in range(0, d, 4):
            w0, w1, w2, w3 = block(k0, k1, index, STREAM_FILL, COORDS + j0 // 4)
            for t in range(4):
                j = j0 + t
                if j < d:
                    w = pick(w0, w1, w2, w3, t)
                    sign, u = signed_uniform(w)
                    e = -log_positive(u)  # an Exp(1) variate
                    row[j] = sign * e
                    total += e
        factor32 = np.float32(radius / total)
        for j in range(d):
            row[j] = row[j] * factor32  # a float32 product: one rounding on every target

    @jit
    def fill_linf(row, shape, scale, k0, k1, index):
        d = row.size
        radius = scale * math.sqrt(2.0 * gamma(shape, k0, k1, index, STREAM_FILL, GAMMA_A))
        for j0 in range(0, d, 4):
            w0, w1, w2, w3 = block(k0, k1, index, STREAM_FILL, COORDS + j0 // 4)
            for t in range(4):
                j = j0 + t
                if j < d:
                    w = pick(w0, w1, w2, w3, t)
                    row[j] = radius * (2.0 * uniform(w) - 1.0)
        w0, w1, w2, w3 = block(k0, k1, index, STREAM_FILL, EXTRA + 3)
        face = face_index(uniform53(w0, w1), d)
        row[face] = radius if (w2 & HIGH_BIT) else -radius

    @jit
    def mixed_draw_t(cdf, log_tau, k0, k1, index, stream):
        """(tau, face, sign) of one MixedLinfL2 sample."""
        w0, w1, w2, w3 = block(k0, k1, index, stream, EXTRA + 2)
        tau = table_quantile(uniform(w0), cdf, log_tau)
        face = uniform53(w1, w2)
        sign = 1.0 if (w3 & HIGH_BIT) else -1.0
        return tau, face, sign

    @hot
    def truncated_proposal(w_lo, w_hi, tau):
        """For tau < 1: a uniform x on [-tau, tau] from w_lo, kept if a uniform from w_hi is below
        exp(-x^2 / 2) (accepted 86% of the time or more); NaN if rejected. An accepted x is N(0, 1)
        truncated to [-tau, tau]."""
        x = tau * (2.0 * uniform(w_lo) - 1.0)
        return x if -2.0 * log_positive(uniform(w_hi)) > x * x else math.nan  # u < exp(-x^2/2)

    @jit
    def fallback(tau, k0, k1, index, stream, j):
        """N(0, 1) truncated to [-tau, tau] by rejection on coordinate j's blocks of FALLBACK_REGION,
        each candidate from words of its own: for tau >= 1, the four Box-Muller normals of a block,
        kept if |n| <= tau (each with probability >= 0.68); for tau < 1, truncated_proposal from
        words (0, 1) and (2, 3) (>= 0.86). Over 32 blocks all are rejected with probability below
        max(0.32^128, 0.15^64) < 1e-52, and 0.0 is returned."""
        for attempt in range(FALLBACK_BLOCKS):
            w0, w1, w2, w3 = block(k0, k1, index, stream + FALLBACK_REGION, FALLBACK_BLOCKS * j + attempt)
            if tau >= 1.0:
                n0, n1 = normal_pair(w0, w1)
                n2, n3 = normal_pair(w2, w3)
                if abs(n0) <= tau:
                    return n0
                if abs(n1) <= tau:
                    return n1
                if abs(n2) <= tau:
                    return n2
                if abs(n3) <= tau:
                    return n3
            else:
                x = truncated_proposal(w0, w1, tau)
                if x == x:
                    return x
                x = truncated_proposal(w2, w3, tau)
                if x == x:
                    return x
        return 0.0

    @hot
    def mixed_fast(w_lo, w_hi, tau):
        """mixed_coordinate's fast path without a branch (for SIMD loops): the coordinate, or NaN where
        the full path is needed (a slow ziggurat draw, or a rejected proposal)."""
        if tau >= 1.0:
            n = ziggurat_fast(w_lo, w_hi)
            return n if abs(n) <= tau else math.nan  # a NaN n fails the test too
        return truncated_proposal(w_lo, w_hi, tau)

    @jit
    def mixed_coordinate(w_lo, w_hi, tau, k0, k1, index, stream, j):
        """Coordinate j of a mixed sample from its two words, before the face is set: N(0, 1) truncated
        to [-tau, tau]. For tau >= 1: a ziggurat normal, kept if |n| <= tau; for tau < 1:
        truncated_proposal. A rejected proposal is replaced by a fallback draw (that law again, from
        blocks of its own): with the accepted proposals, exactly the truncated normal."""
        value = mixed_fast(w_lo, w_hi, tau)
        if value == value:
            return value
        if tau >= 1.0:
            n = ziggurat(w_lo, w_hi, k0, k1, index, stream, ZIGGURAT_BLOCKS * j)
            if abs(n) <= tau:
                return n
        return fallback(tau, k0, k1, index, stream, j)

    @jit
    def mixed_pair(w0, w1, w2, w3, tau, k0, k1, index, stream, j0):
        """Coordinates j0 (words w0, w1) and j0 + 1 (w2, w3) of a mixed sample (mixed_coordinate)."""
        return (mixed_coordinate(w0, w1, tau, k0, k1, index, stream, j0),
                mixed_coordinate(w2, w3, tau, k0, k1, index, stream, j0 + 1))

    @jit
    def fill_mixed(row, cdf, log_tau, sigma, k0, k1, index):
        d = row.size
        tau, face_u, sign = mixed_draw_t(cdf, log_tau, k0, k1, index, STREAM_FILL)
        face = face_index(face_u, d)
        for j0 in range(0, d, 2):
            w0, w1, w2, w3 = block(k0, k1, index, STREAM_FILL, COORDS + j0 // 2)
            c0, c1 = mixed_pair(w0, w1, w2, w3, tau, k0, k1, index, STREAM_FILL, j0)
            row[j0] = sigma * c0
            if j0 + 1 < d:
                row[j0 + 1] = sigma * c1
        row[face] = sign * sigma * tau


    @jit
    def fill_row(row, family, shape, scale, cdf, log_tau, k0, k1, index):
        """Fill one row with sample `index` of `family` (a families id)."""
        if family == L2:
            fill_l2(row, shape, scale, k0, k1, index)
        elif family == L1:
            fill_l1(row, shape, scale, k0, k1, index)
        elif family == LINF:
            fill_linf(row, shape, scale, k0, k1, index)
        elif family == MIXED:
            fill_mixed(row, cdf, log_tau, scale, k0, k1, index)
        elif family == GAUSSIAN:
            fill_gaussian(row, scale, k0, k1, index)
        else:
            unknown_family(family)

    # ---- the statistics X needs, from O(1) (L1, L2) or O(d) (mixed) draws per sample ----------
    @hot
    def l2_draws_from(shape, m, w0, w1, w2, w3):
        """The first attempts of an L2-family sample, from the words of its block EXTRA: a Box-Muller
        pair (n_radius, n_u1) from w0, w1; the squeeze of the Marsaglia-Tsang attempt at
        G_radius ~ Gamma(shape) from n_radius and w2 (-1 where undecided), and of the attempt at u1
        from n_u1 and w3 (NaN where undecided). Returns (G_radius, u1, n_radius, n_u1); l2_finish_radius
        and l2_finish_u1 finish what is undecided."""
        n_radius, n_u1 = normal_pair(w0, w1)
        return gamma_squeeze(shape, n_radius, w2), u1_squeeze(m, n_u1, w3), n_radius, n_u1

    @jit
    def l2_finish_radius(shape, n_radius, w2, k0, k1, index, stream):
        """G_radius where l2_draws_from left it undecided: the first attempt's exact test, then the
        variate's own blocks."""
        value = gamma_try(shape, n_radius, w2)
        return value if value >= 0.0 else gamma(shape, k0, k1, index, stream, GAMMA_A)

    @jit
    def l2_finish_u1(d, n_u1, w3, k0, k1, index, stream):
        """u1 where l2_draws_from left NaN: the first attempt's exact test, then u1_draw."""
        value = u1_try(0.5 * (d - 3), n_u1, w3)
        return value if value == value else u1_draw(d, k0, k1, index, stream)

    @hot
    def l2_stats_from(g_radius, u1):
        """(R^2 / sigma^2, z1 / sigma) = (2 G_radius, sqrt(2 G_radius) u1)."""
        return 2.0 * g_radius, math.sqrt(2.0 * g_radius) * u1

    @jit
    def stats_l2(shape, d, k0, k1, index, stream):
        """(R^2 / sigma^2, z1 / sigma) of one L2-family sample: R^2 / (2 sigma^2) ~ Gamma(shape), and
        u1 = z1 / R ~ 2 Beta((d-1)/2, (d-1)/2) - 1 independent of R (a radially symmetric density)."""
        w0, w1, w2, w3 = block(k0, k1, index, stream, EXTRA)
        g_radius, u1, n_radius, n_u1 = l2_draws_from(shape, 0.5 * (d - 3), w0, w1, w2, w3)
        if g_radius < 0.0:
            g_radius = l2_finish_radius(shape, n_radius, w2, k0, k1, index, stream)
        if u1 != u1:
            u1 = l2_finish_u1(d, n_u1, w3, k0, k1, index, stream)
        return l2_stats_from(g_radius, u1)

    @jit
    def stats_l1(shape, d, k0, k1, index, stream):
        """(R / b, z1 / b) of one L1-family sample: R / b ~ Gamma(shape), |z1| / R ~ Beta(1, d-1)."""
        w0, w1, w2, w3 = block(k0, k1, index, stream, EXTRA)
        n_radius, _ = normal_pair(w0, w1)
        g_radius = gamma_try(shape, n_radius, w2)
        if g_radius < 0.0:
            g_radius = gamma(shape, k0, k1, index, stream, GAMMA_A)
        sign, v = signed_uniform(w3)
        size = -expm1(log_positive(v) / (d - 1))  # |u1| ~ Beta(1, d-1) by inversion
        return g_radius, sign * size * g_radius

    @jit
    def stats_mixed(cdf, log_tau, d, k0, k1, index, stream):
        """(T, S, max z, min z) / sigma of one MixedLinfL2 sample (O(d) draws, O(1) memory)."""
        tau, face_u, sign = mixed_draw_t(cdf, log_tau, k0, k1, index, stream)
        face = face_index(face_u, d)
        total = sign * tau
        m_plus = total
        m_minus = total
        for j0 in range(0, d, 2):
            w0, w1, w2, w3 = block(k0, k1, index, stream, COORDS + j0 // 2)
            c0, c1 = mixed_pair(w0, w1, w2, w3, tau, k0, k1, index, stream, j0)
            for t in range(2):
                j = j0 + t
                if j < d and j != face:
                    z = c0 if t == 0 else c1
                    total += z
                    m_plus = max(m_plus, z)
                    m_minus = min(m_minus, z)
        return tau, total, m_plus, m_minus


    @jit
    def sample_stats(family, shape, d, cdf, log_tau, k0, k1, index, stream):
        """The statistics X needs for one sample, as (a, b, s, t): (R^2, z1) for the L2 family (L2 or
        GAUSSIAN), (R, z1) for L1, (T, max, S, min) for MIXED; in units of the scale (R^2 in units of
        its square). LINF has none (no log-ratio): an error, as for an unknown id."""
        a = 0.0
        b = 0.0
        s = 0.0
        t = 0.0
        if family == L2 or family == GAUSSIAN:
            a, b = stats_l2(shape, d, k0, k1, index, stream)
        elif family == L1:
            a, b = stats_l1(shape, d, k0, k1, index, stream)
        elif family == MIXED:
            a, s, b, t = stats_mixed(cdf, log_tau, d, k0, k1, index, stream)
        else:
            unknown_family(family)
        return a, b, s, t

    return dict(table_quantile=table_quantile, fill_l2=fill_l2, fill_gaussian=fill_gaussian, fill_l1=fill_l1,
                fill_linf=fill_linf, mixed_draw_t=mixed_draw_t, truncated_proposal=truncated_proposal,
                fallback=fallback, mixed_fast=mixed_fast, mixed_coordinate=mixed_coordinate, mixed_pair=mixed_pair,
                fill_mixed=fill_mixed, fill_row=fill_row, l2_draws_from=l2_draws_from,
                l2_finish_radius=l2_finish_radius, l2_finish_u1=l2_finish_u1, l2_stats_from=l2_stats_from,
                stats_l2=stats_l2, stats_l1=stats_l1, stats_mixed=stats_mixed, sample_stats=sample_stats)
