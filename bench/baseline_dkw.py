"""The Monte Carlo certificate fastsmooth used until 2026-12 (a DKW band on the CDF of X), kept as
the benchmark's baseline: the textbook way to turn one sample of X into a bound for every lam at
once. Same kernels and histograms as today's certificates; only the bound and its pilot differ.

A DKW band eps = sqrt(log(2/alpha) / (2n)) bounds F(x) <= F_n(x) + eps for every x, so
E[(lam - rho)_+] <= H(lam) = integral_0^lam min(1, F_n(log t) + eps) dt and L(r, pA) >= lam pA - H(lam);
a pilot (n/8 samples) places a ladder of 29 radii around its estimates, alpha split over them.
"""
import numpy as np

from fastsmooth.certificates import montecarlo
from fastsmooth.certificates.dual import complement_down
from fastsmooth.kernels.device import STREAM_PILOT

SLACK = 1e-12


def dkw_eps(n, alpha):
    return float(np.sqrt(np.log(2.0 / alpha) / (2.0 * n)))


def _hinge(law, eps):
    lam = np.exp(np.minimum(law.edges, 700.0))
    shifted = np.concatenate([law.below[:, 1:], np.full((law.below.shape[0], 1), law.n)], axis=1)
    upper = np.minimum(1.0, shifted / law.n + eps + law.sampling_tv)
    hinge = np.empty_like(lam)
    hinge[:, 0] = lam[:, 0] * upper[:, 0]
    hinge[:, 1:] = hinge[:, :1] + np.cumsum(np.diff(lam, axis=1) * upper[:, 1:], axis=1)
    return lam, hinge


def pA_needed(law, eps):
    lam, hinge = _hinge(law, eps)
    return np.minimum(((0.5 + hinge + SLACK * (1.0 + lam)) / lam).min(axis=1), 1.0)


def lower_bounds(law, pA, eps):
    lam, hinge = _hinge(law, eps)
    out = np.empty((lam.shape[0], pA.size))
    for j in range(lam.shape[0]):
        value = lam[j][None, :] * pA[:, None] - hinge[j][None, :] - SLACK * (1.0 + lam[j][None, :])
        out[j] = np.clip(value.max(axis=1), 0.0, pA)
    return out


def _certified(law, eps, pA, pB):
    if pB is None:
        return pA[None, :] > pA_needed(law, eps)[:, None]
    return lower_bounds(law, pA, eps) + lower_bounds(law, complement_down(pB), eps) > 1.0


def _largest(radii, ok):
    return np.where(ok, radii[:, None], 0.0).max(axis=0)


def _law(noise, radii, n, seed, stream=montecarlo.STREAM_REDUCE):
    return montecarlo.HistogramLaw(noise, radii, n, seed, stream=stream)


def certified_radius(noise, pA, pB=None, n_mc=100_000, alpha_mc=1e-3, seed=0):
    """The baseline's radii (native norm) for a 1-D array pA."""
    pA = np.atleast_1d(np.asarray(pA, dtype=np.float64))
    n_pilot = max(2000, n_mc // 8)
    eps_pilot = dkw_eps(n_pilot, 0.5)
    top = montecarlo.scale_guess(noise)
    for _ in range(8):
        grid = top * np.geomspace(1e-4, 1.0, 64)
        ok = _certified(_law(noise, grid, n_pilot, seed, STREAM_PILOT), eps_pilot, pA, pB)
        estimate = _largest(grid, ok)
        if not ok[-1].any():
            break
        top *= 8.0
    if pA.size <= 8 and (estimate > 0).any():
        step = grid[1] / grid[0]
        fine = (np.unique(estimate[estimate > 0])[:, None] * step ** np.linspace(0.0, 1.0, 17)[None, :]).ravel()
        estimate = np.maximum(estimate, _largest(fine, _certified(_law(noise, fine, n_pilot, seed, STREAM_PILOT),
                                                                  eps_pilot, pA, pB)))
    center, spread = np.maximum(estimate, top * 1e-4), min(0.3, 20.0 * dkw_eps(n_pilot, alpha_mc))
    steps = np.concatenate([1.0 + spread * np.linspace(1.0, -1.0, 25), [0.7, 0.5, 0.25, 0.1]])
    ladder = np.unique((center[:, None] * steps[None, :]).ravel())
    main = _law(noise, ladder, n_mc, seed)
    return _largest(ladder, _certified(main, dkw_eps(n_mc, alpha_mc / ladder.size), pA, pB))


def curve_table(noise, pA_max=1 - 1e-6, n_mc=100_000, alpha_mc=1e-3, seed=0):
    """The baseline's Monte Carlo radius-curve table: (pA_needed, radii) at 256 radii."""
    n_pilot = max(2000, n_mc // 8)
    top = montecarlo.scale_guess(noise)
    for _ in range(8):
        grid = top * np.geomspace(1e-4, 1.0, 64)
        ok = _certified(_law(noise, grid, n_pilot, seed, STREAM_PILOT), dkw_eps(n_pilot, 0.5), np.array([pA_max]),
                        None)
        estimate = _largest(grid, ok)
        if not ok[-1].any():
            break
        top *= 8.0
    spread = min(0.3, 20.0 * dkw_eps(n_pilot, alpha_mc))
    radii = max(estimate[0], top * 1e-4) * (1.0 + spread) * np.geomspace(1e-4, 1.0, 256)
    return pA_needed(_law(noise, radii, n_mc, seed), dkw_eps(n_mc, alpha_mc / radii.size)), radii


def curve_lookup(table, pA):
    needed, radii = table
    keep = needed < 1.0
    needed, radii = needed[keep], radii[keep]
    order = np.argsort(needed, kind="stable")
    best = np.maximum.accumulate(radii[order])
    count = np.searchsorted(needed[order], pA, side="left")
    return np.where(count > 0, best[np.maximum(count - 1, 0)], 0.0)
