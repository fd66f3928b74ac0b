"""The six smoothing noises of docs/math.md §2: one small class each, parameters validated in the
constructor, the same verbs everywhere.

Every noise has
- ``d`` and its parameters (``k``, ``sigma`` or ``b``), ``native_norm`` and ``certifiable_norms``;
- ``sample(n, seed=0)``: an (n, d) float32 array of iid draws, determined by the seed;
- ``log_pdf(z)``: the normalized log-density at z (shape (..., d));
- ``second_moment()`` = E||z||_2^2 and ``rms`` = sqrt(E||z||_2^2 / d), the per-coordinate RMS;
- ``from_rms(d, rms, ...)``: the member of the family with a given per-coordinate RMS, to compare
  noises at matched variance.

Gaussian and Laplace are the k = 0 members of the L2 and L1 centripetal families and give the
same certificates.
"""
import numpy as np
from scipy import special

from . import _validate as V
from .kernels.device import MAX_DIMENSION

NORMS = ("l1", "l2", "linf")
_NO_TABLE = np.zeros(2)
# Scales (sigma, b) whose draws float32 holds with full precision (its normal range is 1.2e-38 .. 3.4e38,
# and a draw can be ~1e8 scales for d = 2^26) and whose certificates float64 computes without
# overflow (r^2 / sigma^2 and the like): a scale outside is refused rather than silently giving inf or 0.
SCALE_RANGE = (1e-30, 1e30)


class Noise:
    """Base class: a symmetric smoothing density pi0 on R^d."""

    family = None  # "l2", "l1", "linf" or "mixed": which radial law and log-ratio formula apply
    native_norm = None
    certifiable_norms = ()
    scale_name = None  # "sigma" or "b"

    def __init__(self, d, k, scale):
        self.d = V.check_dimension("d", d, MAX_DIMENSION)  # the kernels' counter layout holds 2^26 coordinates
        self.k = V.check_k(k, self.d)
        scale = V.check_positive(self.scale_name, scale)
        if not SCALE_RANGE[0] <= scale <= SCALE_RANGE[1]:
            raise ValueError(f"{self.scale_name} must lie in [{SCALE_RANGE[0]:g}, {SCALE_RANGE[1]:g}] (float32 draws "
                             f"and float64 certificates keep their precision there; rescale the inputs), got {scale!r}")
        setattr(self, self.scale_name, scale)

    @property
    def scale(self):
        return getattr(self, self.scale_name)

    def params(self):
        """The parameters that determine the noise (used for cache keys and repr)."""
        return {"family": type(self).__name__, "d": self.d, "k": self.k, self.scale_name: self.scale}

    def __repr__(self):  # exact (shortest round-trip) values: a repr names one noise
        return f"{type(self).__name__}(d={self.d}, k={self.k!r}, {self.scale_name}={self.scale!r})"

    def __eq__(self, other):
        return type(self) is type(other) and self.params() == other.params()

    def __hash__(self):
        return hash(tuple(sorted(self.params().items())))

    @property
    def rms(self):
        """Per-coordinate root-mean-square sqrt(E||z||_2^2 / d) (the scale factored out: no overflow)."""
        return float(self.scale * np.sqrt(self._second_moment_per_scale2() / self.d))

    def _second_moment_per_scale2(self):
        raise NotImplementedError

    def second_moment(self):
        """E||z||_2^2 under the noise."""
        return self._second_moment_per_scale2() * self.scale**2

    @classmethod
    def _from_rms(cls, d, rms, k, **extra):
        rms = V.check_positive("rms", rms)
        unit = cls(d, k, 1.0, **extra) if k is not None else cls(d, 1.0)
        scale = rms / unit.rms
        return cls(d, k, scale, **extra) if k is not None else cls(d, scale)

    def sample(self, n, seed=0, out=None, offset=0):
        """Draws offset .. offset + n - 1 of the noise's stream for `seed`, as an (n, d) float32 array.

        Draw i depends only on (seed, i): the same for any batch size or thread count, so drawing in
        chunks (offset = rows already drawn) gives the same rows as one call. A GPU draws from the
        same random words with the same IEEE operations (no fused multiply-adds, no libdevice
        transcendentals: docs/design.md), so its floats are meant to equal the CPU's bit for bit;
        that is checked under numba's CUDA simulator (docs/design.md says what a real GPU has shown).
        `out` (optional) is filled in place and returned: a C-contiguous float32 (n, d) numpy array, a
        CPU torch tensor or any DLPack array, or a CUDA array (torch, cupy: anything with
        __cuda_array_interface__, filled on the GPU). Without `out`, a new numpy array is returned.

        The draws follow the exact law up to the resolution of their uniforms (a Box-Muller normal
        from a 32-bit uniform never exceeds 6.77 standard deviations, a mass of 2.6e-11 beyond; the
        ziggurat's tables match the normal to ~2e-11 in area; float32 output).
        """
        n = V.check_nonnegative_int("n", n)
        seed = V.check_seed("seed", seed)
        offset = V.check_nonnegative_int("offset", offset)
        if offset + n > V.SEED_LIMIT:  # the draw index is a 64-bit counter
            raise ValueError(f"offset + n must be at most 2**64 (draw indices are 64-bit), got {offset + n}")
        from . import _arrays
        target, device = _arrays.output(out, (n, self.d), "out")
        if n == 0:
            return out if out is not None else target
        _arrays.kernels(device).fill(target, *self._kernel_args(), np.uint64(seed & 0xFFFFFFFF),
                                     np.uint64(seed >> 32), np.uint64(offset))
        return out if out is not None else target

    def _kernel_args(self):
        """(family code, shape, scale, cdf table, log-tau table) for the kernels' fill and reduce."""
        from .kernels.cpu import FAMILY_CODES
        shape = self._radius_shape()[0] if hasattr(self, "_radius_shape") else 0.0
        if self.family == "mixed":
            return FAMILY_CODES["mixed"], shape, self.scale, self.table.kernel_table, self.table.log_tau
        code = FAMILY_CODES["gaussian" if self.family == "l2" and self.k == 0 else self.family]
        return code, shape, self.scale, _NO_TABLE, _NO_TABLE

    def _check_points(self, z):
        z = np.asarray(z, dtype=np.float64)
        if z.ndim < 1 or z.shape[-1] != self.d:
            raise ValueError(f"z must have shape (..., d) with d = {self.d}, got shape {z.shape}")
        return z


