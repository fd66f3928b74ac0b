"""Per-sample device functions, written once and compiled for every target.

``define(jit)`` returns a namespace of functions compiled with `jit`: ``numba.njit`` for the CPU,
``numba.cuda.jit(device=True)`` for CUDA (and its simulator), or the identity for plain Python
(a slow reference the tests use). Nothing here allocates: every function works on scalars and on
one output row.

Random numbers: Philox4x32-10 keyed by the seed (two 32-bit words). The counter of a draw is
(block, sample index low, sample index high, stream + region): sample i's numbers depend on (seed,
stream, i) only, never on the batch, the thread or the launch shape. Each block yields four 32-bit
words. Within a sample, block indices are laid out in fixed ranges so that a rejection loop never
shifts another variate's numbers:

    region 0:
    blocks 0..1023          the Gamma variate (Marsaglia-Tsang attempts; 1023 = boost uniform)
    blocks 1024..2047       u1 = z1 / ||z||_2 of the L2 reductions (attempts after the first)
    block 2048              first attempts of the Gamma variate and of u1 (L2 reductions); of the
                            Gamma variate, and a uniform and a sign (L1 reductions)
    blocks 2050, 2051       the face index, sign and table uniform (mixed), the face (Linf)
    blocks 4096 + j         coordinate words: four coordinates per block (L1, Linf), two (Gaussian, L2,
                            mixed: a ziggurat normal, or a proposal and its acceptance uniform, takes two words)
    region ZIGGURAT_REGION:
    blocks 64 j .. 64 j + 63     slow-path words of coordinate j's ziggurat normal (fills, mixed)
    region FALLBACK_REGION:
    blocks 32 j .. 32 j + 31     coordinate j's fallback draw (mixed: after a rejected proposal)

The block word is 32 bits, so 64 j + 63 < 2^32 bounds the dimension: MAX_DIMENSION = 2^26 (the
noise classes refuse more).
"""
import math

import numpy as np

from . import elementary, logratio

GAMMA_A, U1, EXTRA, COORDS = 0, 1024, 2048, 4096
ZIGGURAT_BLOCKS, FALLBACK_BLOCKS = 64, 32  # blocks per coordinate in the two regions below
STREAM_FILL, STREAM_REDUCE, STREAM_PILOT = 0, 1, 2
ZIGGURAT_REGION, FALLBACK_REGION = 1 << 16, 2 << 16  # added to the stream word (streams are < 2^16)
MAX_DIMENSION = 1 << 26  # ZIGGURAT_BLOCKS * MAX_DIMENSION = 2^32 blocks


def ziggurat_tables():
    """Edges x_i and f(x_i) = exp(-x_i^2 / 2) of the 256-layer normal ziggurat (Marsaglia & Tsang):
    every layer, the base one with the tail included, has area V."""
    r, v = 3.6541528853610088, 0.00492867323399
    x = np.empty(257)
    x[0], x[1] = v / math.exp(-0.5 * r * r), r
    for i in range(1, 255):
        x[i + 1] = math.sqrt(-2.0 * math.log(v / x[i] + math.exp(-0.5 * x[i] * x[i])))
    x[256] = 0.0
    return x, np.exp(-0.5 * x * x)


