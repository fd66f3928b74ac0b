"""Closed-form certificates (DESIGN.md §1). All radii are rounded down and all lower bounds rounded
down by a relative 1e-12, far above float64 rounding, so a closed form never overstates.

Guarantee: each function is the exact certificate of its noise for the given (pA, pB); when pA is
a (1 - alpha) lower confidence bound on the top-class probability (and pB an upper bound on the
runner-up's), the reported radius is certified with probability >= 1 - alpha.
"""
import numpy as np
from scipy import special


ROUND_DOWN = 1.0 - 1e-12


def _down(x):
    return np.maximum(np.asarray(x, dtype=np.float64) * ROUND_DOWN, 0.0)


def gaussian_lower_bound(pA, radius, sigma):
    """Cohen et al.: L = Phi(Phi^-1(pA) - radius/sigma), the least probability of the top class at
    any l2 perturbation of norm <= radius, for N(0, sigma^2 I) smoothing."""
    pA, radius = np.asarray(pA, dtype=np.float64), np.asarray(radius, dtype=np.float64)
    return _down(special.ndtr(special.ndtri(pA) - radius / sigma))


def gaussian_radius(pA, sigma, pB=None):
    """Cohen et al. l2 radius: sigma * Phi^-1(pA) (binary) or sigma/2 (Phi^-1(pA) - Phi^-1(pB))
    (top-2); 0 where nothing is certified, inf at pA = 1."""
    pA = np.asarray(pA, dtype=np.float64)
    if pB is None:
        z = special.ndtri(pA)
        return _down(sigma * np.where(pA > 0.5, z, 0.0))
    pB = np.asarray(pB, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        gap = special.ndtri(pA) - special.ndtri(pB)
    return _down(np.where(pA > pB, 0.5 * sigma * gap, 0.0))


def laplace_lower_bound(pA, radius, b):
    """Exact l1 lower bound for iid Laplace(b) smoothing (seed 003, Thm 2):
    L = pA e^(-r/b) for pA <= 1/2; e^(-r/b) / (4 (1 - pA)) for 1/2 <= pA < 1 - e^(-r/b)/2;
    1 - e^(r/b) (1 - pA) above. (The middle form overstates L below pA = 1/2, hence the first.)"""
    pA, radius = np.broadcast_arrays(np.asarray(pA, dtype=np.float64), np.asarray(radius, dtype=np.float64))
    decay = np.exp(-radius / b)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        middle = decay / (4.0 * (1.0 - pA))
        top = 1.0 - (1.0 - pA) / decay
    out = np.where(pA <= 0.5, pA * decay, np.where(pA < 1.0 - 0.5 * decay, middle, top))
    return _down(np.where(pA >= 1.0, 1.0, out))


def laplace_radius(pA, b):
    """Exact binary l1 radius for iid Laplace(b): -b log(2 (1 - pA)); 0 for pA <= 1/2, inf at 1."""
    pA = np.asarray(pA, dtype=np.float64)
    with np.errstate(divide="ignore"):
        r = -b * np.log(2.0 * (1.0 - pA))
    return _down(np.where(pA > 0.5, r, 0.0))


def laplace_multiclass_radius(pA, pB, b):
    """Teng et al.'s multi-class l1 radius max(b/2 log(pA/pB), -b log(1 - pA + pB)) (looser than the
    exact top-2 certificate, which is never smaller)."""
    pA, pB = np.asarray(pA, dtype=np.float64), np.asarray(pB, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.maximum(0.5 * b * np.log(pA / pB), -b * np.log1p(-(pA - pB)))
    return _down(np.where(pA > pB, r, 0.0))


def laplace_dp_radius(pA, pB, b):
    """The differential-privacy l1 radius b/2 log(pA/pB) (seed 003 §4.3)."""
    pA, pB = np.asarray(pA, dtype=np.float64), np.asarray(pB, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = 0.5 * b * np.log(pA / pB)
    return _down(np.where(pA > pB, r, 0.0))


def linf_radius_from_l2(radius_l2, d):
    """Proposition 4: an l2 certificate of radius R for an L2-family noise certifies l-inf radius
    R / sqrt(d) (the l-inf ball of radius r lies inside the l2 ball of radius sqrt(d) r)."""
    return _down(np.asarray(radius_l2, dtype=np.float64) / np.sqrt(d))


def l1_radius_from_l2(radius_l2):
    """The l1 ball of radius R lies inside the l2 ball of radius R: the same radius certifies l1."""
    return np.asarray(radius_l2, dtype=np.float64)
