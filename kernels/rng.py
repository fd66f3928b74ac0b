"""Random numbers of the kernels: Philox4x32-10, uniforms, normals (Box-Muller and the ziggurat),
the Gamma variate and u1, the first coordinate of a uniform direction.

Philox is keyed by the seed (two 32-bit words). The counter of a draw is (block, sample index low,
sample index high, stream + region): sample i's numbers depend on (seed, stream, i) only, never on
the batch, the thread or the launch shape. Each block yields four 32-bit words. Within a sample,
block indices are laid out in fixed ranges so that a rejection loop never shifts another variate's
numbers:

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

GAMMA_A, U1, EXTRA, COORDS = 0, 1024, 2048, 4096
ZIGGURAT_BLOCKS, FALLBACK_BLOCKS = 64, 32  # blocks per coordinate in the two regions below
STREAM_FILL, STREAM_REDUCE, STREAM_PILOT = 0, 1, 2
ZIGGURAT_REGION, FALLBACK_REGION = 1 << 16, 2 << 16  # added to the stream word (streams are < 2^16)
MAX_DIMENSION = 1 << 26  # ZIGGURAT_BLOCKS * MAX_DIMENSION = 2^32 blocks
HIGH_BIT = np.uint64(0x80000000)  # the top bit of a 32-bit word (a sign)


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


def define(jit, hot, elem):
    """The random-number functions compiled with `jit` (`hot` for the small ones called in loops over
    samples; see device.define), using the elementary functions `elem` (elementary.define(hot))."""
    M0, M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
    W0, W1 = np.uint64(0x9E3779B9), np.uint64(0xBB67AE85)
    MASK, S32 = np.uint64(0xFFFFFFFF), np.uint64(32)
    INV32 = 1.0 / 4294967296.0
    INV31 = 1.0 / 2147483648.0
    LOW31 = np.uint64(0x7FFFFFFF)
    log_positive, log1p, sincos_quarter = elem["log_positive"], elem["log1p"], elem["sincos_quarter"]
    exp = elem["exp"]
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
    def face_index(u, d):
        """The coordinate 0..d-1 that a uniform u in [0, 1) picks (the face of the l-inf sphere that
        a LinfCentripetal or MixedLinfL2 sample lies on)."""
        return min(int(u * d), d - 1)

    return dict(philox=philox, block=block, block_words=block_words, pick=pick, uniform=uniform,
                uniform_minus_one=uniform_minus_one, signed_uniform=signed_uniform, uniform53=uniform53,
                normal_pair=normal_pair, ziggurat=ziggurat, ziggurat_fast=ziggurat_fast,
                normal_pair_zig=normal_pair_zig, gamma=gamma, gamma_squeeze=gamma_squeeze, gamma_exact=gamma_exact,
                gamma_try=gamma_try, u1_squeeze=u1_squeeze, u1_try=u1_try, u1_draw=u1_draw, face_index=face_index)