def define(jit, hot=None):
    """The device functions compiled with `jit`; the small per-sample ones that the CPU drivers call
    inside loops over samples with `hot` (numba.njit with inline="always" there: LLVM vectorizes a
    loop only across code it can see; by default `jit`)."""
    hot = hot or jit
    M0, M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
    W0, W1 = np.uint64(0x9E3779B9), np.uint64(0xBB67AE85)
    MASK, S32 = np.uint64(0xFFFFFFFF), np.uint64(32)
    INV32 = 1.0 / 4294967296.0
    INV31 = 1.0 / 2147483648.0
    HIGH_BIT, LOW31 = np.uint64(0x80000000), np.uint64(0x7FFFFFFF)
    elem = elementary.define(hot)
    ratio_l1, ratio_l2, ratio_mixed, ratio_l2_series, ratio_l2_log1p = logratio.define(hot, elem)
    log_positive, log1p, sincos_quarter = elem["log_positive"], elem["log1p"], elem["sincos_quarter"]
    exp, expm1 = elem["exp"], elem["expm1"]
    QUARTER_PI_29 = 0.25 * math.pi / 536870912.0
    LOW29, BIT29, BIT30, BIT31 = np.uint64(0x1FFFFFFF), np.uint64(1 << 29), np.uint64(1 << 30), np.uint64(1 << 31)
    ZIG_X, ZIG_F = (tuple(float(v) for v in table) for table in ziggurat_tables())  # tuples: cacheable constants
    ZIG_R = 3.6541528853610088
    ZIG_X_ARRAY = np.array(ZIG_X)  # the same edges as an array: a SIMD loop can gather from it
    LOW8, BIT8 = np.uint64(0xFF), np.uint64(0x100)

    @hot
    def philox(c0, c1, c2, c3, k0, k1):
        """Philox4x32-10 on uint64 words holding 32-bit values."""
        for _ in range(10):
            p0 = M0 * c0
            p1 = M1 * c2
            c0, c1, c2, c3 = ((p1 >> S32) ^ c1 ^ k0, p1 & MASK, (p0 >> S32) ^ c3 ^ k1, p0 & MASK)
            k0 = (k0 + W0) & MASK
            k1 = (k1 + W1) & MASK
        return c0, c1, c2, c3

    @hot
    def block(k0, k1, index, stream, b):
        """The four words of block b of sample `index` (a uint64) in `stream`."""
        return philox(np.uint64(b), index & MASK, index >> S32, np.uint64(stream), k0, k1)

    @jit
    def block_words(words, k0, k1, index, stream, first):
        """words[:, b] = block first + b of sample `index`, for every column b (a loop with no
        transcendental calls: compilers vectorize it across blocks)."""
        lo, hi, st = index & MASK, index >> S32, np.uint64(stream)
        for b in range(words.shape[1]):  # four unit-stride stores: this layout vectorizes, (n, 4) does not
            w0, w1, w2, w3 = philox(np.uint64(first + b), lo, hi, st, k0, k1)
            words[0, b] = w0
            words[1, b] = w1
            words[2, b] = w2
            words[3, b] = w3

    @hot
    def pick(w0, w1, w2, w3, t):
        """Word t (0..3) of a block."""
        return w0 if t == 0 else w1 if t == 1 else w2 if t == 2 else w3

    @hot
    def uniform(w):
        """A float64 in (0, 1) from a 32-bit word."""
        return (float(np.int64(w)) + 0.5) * INV32  # via int64: a fast, exact conversion of a 32-bit value

    @hot
    def uniform_minus_one(w):
        """uniform(w) - 1 in one operation fewer (both are exact: 34 significant bits at most)."""
        return (float(np.int64(w)) + (0.5 - 4294967296.0)) * INV32

    @hot
    def signed_uniform(w):
        """(sign, u) from one word: the top bit a sign, the other 31 bits u in (0, 1)."""
        sign = -1.0 if (w & HIGH_BIT) else 1.0
        return sign, (float(np.int64(w & LOW31)) + 0.5) * INV31

    @hot
    def uniform53(w_hi, w_lo):
        """A float64 in [0, 1) with 53 random bits from two words."""
        return float(np.int64((w_hi << np.uint64(21)) ^ (w_lo >> np.uint64(11)))) * (1.0 / 9007199254740992.0)

    @hot
    def normal_pair(w0, w1):
        """Two independent standard normals by Box-Muller. The angle: a uniform point of (0, pi/4)
        from 29 bits, sent to one of the circle's eight octants by the other three (swap cos and sin,
        and two signs): uniform on the circle, with no range reduction and no libm call."""
        rad = math.sqrt(-2.0 * log_positive(uniform(w0)))
        s, c = sincos_quarter((float(np.int64(w1 & LOW29)) + 0.5) * QUARTER_PI_29)
        swap = (w1 & BIT29) != 0
        first = s if swap else c
        second = c if swap else s
        first = -first if (w1 & BIT30) != 0 else first
        second = -second if (w1 & BIT31) != 0 else second
        return rad * first, rad * second

    @jit
    def ziggurat(w_lo, w_hi, k0, k1, index, stream, slow_base):
        """A standard normal from two words by the 256-layer ziggurat: layer from 8 bits, sign from one,
        a 53-bit uniform from the rest. The rare wedge and tail cases (about 1.5%) continue on blocks
        slow_base, slow_base + 1, ... of the sample's ZIGGURAT_REGION, so the result depends on the
        counter only."""
        i = int(w_lo & LOW8)
        sign = -1.0 if (w_lo & BIT8) else 1.0
        x = uniform53(w_hi, w_lo) * ZIG_X[i]
        if x < ZIG_X[i + 1]:
            return sign * x
        for attempt in range(ZIGGURAT_BLOCKS):
            w0, w1, w2, w3 = block(k0, k1, index, stream + ZIGGURAT_REGION, slow_base + attempt)
            if i == 0:  # the tail beyond R (Marsaglia's exponential rejection)
                a = -log_positive(uniform(w0)) / ZIG_R
                b = -log_positive(uniform(w1))
                if b + b >= a * a:
                    return sign * (ZIG_R + a)
                continue
            if ZIG_F[i] + uniform53(w1, w0) * (ZIG_F[i + 1] - ZIG_F[i]) < exp(-0.5 * x * x):
                return sign * x  # inside the wedge under the curve
            i = int(w2 & LOW8)  # rejected: a fresh attempt from the block's other two words
            sign = -1.0 if (w2 & BIT8) else 1.0
            x = uniform53(w3, w2) * ZIG_X[i]
            if x < ZIG_X[i + 1]:
                return sign * x
        return sign * x  # 64 slow paths in a row: probability below 1e-100

    @hot
    def ziggurat_fast(w_lo, w_hi):
        """ziggurat()'s fast path (98.5% of draws) without a branch: its value, or NaN where the
        draw needs the slow path."""
        i = int(w_lo & LOW8)
        sign = -1.0 if (w_lo & BIT8) else 1.0
        x = uniform53(w_hi, w_lo) * ZIG_X_ARRAY[i]
        return sign * x if x < ZIG_X_ARRAY[i + 1] else math.nan

    @jit
    def normal_pair_zig(w0, w1, w2, w3, k0, k1, index, stream, j0):
        """The ziggurat normals of coordinates j0 (words w0, w1) and j0 + 1 (words w2, w3)."""
        return (ziggurat(w0, w1, k0, k1, index, stream, ZIGGURAT_BLOCKS * j0),
                ziggurat(w2, w3, k0, k1, index, stream, ZIGGURAT_BLOCKS * (j0 + 1)))

    @jit
    def gamma(a, k0, k1, index, stream, base):
        """A Gamma(a) variate (Marsaglia-Tsang; a < 1 boosted by U^(1/a)) from blocks base.."""
        shape = a if a >= 1.0 else a + 1.0
        value = shape - 1.0 / 3.0  # the mode, returned only if 2044 attempts all reject (probability < 1e-1000)
        for b in range(1022):
            w0, w1, w2, w3 = block(k0, k1, index, stream, base + b)
            n1, n2 = normal_pair(w0, w1)
            first = gamma_try(shape, n1, w2)
            if first >= 0.0:
                value = first
                break
            second = gamma_try(shape, n2, w3)
            if second >= 0.0:
                value = second
                break
        if a < 1.0:
            w0, w1, w2, w3 = block(k0, k1, index, stream, base + 1023)
            value *= exp(log_positive(uniform(w0)) / a)
        return value

    @hot
    def gamma_squeeze(a, n, w):
        """The quick half of a Marsaglia-Tsang attempt for Gamma(a), a >= 1, from a normal n and a word
        w: dd * v when the attempt is certainly accepted, else -1 (undecided: gamma_try decides).

        With dd = a - 1/3, y = n / sqrt(9 dd) and v = (1 + y)^3, the attempt accepts when
        log u < dd h(y), h(y) = 3 (log(1 + y) - y + y^2/2 - y^3/3). Since h(y) >= -3/4 y^4 / min(1, 1 + y)
        for y > -1 (the derivative of the difference has the sign of y^4) and log u <= u - 1,
        (u - 1) min(1, 1 + y) < -3/4 dd y^4 implies acceptance. It leaves about 0.03 / dd of attempts
        undecided (0.5% at a = 6, 2e-5 at a = 1536), where the textbook squeeze 1 - 0.0331 n^4 leaves
        10%; and it needs no logarithm, so loops over samples run it in SIMD lanes."""
        dd = max(a, 1.0) - 1.0 / 3.0
        y = n * (1.0 / math.sqrt(9.0 * dd))  # a product: the reciprocal is hoisted out of loops over samples
        v = (1.0 + y) * (1.0 + y) * (1.0 + y)
        y4 = (y * y) * (y * y)
        # 1e-12: a rounding margin; the coefficient is one product, hoisted out of loops over samples
        sure = uniform_minus_one(w) * min(1.0, 1.0 + y) < y4 * (-0.75 * (1.0 + 1e-12) * dd)
        return dd * v if (a >= 1.0 and 1.0 + y > 0.0 and sure) else -1.0

    @hot
    def gamma_exact(a, n, w):
        """The exact test of a Marsaglia-Tsang attempt (with logarithms; branch-free, so that a loop
        over attempts runs in SIMD lanes): dd * v if accepted, else -1 (and -1 for a < 1)."""
        dd = max(a, 1.0) - 1.0 / 3.0
        y1 = 1.0 + n * (1.0 / math.sqrt(9.0 * dd))  # 1 + gamma_squeeze's y, rounded the same way
        v = y1 * y1 * y1
        accept = log_positive(uniform(w)) < 0.5 * n * n + dd * (1.0 - v + log_positive(v))  # any value where v <= 0
        return dd * v if (a >= 1.0 and y1 > 0.0 and accept) else -1.0

    @jit
    def gamma_try(a, n, w):
        """One Marsaglia-Tsang attempt for Gamma(a) from a normal n and a word w; -1 if rejected or
        a < 1 (gamma_squeeze, then the exact test with logarithms)."""
        value = gamma_squeeze(a, n, w)
        if value >= 0.0 or a < 1.0:
            return value
        return gamma_exact(a, n, w)

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
        face = min(int(uniform53(w0, w1) * d), d - 1)
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
        face = min(int(face_u * d), d - 1)
        for j0 in range(0, d, 2):
            w0, w1, w2, w3 = block(k0, k1, index, STREAM_FILL, COORDS + j0 // 2)
            c0, c1 = mixed_pair(w0, w1, w2, w3, tau, k0, k1, index, STREAM_FILL, j0)
            row[j0] = sigma * c0
            if j0 + 1 < d:
                row[j0 + 1] = sigma * c1
        row[face] = sign * sigma * tau

    @jit
    def fill_row(row, family, shape, scale, cdf, log_tau, k0, k1, index):
        """Fill one row with sample `index` of family 0 (L2), 1 (L1), 2 (Linf), 3 (mixed), 4 (Gaussian)."""
        if family == 0:
            fill_l2(row, shape, scale, k0, k1, index)
        elif family == 1:
            fill_l1(row, shape, scale, k0, k1, index)
        elif family == 2:
            fill_linf(row, shape, scale, k0, k1, index)
        elif family == 3:
            fill_mixed(row, cdf, log_tau, scale, k0, k1, index)
        else:
            fill_gaussian(row, scale, k0, k1, index)

    # ---- the statistics X needs, from O(1) (L1, L2) or O(d) (mixed) draws per sample ----------
    @hot
    def u1_squeeze(m, n, w):
        """The quick half of an attempt at u1 = z1 / ||z||_2, the first coordinate of a uniform direction
        in R^d, whose density is proportional to (1 - u^2)^m, m = (d - 3) / 2 >= 1/2: the proposal
        x = n / sqrt(2 m) from a normal n, x if it is certainly accepted, else NaN (u1_try decides).

        Rejection from N(0, 1 / (2 m)): the density ratio is exp(m (log(1 - x^2) + x^2)) <= 1 (up to
        a constant) on |x| < 1 and 0 beyond, so x accepted when log u < m (log(1 - y) + y), y = x^2, has
        u1's law (exactly, but for the Box-Muller normal's cap |n| <= 6.77 from 32-bit uniforms: a mass
        of 1e-11 at d = 3072, within montecarlo.SAMPLING_TV_PER_DRAW); about 3 / (8 m) of proposals are
        rejected for large m (37% at m = 1/2). With log(1 - y) + y >=
        -y^2 / (2 (1 - y)) on [0, 1) (the difference is 0 at 0 and its derivative is y^2 / (2 (1 - y)^2))
        and log u <= u - 1, 2 (u - 1) (1 - y) < -m y^2 implies acceptance: no logarithm, so loops over
        samples run it in SIMD lanes."""
        x = n * (1.0 / math.sqrt(2.0 * max(m, 0.5)))  # a product: the reciprocal is hoisted out of loops
        y = x * x
        sure = uniform_minus_one(w) * (2.0 * (1.0 - y)) < (y * y) * (-(1.0 + 1e-12) * m)  # as in gamma_squeeze
        return x if (m >= 0.5 and y < 1.0 and sure) else math.nan

    @jit
    def u1_try(m, n, w):
        """One attempt at u1 (u1_squeeze, then the exact test with logarithms): x, or NaN if rejected
        or m < 1/2."""
        x = u1_squeeze(m, n, w)
        if x == x or m < 0.5:
            return x
        x = n * (1.0 / math.sqrt(2.0 * m))  # u1_squeeze's x, rounded the same way
        y = x * x
        if y < 1.0 and log_positive(uniform(w)) < m * (log1p(-y) + y):
            return x
        return math.nan

    @jit
    def u1_draw(d, k0, k1, index, stream):
        """u1 of an L2-family sample after its first attempt failed (u1_try), from blocks U1..: in R^2
        the cosine of a uniform angle (a Box-Muller pair over its length), in R^3 a uniform on
        (-1, 1) (Archimedes), else u1_try's rejection on fresh blocks."""
        w0, w1, w2, w3 = block(k0, k1, index, stream, U1)
        if d == 2:
            n1, n2 = normal_pair(w0, w1)
            return n1 / math.sqrt(n1 * n1 + n2 * n2)
        if d == 3:
            return 2.0 * uniform(w0) - 1.0
        m = 0.5 * (d - 3)
        for b in range(1023):
            w0, w1, w2, w3 = block(k0, k1, index, stream, U1 + b)
            n1, n2 = normal_pair(w0, w1)
            first = u1_try(m, n1, w2)
            if first == first:
                return first
            second = u1_try(m, n2, w3)
            if second == second:
                return second
        return 0.0  # 2046 rejections in a row: probability below 1e-400 (acceptance >= 0.6 at d = 4)

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
        face = min(int(face_u * d), d - 1)
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
        """The statistics X needs for one sample, as (a, b, s, t): (R^2, z1) for the L2 family (family 0
        or 4), (R, z1) for L1 (1), (T, max, S, min) for mixed (3); in units of the scale (R^2 in
        units of its square)."""
        a = 0.0
        b = 0.0
        s = 0.0
        t = 0.0
        if family == 0 or family == 4:
            a, b = stats_l2(shape, d, k0, k1, index, stream)
        elif family == 1:
            a, b = stats_l1(shape, d, k0, k1, index, stream)
        else:
            a, s, b, t = stats_mixed(cdf, log_tau, d, k0, k1, index, stream)
        return a, b, s, t

    @jit
    def log_ratio(family, a, b, s, t, r, d, k, scale):
        """X at radius r from the statistics of sample_stats."""
        if family == 0 or family == 4:
            return ratio_l2(scale * scale * a, scale * b, r, k, scale)
        if family == 1:
            return ratio_l1(scale * a, scale * b, r, k, scale)
        return ratio_mixed(scale * a, scale * s, scale * b, scale * t, r, d, k, scale)

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

    return dict(elementary=elem, uniform53=uniform53, signed_uniform=signed_uniform, uniform_minus_one=uniform_minus_one, philox=philox, block=block, block_words=block_words, uniform=uniform, normal_pair=normal_pair, gamma=gamma, fallback=fallback, truncated_proposal=truncated_proposal,
                table_quantile=table_quantile, gamma_try=gamma_try, gamma_squeeze=gamma_squeeze, gamma_exact=gamma_exact, l2_finish_radius=l2_finish_radius, l2_finish_u1=l2_finish_u1,
                u1_squeeze=u1_squeeze, u1_try=u1_try, u1_draw=u1_draw,
                ziggurat_fast=ziggurat_fast, mixed_fast=mixed_fast, mixed_coordinate=mixed_coordinate,
                fill_l2=fill_l2, fill_gaussian=fill_gaussian, normal_pair_zig=normal_pair_zig, mixed_pair=mixed_pair, mixed_draw_t=mixed_draw_t, ziggurat=ziggurat, fill_l1=fill_l1, fill_linf=fill_linf,
                fill_mixed=fill_mixed, fill_row=fill_row, stats_l2=stats_l2, l2_draws_from=l2_draws_from,
                l2_stats_from=l2_stats_from, log_ratio_l2=ratio_l2, log_ratio_l2_series=ratio_l2_series, log_ratio_l2_log1p=ratio_l2_log1p, stats_l1=stats_l1, stats_mixed=stats_mixed,
                histogram_bin=histogram_bin, sample_stats=sample_stats, log_ratio=log_ratio)
