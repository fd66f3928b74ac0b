"""Monte Carlo certificates (docs/math.md §4): one fused pass of the kernels gives a histogram of X per
radius, and a DKW band turns it into bounds that hold simultaneously for every lam.

With F the CDF of X and F_n the empirical CDF of n samples, P(sup_x |F_n(x) - F(x)| > eps) <=
2 exp(-2 n eps^2) (Dvoretzky-Kiefer-Wolfowitz with Massart's constant). On that event, for every
lam >= 0,

    E[(lam - rho)_+] = int_0^lam P(rho < t) dt <= int_0^lam min(1, F_n(log t) + eps) dt =: H(lam)

so L(r, pA) >= max_lam lam pA - H(lam). F_n is bounded above at every x by the count of samples
below the top of the bin after x's (a sample within rounding of an edge may be binned one bin
off), which keeps the bound valid for the binned data. When m radii
are certified from one pass, each gets alpha_mc / m (a union bound), so all m bounds hold together
with probability >= 1 - alpha_mc. The histogram ranges come from an independent pilot stream.

The kernels' Box-Muller normals come from 32-bit uniforms, so none exceeds 6.77 in absolute value
(a mass of 2.6e-11 beyond); the ziggurat's tables match the normal density to ~2e-11 in area; the
mixed family's tabulated inverse CDF of T from a 32-bit uniform has tails below 2^-32, and its
fallback rejection loop gives up with probability below 1e-52. Taking the 32-bit uniforms themselves as
exact uniforms (the usual model of a random number generator; a grid of 2^32 points), the law
actually sampled is therefore within total variation SAMPLING_TV_PER_DRAW per normal-like draw (plus
a constant) of the exact law, and that amount is added to eps: the band then covers the exact CDF.
"""
import numpy as np

from .. import _arrays
from .dual import complement_down
from ..kernels.device import STREAM_PILOT, STREAM_REDUCE

NBINS = 4096
RANGE_SAMPLES = 2000
SAMPLING_TV_PER_DRAW = 3e-11  # >= 2.6e-11 (Box-Muller cap) and the ziggurat tables' ~2.3e-11 area error
SAMPLING_TV_CONSTANT = 1e-9  # the table draw of T from a 32-bit uniform (tails below 2^-32)
_SLACK = 1e-12


class MonteCarloResult(float):
    """A float with the Monte Carlo failure probability it carries (``alpha_mc``) and ``n_mc``."""

    def __new__(cls, value, alpha_mc, n_mc):
        obj = super().__new__(cls, value)
        obj.alpha_mc, obj.n_mc = alpha_mc, n_mc
        return obj


class MonteCarloArray(np.ndarray):
    """An ndarray with the Monte Carlo failure probability it carries (``alpha_mc``) and ``n_mc``."""

    def __new__(cls, values, alpha_mc, n_mc):
        obj = np.asarray(values, dtype=np.float64).view(cls)
        obj.alpha_mc, obj.n_mc = alpha_mc, n_mc
        return obj

    def __array_finalize__(self, obj):
        self.alpha_mc = getattr(obj, "alpha_mc", None)
        self.n_mc = getattr(obj, "n_mc", None)


def wrap(values, scalar, alpha_mc, n_mc):
    return MonteCarloResult(float(values), alpha_mc, n_mc) if scalar else MonteCarloArray(values, alpha_mc, n_mc)


def dkw_eps(n, alpha):
    """Half-width of the two-sided DKW band for n samples at failure probability alpha."""
    return float(np.sqrt(np.log(2.0 / alpha) / (2.0 * n)))


def _seed_words(seed):
    return np.uint64(seed & 0xFFFFFFFF), np.uint64(seed >> 32)


def _log_ratio_sample(noise, radii, n, seed):
    from ..kernels import cpu  # ranges are placed on the CPU: the numbers are the same as on a GPU
    family, shape, scale, cdf, log_tau = noise._kernel_args()
    return cpu.log_ratios(family, n, 0, shape, noise.d, noise.k, scale, cdf, log_tau, radii, *_seed_words(seed),
                          STREAM_PILOT)


