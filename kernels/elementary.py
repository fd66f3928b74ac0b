"""Elementary functions in plain arithmetic, so that loops calling them vectorize and every target
rounds them alike.

numba compiles `math.log` and `math.cos` to calls into the C library (on a GPU, into libdevice), and
a loop holding such a call runs one sample at a time; the two libraries also round differently in
the last bits. These versions use only +, *, /, comparisons and bit casts, so LLVM turns a loop
over samples into SIMD code, NVVM into straight-line GPU code, and both give the same floats.

Algorithms (the usual ones, written here): log by the exponent/mantissa split with the mantissa
reduced to [sqrt(1/2), sqrt(2)) and the odd series of log((1+s)/(1-s)) in s = f/(2+f), with the
minimax coefficients of fdlibm's e_log.c; log1p by log(1+q) corrected for the rounding of 1+q;
log((1+s)/(1-s)) for |s| <= 0.1715 by that series alone; sine and cosine on [0, pi/4] by fdlibm's
kernel polynomials; exp and expm1 by x = k ln2 + r, |r| <= ln(2)/2, with the rounding error of r
carried, the Taylor series of exp(r) - 1 - r to r^13, r added last with its rounding recovered, and
2^k from its bits. Measured against long-double references (tests/test_kernels.py, and 1e6 random
points once, 1.8e7 for exp and expm1): log within 1 ulp (0.85 seen), log1p within 2 ulp (1.5 seen),
the series within 1 ulp (0.53 seen), on [0, pi/4] sine within 1 ulp (0.67 seen) and cosine within
2 ulp (1.2 seen: the plain 1 - z/2 + ... form, without fdlibm's correction near pi/4), exp within
1 ulp where its result is normal (0.76 seen), expm1 within 1.5 ulp (1.05 seen).

Domains (not checked: these run per sample inside kernels): `log_positive` is accurate for finite
x > 0 that is not subnormal (x >= 2.3e-308); `log1p` for q > -1 with 1 + q in that range;
`log_ratio_series` for |s| <= ATANH_SERIES_MAX; `sincos_quarter` for x in [0, pi/4]; `exp` and
`expm1` for any x but NaN (exp: 0 below -745.2, inf above 709.8; expm1: -1 below -40). Outside,
they return a value and never raise: log_positive gives about -709 at 0, finite numbers for
negative x, NaN or inf, and log1p(inf) is NaN. The one case the kernels can meet is an L2-family
sample whose Gamma radius underflows to 0 (shape far below 1): X is then NaN, which the histograms
count below every bin, the safe side (the true X there is -inf).
"""
import math

import numpy as np

LN2_HI, LN2_LO = 6.93147180369123816490e-01, 1.90821492927058770002e-10  # ln 2 = LN2_HI + LN2_LO
LG1, LG2 = 6.666666666666735130e-01, 3.999999999940941908e-01
LG3, LG4 = 2.857142874366239149e-01, 2.222219843214978396e-01
LG5, LG6, LG7 = 1.818357216161805012e-01, 1.531383769920937332e-01, 1.479819860511658591e-01
S1, S2, S3 = -1.66666666666666324348e-01, 8.33333333332248946124e-03, -1.98412698298579493134e-04
S4, S5, S6 = 2.75573137070700676789e-06, -2.50507602534068634195e-08, 1.58969099521155010221e-10
C1, C2, C3 = 4.16666666666666019037e-02, -1.38888888888741095749e-03, 2.48015872894767294178e-05
C4, C5, C6 = -2.75573143513906633035e-07, 2.08757232129817482790e-09, -1.13596475577881948265e-11
# inside fdlibm's range for the LG series, |s| <= 0.1716 (s = f / (2 + f), f in [sqrt(1/2) - 1, sqrt(2) - 1])
ATANH_SERIES_MAX = 0.1715
INV_LN2 = 1.44269504088896338700e+00
ROUND_MAGIC = 6755399441055744.0  # 1.5 * 2^52: (t + ROUND_MAGIC) - ROUND_MAGIC is t rounded to an integer, |t| < 2^51
# 1/2!, ..., 1/13!: the Taylor series of exp(r) - 1 on |r| <= ln(2)/2, where the first term left out,
# r^14/14!, is below 4.3e-18 (0.08 ulp of the smallest |exp(r) - 1| that large r gives)
E2, E3, E4, E5, E6, E7, E8, E9, E10, E11, E12, E13 = (1.0 / math.factorial(n) for n in range(2, 14))


