"""Monte Carlo certificates (docs/math.md §4): a pilot places the work, one fused pass of the kernels
histograms X = log(pi0(z - delta*) / pi0(z)) at a few radii, and variance-adaptive confidence bounds
on a few means of bounded functions of X turn the histograms into certificates.

Why the result holds with probability at least 1 - alpha_mc:

1. Two independent random streams of the seed: PILOT and REDUCE. The pilot (Pilot, n_pilot samples
   of stream PILOT, drawn once) fixes everything the main pass tests: the radii (a ladder around its
   estimates), the histograms' ranges, and at each radius the thresholds x at which bounds are taken.
   None of it depends on the main pass, so the main pass's statements below are fixed in advance.
2. The main pass (HistogramLaw, n samples of stream REDUCE) counts X in bins at each radius. Each
   statement is a one-sided confidence bound, at failure probability delta, on the mean of a bounded
   function of one sample's X, computed from the counts: for a threshold x (a bin edge),
     A_direct(x)   P(X > x) >= Clopper-Pearson lower bound of the count above x;
     A_tilted(x)   P(X > x) = E[e^X 1{X < -x}] (pi0 is symmetric: E[e^X f(X)] = E[f(-X)]), a mean of
                   a variable in [0, e^-x], bounded below by the Chernoff-Hoeffding (KL) inequality,
                   which holds for any variable in a bounded interval: far tighter than a count when
                   e^-x is small, i.e. in the upper tail that high pA needs;
     B_direct(x)   P(X < x) <= Clopper-Pearson upper bound of the count below x;
     H(lam)        E[(lam - rho)_+] <= empirical Bernstein bound (Maurer & Pontil 2009) of a variable in
                   [0, lam]: tight where rho is concentrated (small radii).
   Every binned value is rounded to the safe side by one bin more than needed (a sample within
   rounding of an edge may be binned next to it; NaN is binned below everything). The number of
   statements S of a call is counted before the main pass and each gets delta = alpha_mc / S: by the
   union bound all hold together with probability at least 1 - alpha_mc.
3. On that event every certificate reported holds, by weak duality, for every x and lam:
     L(r, pA) >= e^x (P(X > x) - (1 - pA)) + P(X >= -x)    and    L(r, pA) >= lam pA - E[(lam - rho)_+],
   and the binary certificate L > 1/2 holds when 1 - pA < P(X > x) - (P(X < -x) - 1/2) e^-x or when
   pA > (1/2 + E[(lam - rho)_+]) / lam. Choosing the best of the statements after seeing the main
   pass is fine: they hold together.
4. The kernels sample a law within total variation `sampling_tv` of the exact one, and a mean of a
   variable in [0, B] moves by at most B times that: every bound is widened by it. The 32-bit
   uniforms are taken as exact uniforms (the usual model of a random number generator); then a
   Box-Muller normal is capped at 6.77 (mass 2.6e-11 beyond), the ziggurat's tables match the normal
   to ~2e-11 in area, the mixed family's table of T is within its `tv_error` (~5e-9 at d = 3072) of
   the exact law of T and its fallback loop gives up with probability below 1e-52: SAMPLING_TV_PER_DRAW
   per normal-like draw (6, plus d for the mixed family) and SAMPLING_TV_CONSTANT cover them.

How close to the exact radius (least to largest MC radius / exact radius over seeds 0-4, alpha_mc =
1e-3, L2Centripetal(784, 392, 0.3) and L1Centripetal(100, 40, 0.5); bench/RESULTS.md):

    n_mc    pA = 0.6     0.9          0.99         0.999        0.9999
    1e5     0.96-0.98    0.96-0.98    0.97-0.98    0.98-0.99    0.98-0.99
    1e6     0.98-0.99    0.98-0.99    0.98-0.99    0.99         0.99

The default, n_mc = 200,000 (plus a pilot of 25,000), costs about 0.1 s per call for the L1/L2
families and 2-3 s per radius for MixedLinfL2 at d = 3072 on two CPU cores (the mixed family draws d
coordinates a sample), where it gives 0.98 of the exact l-inf radius at k near 0.
"""
import numpy as np
from scipy import stats

from .. import _arrays
from ..kernels.device import STREAM_PILOT, STREAM_REDUCE
from .dual import complement_down

