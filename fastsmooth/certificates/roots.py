"""Vectorized bracketing root search for monotone functions (one formula for every search here)."""
import numpy as np


def expand_bracket(f, lo, hi, max_doublings=64):
    """Widen [lo, hi] (arrays) until f(lo) < 0 <= f(hi) for a non-decreasing f.

    Each side moves away from the other by a doubling step. Returns lo, hi, f(lo), f(hi); entries that
    never bracket keep the last values (their f(lo) >= 0 or f(hi) < 0 tells the caller).
    """
    lo, hi = np.array(lo, dtype=np.float64), np.array(hi, dtype=np.float64)
    flo, fhi = f(lo), f(hi)
    step = np.maximum(hi - lo, 1e-300)
    for _ in range(max_doublings):
        bad_lo, bad_hi = flo >= 0, fhi < 0
        if not (bad_lo.any() or bad_hi.any()):
            break
        if bad_lo.any():
            new_lo = np.where(bad_lo, lo - step, lo)
            hi = np.where(bad_lo, lo, hi)
            fhi = np.where(bad_lo, flo, fhi)
            lo = new_lo
            flo = np.where(bad_lo, f(lo), flo)
        if bad_hi.any():
            new_hi = np.where(bad_hi, hi + step, hi)
            lo = np.where(bad_hi, hi, lo)
            flo = np.where(bad_hi, fhi, flo)
            hi = new_hi
            fhi = np.where(bad_hi, f(hi), fhi)
        step = step * 2.0
    return lo, hi, flo, fhi


def find_crossing(f, lo, hi, flo, fhi, xtol, ftol=0.0, max_iter=200):
    """Shrink brackets with f(lo) < 0 <= f(hi) (f non-decreasing, arrays) until hi - lo <= xtol.

    Two Illinois (modified regula falsi) steps, then a bisection step: superlinear on smooth
    functions, and at least halving every three steps on rough ones (a jump of a CDF at an atom).
    An entry also stops at a point c with |f(c)| <= ftol (then lo = hi = c).
    Returns the final lo, hi (the crossing lies in [lo, hi], up to ftol).
    """
    lo, hi = np.array(lo, dtype=np.float64), np.array(hi, dtype=np.float64)
    flo, fhi = np.array(flo, dtype=np.float64), np.array(fhi, dtype=np.float64)
    xtol = np.broadcast_to(np.asarray(xtol, dtype=np.float64), lo.shape)
    wlo, whi = flo.copy(), fhi.copy()  # Illinois-weighted end values
    last = np.zeros(lo.shape, dtype=np.int8)  # which end moved last: -1 lo, +1 hi
    for it in range(max_iter):
        active = (hi - lo) > xtol
        if not active.any():
            break
        if it % 3 != 2:
            denom = whi - wlo
            with np.errstate(divide="ignore", invalid="ignore"):
                c = np.where(denom > 0, lo - wlo * (hi - lo) / denom, 0.5 * (lo + hi))
            span = hi - lo
            c = np.clip(c, lo + 1e-3 * span, hi - 1e-3 * span)
        else:
            c = 0.5 * (lo + hi)
        c = np.where(active, c, lo)
        fc = np.where(active, f(c), flo)
        up = active & (fc >= 0)
        down = active & (fc < 0)
        # Illinois: when the same end moves twice in a row, halve the weight of the end that stays.
        whi = np.where(up, fc, np.where(down & (last == -1), whi * 0.5, whi))
        wlo = np.where(down, fc, np.where(up & (last == 1), wlo * 0.5, wlo))
        last = np.where(up, 1, np.where(down, -1, last)).astype(np.int8)
        hi = np.where(up, c, hi)
        fhi = np.where(up, fc, fhi)
        lo = np.where(down, c, lo)
        flo = np.where(down, fc, flo)
        done = active & (np.abs(fc) <= ftol)
        lo, hi = np.where(done, c, lo), np.where(done, c, hi)
    return lo, hi