class _RadialNoise(Noise):
    """pi0(z) = f(||z||_p) with f(rho) = rho^-k exp(-g(rho)): z = R * u, R independent of u."""

    def _radius_shape(self):
        """(shape a, kind) with R^2/(2 s^2) ~ Gamma(a) (kind "squared") or R/b ~ Gamma(a) ("linear")."""
        raise NotImplementedError

    def radius_quantile(self, q, upper=False):
        """The radius R at lower-tail probability q (or upper-tail probability q if upper=True)."""
        a, kind = self._radius_shape()
        g = special.gammainccinv(a, q) if upper else special.gammaincinv(a, q)
        return self.scale * np.sqrt(2.0 * g) if kind == "squared" else self.scale * g

    def radius_cdf(self, radius, upper=False):
        """P(R <= radius) (or P(R > radius) if upper=True) for R = ||z|| in the native norm."""
        a, kind = self._radius_shape()
        u = np.asarray(radius, dtype=np.float64) / self.scale
        with np.errstate(over="ignore"):  # a huge radius: g = inf, and the CDF is 1 as it should be
            g = 0.5 * u * u if kind == "squared" else u
        return special.gammaincc(a, g) if upper else special.gammainc(a, g)

class L2Centripetal(_RadialNoise):
    """pi0(z) ∝ ||z||_2^-k exp(-||z||_2^2 / (2 sigma^2)) on R^d, 0 <= k < d (seed paper Eq. 11).

    R^2/(2 sigma^2) ~ Gamma((d-k)/2), direction uniform on the l2 sphere. Certifies l2 natively,
    l-inf through Proposition 4 (radius / sqrt(d)) and l1 through the inclusion of the l1 ball in
    the l2 ball. k = 0 is the Gaussian N(0, sigma^2 I).
    """

    family = "l2"
    native_norm = "l2"
    certifiable_norms = ("l2", "l1", "linf")
    scale_name = "sigma"

    def __init__(self, d, k, sigma):
        super().__init__(d, k, sigma)

    @classmethod
    def from_rms(cls, d, rms, k=0.0):
        """The member with per-coordinate RMS `rms`: sigma = rms * sqrt(d / (d - k))."""
        return cls._from_rms(d, rms, k)

    def _radius_shape(self):
        return 0.5 * (self.d - self.k), "squared"

    def _second_moment_per_scale2(self):
        return self.d - self.k

    def log_pdf(self, z):
        z = self._check_points(z)
        m = self.d - self.k
        s = self.sigma
        log_norm = (np.log(2.0) + 0.5 * self.d * np.log(np.pi) - special.gammaln(0.5 * self.d)
                    + (0.5 * m - 1.0) * np.log(2.0) + m * np.log(s) + special.gammaln(0.5 * m))
        rho = np.linalg.norm(z, axis=-1)
        return -self.k * np.log(rho) - rho**2 / (2 * s * s) - log_norm


