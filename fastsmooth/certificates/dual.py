"""The dual certificate (DESIGN.md §1) from any law of X that offers CDF bounds.

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
    """x with G_r(x) >= p and G_r(x - tol) < p (approximately inf{x : G(x) >= p}); vectorized."""
    r, p = np.broadcast_arrays(np.asarray(r, dtype=np.float64), np.asarray(p, dtype=np.float64))
    shape = r.shape
    r, p = r.ravel(), p.ravel()
    f = lambda x: law.cdf_estimate(r, x) - p  # noqa: E731
    lo, hi, flo, fhi = expand_bracket(f, -np.ones_like(r), np.ones_like(r))
    xtol = 1e-10 * (1.0 + np.maximum(np.abs(lo), np.abs(hi)))
    lo, hi = find_crossing(f, lo, hi, flo, fhi, xtol, ftol=1e-13)
    return hi.reshape(shape)


_EPS = np.finfo(np.float64).eps


def _dual_value(law, r, pA, x0):
    """Lower bound of e^x0 (pA - G(x0)) + P(X >= -x0), safe side everywhere (r, pA (m, 1), x0 (m, j))."""
    _, cdf_up, _, _ = law.bounds(r, x0)
    _, _, sf_low_strict, _ = law.bounds(r, -x0, strict=True)
    lam = np.exp(np.minimum(x0, _MAX_EXP))
    # The slack covers float rounding of probabilities near 1 (an ulp of 1 times lam).
    return lam * (pA - cdf_up) + sf_low_strict - 4 * _EPS * (1.0 + lam)


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
        out[live] = np.clip(best, 0.0, pl)  # 0 <= L <= pA always: clipping lowers nothing below the truth
    return out.reshape(shape)


def _pA_needed_value(cdf_at_x0, cdf_strict_at_minus_x0, x0):
    return cdf_at_x0 + (cdf_strict_at_minus_x0 - 0.5) * np.exp(-np.maximum(x0, -_MAX_EXP))


def pA_needed(law, r, estimate=False):
    """An upper bound on the least pA whose binary certificate holds at native radius r: the
    certificate L(r, pA) > 1/2 holds for every pA strictly above it. With estimate=True, a fast
    approximation without error bounds (for searches only)."""
    r = np.asarray(r, dtype=np.float64)
    shape = r.shape
    r = r.ravel()
    out = np.full(r.shape, 0.5)
    live = r > 0
    if live.any():
        rl = r[live]
        x0 = -quantile(law, rl, np.full_like(rl, 0.5))
        if estimate:
            value = _pA_needed_value(law.cdf_estimate(rl, x0), law.cdf_estimate(rl, -x0, strict=True), x0)
        else:
            _, cdf_up, _, _ = law.bounds(rl, x0)
            _, cdf_up_strict, _, _ = law.bounds(rl, -x0, strict=True)
            value = _pA_needed_value(cdf_up, cdf_up_strict, x0) + 4 * _EPS * (1.0 + np.exp(-x0))
        out[live] = np.clip(value, 0.5, 1.0)
    return out.reshape(shape)


def binary_radius(law, pA, scale, rtol=1e-9):
    """Largest native radius r (rounded down) with pA > pA_needed(r), found by a search on fast
    estimates and then verified with error bounds, stepping down until verified; 0 for pA <= 1/2
    and inf for pA = 1. `scale` is a length of the order of the radii."""
    pA = np.asarray(pA, dtype=np.float64)
    shape = pA.shape
    pA = pA.ravel()
    out = np.zeros(pA.shape)
    out[pA >= 1.0] = np.inf
    live = (pA > 0.5) & (pA < 1.0)
    if live.any():
        pl = pA[live]
        target = special.ndtri(pl)
        # ndtri makes the function nearly linear in r (exactly so for the Gaussian); the cap keeps
        # it finite where pA_needed rounds to 1, so the secant steps stay useful.
        f = lambda r: np.minimum(special.ndtri(pA_needed(law, r, estimate=True)), 40.0) - target  # noqa: E731
        lo, hi, flo, fhi = expand_bracket(f, np.zeros_like(pl), np.full_like(pl, float(scale)))
        lo, _ = find_crossing(f, lo, hi, flo, fhi, rtol * hi, ftol=1e-11)
        out[live] = _verified(law, pl, lo)
    return out.reshape(shape)


def _verified(law, pA, r_guess):
    """The largest of r_guess * (1 - step) for steps 0, 1e-9, 1e-7, ... that the bounds certify (else 0)."""
    result = np.zeros_like(r_guess)
    todo = np.ones(r_guess.shape, dtype=bool)
    for step in (0.0, 1e-9, 1e-7, 1e-5, 1e-3, 1e-2, 0.1, 0.5):
        if not todo.any():
            break
        r = r_guess[todo] * (1.0 - step)
        ok = pA[todo] > pA_needed(law, r)
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
        pl, ql = pA[live], 1.0 - pB[live]
        excess = lambda r: 1.0 - lower_bound(pl, r) - lower_bound(ql, r)  # noqa: E731  (< 0: certified)
        lo, hi, flo, fhi = expand_bracket(excess, np.zeros_like(pl), np.full_like(pl, float(scale)),
                                          max_doublings=1000)
        lo, _ = find_crossing(excess, lo, hi, flo, fhi, xtol=rtol * hi)
        out[live] = np.where(fhi < 0, np.inf, lo)  # certified at every radius tried: unbounded
    return out.reshape(shape)
