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
from typing import Callable, NamedTuple

import numpy as np
from scipy import special

from . import _validate as V
from .kernels import families
from .kernels.device import MAX_DIMENSION

NORMS = ("l1", "l2", "linf")
# Scales (sigma, b) whose draws float32 holds with full precision (its normal range is 1.2e-38 .. 3.4e38,
# and a draw can be ~1e8 scales for d = 2^26) and whose certificates float64 computes without
# overflow (r^2 / sigma^2 and the like): a scale outside is refused rather than silently giving inf or 0.
SCALE_RANGE = (1e-30, 1e30)


class Param(NamedTuple):
    """A declared parameter of a noise: its name, a one-line description of it and its domain (CLI help
    and docs), and the check that validates it (ValueError/TypeError naming it) given the noise so far."""
    name: str
    help: str
    check: Callable


def _check_scale(name):
    def check(value, noise):
        value = V.check_positive(name, value)
        if not SCALE_RANGE[0] <= value <= SCALE_RANGE[1]:
            raise ValueError(f"{name} must lie in [{SCALE_RANGE[0]:g}, {SCALE_RANGE[1]:g}] (float32 draws and float64 "
                             f"certificates keep their precision there; rescale the inputs), got {value!r}")
        return value
    return check


D = Param("d", "input dimension (all pixels), an integer in [2, 2^26]",
          lambda value, noise: V.check_dimension("d", value, MAX_DIMENSION))  # the kernels' counter layout
K = Param("k", "centripetal exponent, 0 <= k < d", lambda value, noise: V.check_k(value, noise.d))
SIGMA = Param("sigma", "scale, in [1e-30, 1e30]", _check_scale("sigma"))
B = Param("b", "scale, in [1e-30, 1e30]", _check_scale("b"))

FAMILIES = {}  # command-line name -> noise class, in the order registered


def register(cls):
    """Add a noise class to FAMILIES under its ``cli_name`` (a class decorator): the command line, the
    docs table and the tests then know it. Returns the class."""
    if not cls.cli_name or cls.cli_name in FAMILIES:
        raise ValueError(f"cli_name {cls.cli_name!r} of {cls.__name__} is empty or already registered")
    FAMILIES[cls.cli_name] = cls
    return cls


def unregister(cls):
    """Remove a class added by register (for tests and plug-ins)."""
    FAMILIES.pop(cls.cli_name, None)


class Noise:
    """Base class: a symmetric smoothing density pi0 on R^d.

    A family declares itself in class attributes, read by validation, repr, the certificates, the
    command line and the docs: ``arg_constraints`` (its constructor's parameters, in order, as
    Params), ``scale_name``, ``native_norm`` and ``certifiable_norms``, ``closed_form``
    ("gaussian"/"laplace": closed-form certificates at k = 0), ``has_exact_law`` (the quadrature
    law of docs/math.md §3), ``meant_for`` (the norms it is the noise of choice for), ``cli_name``
    and ``cli_formula`` (the command line), and ``kernel_family`` (its id in kernels/families.py;
    None for a family sampled on the host by ``_sample_host``).
    """

    family = None  # "l2", "l1", "linf" or "mixed": which radial law and log-ratio formula apply
    arg_constraints = ()
    native_norm = None
    certifiable_norms = ()
    scale_name = None  # "sigma" or "b"
    closed_form = None
    has_exact_law = False
    meant_for = ()
    cli_name = None
    cli_formula = ""
    kernel_family = None

    def __init__(self, d, k, scale):
        self._set_params({"d": d, "k": k, self.scale_name: scale})

    def _set_params(self, values):
        """Validate and set the declared parameters (in order; a later check may read earlier ones)."""
        for param in self.arg_constraints:
            setattr(self, param.name, param.check(values[param.name], self))
        if "k" not in self.__dict__:
            self.k = 0.0

    @property
    def has_closed_form(self):
        return self.closed_form is not None and self.k == 0

    @property
    def certificate_method(self):
        """The method "auto" picks: "closed", "exact" or "mc" (None: the noise certifies nothing)."""
        if not self.certifiable_norms:
            return None
        return "closed" if self.has_closed_form else "exact" if self.has_exact_law else "mc"

    @property
    def scale(self):
        return getattr(self, self.scale_name)

    def params(self):
        """The parameters that determine the noise (used for cache keys and repr)."""
        return {"family": type(self).__name__, "d": self.d, "k": self.k, self.scale_name: self.scale}

    def __repr__(self):  # exact (shortest round-trip) values: a repr names one noise
        args = ", ".join(f"{p.name}={getattr(self, p.name)!r}" for p in self.arg_constraints)
        return f"{type(self).__name__}({args})"

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
        if self.kernel_family is None:  # a family without kernels: drawn on the host
            if device != "cpu":
                raise ValueError(f"{type(self).__name__} is sampled on the host; pass a CPU `out`, not a CUDA array")
            target[...] = self._sample_host(n, seed, offset)
        else:
            _arrays.kernels(device).fill(target, self.kernel_spec(), seed, offset)
        return out if out is not None else target

    def _sample_host(self, n, seed, offset):
        """Draws offset .. offset + n - 1 for `seed` as an (n, d) array, for a family with no kernels."""
        raise NotImplementedError(f"{type(self).__name__} declares no kernel_family and no _sample_host")

    def sampling_draws(self):
        """Normal-like draws per sample of the kernels' Monte Carlo statistics (their 32-bit
        sampling slack is counted per draw: certificates/montecarlo.py)."""
        return 6

    def sampling_table_tv(self):
        """Total variation between a tabulated law the kernels sample and the exact one (0: none)."""
        return 0.0

    def kernel_spec(self):
        """The KernelSpec (family id, d, k, radial shape, scale, tables) every kernel driver takes."""
        shape = self._radius_shape()[0] if hasattr(self, "_radius_shape") else 0.0
        family = families.GAUSSIAN if self.kernel_family == families.L2 and self.k == 0 else self.kernel_family
        table, log_tau = self._kernel_tables()
        return families.KernelSpec(family, self.d, float(self.k), float(shape), float(self.scale), table, log_tau)

    def _kernel_tables(self):
        return families.NO_TABLE, families.NO_TABLE

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
    arg_constraints = (D, K, SIGMA)
    native_norm = "l2"
    certifiable_norms = ("l2", "l1", "linf")
    scale_name = "sigma"
    closed_form = "gaussian"
    has_exact_law = True
    meant_for = ("l2", "linf")
    cli_name = "l2-centripetal"
    cli_formula = "||z||_2^-k exp(-||z||_2^2/2sigma^2)"
    kernel_family = families.L2

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

    arg_constraints = (D, SIGMA)
    cli_name = "gaussian"
    cli_formula = "N(0, sigma^2 I)"

    def __init__(self, d, sigma):
        self._set_params({"d": d, "sigma": sigma})

    @classmethod
    def from_rms(cls, d, rms):
        return cls._from_rms(d, rms, None)


