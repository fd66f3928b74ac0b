"""Radius curves: the binary certified radius as a function of pA, built once per (noise, method)
and looked up for many pA at once (docs/math.md §1: one search per radius gives the whole curve).

The curve tabulates y_i = Phi^-1(pA_needed(r_i)), an upper bound on the least pA certifying r_i,
on a geometric grid of radii, and interpolates log r as a monotone (PCHIP) function of log y (radii
may span many decades, as for radial shapes near 0) in log y: for the Gaussian, log r is exactly
linear in log y, and near it nearly so. Lookups subtract a
relative margin that bounds the interpolation error, estimated by comparing the interpolant of a
half-size table with directly computed midpoints (the final table, twice as dense, is more
accurate than that estimate). Curves are cached in memory and on disk (atomic writes). A cached
file is keyed by what produced it: the noise's parameters, the build settings and a hash of the
source of every module that computes certificates (CODE_DIGEST), so a curve from other code is
never used; and it carries a SHA-256 checksum over its key and arrays, so a damaged or edited
file is rebuilt rather than trusted.
"""
import hashlib
import json
import os
import tempfile
import warnings

import numpy as np
from scipy import interpolate, special

from .. import _validate as V
from ..kernels.config import KERNEL_DIR, cache_folder
from . import common, dual
from .norms import radius_in_norm, resolve_norm

CURVE_FORMAT = 3


def _code_digest():
    """SHA-256 of the sources that determine a curve: the certificate modules, the noise classes and
    the kernels (which draw the Monte Carlo curves' samples)."""
    here = os.path.dirname(os.path.abspath(__file__))
    package = os.path.dirname(here)
    paths = [os.path.join(folder, name) for folder in (here, KERNEL_DIR) for name in os.listdir(folder)
             if name.endswith(".py")] + [os.path.join(package, "noises.py"), os.path.join(package, "_validate.py")]
    digest = hashlib.sha256()
    for path in sorted(paths):
        with open(path, "rb") as fh:
            digest.update(os.path.basename(path).encode() + b"\0" + fh.read() + b"\0")
    return digest.hexdigest()


CODE_DIGEST = _code_digest()
TARGET_MARGIN = 1e-4
FIRST_RADIUS = 1e-9  # the table's first radius, relative to its last: smaller radii are computed directly
MAX_POINTS = 3000  # a build stops refining here (a few seconds to a minute), whatever margin it reached
PA_SLACK = 2e-11
_MEMORY = {}


def cache_dir():
    """$FASTSMOOTH_CACHE_DIR, else $XDG_CACHE_HOME/fastsmooth, else ~/.cache/fastsmooth."""
    return cache_folder()


def _key(noise, method, pA_max, mc=None):
    key = {"format": CURVE_FORMAT, "code": CODE_DIGEST, "noise": noise.params(), "method": method,
           "pA_max": repr(float(pA_max)), "target_margin": TARGET_MARGIN}
    if method == "mc":
        key["mc"] = {name: mc[name] for name in ("n_mc", "alpha_mc", "seed")}
        key["mc"]["grid"] = "pilot-ladder-v2"
    else:
        law = common.exact_law(noise)
        key["quadrature"] = {"panels": law.base.edges.size - 1, "order": law.base.nodes_t.shape[1],
                             "t_max": float(law.base.edges[-1])}
    return json.dumps(key, sort_keys=True)


def _path(key, directory):
    return os.path.join(directory, "curve-" + hashlib.sha256(key.encode()).hexdigest()[:32] + ".npz")


def _valid_table(y, r, margin):
    if margin < 0:  # a Monte Carlo step table: (pA_needed, r) pairs in any order
        return (y.ndim == 1 and y.shape == r.shape and y.size >= 1 and np.isfinite(y).all() and np.isfinite(r).all()
                and ((y > 0.5) & (y <= 1.0)).all() and (r > 0).all() and margin == -1.0)
    if y.size == 0 and r.size == 0:  # radius 0 up to pA_max
        return margin == 0.0
    return (y.ndim == 1 and y.shape == r.shape and y.size >= 3 and np.isfinite(y).all() and np.isfinite(r).all()
            and (r > 0).all() and (y > 0).all() and (np.diff(y) > 0).all() and (np.diff(r) >= 0).all()
            and np.isfinite(margin) and 0.0 <= margin < 1.0)


def _checksum(key, y, r, margin):
    digest = hashlib.sha256(key.encode())
    for array in (y, r, np.array([margin])):
        digest.update(np.ascontiguousarray(array, dtype="<f8").tobytes())
    return digest.hexdigest()