class HistogramLaw:
    """Histograms of X at radii `radii` (native norm) from n samples of stream `stream`."""

    def __init__(self, noise, radii, n, seed, device="cpu", stream=STREAM_REDUCE):
        self.radii = np.ascontiguousarray(radii, dtype=np.float64)
        self.n = n
        # normal-like draws per sample: a few for the radial statistics, d more for the mixed family
        draws = 6 + (noise.d if noise.family == "mixed" else 0)
        self.sampling_tv = SAMPLING_TV_CONSTANT + draws * SAMPLING_TV_PER_DRAW
        # Bin ranges from an independent sample (stream PILOT): they shape the bound, never its validity.
        x = _log_ratio_sample(noise, self.radii, RANGE_SAMPLES, seed ^ 0x5EED)
        q_lo, q_hi = np.nanmin(x, axis=1), np.nanmax(x, axis=1)
        spread = np.maximum(q_hi - q_lo, 1e-12)
        self.lows = q_lo - 0.25 * spread
        widths = 1.5 * spread / NBINS
        self.inv_widths = 1.0 / widths
        family, shape, scale, cdf, log_tau = noise._kernel_args()
        kern = _arrays.kernels(device)
        self.counts = kern.reduce(family, n, 0, shape, noise.d, noise.k, scale, cdf, log_tau, self.radii,
                                  self.lows, self.inv_widths, NBINS, *_seed_words(seed), stream,
                                  *(() if device == "cuda" else (_n_chunks(),)))
        # edges[j, i] for i = 0..NBINS; below[j, i] = samples with X < edges[j, i]
        self.edges = self.lows[:, None] + widths[:, None] * np.arange(NBINS + 1)[None, :]
        self.below = np.cumsum(self.counts[:, :-1], axis=1)

    def hinge_bounds(self, eps):
        """lam = e^edges and H(lam) >= E[(lam - rho)_+] at those lam, for every radius (m, NBINS + 1)."""
        lam = np.exp(np.minimum(self.edges, 700.0))
        # F(x) <= upper[:, i] for x < edges[:, i]. A sample within rounding of an edge may land in the
        # neighbouring bin, so the count one bin further is used (and 1 for the last interval).
        shifted = np.concatenate([self.below[:, 1:], np.full((self.below.shape[0], 1), self.n)], axis=1)
        upper = np.minimum(1.0, shifted / self.n + eps + self.sampling_tv)
        hinge = np.empty_like(lam)
        hinge[:, 0] = lam[:, 0] * upper[:, 0]
        hinge[:, 1:] = hinge[:, :1] + np.cumsum(np.diff(lam, axis=1) * upper[:, 1:], axis=1)
        return lam, hinge

    def lower_bounds(self, pA, eps):
        """L(r_j, pA) lower bounds, shape (m,) + pA.shape."""
        lam, hinge = self.hinge_bounds(eps)
        pA = np.asarray(pA, dtype=np.float64)
        flat = pA.ravel()
        out = np.empty((lam.shape[0], flat.size))
        for j in range(lam.shape[0]):
            value = lam[j][None, :] * flat[:, None] - hinge[j][None, :] - _SLACK * (1.0 + lam[j][None, :])
            out[j] = np.clip(value.max(axis=1), 0.0, flat)
        out[:, flat >= 1.0] = 1.0
        return out.reshape((lam.shape[0],) + pA.shape)

    def pA_needed(self, eps):
        """For each radius, a pA_j such that every pA > pA_j is certified (binary) on the band's event."""
        lam, hinge = self.hinge_bounds(eps)
        needed = ((0.5 + hinge + _SLACK * (1.0 + lam)) / lam).min(axis=1)
        return np.minimum(needed, 1.0)


def _n_chunks():
    import numba
    return max(1, numba.get_num_threads())


def scale_guess(noise):
    """A native-norm length of the order of the radii certified at pA near 0.99."""
    if noise.native_norm == "linf":
        return 3.0 * noise.rms / np.sqrt(noise.d)
    return 3.0 * noise.rms


