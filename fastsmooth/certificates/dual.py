"""The dual certificate (docs/math.md §1) from any law of X that offers CDF bounds.

A `law` provides ``cdf_estimate(r, x)`` (an approximation of G_r(x) = P(X <= x), for searches) and
``bounds(r, x, strict)`` -> (cdf_low, cdf_up, sf_low, sf_up) bounding P(X <= x) (P(X < x) if strict)
and its complement. Soundness rests on one fact: for every lam = e^x0 >= 0,

    L(r, pA) >= e^x0 (pA - G(x0)) + P(X >= -x0)                       (weak duality)

so a search only has to find a good x0; the value reported is computed from the bounds at that x0,
and an imprecise search costs tightness, never soundness. Likewise the certificate L > 1/2 holds
whenever pA > G(x0) + (G((-x0)-) - 1/2) e^-x0 for some x0, which is smallest at x0 = -median(X).
"""
import numpy as np
from scipy import special

from .roots import expand_bracket, find_crossing

_MAX_EXP = 700.0


def quantile(law, r, p):
    """x with G_r(x) >= p and G_r(x - tol) < p (approximately inf{x : G(x) >= p}); vectorized.

    Above p = 1/2 the search runs on the upper tail, P(X > x) = 1 - p (1 - p is exact there), so
    quantiles at p within 1e-16 of 1 are as accurate as the median."""
    r, p = np.broadcast_arrays(np.asarray(r, dtype=np.float64), np.asarray(p, dtype=np.float64))
    shape = r.shape
    r, p = r.ravel(), p.ravel()
    upper = p > 0.5
    tail = np.where(upper, 1.0 - p, p)

    def f(x):
        cdf, sf = law.estimates(r, x)
        return np.where(upper, tail - sf, cdf - tail)  # non-decreasing in x either way

    lo, hi, flo, fhi = expand_bracket(f, -np.ones_like(r), np.ones_like(r))
    xtol = 1e-10 * (1.0 + np.maximum(np.abs(lo), np.abs(hi)))
    lo, hi = find_crossing(f, lo, hi, flo, fhi, xtol, ftol=1e-13 * tail)
    return hi.reshape(shape)


_EPS = np.finfo(np.float64).eps


def complement_down(p):
    """1 - p rounded down (1 - p in floating point rounds to nearest, which may be above the truth:
    1 - 1e-17 rounds to 1). A lower bound on the top class from an upper bound p on another's."""
    p = np.asarray(p, dtype=np.float64)
    q = 1.0 - p
    # where q >= 1/2, 1 - q is exact (Sterbenz), so q > 1 - p exactly when 1 - q < p
    return np.where((q >= 0.5) & (1.0 - q < p), np.nextafter(q, 0.0), q)


def _dual_value(law, r, pA, x0):
    """Lower bound of e^x0 (pA - G(x0)) + P(X >= -x0), safe side everywhere (r, pA (m, 1), x0 (m, j)).

    pA - G(x0) >= max(pA - cdf_up, sf_low - (1 - pA)): the second form keeps its digits when both
    probabilities are within 1e-16 of 1 (1 - pA is exact for pA >= 1/2). The final slack covers the
    rounding of the few operations here, relative to their sizes."""
    _, cdf_up, sf_low, _ = law.bounds(r, x0)
    _, _, sf_low_strict, _ = law.bounds(r, -x0, strict=True)
    lam = np.exp(np.minimum(x0, _MAX_EXP))
    gap = np.maximum(pA - cdf_up, np.where(pA >= 0.5, sf_low - (1.0 - pA), -np.inf))
    value = lam * gap + sf_low_strict
    return value - 8 * _EPS * (lam * np.abs(gap) + sf_low_strict) - 1e-300


def lower_bound(law, r, pA):
    """L(r, pA) rounded down: the least probability of the top class at any perturbation of native
    norm <= r, for a classifier whose top class has probability >= pA under the noise."""
    r, pA = np.broadcast_arrays(np.asarray(r, dtype=np.float64), np.asarray(pA, dtype=np.float64))
    shape = r.shape
    r, pA = r.ravel(), pA.ravel()
    out = pA.copy()  # L(0, pA) = pA, L(r, 0) = 0, L(r, 1) = 1
    live = (r > 0) & (pA > 0) & (pA < 1)
    if live.any():
        rl, pl = r[live], pA[live]
        x_star = quantile(law, rl, pl)[:, None]
        # The optimum is at x*; a slightly smaller x0 trades lam * (bound error) for a tiny loss.
        x0 = x_star - np.array([0.0, 1e-7, 1e-4]) * (1.0 + np.abs(x_star))
        best = _dual_value(law, rl[:, None], pl[:, None], x0).max(axis=1)
        best = np.where(np.isnan(best), 0.0, best)  # nothing decided: 0 is always a valid lower bound
        out[live] = np.clip(best, 0.0, pl)  # 0 <= L <= pA always: clipping lowers nothing below the truth
    return out.reshape(shape)