def _load(path, key):
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["key"]) != key:
                return None
            y, r, margin = data["y"].astype(np.float64), data["r"].astype(np.float64), float(data["margin"])
            checksum = str(data["checksum"])
    except Exception:  # missing, truncated, foreign or corrupt: rebuild
        return None
    if checksum != _checksum(key, y, r, margin):  # edited or damaged: rebuild
        return None
    return (y, r, margin) if _valid_table(y, r, margin) else None


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _save(path, key, y, r, margin):
    directory = os.path.dirname(path)
    try:
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".curve-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, key=np.array(key), y=y, r=r, margin=np.array(margin),
                         checksum=np.array(_checksum(key, y, r, margin)))
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600: others sharing the folder could not read it
            os.replace(tmp, path)  # atomic: readers see the old file or the whole new one
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    except OSError as exc:
        warnings.warn(f"fastsmooth could not write the radius-curve cache {path}: {exc}", stacklevel=3)


def _monotone(r, y):
    """Sort by r, make y a running maximum (still an upper bound at each r), drop repeats of y and
    the entries with y <= 0 (pA_needed = 1/2: nothing certified yet)."""
    order = np.argsort(r)
    r, y = r[order], np.maximum.accumulate(y[order])
    keep = np.concatenate([[True], np.diff(y) > 0]) & (y > 0)
    return r[keep], y[keep]


def _build_mc(noise, pA_max, mc):
    """A step table (pA_needed_i, r_i) from one Monte Carlo pass over montecarlo.GRID radii, placed by
    the independent pilot stream, all valid together w.p. >= 1 - alpha_mc."""
    from . import montecarlo
    needed, radii = montecarlo.binary_table(noise, pA_max, mc["n_mc"], mc["alpha_mc"], mc["seed"], mc["device"])
    keep = needed < 1.0
    return needed[keep], radii[keep], -1.0


def _build(noise, method, pA_max, progress=None):
    """Tabulate (y, r) on radii from FIRST_RADIUS to past the radius of pA_max; returns y, r, margin.

    The table is refined (geometric midpoints) until the interpolant of log r in log y, built on the
    table before the last refinement, is within TARGET_MARGIN of the midpoints (relative in r), the
    error stops halving with each refinement, or the table holds MAX_POINTS radii; `margin` is that
    last measured error."""
    r_top = float(common.native_binary_radius(noise, np.array([pA_max]), method)[0]) * 1.02
    if r_top == 0:  # nothing up to pA_max is certified (a radial law nearly all at 0): an empty table
        return np.zeros(0), np.zeros(0), 0.0
    if not np.isfinite(r_top):
        raise ValueError(f"cannot build a radius curve up to pA_max = {pA_max} for {noise!r}: its radius there is "
                         f"{r_top}; use certified_radius(...) directly")

    def table_y(r):
        return special.ndtri(dual.pA_needed(common.exact_law(noise), r))

    r = r_top * np.unique(np.concatenate([np.geomspace(FIRST_RADIUS, 1.0, 49), np.linspace(0.0, 1.0, 49)[1:]]))
    y = table_y(r)
    previous = np.inf
    while True:
        r_all, y_all = _monotone(r, y)
        coarse = interpolate.PchipInterpolator(np.log(y_all), np.log(r_all))
        r_mid = np.sqrt(r_all[1:] * r_all[:-1])
        y_mid = table_y(r_mid)
        inside = (y_mid > y_all[0]) & (y_mid < y_all[-1])
        rel = np.abs(np.expm1(coarse(np.log(y_mid[inside])) - np.log(r_mid[inside])))
        margin = float(rel.max()) if rel.size else 0.0
        r, y = np.concatenate([r, r_mid]), np.concatenate([y, y_mid])
        if progress is not None:
            progress(r.size, margin)
        # an interpolation error falls about 4x per doubling; much less means the table's own numerical
        # error (not the interpolation) dominates the margin, and refining further buys little
        if margin <= TARGET_MARGIN or r.size > MAX_POINTS or margin > 0.5 * previous:
            break
        previous = margin
    r_all, y_all = _monotone(r, y)
    return y_all, r_all, margin