def lower_bound(noise, r_native, pA, n_mc, alpha_mc, seed, device):
    """Lower bounds L(r, pA) at one native radius for an array of pA, all valid together w.p. >= 1 - alpha_mc."""
    if r_native == 0:
        return pA.copy()
    law = HistogramLaw(noise, np.array([r_native]), n_mc, seed, device)
    return law.lower_bounds(pA, dkw_eps(n_mc, alpha_mc))[0]


def _certified(law, eps, pA, pB):
    """Boolean (m, len(pA)): the certificate at radius j holds for pA (binary, or top-2 with pB)."""
    if pB is None:
        return pA[None, :] > law.pA_needed(eps)[:, None]
    return law.lower_bounds(pA, eps) + law.lower_bounds(complement_down(pB), eps) > 1.0


def certified_radius(noise, pA, pB, n_mc, alpha_mc, seed, device):
    """Native-norm radii for 1-D arrays pA (pB), all certified together w.p. >= 1 - alpha_mc.

    A pilot (n_mc / 8 samples, an independent stream) locates each radius on a geometric grid; the
    main pass (n_mc samples) then checks a ladder of candidate radii around each pilot estimate with
    alpha_mc split over all candidates, and the largest candidate that passes is returned (0 if none).
    """
    out = np.zeros(pA.shape)
    out[pA >= 1.0] = np.inf
    live = (pA < 1.0) & ((pA > 0.5) if pB is None else (pA > pB))
    if not live.any():
        return out
    pl = pA[live]
    ql = None if pB is None else pB[live]
    center, spread = pilot_radii(noise, pl, ql, n_mc, alpha_mc, seed, device)
    if pl.size <= 8:  # a ladder of candidates around each estimate
        steps = np.concatenate([1.0 + spread * np.linspace(1.0, -1.0, 25), [0.7, 0.5, 0.25, 0.1]])
        ladder = np.unique((center[:, None] * steps[None, :]).ravel())
    else:  # one grid for many pA
        ladder = np.geomspace(0.1 * center.min(), (1.0 + spread) * center.max(), 256)
    main = HistogramLaw(noise, ladder, n_mc, seed, device)
    out[live] = _largest(ladder, _certified(main, dkw_eps(n_mc, alpha_mc / ladder.size), pl, ql))
    return out


def pilot_radii(noise, pA, pB, n_mc, alpha_mc, seed, device):
    """Rough radii for pA (pB) from an independent pilot stream (n_mc / 8 samples, at least 2000) on
    growing geometric grids; returns (estimates, relative spread of the ladder to place around them).
    The pilot only decides where the main pass looks, never what it certifies."""
    n_pilot = max(2000, n_mc // 8)
    eps_pilot = dkw_eps(n_pilot, 0.5)  # a point estimate is enough here
    top = scale_guess(noise)
    estimate = np.zeros(pA.shape)
    for _ in range(8):
        grid = top * np.geomspace(1e-4, 1.0, 64)
        pilot = HistogramLaw(noise, grid, n_pilot, seed, device, stream=STREAM_PILOT)
        ok = _certified(pilot, eps_pilot, pA, pB)
        estimate = _largest(grid, ok)
        if not ok[-1].any():
            break
        top *= 8.0
    if pA.size <= 8 and (estimate > 0).any():
        # the grid's steps are 16% apart: a second look between each estimate and the next grid point
        # (the same pilot stream), so that the main pass's ladder is centred on the radius
        step = grid[1] / grid[0]
        fine = np.unique(estimate[estimate > 0])[:, None] * step ** np.linspace(0.0, 1.0, 17)[None, :]
        fine = fine.ravel()
        pilot = HistogramLaw(noise, fine, n_pilot, seed, device, stream=STREAM_PILOT)
        estimate = np.maximum(estimate, _largest(fine, _certified(pilot, eps_pilot, pA, pB)))
    return np.maximum(estimate, top * 1e-4), min(0.3, 20.0 * dkw_eps(n_pilot, alpha_mc))


def _largest(radii, ok):
    """For each column of ok (m, p), the largest radius whose row is True (0 if none)."""
    masked = np.where(ok, radii[:, None], 0.0)
    return masked.max(axis=0)
