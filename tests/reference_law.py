"""An independent reference for the law of X (L1 and L2 families), for tests only.

It shares no numerics with fastsmooth.certificates.law: the radial integral runs in s = log R with
scipy's adaptive quad (split where the conditional law saturates), the radial density is written out
in log space (so radial shapes near 0, whose R spans hundreds of decades, are fine), and the threshold
given R is found by brentq on X itself (no Wright omega). It is slow (a second or so per value) and
meant for a handful of points.

    sf(noise, r, x)     P(X > x)
    cdf(noise, r, x)    P(X <= x) (integrated directly, so small values keep their digits)
    margin(noise, r, x0) = P(X > x0) - (P(X < -x0) - 1/2) e^-x0: the binary certificate holds at r
                        for every pA with 1 - pA below it (any x0)
    dual(noise, r, pA, x0) = e^x0 (pA - P(X <= x0)) + P(X >= -x0) <= L(r, pA) (any x0)
"""
import math

import numpy as np
from scipy import integrate, optimize, special


def _log_radial_density(noise, s):
    """log of the density of s = log R."""
    k, d = noise.k, noise.d
    if noise.family == "l2":
        a, sig = 0.5 * (d - k), noise.sigma
        # R^2 / (2 sigma^2) ~ Gamma(a): density of R is 2 R^(2a-1) e^(-R^2/2s^2) / ((2 s^2)^a Gamma(a)); times R
        return (math.log(2.0) + 2 * a * s - math.exp(2 * s) / (2 * sig * sig) - a * math.log(2 * sig * sig)
                - special.gammaln(a))
    a, b = d - k, noise.b
    return a * s - math.exp(s) / b - a * math.log(b) - special.gammaln(a)


def _log_shift_ratio(R, log_R, r, sq):
    """log(||z - delta||^2 / R^2) from sq = ||z - delta||^2 - R^2 (computed by the caller without
    cancellation) and R, r: log1p where the ratio is near 1, else logarithms of the parts."""
    if abs(sq) < 0.5 * R * R:
        return math.log1p(sq / (R * R))
    return math.log(R * R + sq) - 2 * log_R


def _x_l2_p(noise, R, log_R, p, r):
    """X at radius R with p = (1 - u1)/2 (u1 = z1 / R): ||z - delta||^2 = (R - r)^2 + 4 r R p."""
    k, s = noise.k, noise.sigma
    cross = r * (2 * R - r) - 4 * r * R * p  # 2 r z1 - r^2
    if R > 4 * r or R < r / 4:
        log_ratio = _log_shift_ratio(R, log_R, r, -cross)
    else:
        log_ratio = _log((R - r) ** 2 + 4 * r * R * p) - 2 * log_R
    return -0.5 * k * log_ratio + cross / (2 * s * s)


def _x_l2_q(noise, R, log_R, q, r):
    """X at radius R with q = (1 + u1)/2: ||z - delta||^2 = (R + r)^2 - 4 r R q."""
    k, s = noise.k, noise.sigma
    cross = 4 * r * R * q - r * (2 * R + r)
    if R > 4 * r or R < r / 4:
        log_ratio = _log_shift_ratio(R, log_R, r, -cross)
    else:
        log_ratio = math.log((R + r) ** 2 - 4 * r * R * q) - 2 * log_R
    return -0.5 * k * log_ratio + cross / (2 * s * s)


def _x_l1_w(noise, R, log_R, w, r):
    """X at radius R with z1 = R (1 - w) in [0, min(r, R)]: Delta = r - 2 z1, R + Delta = r - R + 2 R w."""
    k, b = noise.k, noise.b
    delta = r - 2 * R + 2 * R * w
    return -k * (_log(r - R + 2 * R * w) - log_R) - delta / b


def _log(v):
    return math.log(v) if v > 0 else -math.inf


def _root(fn, a, b):
    return optimize.brentq(fn, a, b, xtol=1e-300, rtol=1e-15, maxiter=400)