class RadiusCurve:
    """The binary certified radius R(pA) of one (noise, norm, method), by conservative lookup.

    ``curve.radius(pA)`` (or ``curve(pA)``) takes a number or an array of pA in [0, 1] and returns
    radii in `norm` of the same shape: 0 for pA <= 1/2, inf for pA = 1. Lookups are never above
    the directly computed radius: the interpolated radius is lowered by the estimated interpolation
    error (``margin``, below 1e-4 relative). pA above ``pA_max``, and pA so close to 1/2 that the
    radius lies below the table's first entry (1e-9 of its last), are computed directly.

    Building costs one table of pA_needed(r) (a few seconds at most); the table is cached on disk
    (``cache_dir()``; pass cache=False to skip), keyed by every parameter and a hash of the
    certificate code, with a checksum; a lookup gives the same number whether the curve was just
    built or read from the cache.
    For Gaussian and Laplace noise with method "closed" the closed forms are used, with no table.
    With method "mc" (options n_mc, alpha_mc, seed, device), one Monte Carlo pass bounds pA_needed
    at 256 radii, all together with probability >= 1 - alpha_mc (``curve.alpha_mc``); a lookup
    returns the largest of those radii that pA certifies (a step function: conservative without
    any margin, up to 1.3x the radius of pA_max).
    """

    def __init__(self, noise, norm=None, method="auto", pA_max=1.0 - 1e-6, cache=True, progress=None, **mc_opts):
        common.check_noise(noise)
        self.noise = noise
        self.norm = resolve_norm(noise, norm)
        self.method = common.resolve_method(noise, method)
        common.check_opts(mc_opts, common.MC_DEFAULTS if self.method == "mc" else ())
        self.mc = common.mc_options(mc_opts) if self.method == "mc" else None
        self.alpha_mc = self.mc["alpha_mc"] if self.mc else 0.0
        self.pA_max = V.check_real("pA_max", pA_max)
        if not 0.5 < self.pA_max < 1.0:
            raise ValueError(f"pA_max must lie in (0.5, 1), got {pA_max}")
        self.margin = 0.0
        if self.method == "closed":
            return
        key = _key(noise, self.method, self.pA_max, self.mc)
        table = _MEMORY.get(key)
        path = _path(key, cache_dir())
        if table is None and cache:
            table = _load(path, key)
        if table is None:
            if self.mc:
                table = _build_mc(noise, self.pA_max, self.mc)
            else:
                table = _build(noise, self.method, self.pA_max, progress)
            if cache:
                _save(path, key, *table)
        _MEMORY[key] = table
        self._y, self._r, self.margin = table
        if self.mc:
            # R(pA) = max{r_i : pA_needed_i < pA}: sort by pA_needed, running maximum of r
            order = np.argsort(self._y, kind="stable")
            self._needed_sorted, self._best_r = self._y[order], np.maximum.accumulate(self._r[order])
            self.margin = 0.0
            return
        if self._y.size == 0:  # every pA up to pA_max certifies radius 0 only
            self._interp, self._y_top, self._y_first = None, special.ndtri(self.pA_max), -np.inf
            return
        self._interp = interpolate.PchipInterpolator(np.log(self._y), np.log(self._r))
        # radii below the first tabulated one (FIRST_RADIUS of the last) are computed directly
        self._y_top, self._y_first = self._y[-1], self._y[0]

    @staticmethod
    def available(noise, method, pA_max=1.0 - 1e-6):
        """Whether a curve for (noise, method) is already built (in memory or in the disk cache)."""
        if method == "closed":
            return True
        if method == "mc":
            return False
        key = _key(noise, method, pA_max)
        return key in _MEMORY or os.path.exists(_path(key, cache_dir()))

    def radius(self, pA):
        pA = V.as_float_array("pA", pA, 0.0, 1.0)
        if self.method == "closed":
            native = common.native_binary_radius(self.noise, pA, "closed")
        elif self.mc:
            count = np.searchsorted(self._needed_sorted, pA, side="left")  # entries with pA_needed < pA
            native = np.where(count > 0, self._best_r[np.maximum(count - 1, 0)], 0.0)
            native = np.where(pA >= 1.0, np.inf, native)
        else:
            flat = pA.ravel()
            native = np.zeros(flat.shape)
            # Looking up at pA - PA_SLACK absorbs the absolute rounding (~1e-12) of the tabulated pA_needed,
            # which matters relative to pA - 1/2 for tiny radii.
            y = special.ndtri(np.clip(flat - PA_SLACK, 0.5, 1.0))
            inside = (flat > 0.5) & (y <= self._y_top) & (y >= self._y_first)
            if self._interp is not None:
                native[inside] = np.exp(self._interp(np.log(y[inside]))) * (1.0 - self.margin - 1e-9)
            beyond = (flat > 0.5) & ~inside
            if beyond.any():
                native[beyond] = common.native_binary_radius(self.noise, flat[beyond], self.method)
            native = np.maximum(native, 0.0).reshape(pA.shape)
        out = radius_in_norm(self.noise, native, self.norm)
        return float(out) if pA.ndim == 0 else out

    __call__ = radius

    def __repr__(self):
        return f"RadiusCurve({self.noise!r}, norm={self.norm!r}, method={self.method!r}, margin={self.margin:.2g})"