class Gaussian(L2Centripetal):
    """N(0, sigma^2 I_d): the k = 0 member of the L2 centripetal family (Cohen et al.)."""

    def __init__(self, d, sigma):
        super().__init__(d, 0.0, sigma)

    @classmethod
    def from_rms(cls, d, rms):
        return cls._from_rms(d, rms, None)

    def __repr__(self):
        return f"Gaussian(d={self.d}, sigma={self.sigma!r})"


class L1Centripetal(_RadialNoise):
    """pi0(z) ∝ ||z||_1^-k exp(-||z||_1 / b) on R^d, 0 <= k < d (seed paper Eq. 10).

    R/b ~ Gamma(d-k), direction uniform on the l1 sphere (e / sum(e) with random signs, e_i ~ Exp(1)).
    Certifies l1. k = 0 is iid Laplace(b) noise.
    """

    family = "l1"
    native_norm = "l1"
    certifiable_norms = ("l1",)
    scale_name = "b"

    def __init__(self, d, k, b):
        super().__init__(d, k, b)

    @classmethod
    def from_rms(cls, d, rms, k=0.0):
        return cls._from_rms(d, rms, k)

    def _radius_shape(self):
        return self.d - self.k, "linear"

    def _second_moment_per_scale2(self):
        # E R^2 * E||u||_2^2 with E R^2 = b^2 m (m+1) and E||u||_2^2 = 2 / (d+1) on the l1 sphere.
        m = self.d - self.k
        return m * (m + 1.0) * 2.0 / (self.d + 1.0)

    def log_pdf(self, z):
        z = self._check_points(z)
        m = self.d - self.k
        log_norm = self.d * np.log(2.0) - special.gammaln(self.d) + m * np.log(self.b) + special.gammaln(m)
        rho = np.abs(z).sum(axis=-1)
        return -self.k * np.log(rho) - rho / self.b - log_norm


class Laplace(L1Centripetal):
    """iid Laplace(b) noise, density ∝ exp(-||z||_1 / b): the k = 0 member of the L1 family."""

    def __init__(self, d, b):
        super().__init__(d, 0.0, b)

    @classmethod
    def from_rms(cls, d, rms):
        return cls._from_rms(d, rms, None)

    def __repr__(self):
        return f"Laplace(d={self.d}, b={self.b!r})"


class LinfCentripetal(_RadialNoise):
    """pi0(z) ∝ ||z||_inf^-k exp(-||z||_inf^2 / (2 sigma^2)) on R^d (seed paper Eq. 12).

    R^2/(2 sigma^2) ~ Gamma((d-k)/2), direction uniform on the cube surface. For sampling and
    training only: no worst-case perturbation is proven for it, so it certifies no norm.
    """

    family = "linf"
    native_norm = "linf"
    certifiable_norms = ()
    scale_name = "sigma"

    def __init__(self, d, k, sigma):
        super().__init__(d, k, sigma)

    @classmethod
    def from_rms(cls, d, rms, k=0.0):
        return cls._from_rms(d, rms, k)

    def _radius_shape(self):
        return 0.5 * (self.d - self.k), "squared"

    def _second_moment_per_scale2(self):
        # E R^2 = sigma^2 (d-k); on the cube surface one coordinate is ±1 and d-1 are U[-1,1].
        return (self.d - self.k) * (1.0 + (self.d - 1.0) / 3.0)

    def log_pdf(self, z):
        z = self._check_points(z)
        m = self.d - self.k
        s = self.sigma
        log_norm = (np.log(self.d) + self.d * np.log(2.0) + (0.5 * m - 1.0) * np.log(2.0)
                    + m * np.log(s) + special.gammaln(0.5 * m))
        rho = np.abs(z).max(axis=-1)
        return -self.k * np.log(rho) - rho**2 / (2 * s * s) - log_norm