NBINS = 4096
SAMPLING_TV_PER_DRAW = 3e-11  # >= 2.6e-11 (Box-Muller cap) and the ziggurat tables' ~2.3e-11 area error
SAMPLING_TV_CONSTANT = 1e-9  # the table draw of T from a 32-bit uniform (tails below 2^-32)
PILOT_MIN, PILOT_MAX = 4000, 200_000  # the pilot draws n_mc / 8 samples within these limits
LADDER = np.geomspace(0.88, 1.04, 40)  # candidate radii around a pilot estimate, relative to it ...
FALLBACKS = np.array([0.8, 0.65, 0.5, 0.3, 0.1])  # ... and below, for what the pilot overestimated
GRID = 256  # radii of one geometric grid, for many pA at once and for radius curves
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


# ---- one-sided confidence bounds, each failing with probability at most delta -------------------
def cp_lower(k, n, delta):
    """Clopper-Pearson lower bound on a binomial proportion from k successes of n."""
    k = np.asarray(k, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        out = stats.beta.ppf(delta, k, n - k + 1)
    return np.where(k > 0, np.nan_to_num(out, nan=0.0), 0.0)


def cp_upper(k, n, delta):
    """Clopper-Pearson upper bound on a binomial proportion from k successes of n."""
    k = np.asarray(k, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        out = stats.beta.isf(delta, k + 1, n - k)
    return np.where(k < n, np.nan_to_num(out, nan=1.0), 1.0)


def _kl(p, q):
    """KL divergence between Bernoulli(p) and Bernoulli(q)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(p > 0, p * np.log(p / q), 0.0)
        b = np.where(p < 1, (1 - p) * np.log((1 - p) / (1 - q)), 0.0)
    return a + b


def kl_lower(mean, n, delta):
    """Lower bound on E[Z] for n iid Z in [0, 1] with sample mean `mean` (Chernoff-Hoeffding:
    P(mean <= E Z - t) <= exp(-n KL(E Z - t || E Z))), by bisection (60 halvings of [0, mean])."""
    mean = np.clip(np.asarray(mean, dtype=np.float64), 0.0, 1.0)
    target = np.log(1.0 / delta) / n
    lo, hi = np.zeros_like(mean), mean.copy()
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        inside = _kl(mean, np.maximum(mid, 1e-300)) <= target
        lo, hi = np.where(inside, lo, mid), np.where(inside, mid, hi)
    return lo


def eb_upper(mean, variance, n, delta):
    """Upper bound on E[Z] for n iid Z in [0, 1] with sample mean and (unbiased) sample variance:
    Maurer & Pontil (2009), Theorem 4: mean + sqrt(2 V log(2/delta) / n) + 7 log(2/delta) / (3 (n - 1))."""
    log_term = np.log(2.0 / delta)
    return mean + np.sqrt(2.0 * np.maximum(variance, 0.0) * log_term / n) + 7.0 * log_term / (3.0 * (n - 1))


# ---- sampling: the pilot and the main pass --------------------------------------------------------
def sampling_tv(noise):
    """Total variation between the law the kernels sample and the exact law (item 4 above)."""
    return SAMPLING_TV_CONSTANT + noise.sampling_draws() * SAMPLING_TV_PER_DRAW + noise.sampling_table_tv()


def pilot_size(n_mc):
    return int(min(max(n_mc // 8, PILOT_MIN), PILOT_MAX))


class Pilot:
    """The statistics of n samples of stream PILOT, drawn once on the CPU (the same numbers a GPU
    would draw); X at any radius follows from them. It places the main pass, never certifies."""

    def __init__(self, noise, n, seed):
        from ..kernels import cpu
        self.noise, self.n = noise, n
        self._cpu = cpu
        self._spec = noise.kernel_spec()
        self.stats = cpu.sample_stats(self._spec, n, 0, seed, STREAM_PILOT)

    def x(self, radii):
        """X of every pilot sample at each radius: (len(radii), n)."""
        radii = np.ascontiguousarray(np.atleast_1d(radii), dtype=np.float64)
        return self._cpu.log_ratios_of(self._spec, self.stats, radii)

    @staticmethod
    def plug_in_margin(x):
        """The binary certificate's margin, 1 - (least certified pA), estimated from samples (rows of x)
        at x0 = -median: P(X > x0) by its tilted form, which is accurate far in the tail."""
        x0 = -np.median(x, axis=1, keepdims=True)
        with np.errstate(over="ignore"):
            tail = np.mean(np.where(x < -x0, np.exp(np.minimum(x, 700.0)), 0.0), axis=1)
            below = np.mean(x < -x0, axis=1)
            return tail - (below - 0.5) * np.exp(-x0[:, 0])

    @staticmethod
    def plug_in_lower_bound(x, p):
        """L(r, p) estimated from samples x (one radius, 1-D) for an array p: the dual at 17 empirical
        quantiles around each p's, P(X > x0) by its tilted form (sorted samples, cumulative sums)."""
        xs = np.sort(x)
        n = xs.size
        with np.errstate(over="ignore"):
            tilted = np.concatenate([[0.0], np.cumsum(np.exp(np.minimum(xs, 700.0)))]) / n
        p = np.atleast_1d(np.asarray(p, dtype=np.float64))
        idx = np.clip(np.round(p[:, None] * n + np.arange(-8, 9)[None, :] * max(1, n // 400)), 0, n - 1).astype(int)
        x0 = xs[idx]  # (len(p), 17)
        above = tilted[np.searchsorted(xs, -x0, side="left")]  # mean of e^X 1{X < -x0}
        at_least = 1.0 - np.searchsorted(xs, -x0, side="left") / n  # P(X >= -x0)
        with np.errstate(over="ignore", invalid="ignore"):
            values = np.exp(np.minimum(x0, 700.0)) * (above - (1.0 - p[:, None])) + at_least
        return np.minimum(np.nan_to_num(values, nan=0.0).max(axis=1), p)

    def radius_estimates(self, pA, pB, top):
        """A point estimate of the certified radius of each pA (top-2 with pB if given): the largest
        radius of geometric grids (growing eightfold from `top` while their top still certifies), then
        a bisection in log r up to the next grid point."""
        certified = self._certified
        estimate = np.zeros(pA.shape)
        grid = None
        for _ in range(12):
            grid = top * np.geomspace(1e-4, 1.0, 64)
            ok = certified(grid, pA, pB)
            estimate = np.where(ok.any(axis=0), grid[np.argmax(np.where(ok, grid[:, None], 0.0), axis=0)], 0.0)
            if not ok[-1].any():
                break
            top *= 8.0
        step = grid[1] / grid[0]
        lo = np.where(estimate > 0, estimate, grid[0] / step)
        hi = lo * step
        for _ in range(12 if pA.size <= 8 else 0):  # each halves log(hi / lo): 2^-12 of a 16% step
            mid = np.sqrt(lo * hi)
            ok = np.array([certified(np.array([m]), pA[i:i + 1], None if pB is None else pB[i:i + 1])[0, 0]
                           for i, m in enumerate(mid)])
            lo, hi = np.where(ok, mid, lo), np.where(ok, hi, mid)
        return np.where(estimate > 0, lo, grid[0])

    def _certified(self, radii, pA, pB):
        """(len(radii), len(pA)) booleans: the plug-in certificate at each radius for each pA."""
        x = self.x(radii)
        if pB is None:
            return (1.0 - pA)[None, :] < self.plug_in_margin(x)[:, None]
        out = np.zeros((radii.size, pA.size), dtype=bool)
        for j in range(radii.size):
            out[j] = self.plug_in_lower_bound(x[j], pA) + self.plug_in_lower_bound(x[j], 1.0 - pB) > 1.0
        return out


class HistogramLaw:
    """Histograms of X at radii `radii` (native norm) from n samples of stream `stream`, in NBINS bins
    whose ranges come from `pilot_x` (X of independent samples at the same radii; a pilot of 2000
    samples of stream PILOT, seed ^ 0x5EED, if not given)."""

    def __init__(self, noise, radii, n, seed, device="cpu", stream=STREAM_REDUCE, pilot_x=None):
        self.noise = noise
        self.radii = np.ascontiguousarray(radii, dtype=np.float64)
        self.n = n
        self.sampling_tv = sampling_tv(noise)
        if pilot_x is None:
            pilot_x = Pilot(noise, 2000, seed ^ 0x5EED).x(self.radii)
        with np.errstate(invalid="ignore"):
            q_lo, q_hi = np.nanmin(pilot_x, axis=1), np.nanmax(pilot_x, axis=1)
        spread = np.maximum(q_hi - q_lo, 1e-12)
        self.lows = q_lo - 0.25 * spread
        self.widths = 1.5 * spread / NBINS
        self.inv_widths = 1.0 / self.widths
        self.counts = _arrays.kernels(device).reduce(noise.kernel_spec(), n, 0, self.radii, self.lows,
                                                     self.inv_widths, NBINS, seed, stream)
        # edges[j, i] for i = 0..NBINS; slot 0 holds X < edges[0] (and NaN), slot i in 1..NBINS holds
        # edges[i-1] <= X < edges[i], slot NBINS + 1 holds X >= edges[NBINS]
        self.edges = self.lows[:, None] + self.widths[:, None] * np.arange(NBINS + 1)[None, :]
        self.below = np.cumsum(self.counts[:, :-1], axis=1)  # below[j, i]: samples in slots 0..i

    def edge_index(self, x, at_or_above=False):
        """For thresholds x (one per radius, shape (m,) or (m, p)), the index in 1..NBINS-2 of the nearest
        edge (or of the first edge at or above x: then a threshold beyond the range gets NBINS - 2 and
        the caller must check)."""
        x = np.asarray(x, dtype=np.float64)
        xx = x if x.ndim == 2 else x[:, None]
        position = (xx - self.lows[:, None]) * self.inv_widths[:, None]
        idx = np.ceil(position) if at_or_above else np.rint(position)
        idx = np.clip(np.nan_to_num(idx, nan=1.0, posinf=NBINS, neginf=0.0), 1, NBINS - 2).astype(np.int64)
        return idx if x.ndim == 2 else idx[:, 0]

    # -- the statements of the module docstring, at thresholds given as edge indices t (shape (m, p)) --
    def _at(self, t):
        return self.edges[np.arange(self.radii.size)[:, None], t]

    def above_direct(self, t, delta):
        """Lower bounds on P(X > edges[t]): the count of slots t + 2 and up (one bin's margin)."""
        rows = np.arange(self.radii.size)[:, None]
        k = self.n - self.below[rows, t + 1]
        return np.maximum(cp_lower(k, self.n, delta) - self.sampling_tv, 0.0)

    def below_direct(self, x, delta):
        """Upper bounds on P(X < x) for thresholds x (m, p): the count of every slot whose lower end is
        below x + one bin, and one slot more (slot 0, NaN included, always counts)."""
        rows = np.arange(self.radii.size)[:, None]
        first_clear = np.ceil((x - self.lows[:, None]) * self.inv_widths[:, None]) + 2  # lower end >= x + w
        first_clear = np.nan_to_num(first_clear, nan=NBINS + 1.0, posinf=NBINS + 1.0, neginf=0.0)
        last = np.clip(first_clear, 0, NBINS).astype(np.int64)  # slots 0..last count
        k = np.where(first_clear >= NBINS + 1, self.n, self.below[rows, last])
        return np.minimum(cp_upper(k, self.n, delta) + self.sampling_tv, 1.0)

    def above_tilted(self, x, delta):
        """Lower bounds on P(X > x) = E[e^X 1{X < -x}] for thresholds x (m, p): each sample in a slot
        entirely below -x - w counts e^(its slot's lower end - w) in [0, e^-x] (a KL lower bound)."""
        x = np.asarray(x, dtype=np.float64)
        low_ends = self.edges[:, :-1] - self.widths[:, None]  # slots 1..NBINS, one bin's margin
        high_ends = self.edges[:, 1:] + self.widths[:, None]
        with np.errstate(over="ignore", under="ignore"):
            value = np.exp(np.minimum(low_ends, 700.0))  # (m, NBINS)
            bound = np.exp(np.minimum(-x, 700.0))  # (m, p)
            # cumulative sums of value * count over slots, to sum the slots below each threshold at once
            weighted = np.cumsum(value * self.counts[:, 1:-1], axis=1)
        mean = np.zeros(x.shape)
        for j in range(self.radii.size):
            cut = np.searchsorted(high_ends[j], -x[j], side="right")  # slots 1..cut have high end <= -x
            total = np.where(cut > 0, weighted[j][np.maximum(cut - 1, 0)], 0.0)
            mean[j] = np.minimum(total / self.n / bound[j], 1.0)
        return np.maximum(bound * (kl_lower(mean, self.n, delta) - self.sampling_tv), 0.0)

    def hinge_upper(self, lam, delta):
        """Upper bounds on E[(lam - rho)_+] for lam (m, p): each sample counts (lam - e^(its slot's
        lower end - w))_+ in [0, lam] (slot 0: lam), an empirical Bernstein bound."""
        lam = np.asarray(lam, dtype=np.float64)
        low_ends = np.concatenate([np.full((self.radii.size, 1), -np.inf), self.edges - self.widths[:, None]], axis=1)
        rho_low = np.exp(np.minimum(low_ends, 700.0))  # (m, NBINS + 2)
        out = np.empty(lam.shape)
        for j in range(self.radii.size):
            values = np.maximum(lam[j][:, None] - rho_low[j][None, :], 0.0) / lam[j][:, None]  # in [0, 1]
            mean = values @ self.counts[j] / self.n
            variance = np.maximum((values**2) @ self.counts[j] / self.n - mean**2, 0.0) * self.n / (self.n - 1)
            out[j] = lam[j] * (eb_upper(mean, variance, self.n, delta) + self.sampling_tv)
        return out

    # -- certificates on the event that every statement holds --------------------------------------
    STATEMENTS_BINARY = 4  # above_direct, above_tilted, below_direct, hinge_upper at one threshold
    STATEMENTS_LOWER = 5  # above_direct, above_tilted and both again at -x, hinge_upper

    def binary_margins(self, x0, delta):
        """For each radius, a lower bound on 1 - (the least pA its binary certificate holds for), from
        the threshold x0 (one per radius, from the pilot; snapped to an edge): the better of the tail
        form and the hinge form (item 3 above), each from STATEMENTS_BINARY statements at `delta`."""
        t = self.edge_index(x0)[:, None]
        x = self._at(t)
        above = np.maximum(self.above_direct(t, delta), self.above_tilted(x, delta))
        below = self.below_direct(-x, delta)
        with np.errstate(over="ignore"):
            weight = np.exp(np.minimum(-x, 700.0))
            tail_form = above - (below - 0.5) * weight
            lam = np.exp(np.minimum(x, 700.0))
            hinge_form = 1.0 - (0.5 + self.hinge_upper(lam, delta)) / lam
        margin = np.maximum(tail_form, hinge_form)[:, 0]
        margin = margin - _SLACK * (1.0 + np.abs(margin))
        return np.clip(np.nan_to_num(margin, nan=0.0), 0.0, 0.5)

    def lower_bounds(self, pA, x, delta):
        """L(r_j, pA_i) lower bounds, shape (m, p), at thresholds x (m, p) from the pilot: the better of
        the tail form and the hinge form, each from STATEMENTS_LOWER statements (per pA) at `delta`."""
        pA = np.broadcast_to(np.asarray(pA, dtype=np.float64), x.shape)
        t = self.edge_index(x)
        xs = self._at(t)
        # P(X >= -x) >= P(X > e) for the first edge e at or above -x
        t_neg = self.edge_index(-xs, at_or_above=True)
        e_neg = self._at(t_neg)
        above = np.maximum(self.above_direct(t, delta), self.above_tilted(xs, delta))
        at_least = np.maximum(self.above_direct(t_neg, delta), self.above_tilted(e_neg, delta))
        at_least = np.where(e_neg >= -xs, at_least, 0.0)  # -x beyond the range's top: no bound used
        with np.errstate(over="ignore", invalid="ignore"):
            lam = np.exp(np.minimum(xs, 700.0))
            tail_form = lam * (above - (1.0 - pA)) + at_least  # 1 - pA is exact for pA >= 1/2
            hinge_form = lam * pA - self.hinge_upper(lam, delta)
        best = np.maximum(np.nan_to_num(tail_form, nan=0.0), np.nan_to_num(hinge_form, nan=0.0))
        best = best - _SLACK * (1.0 + np.abs(best))
        return np.where(pA >= 1.0, 1.0, np.clip(best, 0.0, pA))


def scale_guess(noise):
    """A native-norm length of the order of the radii certified at pA near 0.99."""
    if noise.native_norm == "linf":
        return 3.0 * noise.rms / np.sqrt(noise.d)
    return 3.0 * noise.rms


# ---- the public computations -----------------------------------------------------------------------
def lower_bound(noise, r_native, pA, n_mc, alpha_mc, seed, device):
    """Lower bounds L(r, pA) at one native radius for an array of pA, all valid together w.p. >= 1 - alpha_mc."""
    pA = np.asarray(pA, dtype=np.float64)
    if r_native == 0:
        return pA.copy()
    flat = pA.ravel()
    pilot = Pilot(noise, pilot_size(n_mc), seed)
    radii = np.array([r_native])
    pilot_x = pilot.x(radii)
    thresholds = np.quantile(pilot_x[0], np.clip(flat, 0.0, 1.0))[None, :]  # the dual's optimum: the pA-quantile
    law = HistogramLaw(noise, radii, n_mc, seed, device, pilot_x=pilot_x)
    delta = alpha_mc / (HistogramLaw.STATEMENTS_LOWER * flat.size)
    out = law.lower_bounds(flat[None, :], thresholds, delta)[0]
    out = np.where(flat <= 0.0, 0.0, out)
    return out.reshape(pA.shape)


def certified_radius(noise, pA, pB, n_mc, alpha_mc, seed, device):
    """Native-norm radii for 1-D arrays pA (pB), all certified together w.p. >= 1 - alpha_mc.

    The pilot estimates each radius; the main pass tests a ladder of candidates around each estimate
    (LADDER and FALLBACKS times it; for more than 8 values of pA one geometric grid of GRID radii)
    with alpha_mc split over every statement, and each pA gets the largest candidate that passes
    (0 if none)."""
    out = np.zeros(pA.shape)
    out[pA >= 1.0] = np.inf
    live = (pA < 1.0) & ((pA > 0.5) if pB is None else (pA > pB))
    if not live.any():
        return out
    pl = pA[live]
    ql = None if pB is None else pB[live]
    pilot = Pilot(noise, pilot_size(n_mc), seed)
    estimate = pilot.radius_estimates(pl, ql, scale_guess(noise))
    if pl.size <= 8:
        ladder = np.unique((estimate[:, None] * np.concatenate([LADDER, FALLBACKS])[None, :]).ravel())
    else:
        ladder = np.geomspace(0.1 * estimate.min(), LADDER[-1] * estimate.max(), GRID)
    pilot_x = pilot.x(ladder)
    law = HistogramLaw(noise, ladder, n_mc, seed, device, pilot_x=pilot_x)
    if ql is None:
        delta = alpha_mc / (HistogramLaw.STATEMENTS_BINARY * ladder.size)
        margins = law.binary_margins(-np.median(pilot_x, axis=1), delta)
        ok = (1.0 - pl)[None, :] < margins[:, None]
    else:
        delta = alpha_mc / (HistogramLaw.STATEMENTS_LOWER * 2 * pl.size * ladder.size)
        qa = np.quantile(pilot_x, np.clip(pl, 0, 1), axis=1).T  # (m, p): each pA's quantile at each radius
        q_b = complement_down(ql)
        qb = np.quantile(pilot_x, np.clip(q_b, 0, 1), axis=1).T
        ok = (law.lower_bounds(np.broadcast_to(pl, qa.shape), qa, delta)
              + law.lower_bounds(np.broadcast_to(q_b, qb.shape), qb, delta)) > 1.0
    out[live] = np.where(ok, ladder[:, None], 0.0).max(axis=0)
    return out


def binary_table(noise, pA_max, n_mc, alpha_mc, seed, device):
    """(pA_needed, radii): one main pass over GRID radii up to past the pilot's radius of pA_max, with
    pA_needed_i an upper bound on the least pA certified at radius i, all valid together w.p. >=
    1 - alpha_mc (the table of a Monte Carlo RadiusCurve)."""
    pilot = Pilot(noise, pilot_size(n_mc), seed)
    top = pilot.radius_estimates(np.array([pA_max]), None, scale_guess(noise))[0] * LADDER[-1]
    radii = top * np.geomspace(1e-4, 1.0, GRID)
    pilot_x = pilot.x(radii)
    law = HistogramLaw(noise, radii, n_mc, seed, device, pilot_x=pilot_x)
    margins = law.binary_margins(-np.median(pilot_x, axis=1), alpha_mc / (HistogramLaw.STATEMENTS_BINARY * GRID))
    return np.nextafter(1.0 - margins, 2.0), radii