def _conditional(noise, log_R, r, x):
    """(P(X <= x | R), P(X > x | R)) at R = e^log_R, each computed directly."""
    d = noise.d
    R = math.exp(log_R)
    if noise.family == "l2":
        h = 0.5 * (d - 1)
        if x <= _x_l2_q(noise, R, log_R, 0.0, r):
            return 0.0, 1.0
        if R == r or x < _x_l2_p(noise, R, log_R, 0.0, r):
            # X increases with u1, so decreases with p: P(X > x) = P(p < p*) = I_p*(h, h)
            if x > _x_l2_p(noise, R, log_R, 0.5, r):
                p = _root(lambda p: _x_l2_p(noise, R, log_R, p, r) - x, 0.0, 0.5)
                return float(1.0 - special.betainc(h, h, p)), float(special.betainc(h, h, p))
            q = _root(lambda q: _x_l2_q(noise, R, log_R, q, r) - x, 0.0, 0.5)
            return float(special.betainc(h, h, q)), float(1.0 - special.betainc(h, h, q))
        return 1.0, 0.0
    x_lo = -noise.k * (math.log(r + R) - log_R) - r / noise.b  # the atom z1 <= 0 (mass 1/2)
    if x < x_lo:
        return 0.0, 1.0
    w_end = 0.0 if R <= r else 1.0 - r / R  # z1 = min(r, R)
    if R != r and x >= _x_l1_w(noise, R, log_R, w_end, r):
        return 1.0, 0.0
    if x == x_lo:
        w = 1.0
    else:  # X decreases in w (increases in z1): P(X > x) = P(z1 > z*) = w*^(d-1) / 2
        w = _root(lambda w: _x_l1_w(noise, R, log_R, w, r) - x, w_end, 1.0)
    tail = 0.5 * w ** (d - 1)
    return 1.0 - tail, tail


def _conditional_sf(noise, log_R, r, x):
    return _conditional(noise, log_R, r, x)[1]


def _radial_integral(noise, r, fn, extra_points=()):
    """int fn(log R) dP(R) in s = log R, split at log r and at the given points, over the whole line."""
    def integrand(s):
        lf = _log_radial_density(noise, s)
        if lf < -745:
            return 0.0
        return fn(s) * math.exp(lf)

    # where the radial density lives: its mode and a generous range around it
    grid = np.linspace(-800, 12 + math.log(noise.scale * (1 + noise.d)), 40001)
    logf = np.array([_log_radial_density(noise, s) for s in grid])
    live = grid[logf > logf.max() - 80]
    cuts = sorted({live[0], live[-1], math.log(r), *extra_points})
    cuts = [c for c in cuts if live[0] <= c <= live[-1]]
    total = 0.0
    for a, b in zip(cuts[:-1], cuts[1:]):
        if b > a:
            total += integrate.quad(integrand, a, b, epsabs=0.0, epsrel=1e-12, limit=400)[0]
    return total


def _saturation_points(noise, r, x):
    """log R where P(X > x | R) jumps or stops being smooth (found on a grid, polished by brentq)."""
    grid = np.linspace(math.log(noise.scale) - 60, math.log(noise.scale) + 8, 3001)
    values = np.array([_conditional_sf(noise, s, r, x) for s in grid])
    state = np.where(values >= 1.0, 2, np.where(values <= 0.0, 0, 1))
    points = []
    for i in np.nonzero(np.diff(state))[0]:
        same = lambda s: _conditional_sf(noise, s, r, x)  # noqa: E731
        a, b = grid[i], grid[i + 1]
        for _ in range(60):
            m = 0.5 * (a + b)
            sm = same(m)
            if (np.where(sm >= 1.0, 2, np.where(sm <= 0.0, 0, 1))) == state[i]:
                a = m
            else:
                b = m
        points.append(0.5 * (a + b))
    return points


def sf(noise, r, x):
    """P(X > x) at native radius r."""
    return _radial_integral(noise, r, lambda s: _conditional_sf(noise, s, r, x), _saturation_points(noise, r, x))


def cdf(noise, r, x):
    """P(X <= x) at native radius r."""
    return _radial_integral(noise, r, lambda s: _conditional(noise, s, r, x)[0], _saturation_points(noise, r, x))


def margin(noise, r, x0):
    """P(X > x0) - (P(X < -x0) - 1/2) e^-x0 (X has no atom at -x0 but on a null set of R)."""
    return sf(noise, r, x0) - (cdf(noise, r, -x0) - 0.5) * math.exp(-x0)


def dual(noise, r, pA, x0):
    """e^x0 (pA - P(X <= x0)) + P(X >= -x0), a lower bound on L(r, pA) for any x0."""
    return math.exp(x0) * (sf(noise, r, x0) - (1.0 - pA)) + sf(noise, r, -x0)
