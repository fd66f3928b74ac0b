"""What every certificate path shares (api.py and curves.py both build on it): the methods and
their options, the cached exact law, and binary radii computed directly."""
import functools

from .. import _validate as V
from ..noises import Noise
from . import closed_forms as cf
from . import dual
from .law import ExactLaw


METHODS = ("auto", "closed", "exact", "mc")


@functools.lru_cache(maxsize=64)
def exact_law(noise):
    """The (cached) quadrature law of X for an L1/L2-family noise."""
    return ExactLaw(noise)


def check_noise(noise):
    if not isinstance(noise, Noise):
        raise TypeError(f"noise must be a fastsmooth noise (e.g. fastsmooth.Gaussian(d, sigma)), got {noise!r}")


def resolve_method(noise, method):
    """The concrete method ('closed', 'exact' or 'mc') that `method` means for `noise`."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    closed_ok, exact_ok = noise.has_closed_form, noise.has_exact_law
    if method == "auto":
        method = "closed" if closed_ok else "exact" if exact_ok else "mc"
    if method == "closed" and not closed_ok:
        raise ValueError(f"method='closed' needs Gaussian or Laplace noise (k = 0), got {noise!r}; use 'exact'")
    if method == "exact" and not exact_ok:
        raise ValueError(f"method='exact' exists for the L1 and L2 families only, not {type(noise).__name__}; "
                         "its certificate needs method='mc'")
    return method


DEVICES = ("cpu", "cuda")  # where Monte Carlo certificates run
MC_DEFAULTS = {"n_mc": 200_000, "alpha_mc": 1e-3, "seed": 0, "device": "cpu"}


def mc_options(opts):
    """Validated Monte Carlo options (n_mc, alpha_mc, seed, device) with their defaults."""
    out = dict(MC_DEFAULTS)
    out.update(opts)
    out["n_mc"] = V.check_draws("n_mc", out["n_mc"], minimum=100)
    alpha = V.check_real("alpha_mc", out["alpha_mc"])
    if not 0 < alpha < 1:
        raise ValueError(f"alpha_mc must lie in (0, 1), got {alpha}")
    out["alpha_mc"] = alpha
    out["seed"] = V.check_seed("seed", out["seed"])
    if out["device"] not in DEVICES:
        raise ValueError(f"device must be {' or '.join(map(repr, DEVICES))}, got {out['device']!r}")
    return out


def check_opts(opts, allowed):
    unknown = set(opts) - set(allowed)
    if unknown:
        raise TypeError(f"unknown option(s) {sorted(unknown)}; this method accepts {sorted(allowed) or 'none'}")


def check_options(noise, method="auto", **opts):
    """(method, options) for certificates of `noise`, validated before any work: the concrete method
    ('closed', 'exact' or 'mc') and, for 'mc', every Monte Carlo option with its default filled in
    (n_mc, alpha_mc, seed, device); other methods take no options. Raises TypeError/ValueError naming
    the bad option. The torch layer and the command line call this up front."""
    check_noise(noise)
    method = resolve_method(noise, method)
    check_opts(opts, MC_DEFAULTS if method == "mc" else ())
    return method, (mc_options(opts) if method == "mc" else {})


def _closed_binary_radius(noise, pA):
    if noise.closed_form == "gaussian":
        return cf.gaussian_radius(pA, noise.sigma)
    return cf.laplace_radius(pA, noise.b)


def native_binary_radius(noise, pA, method):
    """Binary certified radius in the native norm, computed directly (no curve)."""
    if method == "closed":
        return _closed_binary_radius(noise, pA)
    return dual.binary_radius(exact_law(noise), pA, noise.scale)