class L1Centripetal(_RadialNoise):
    """pi0(z) ∝ ||z||_1^-k exp(-||z||_1 / b) on R^d, 0 <= k < d (seed paper Eq. 10).

    R/b ~ Gamma(d-k), direction uniform on the l1 sphere (e / sum(e) with random signs, e_i ~ Exp(1)).
    Certifies l1. k = 0 is iid Laplace(b) noise.
    """

    family = "l1"
    arg_constraints = (D, K, B)
    native_norm = "l1"
    certifiable_norms = ("l1",)
    scale_name = "b"
    closed_form = "laplace"
    has_exact_law = True
    meant_for = ("l1",)
    cli_name = "l1-centripetal"
    cli_formula = "||z||_1^-k exp(-||z||_1/b)"
    kernel_family = families.L1

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

    arg_constraints = (D, B)
    cli_name = "laplace"
    cli_formula = "iid Laplace(b)"

    def __init__(self, d, b):
        self._set_params({"d": d, "b": b})

    @classmethod
    def from_rms(cls, d, rms):
        return cls._from_rms(d, rms, None)


class LinfCentripetal(_RadialNoise):
    """pi0(z) ∝ ||z||_inf^-k exp(-||z||_inf^2 / (2 sigma^2)) on R^d (seed paper Eq. 12).

    R^2/(2 sigma^2) ~ Gamma((d-k)/2), direction uniform on the cube surface. For sampling and
    training only: no worst-case perturbation is proven for it, so it certifies no norm.
    """

    family = "linf"
    arg_constraints = (D, K, SIGMA)
    native_norm = "linf"
    certifiable_norms = ()
    scale_name = "sigma"
    cli_name = "linf-centripetal"
    cli_formula = "||z||_inf^-k exp(-||z||_inf^2/2sigma^2)"
    kernel_family = families.LINF

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
        raise ValueError(f"k must be at most {largest:.6g} for MixedLinfL2 with d = {d}: with k = {k!r}, a mass of "
                         f"about {cls.lost_mass(d, k):.1e} has ||z||_inf below 5e-324 sigma (the least positive "
                         "double), which its sampler cannot represent")

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
    arg_constraints = (D, K, SIGMA)
    native_norm = "linf"
    certifiable_norms = ("linf", "l2", "l1")
    scale_name = "sigma"
    meant_for = ("linf",)
    cli_name = "mixed-linf-l2"
    cli_formula = "||z||_inf^-k exp(-||z||_2^2/2sigma^2)"
    kernel_family = families.MIXED

    def __init__(self, d, k, sigma):
        super().__init__(d, k, sigma)
        MaxCoordinateTable.check_range(self.d, self.k)
        self._table = None

    def _kernel_tables(self):
        return self.table.kernel_table, self.table.log_tau

    def sampling_draws(self):
        return 6 + self.d  # and the table of T: sampling_table_tv

    def sampling_table_tv(self):
        """Total variation between the law of T the kernels sample (the table) and the exact one."""
        return self.table.tv_error

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


for _cls in (Gaussian, Laplace, L2Centripetal, L1Centripetal, LinfCentripetal, MixedLinfL2):
    register(_cls)


def certifies_text(cls):
    """What a family certifies, in words (command-line help and the docs table)."""
    if not cls.certifiable_norms:
        return "nothing (sampling and training only)"
    others = [f"{norm} ({'Prop. 4' if cls.native_norm == 'l2' and norm == 'linf' else 'inclusion'})"
              for norm in cls.certifiable_norms if norm != cls.native_norm]
    return cls.native_norm + (f"; {', '.join(others)}" if others else "")


def families_table():
    """The Markdown table of the registered noises (README's noise table is this, checked by the tests)."""
    rows = ["| noise | command line | certifies | methods |", "|---|---|---|---|"]
    for name, cls in FAMILIES.items():
        args = ", ".join(p.name for p in cls.arg_constraints)
        methods = []
        if cls.certifiable_norms:
            if cls.closed_form is not None and not any(p.name == "k" for p in cls.arg_constraints):
                methods.append("closed")
            if cls.has_exact_law:
                methods.append("exact")
            methods.append("mc")
        rows.append(f"| `{cls.__name__}({args})` | `{name}` | {certifies_text(cls)} | {', '.join(methods) or '—'} |")
    return "\n".join(rows)
