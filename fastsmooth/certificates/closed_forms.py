"""Closed-form certificates (docs/math.md §1). All radii are rounded down and all lower bounds rounded
down by a relative 1e-12, far above float64 rounding, so a closed form never overstates.

Guarantee: each function is the exact certificate of its noise for the given (pA, pB); when pA is
a (1 - alpha) lower confidence bound on the top-class probability (and pB an upper bound on the
runner-up's), the reported radius is certified with probability >= 1 - alpha.
"""
import numpy as np
from scipy import special

from .. import _validate as V

ROUND_DOWN = 1.0 - 1e-12


def _down(x):
    return np.maximum(np.asarray(x, dtype=np.float64) * ROUND_DOWN, 0.0)


def _prob(name, value):
    return V.as_float_array(name, value, 0.0, 1.0)


def _radius(name, value, allow_inf=False):
    return V.as_float_array(name, value, 0.0, None, allow_inf=allow_inf)


def _out(value, *inputs):
    """A float when every input is a number, else an array of the broadcast shape."""
    value = np.asarray(value, dtype=np.float64)
    return float(value) if all(np.ndim(a) == 0 for a in inputs) else value


def gaussian_lower_bound(pA, radius, sigma):
    """Cohen et al.: L = Phi(Phi^-1(pA) - radius/sigma), the least probability of the top class at
    any l2 perturbation of norm <= radius, for N(0, sigma^2 I) smoothing. pA in [0, 1], radius >= 0
    (numbers or arrays, broadcast), sigma > 0; a float for numbers, else an array."""
    pA, radius, sigma = _prob("pA", pA), _radius("radius", radius), V.check_positive("sigma", sigma)
    out = _down(special.ndtr(special.ndtri(pA) - radius / sigma))
    return _out(np.where(radius == 0, pA, np.minimum(out, pA)), pA, radius)


def gaussian_radius(pA, sigma, pB=None):
    """Cohen et al. l2 radius: sigma * Phi^-1(pA) (binary) or sigma/2 (Phi^-1(pA) - Phi^-1(pB))
    (top-2); 0 where nothing is certified, inf at pA = 1. pA, pB in [0, 1], sigma > 0."""
    pA, sigma = _prob("pA", pA), V.check_positive("sigma", sigma)
    if pB is None:
        z = special.ndtri(pA)
        return _out(_down(sigma * np.where(pA > 0.5, z, 0.0)), pA)
    pB = _prob("pB", pB)
    with np.errstate(invalid="ignore"):
        gap = special.ndtri(pA) - special.ndtri(pB)
    return _out(_down(np.where(pA > pB, 0.5 * sigma * gap, 0.0)), pA, pB)


def laplace_lower_bound(pA, radius, b):
    """Exact l1 lower bound for iid Laplace(b) smoothing (seed 003, Thm 2):
    L = pA e^(-r/b) for pA <= 1/2; e^(-r/b) / (4 (1 - pA)) for 1/2 <= pA < 1 - e^(-r/b)/2;
    1 - e^(r/b) (1 - pA) above. (The middle form overstates L below pA = 1/2, hence the first.)
    pA in [0, 1], radius >= 0, b > 0."""
    pA_in, radius_in = _prob("pA", pA), _radius("radius", radius)
    b = V.check_positive("b", b)
    pA, radius = np.broadcast_arrays(pA_in, radius_in)
    decay = np.exp(-radius / b)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        middle = decay / (4.0 * (1.0 - pA))
        top = 1.0 - (1.0 - pA) / decay
    out = np.where(pA <= 0.5, pA * decay, np.where(pA < 1.0 - 0.5 * decay, middle, top))
    out = np.where(radius == 0, pA, np.minimum(_down(np.where(pA >= 1.0, 1.0, out)), pA))
    return _out(out, pA_in, radius_in)


def laplace_radius(pA, b):
    """Exact binary l1 radius for iid Laplace(b): -b log(2 (1 - pA)); 0 for pA <= 1/2, inf at 1.
    pA in [0, 1], b > 0."""
    pA, b = _prob("pA", pA), V.check_positive("b", b)
    with np.errstate(divide="ignore"):
        r = -b * np.log(2.0 * (1.0 - pA))
    return _out(_down(np.where(pA > 0.5, r, 0.0)), pA)


def laplace_multiclass_radius(pA, pB, b):
    """Teng et al.'s multi-class l1 radius max(b/2 log(pA/pB), -b log(1 - pA + pB)) (looser than the
    exact top-2 certificate, which is never smaller). pA, pB in [0, 1], b > 0."""
    pA, pB, b = _prob("pA", pA), _prob("pB", pB), V.check_positive("b", b)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.maximum(0.5 * b * np.log(pA / pB), -b * np.log1p(-(pA - pB)))
    return _out(_down(np.where(pA > pB, r, 0.0)), pA, pB)


def laplace_dp_radius(pA, pB, b):
    """The differential-privacy l1 radius b/2 log(pA/pB) (seed 003 §4.3). pA, pB in [0, 1], b > 0."""
    pA, pB, b = _prob("pA", pA), _prob("pB", pB), V.check_positive("b", b)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = 0.5 * b * np.log(pA / pB)
    return _out(_down(np.where(pA > pB, r, 0.0)), pA, pB)


def linf_radius_from_l2(radius_l2, d):
    """Proposition 4: an l2 certificate of radius R for an L2-family noise certifies l-inf radius
    R / sqrt(d) (the l-inf ball of radius r lies inside the l2 ball of radius sqrt(d) r).
    radius_l2 >= 0 (inf allowed), d an integer >= 1."""
    radius = _radius("radius_l2", radius_l2, allow_inf=True)
    d = V.check_integer_at_least("d", d, 1)
    return _out(_down(radius / np.sqrt(d)), radius)


def l1_radius_from_l2(radius_l2):
    """The l1 ball of radius R lies inside the l2 ball of radius R: the same radius certifies l1.
    radius_l2 >= 0 (inf allowed)."""
    radius = _radius("radius_l2", radius_l2, allow_inf=True)
    return _out(radius, radius)