def _log_erf(x):
    """log(erf(x)) for x > 0 without losing digits near 0 or for large x."""
    x = np.asarray(x, dtype=np.float64)
    small = x < 1.0
    return np.where(small, np.log(special.erf(np.where(small, x, 1.0))),
                    np.log1p(-special.erfc(np.where(small, 1.0, x))))


class MaxCoordinateTable:
    """Tabulated law of tau = ||z||_inf / sigma for MixedLinfL2(d, k, sigma).

    Density f(tau) ∝ tau^-k phi(tau) (2 Phi(tau) - 1)^(d-1), built in log space on a grid in
    log(tau) that covers all but ~e^-60 of the mass, integrated by the trapezoid rule; the kernels
    sample the trapezoid rule's own law (the density linear between the nodes) by inverting its
    piecewise-quadratic CDF exactly. ``cdf_error`` is the largest CDF difference between this table and one
    on a grid half as fine: an estimate (an over-estimate, as the trapezoid error falls 4x per
    halving) of the table's error. ``tv_error`` estimates the total variation between the law the
    kernels sample from this table and the exact one (Monte Carlo certificates add it to their slack).
    """

    COARSE = np.linspace(-745.0, np.log(60.0), 40001)  # log(tau) from the least positive double up

    def __init__(self, d, k, n_grid=65537):
        self.d, self.k = d, k
        lo_c = self._log_density_u(self.COARSE)
        keep = np.nonzero(lo_c > lo_c.max() - 60.0)[0]
        coarse = self.COARSE
        u_lo = coarse[max(keep[0] - 1, 0)]
        u_hi = coarse[min(keep[-1] + 1, coarse.size - 1)]
        self.log_tau, self.cdf, self.log_normalizer, self.density = self._build(u_lo, u_hi, n_grid)
        # the kernels' table (kernels/device.py, table_quantile): the CDF at the nodes, then the density there
        self.kernel_table = np.concatenate([self.cdf, self.density])
        _, half_cdf, _, _ = self._build(u_lo, u_hi, (n_grid + 1) // 2)
        self.cdf_error = float(np.abs(self.cdf[::2] - half_cdf).max())
        self.tv_error = self._tv_error()

    @classmethod
    def lost_mass(cls, d, k):
        """The fraction of the law of tau below the least positive double, where the table cannot follow
        it. There the density of log(tau) falls like e^((d - k) log tau), so that mass is e^(head)/(d - k)."""
        probe = cls.__new__(cls)
        probe.d, probe.k = d, k
        lo = probe._log_density_u(cls.COARSE)
        top = lo.max()
        lost = np.exp(lo[0] - top) / (d - k)
        return float(lost / (lost + np.trapezoid(np.exp(lo - top), cls.COARSE)))

    @classmethod
    def check_range(cls, d, k):
        """ValueError naming the largest usable k if more than 1e-15 of the law of tau is lost (k near d)."""
        if cls.lost_mass(d, k) <= 1e-15:
            return
        lo, hi = 0.0, k  # lost_mass grows with k
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if cls.lost_mass(d, mid) <= 1e-15 else (lo, mid)
        unit = 10.0 ** (np.floor(np.log10(lo)) - 5)
        largest = np.floor(lo / unit) * unit  # six digits, rounded down: the k it names is usable
        raise ValueError(f"k must be at most {largest:.6g} for MixedLinfL2 with d = {d}: with k = {k!r}, a mass of about "
                         f"{cls.lost_mass(d, k):.1e} has ||z||_inf below 5e-324 sigma (the least positive double), "
                         "which its sampler cannot represent")

    def _log_density_u(self, u):
        tau = np.exp(u)
        # log f(tau) + log(tau): the density of u = log(tau).
        return (1.0 - self.k) * u - 0.5 * tau**2 + (self.d - 1.0) * _log_erf(tau / np.sqrt(2.0))

    def _build(self, u_lo, u_hi, n):
        u = np.linspace(u_lo, u_hi, n)
        lf = self._log_density_u(u)
        top = lf.max()
        dens = np.exp(lf - top)
        steps = 0.5 * (dens[1:] + dens[:-1]) * np.diff(u)
        cum = np.concatenate([[0.0], np.cumsum(steps)])
        total = cum[-1]
        # log of the integral of tau^-k phi(tau) erf(tau/sqrt2)^(d-1) d tau, phi's 1/sqrt(2 pi) included
        log_norm = top + np.log(total) - 0.5 * np.log(2 * np.pi)
        return u, cum / total, log_norm, dens / total

    def _tv_error(self):
        """An estimate of the total variation between the law the kernels sample (u = log tau with the
        density linear between this table's nodes, the trapezoid rule's own interpolant) and the exact
        law: half the integral of their density difference by Simpson's rule on 8 sub-intervals of every
        cell, plus the mass the table leaves out (below ~e^-60 of the peak density at each end)."""
        u, h = self.log_tau, np.diff(self.log_tau)
        s = np.linspace(0.0, 1.0, 9)
        sub = u[:-1, None] + h[:, None] * s[None, :]
        log_f = self._log_density_u(sub)
        f = np.exp(log_f - log_f.max())
        simpson = np.array([1, 4, 2, 4, 2, 4, 2, 4, 1]) / 24.0  # of a cell of width 1
        f = f / ((f * simpson).sum(axis=1) * h).sum()
        table = self.density[:-1, None] + (self.density[1:] - self.density[:-1])[:, None] * s[None, :]
        return float(0.5 * ((np.abs(f - table) * simpson).sum(axis=1) * h).sum() + 1e-25)

    def expect(self, fn):
        """E[fn(tau)] by the trapezoid rule on the table."""
        tau = np.exp(self.log_tau)
        w = np.diff(self.cdf)
        vals = fn(tau)
        return float(np.sum(0.5 * (vals[1:] + vals[:-1]) * w))


class MixedLinfL2(Noise):
    """pi0(z) ∝ ||z||_inf^-k exp(-||z||_2^2 / (2 sigma^2)) on R^d (seed paper Eq. 13).

    Sampled exactly: T = ||z||_inf from its tabulated law (``MaxCoordinateTable``, inverted in the kernels), a uniform
    coordinate j set to ±T, the other d-1 coordinates iid N(0, sigma^2) truncated to [-T, T].
    Certifies l-inf natively (worst case delta* = r(1, ..., 1), Theorem 3), and l2 and l1 through
    the inclusion of those balls in the l-inf ball of the same radius. k = 0 is the Gaussian.
    """

    family = "mixed"
    native_norm = "linf"
    certifiable_norms = ("linf", "l2", "l1")
    scale_name = "sigma"

    def __init__(self, d, k, sigma):
        super().__init__(d, k, sigma)
        MaxCoordinateTable.check_range(self.d, self.k)
        self._table = None

    @property
    def table(self):
        if self._table is None:
            self._table = MaxCoordinateTable(self.d, self.k)
        return self._table

    @classmethod
    def from_rms(cls, d, rms, k=0.0):
        return cls._from_rms(d, rms, k)

    def _second_moment_per_scale2(self):
        # E[z . grad log pi0] = -d and z . grad log||z||_inf = 1 give E||z||_2^2 = sigma^2 (d - k).
        return self.d - self.k

    def log_pdf(self, z):
        z = self._check_points(z)
        s = self.sigma
        log_norm = (np.log(2.0 * self.d) + (1.0 - self.k) * np.log(s)
                    + (self.d - 1.0) * (np.log(s) + 0.5 * np.log(2 * np.pi)) + self.table.log_normalizer
                    + 0.5 * np.log(2 * np.pi))
        return -self.k * np.log(np.abs(z).max(axis=-1)) - (z**2).sum(axis=-1) / (2 * s * s) - log_norm


FAMILIES = {
    "gaussian": Gaussian,
    "laplace": Laplace,
    "l2-centripetal": L2Centripetal,
    "l1-centripetal": L1Centripetal,
    "linf-centripetal": LinfCentripetal,
    "mixed-linf-l2": MixedLinfL2,
}
