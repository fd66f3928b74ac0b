"""The public certificate functions: lower_bound and certified_radius for every noise and norm."""
import numpy as np

from .. import _validate as V
from . import closed_forms as cf
from . import dual, montecarlo
# METHODS, MC_DEFAULTS, exact_law, mc_options and resolve_method are also read as api.<name>
from .common import (METHODS, MC_DEFAULTS, check_noise, check_options, check_opts, exact_law,  # noqa: F401
                     mc_options, native_binary_radius, resolve_method)
from .curves import RadiusCurve
from .norms import native_radius, radius_in_norm, resolve_norm


def _out(value, scalar):
    return float(value) if scalar else value


def lower_bound(noise, pA, radius, norm=None, method="auto", **opts):
    """L(r, pA): a guaranteed lower bound on the smoothed probability of the top class at every
    x + delta with ||delta||_norm <= radius, given that it is >= pA at x.

    Arguments: `pA` in [0, 1] (a number or array) is a lower bound on P(f(x + z) = c_A), z ~ noise;
    `radius` >= 0 in the input's units (the scale the noise is added in); `norm` is "l1", "l2",
    "linf" or None for the noise's native norm. `method` is "closed" (Gaussian/Laplace formulas),
    "exact" (quadrature law of docs/math.md §3, L1/L2 families, any k), "mc" (Monte Carlo, every family
    that certifies; options n_mc=200000, alpha_mc=1e-3, seed=0, device="cpu" or "cuda") or "auto"
    (closed, else exact, else mc).

    Guarantee: closed/exact never exceed the true bound (numerical error is estimated and rounded
    down); if pA holds with probability >= 1 - alpha, so does the bound. For "mc" the bound holds
    with probability >= 1 - alpha_mc over the noise samples, for all pA of the call together, so
    with probability >= 1 - alpha - alpha_mc overall; the result (a float or array subclass)
    carries ``.alpha_mc`` and ``.n_mc``. Returns a float for scalar inputs, else an array of the
    broadcast shape.
    """
    check_noise(noise)
    norm = resolve_norm(noise, norm)
    method = resolve_method(noise, method)
    check_opts(opts, MC_DEFAULTS if method == "mc" else ())
    pA_arr = V.as_float_array("pA", pA, 0.0, 1.0)
    r_arr = V.as_float_array("radius", radius, 0.0, None)
    scalar = pA_arr.ndim == 0 and r_arr.ndim == 0
    r_native = native_radius(noise, r_arr, norm)
    if method == "mc":
        mc = mc_options(opts)
        if r_native.ndim != 0:
            raise ValueError(f"method='mc' takes one radius per call (a number), got shape {r_native.shape}")
        out = montecarlo.lower_bound(noise, float(r_native), pA_arr, mc["n_mc"], mc["alpha_mc"], mc["seed"],
                                     mc["device"])
        return montecarlo.wrap(out, scalar, mc["alpha_mc"], mc["n_mc"])
    if method == "closed":
        if noise.closed_form == "gaussian":
            out = cf.gaussian_lower_bound(pA_arr, r_native, noise.sigma)
        else:
            out = cf.laplace_lower_bound(pA_arr, r_native, noise.b)
        out = np.where(r_native == 0, pA_arr, out)
    else:
        out = dual.lower_bound(exact_law(noise), r_native, pA_arr)
    return _out(out, scalar)


def certified_radius(noise, pA, pB=None, norm=None, method="auto", **opts):
    """The certified radius around x in `norm`: the smoothed classifier's top class at x is also its
    top class at every x + delta with ||delta||_norm < radius.

    Arguments: `pA` in [0, 1] is a lower bound on the top class's probability under the noise, `pB`
    (optional) an upper bound on the runner-up's; without pB the binary certificate L > 1/2 is used,
    with it the top-2 certificate L(r, pA) > 1 - L(r, 1 - pB). Numbers or arrays (broadcast); the
    result has the broadcast shape (a float for scalars), 0 where nothing is certified, inf where
    every radius is (pA = 1). `norm` is "l1", "l2", "linf" or None (the noise's native norm); a norm
    the noise cannot certify raises ValueError. `method`: "auto", "closed", "exact" or "mc" as in
    `lower_bound` (with the same Monte Carlo options). Option `use_curve` (closed and exact binary
    radii): False (the default) computes each radius directly, to a relative 1e-9 of the exact
    radius and the same number on every machine whatever is cached; True looks radii up in the
    noise's ``RadiusCurve`` (built once, cached on disk): much faster for many pA, and at most the
    curve's ``margin`` (below 1e-4 relative) smaller.

    Guarantee: with closed/exact the radius is never larger than the exact certified radius for
    the given pA (and pB); numerical error is estimated and rounded down. If pA (and pB) hold
    jointly with probability >= 1 - alpha, the radius is certified with probability >= 1 - alpha.
    With "mc", all radii of the call are certified together with probability >= 1 - alpha_mc over
    the noise samples (so >= 1 - alpha - alpha_mc overall); the result carries ``.alpha_mc``.
    """
    check_noise(noise)
    norm = resolve_norm(noise, norm)
    method = resolve_method(noise, method)
    pA_arr = V.as_float_array("pA", pA, 0.0, 1.0)
    if method == "mc":
        check_opts(opts, MC_DEFAULTS)
        mc = mc_options(opts)
        pB_arr = None if pB is None else V.as_float_array("pB", pB, 0.0, 1.0)
        shape = np.broadcast_shapes(pA_arr.shape, () if pB_arr is None else pB_arr.shape)
        flat_a = np.broadcast_to(pA_arr, shape).ravel()
        flat_b = None if pB_arr is None else np.broadcast_to(pB_arr, shape).ravel()
        out = montecarlo.certified_radius(noise, flat_a, flat_b, mc["n_mc"], mc["alpha_mc"], mc["seed"], mc["device"])
        out = radius_in_norm(noise, out.reshape(shape), norm)
        return montecarlo.wrap(out, len(shape) == 0, mc["alpha_mc"], mc["n_mc"])
    check_opts(opts, ("use_curve",))
    if pB is None:
        scalar = pA_arr.ndim == 0
        use_curve = opts.get("use_curve", False)
        if use_curve not in (True, False):
            raise TypeError(f"use_curve must be True or False, got {use_curve!r}")
        if use_curve:
            out = RadiusCurve(noise, norm=norm, method=method).radius(pA_arr)
        else:
            out = radius_in_norm(noise, native_binary_radius(noise, pA_arr, method), norm)
        return _out(out, scalar)
    pB_arr = V.as_float_array("pB", pB, 0.0, 1.0)
    pA_arr, pB_arr = np.broadcast_arrays(pA_arr, pB_arr)
    scalar = pA_arr.ndim == 0
    if method == "closed" and noise.closed_form == "gaussian":
        out = cf.gaussian_radius(pA_arr, noise.sigma, pB_arr)
    else:
        if method == "closed":
            bound = lambda p, r: cf.laplace_lower_bound(p, r, noise.b)  # noqa: E731
        else:
            law = exact_law(noise)
            bound = lambda p, r: dual.lower_bound(law, r, p)  # noqa: E731
        out = dual.top2_radius(bound, pA_arr, pB_arr, noise.scale)
    return _out(radius_in_norm(noise, out, norm), scalar)