def certificate_margin(law, r, estimate=False):
    """A lower bound m(r) on 1 - (the least pA whose binary certificate holds at native radius r):
    L(r, pA) > 1/2 for every pA with 1 - pA < m(r). 0 where nothing is certified.

    For any x0, L(r, pA) > 1/2 when 1 - pA < P(X > x0) - (P(X < -x0) - 1/2) e^-x0 (weak duality),
    best at x0 = -median(X). Written in the tails, the margin keeps its digits for pA within 1e-16
    of 1. With estimate=True, a fast approximation without error bounds (for searches only)."""
    r = np.asarray(r, dtype=np.float64)
    shape = r.shape
    r = r.ravel()
    out = np.full(r.shape, 0.5)
    live = r > 0
    if live.any():
        rl = r[live]
        x0 = -quantile(law, rl, np.full_like(rl, 0.5))
        weight = np.exp(-np.maximum(x0, -_MAX_EXP))
        if estimate:
            sf = law.estimates(rl, x0)[1]
            below = law.cdf_estimate(rl, -x0, strict=True)
            margin = sf - (below - 0.5) * weight
        else:
            _, _, sf_low, _ = law.bounds(rl, x0)
            _, below_up, _, _ = law.bounds(rl, -x0, strict=True)
            excess = (below_up - 0.5) * weight
            margin = sf_low - excess
            margin = margin - 8 * _EPS * (sf_low + np.abs(excess)) - 1e-300
        out[live] = np.clip(np.where(np.isnan(margin), 0.0, margin), 0.0, 0.5)
    return out.reshape(shape)


def pA_needed(law, r, estimate=False):
    """An upper bound on the least pA whose binary certificate holds at native radius r: the
    certificate L(r, pA) > 1/2 holds for every pA strictly above it (1 - certificate_margin, rounded up)."""
    margin = certificate_margin(law, r, estimate)
    return np.minimum(np.nextafter(1.0 - margin, 2.0), 1.0)


def _log_radius_search(excess, pA, scale, rtol):
    """Largest r with excess(r) < 0 (certified), for excess non-decreasing in r, by a search in log r
    (relative precision rtol at any size, from e^-700 to e^700 times scale); 0 where r -> 0 is not
    certified, inf where every radius tried is."""
    f = lambda u: excess(scale * np.exp(u))  # noqa: E731
    lo, hi, flo, fhi = expand_bracket(f, np.full(pA.shape, -1.0), np.full(pA.shape, 1.0), max_doublings=11)
    lo, _ = find_crossing(f, lo, hi, flo, fhi, rtol)
    r = scale * np.exp(lo)
    return np.where(fhi < 0, np.inf, np.where(flo >= 0, 0.0, r))


def binary_radius(law, pA, scale, rtol=1e-9):
    """Largest native radius r (rounded down) with 1 - pA < certificate_margin(r), found by a search on
    fast estimates and then verified with error bounds, stepping down until verified; 0 for pA <= 1/2
    and inf for pA = 1. `scale` is a length of the order of the radii."""
    pA = np.asarray(pA, dtype=np.float64)
    shape = pA.shape
    pA = pA.ravel()
    out = np.zeros(pA.shape)
    out[pA >= 1.0] = np.inf
    live = (pA > 0.5) & (pA < 1.0)
    if live.any():
        pl = pA[live]
        target = -special.ndtri(1.0 - pl)  # 1 - pA is exact for pA >= 1/2
        # -ndtri(margin) = Phi^-1(pA_needed) makes the function nearly linear in r (exactly so for the
        # Gaussian); the cap keeps it finite where the margin vanishes, so the secant steps stay useful.
        excess = lambda r: np.minimum(-special.ndtri(certificate_margin(law, r, estimate=True)), 40.0) - target  # noqa: E731
        guess = _log_radius_search(excess, pl, float(scale), rtol)
        out[live] = _verified(law, pl, np.where(np.isfinite(guess), guess, 0.0))
    return out.reshape(shape)


def _verified(law, pA, r_guess):
    """The largest of r_guess * (1 - step) for steps 0, 1e-9, 1e-7, ... that the bounds certify (else 0)."""
    result = np.zeros_like(r_guess)
    todo = r_guess > 0
    for step in (0.0, 1e-9, 1e-7, 1e-5, 1e-3, 1e-2, 0.1, 0.5):
        if not todo.any():
            break
        r = r_guess[todo] * (1.0 - step)
        ok = (1.0 - pA[todo]) < certificate_margin(law, r)
        idx = np.nonzero(todo)[0][ok]
        result[idx] = r[ok]
        todo[idx] = False
    return result


def top2_radius(lower_bound, pA, pB, scale, rtol=1e-9):
    """Largest r (to relative rtol, rounded down) with lower_bound(pA, r) + lower_bound(1 - pB, r) > 1.

    `lower_bound(p, r)` must be a valid, vectorized lower bound non-increasing in r; `scale` is a
    length of the order of the radii (sigma or b).
    """
    pA, pB = np.broadcast_arrays(np.asarray(pA, dtype=np.float64), np.asarray(pB, dtype=np.float64))
    shape = pA.shape
    pA, pB = pA.ravel(), pB.ravel()

    out = np.zeros(pA.shape)
    live = 1.0 - pA - (1.0 - pB) < 0  # the certificate at r = 0 is pA > pB
    if live.any():
        pl, ql = pA[live], complement_down(pB[live])
        excess = lambda r: 1.0 - lower_bound(pl, r) - lower_bound(ql, r)  # noqa: E731  (< 0: certified)
        out[live] = _log_radius_search(excess, pl, float(scale), rtol)
    return out.reshape(shape)