def define(jit):
    """The functions compiled with `jit` (numba.njit, numba.cuda.jit(device=True), or the identity)."""
    mantissa, exponent_shift = np.int64(0x000FFFFFFFFFFFFF), np.int64(52)
    # adding this to the mantissa carries into bit 52 exactly when the mantissa is >= sqrt(2) - 1
    carry_at_sqrt2, bit52 = np.int64(0x95F6400000000), np.int64(1 << 52)
    one_bits = np.int64(0x3FF0000000000000)

    @jit
    def log_positive(x):
        """Natural log of a finite, normal x > 0 (within 1 ulp)."""
        bits = np.float64(x).view(np.int64)
        m = bits & mantissa
        carry = (m + carry_at_sqrt2) & bit52
        k = float((bits >> exponent_shift) - 1023 + (carry >> exponent_shift))
        f = np.int64(m | (carry ^ one_bits)).view(np.float64) - 1.0  # x / 2^k - 1, in [sqrt(1/2)-1, sqrt(2)-1)
        s = f / (2.0 + f)
        z = s * s
        w = z * z
        series = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7))) + w * (LG2 + w * (LG4 + w * LG6))
        half_f2 = 0.5 * f * f
        return k * LN2_HI - ((half_f2 - (s * (half_f2 + series) + k * LN2_LO)) - f)

    @jit
    def log1p(q):
        """log(1 + q) for q > -1, accurate for small q too: u = 1 + q rounds off c = (u - 1) - q
        (exactly representable), and log(1 + q) = log(u) - c/u + O(c^2). Where the correction
        matters (u near 1), 2 - u equals 1/u to O((u - 1)^2); for u >= 2 it is below an ulp of
        log u and dropped; for u <= 1/2, 1 + q is exact and c = 0. No division beyond log's."""
        u = 1.0 + q
        c = (u - 1.0) - q
        return log_positive(u) - c * max(2.0 - u, 0.0)

    @jit
    def log_ratio_series(s):
        """log((1 + s) / (1 - s)) = 2 atanh(s) for |s| <= ATANH_SERIES_MAX, within 1 ulp: log's series
        without its range reduction (log(1 + f) = 2s + s R(s^2) with s = f / (2 + f), the identity
        behind log_positive's form). A caller that has s from its own numbers needs no exponent split
        and no division here: log(A / B) = log_ratio_series((A - B) / (A + B))."""
        z = s * s
        w = z * z
        return 2.0 * s + s * (z * (LG1 + w * (LG3 + w * (LG5 + w * LG7))) + w * (LG2 + w * (LG4 + w * LG6)))

    @jit
    def sincos_quarter(x):
        """(sin x, cos x) for x in [0, pi/4]."""
        z = x * x
        s = x + x * z * (S1 + z * (S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)))))
        c = 1.0 - 0.5 * z + z * z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6)))))
        return s, c

    @jit
    def power_of_two(k):
        """2.0 ** k for an integer -1022 <= k <= 1023 (by its bits)."""
        return np.int64((k + 1023) << 52).view(np.float64)

    @jit
    def exp_reduce(x):
        """(k, r, c) with x = k ln2 + r + c, k an integer (as a float), |r| <= ln(2)/2 + tiny, and c the
        rounding error of r (|c| <= ulp(r) / 2), for |x| <= 746. k LN2_HI is exact (LN2_HI has 32
        significant bits, |k| < 2^21) and so is x - k LN2_HI (Sterbenz); r = hi - k LN2_LO rounds
        once, and its error c is recovered exactly (Knuth's two-sum)."""
        k = (x * INV_LN2 + ROUND_MAGIC) - ROUND_MAGIC
        hi = x - k * LN2_HI
        lo = k * LN2_LO
        r = hi - lo
        v = r - hi
        c = (hi - (r - v)) - (lo + v)
        return k, r, c

    @jit
    def exp_tail(r, c):
        """exp(r + c) - 1 - r for |r| <= ln(2)/2 and |c| <= ulp(r): r^2 P(r) (Taylor to r^13, P by
        Estrin's scheme: a shallower chain of operations than Horner's), plus c e^r to first order.
        Callers add r to it last, with the rounding of that sum recovered (Fast2Sum)."""
        r2 = r * r
        r4 = r2 * r2
        low = (E2 + r * E3) + r2 * (E4 + r * E5)
        middle = (E6 + r * E7) + r2 * (E8 + r * E9)
        high = (E10 + r * E11) + r2 * (E12 + r * E13)
        return r2 * (low + r4 * (middle + r4 * high)) + c * (1.0 + r)

    @jit
    def times_power_of_two(y, k):
        """y 2^k for an integer -1077 <= k <= 1024 and 0.7 <= y < 1.5: two products, the first exact,
        so a subnormal result rounds once."""
        half = k >> 1
        return (y * power_of_two(half)) * power_of_two(k - half)

    @jit
    def exp_reduced(r, c):
        """e^(r + c) for exp_reduce's r and c: (1 + r) + exp_tail, where the rounding error of 1 + r,
        r - ((1 + r) - 1), is exact (Fast2Sum) and added back."""
        one_r = 1.0 + r
        return one_r + ((r - (one_r - 1.0)) + exp_tail(r, c))

    @jit
    def exp(x):
        """e^x (within 1 ulp where the result is normal); 0 below -745.2, inf above 709.8."""
        x = -746.0 if x < -746.0 else (710.0 if x > 710.0 else x)
        k, r, c = exp_reduce(x)
        return times_power_of_two(exp_reduced(r, c), np.int64(k))

    @jit
    def expm1(x):
        """e^x - 1 (within 1.5 ulp), accurate for small x too: (2^k - 1) + 2^k r + 2^k tail, where
        2^k - 1 (|k| <= 53) and the products are exact and the first sum's rounding is recovered
        (Fast2Sum: |2^k - 1| >= |2^k r| for k != 0); -1 below -40 (e^-40 is under half an ulp of
        1), e^x for k > 56 (the -1 is then under half an ulp)."""
        x = -40.0 if x < -40.0 else (710.0 if x > 710.0 else x)
        k, r, c = exp_reduce(x)
        ki = np.int64(k)
        if ki > 56:
            return times_power_of_two(exp_reduced(r, c), ki)
        scale = power_of_two(ki)
        a = scale - 1.0
        b = scale * r
        head = a + b
        return head + ((b - (head - a)) + scale * exp_tail(r, c))

    return dict(log_positive=log_positive, log1p=log1p, log_ratio_series=log_ratio_series,
                sincos_quarter=sincos_quarter, exp=exp, expm1=expm1)
