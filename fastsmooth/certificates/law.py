"""The exact law of X = log(pi0(z - delta*) / pi0(z)), z ~ pi0, for the L1 and L2 families (docs/math.md §3).

Conditional on the radius R = ||z||, X is a monotone function of the first coordinate, so
P(X <= x | R) is a Beta CDF at a threshold: the root of kappa v - A expm1(-v) = x (solve_concave:
a Wright omega start, then safeguarded Newton steps; stable from k = 0 to k near d). The outer
integral over R runs in t = Phi^-1(F_R(R)), where the integrand is smooth and the tails are resolved,
by composite Gauss-Legendre on [t_lo, t_max], split wherever the conditional law saturates.

Error control: every probability is computed with a base rule and a rule with twice the panels;
their difference (an estimate of the base rule's error, so a generous one for the finer rule), the
mass above t_max (Phi(-t_max)), the mass below t_lo where it is not known exactly (see ExactLaw),
a floor and an ulp of 1 are added on the unsafe side. Both P(X <= x) and its complement are
integrated directly, so small tail probabilities keep their relative accuracy.
"""
import numpy as np
from scipy import special

# Added to every estimated error: a relative floor for the rounding of special functions at huge
# parameters (d ~ 1e5) and an absolute one far below any probability a certificate uses.
RELATIVE_FLOOR = 1e-12
ABSOLUTE_FLOOR = 1e-20
ONE_ULP = 2.0 ** -52


def _smoothstep_gauss_legendre(order):
    """Gauss-Legendre on [0, 1] after t = 3u^2 - 2u^3: nodes t and weights with sum w h(t) ~ int h.

    dt/du vanishes at both ends, which turns a square-root singularity of h at an end (a Beta CDF
    saturating there) into a smooth integrand, so panel ends may fall on such points.
    """
    x, w = np.polynomial.legendre.leggauss(order)
    u = 0.5 * (x + 1.0)
    return 3 * u**2 - 2 * u**3, 0.5 * w * 6 * u * (1 - u)


class RadialQuadrature:
    """Composite (smoothstep) Gauss-Legendre in t = Phi^-1(F_R(R)) on [t_lo, t_max].

    ``radius_at(t)`` maps t to R; ``nodes_t``/``weights`` (panels, order) integrate h(R(t)) phi(t) dt.
    """

    def __init__(self, noise, panels, order, t_lo, t_max):
        self.noise = noise
        self.edges = np.linspace(t_lo, t_max, panels + 1)
        u, wu = _smoothstep_gauss_legendre(order)
        width = np.diff(self.edges)[:, None]
        self.nodes_t = self.edges[:-1, None] + width * u[None, :]
        self.weights = width * wu[None, :] * _phi(self.nodes_t)
        self.radius = self.radius_at(self.nodes_t)
        self.edge_radius = self.radius_at(self.edges)
        self.unit_nodes, self.unit_weights = u, wu

    def t_at(self, radius):
        """Phi^-1(F_R(radius)), computed from the smaller tail."""
        low = self.noise.radius_cdf(radius)
        high = self.noise.radius_cdf(radius, upper=True)
        return np.where(low < 0.5, special.ndtri(low), -special.ndtri(high))

    def radius_at(self, t):
        t = np.asarray(t, dtype=np.float64)
        low = self.noise.radius_quantile(special.ndtr(np.minimum(t, 0.0)))
        high = self.noise.radius_quantile(special.ndtr(-np.maximum(t, 0.0)), upper=True)
        return np.where(t <= 0, low, high)


def _phi(t):
    return np.exp(-0.5 * t * t) / np.sqrt(2.0 * np.pi)


def solve_concave(kappa, A, x, v_lo, v_hi):
    """The root v in [v_lo, v_hi] of h(v) = kappa v - A expm1(-v) = x (kappa >= 0, A > 0; h increases).

    Both families reduce to this equation given R (docs/math.md §3): L2 with kappa = k/2, A = R^2/(2 sigma^2)
    and v = -log(||z - delta||^2 / R^2); L1 with kappa = k, A = R/b and v = -log1p(Delta/R). The
    start is the closed form v = log(A/kappa) - log(omega(c)), omega the Wright omega function and
    c = (A - x)/kappa + log(A/kappa), with log(omega) = c - omega where omega < 1 (no underflow), or
    the kappa = 0 solution -log1p(-x/A) where c overflows (tiny kappa), whichever is closer; then
    Newton steps, bisecting whenever a step leaves the bracket that the signs of h - x maintain. h is
    concave, so Newton converges from either side; the loop stops when no entry moves.
    """
    shape = np.broadcast_shapes(np.shape(A), np.shape(x), np.shape(v_lo), np.shape(v_hi))
    A, x = np.broadcast_to(A, shape).astype(np.float64), np.broadcast_to(x, shape).astype(np.float64)
    lo, hi = np.broadcast_to(v_lo, shape).astype(np.float64), np.broadcast_to(v_hi, shape).astype(np.float64)

    def h(v):
        return kappa * v - A * np.expm1(-v) - x

    def clip(v):
        v = np.where(np.isfinite(v), v, np.where(np.isfinite(hi), 0.5 * (lo + hi), lo + 1.0))
        return np.minimum(np.maximum(v, lo), hi)

    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        gauss = clip(-np.log1p(-np.minimum(x / A, 1.0 - 1e-16)))
        if kappa > 0:
            log_ratio = np.log(A) - np.log(kappa)
            c = (A - x) / kappa + log_ratio
            omega = special.wrightomega(c).real
            log_omega = np.where(omega < 1.0, c - omega, np.log(omega))
            start = clip(log_ratio - log_omega)
            v = np.where(np.abs(h(start)) <= np.abs(h(gauss)), start, gauss)
        else:
            v = gauss
        for _ in range(200):
            f = h(v)
            lo = np.where(f < 0, v, lo)
            hi = np.where(f > 0, v, hi)
            step = f / (kappa + A * np.exp(-v))
            new = v - step
            outside = ~((new > lo) & (new < hi)) & (f != 0)
            new = np.where(outside, np.where(np.isfinite(hi), 0.5 * (lo + hi), lo + 2.0 * np.abs(lo) + 1.0), new)
            new = np.where(f == 0, v, new)
            moved = np.abs(new - v) > 4 * np.finfo(np.float64).eps * np.abs(v) + 1e-300
            v = new
            if not moved.any():
                break
    return v


class ExactLaw:
    """CDF bounds of X for an L2- or L1-family noise at radius r (in the noise's native norm).

    The quadrature covers t in [t_lo, t_max]. Above t_max lies a mass Phi(-t_max), counted as error.
    Below t_lo lies the "lump" R <= R_lump: t_lo = -t_max, unless the radial law is so concentrated
    near 0 (radial shape (d - k)/2 or d - k near 0) that R falls below LUMP_RADIUS * scale with a
    larger probability; then t_lo is that radius's t. On the lump X <= x_lump(r), a closed-form bound
    (X increases with R there), so for x >= x_lump the lump's mass is counted exactly in P(X <= x);
    below x_lump it is counted as error.
    """

    LUMP_RADIUS = 1e-100  # in units of the scale: R^2, R/r and their logarithms stay far from under/overflow

    def __init__(self, noise, panels=12, order=20, t_max=8.5):
        if not noise.has_exact_law:
            raise ValueError(f"the exact law exists for the L1 and L2 families only, not {type(noise).__name__}")
        self.noise = noise
        probe = RadialQuadrature(noise, 1, 2, -t_max, t_max)
        with np.errstate(divide="ignore"):
            t_floor = float(probe.t_at(self.LUMP_RADIUS * noise.scale))
        # at least half a unit of t stays for the quadrature, whatever the shape
        self.t_lo = min(max(-t_max, t_floor), t_max - 0.5)
        self.lump_mass = float(special.ndtr(self.t_lo))
        self.lump_radius = float(probe.radius_at(self.t_lo))
        self.base = RadialQuadrature(noise, panels, order, self.t_lo, t_max)
        self.fine = RadialQuadrature(noise, 2 * panels, order, self.t_lo, t_max)
        self.upper_tail = float(special.ndtr(-t_max))
        self._conditional_law = self._conditional_l2 if noise.family == "l2" else self._conditional_l1

    def _conditional(self, r, x, R, strict, state_only=False):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
            return self._conditional_law(r, x, R, strict, state_only)

    # -- conditional laws: (P(X <= x | R), P(X > x | R)), or (P(X < x | R), P(X >= x | R)) if strict
    def _conditional_l2(self, r, x, R, strict, state_only):
        """Given R, X = (k/2) v - A expm1(-v) with v = -log(||z - delta||^2 / R^2) and A = R^2/(2 sigma^2),
        increasing in u1 = z1/R, whose (1 + u1)/2 ~ Beta((d-1)/2, (d-1)/2). X runs from x_lo (u1 = -1)
        to x_hi (u1 = 1; +inf at R = r)."""
        k, s, d = self.noise.k, self.noise.sigma, self.noise.d
        shape = np.broadcast_shapes(np.shape(r), np.shape(x), np.shape(R))
        r, x, R = (np.broadcast_to(a, shape) for a in (r, x, R))
        q = r / R
        gauss_lo, gauss_hi = -r * (2.0 * R + r) / (2.0 * s * s), r * (2.0 * R - r) / (2.0 * s * s)
        if k == 0:
            x_lo, x_hi = gauss_lo, gauss_hi
        else:
            x_lo = -k * np.log1p(q) + gauss_lo
            x_hi = -k * np.log(np.abs(1.0 - q)) + gauss_hi
        state = np.where(x <= x_lo, 0, np.where(x >= x_hi, 2, 1))
        if state_only:
            return None, None, state
        live = state == 1
        A = R * R / (2.0 * s * s)
        v = np.zeros(shape)
        if live.any():
            v_lo = -2.0 * np.log1p(q[live])
            v_hi = -2.0 * np.log(np.abs(1.0 - q[live]))
            v[live] = solve_concave(0.5 * k, A[live], x[live], v_lo, v_hi)
        eps = -np.expm1(-v)  # (2 r z1 - r^2) / R^2 at the threshold
        qq = np.where(live, q, 1.0)
        p_low = np.clip((2.0 * qq + eps + qq * qq) / (4.0 * qq), 0.0, 1.0)   # (1 + u1*) / 2
        p_high = np.clip((2.0 * qq - eps - qq * qq) / (4.0 * qq), 0.0, 1.0)  # (1 - u1*) / 2
        h = 0.5 * (d - 1)
        cdf = np.where(state == 0, 0.0, np.where(state == 2, 1.0, special.betainc(h, h, p_low)))
        sf = np.where(state == 0, 1.0, np.where(state == 2, 0.0, special.betainc(h, h, p_high)))
        return cdf, sf, state

    def _conditional_l1(self, r, x, R, strict, state_only):
        """Given R, X = -k log1p(Delta/R) - Delta/b with Delta = |z1 - r| - |z1|, decreasing in Delta:
        an atom at Delta = r (z1 <= 0, mass 1/2), a continuous part for 0 < z1 < min(r, R), and for
        R > r an atom at Delta = -r (z1 >= r); |z1|/R ~ Beta(1, d-1)."""
        k, b, d = self.noise.k, self.noise.b, self.noise.d
        shape = np.broadcast_shapes(np.shape(r), np.shape(x), np.shape(R))
        r, x, R = (np.broadcast_to(a, shape) for a in (r, x, R))
        q = r / R
        has_hi = R > r
        delta_min = np.maximum(-r, r - 2.0 * R)  # Delta's least value: -r (an atom) if R > r, else at z1 = R
        if k == 0:
            lo_atom, x_top = -r / b, -delta_min / b
        else:
            lo_atom = -k * np.log1p(q) - r / b
            x_top = -k * np.log1p(np.maximum(delta_min / R, -1.0)) - delta_min / b
        hi_atom = np.where(has_hi, x_top, np.inf)
        state = np.where(x < lo_atom, 0, np.where(x == lo_atom, 3, np.where(
            x > x_top, 2, np.where(x == hi_atom, 4, np.where(x == x_top, 2, 1)))))
        if state_only:
            return None, None, state
        live = state == 1
        v = np.zeros(shape)
        if live.any():
            v_lo = -np.log1p(q[live])
            v_hi = -np.log1p(np.maximum(delta_min[live] / R[live], -1.0))
            v[live] = solve_concave(k, R[live] / b, x[live], v_lo, v_hi)
        # the threshold z* = (r - Delta*)/2 with Delta* = R expm1(-v); P(z1 > z* | R) = (1 - z*/R)^(d-1) / 2
        t = np.clip(0.5 * (q - np.expm1(-v)), 0.0, 1.0)
        sf = np.where(t >= 1.0, 0.0, 0.5 * np.exp((d - 1) * np.log1p(-t)))
        sf = np.where(state == 0, 1.0, np.where(state == 2, 0.0, sf))
        cdf = np.where(state == 0, 0.0, np.where(state == 2, 1.0, 1.0 - sf))
        hi_mass = np.where(has_hi, 0.5 * np.exp((d - 1) * np.log1p(-np.minimum(q, 1.0))), 0.0)
        if strict:
            cdf = np.where(state == 3, 0.0, np.where(state == 4, 1.0 - hi_mass, cdf))
            sf = np.where(state == 3, 1.0, np.where(state == 4, hi_mass, sf))
        else:
            cdf = np.where(state == 3, 0.5, np.where(state == 4, 1.0, cdf))
            sf = np.where(state == 3, 0.5, np.where(state == 4, 0.0, sf))
        return cdf, sf, state

    def _lump_bound(self, r):
        """x_lump(r): X < x_lump(r) for every z with R <= lump_radius (+inf where no bound is known).

        L2: X <= -k log(r/R - 1) + r (2R - r) / (2 sigma^2) (u1 = 1), increasing in R while R < r.
        L1: X <= -k log((r - R)/R) - (r - 2R)/b (Delta >= r - 2R), increasing in R while R < r/2.
        """
        k, R = self.noise.k, self.lump_radius
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if self.noise.family == "l2":
                s = self.noise.sigma
                gauss = r * (2.0 * R - r) / (2.0 * s * s)
                if k == 0:
                    return gauss
                return np.where(R < r, -k * np.log(r / R - 1.0) + gauss, np.inf)
            b = self.noise.b
            top = np.where(R < 0.5 * r, -(r - 2.0 * R) / b, r / b)  # Delta >= r - 2R, and >= -r always
            if k == 0:
                return top
            return np.where(R < 0.5 * r, -k * np.log((r - R) / R) + top, np.inf)

    def _lump(self, r, x, strict):
        """(mass the lump adds to P(X <= x) (or P(X < x)), mass of unknown side): one is 0."""
        bound = self._lump_bound(r)
        known = (x > bound) if strict else (x >= bound)
        return np.where(known, self.lump_mass, 0.0), np.where(known, 0.0, self.lump_mass)

    # -- integrated law
    def _integrate(self, rule, r, x, strict, kinks):
        """(P(X <= x), P(X > x)) integrated over R by `rule`; r, x are 1-D arrays of one length.

        With kinks=True, every panel in which the conditional law changes regime (saturates at 0 or 1,
        or crosses an atom of the L1 family) is split at the change point, located by bisection, and
        each piece is integrated with the same smoothstep rule, which is accurate for the square-root
        behaviour of the Beta CDF at a saturation point at either end.
        """
        r3, x3 = r[:, None, None], x[:, None, None]
        cdf, sf, state = self._conditional(r3, x3, rule.radius[None], strict)

        int_cdf = np.einsum("mpo,po->m", cdf, rule.weights)
        int_sf = np.einsum("mpo,po->m", sf, rule.weights)
        if not kinks:
            return int_cdf, int_sf
        # X is singular at z = delta*, i.e. at R = r: for k > 0 the event {X > x} lives in a spike around
        # R = r that can fall between nodes, so R = r is always a cut of the panel that holds it.
        t_r = rule.t_at(r)
        n_panels = rule.edges.size - 1
        p_r = np.clip(np.searchsorted(rule.edges, t_r) - 1, 0, n_panels - 1)
        has_r = (t_r > rule.edges[0]) & (t_r < rule.edges[-1])
        edge_state = self._conditional(r[:, None], x[:, None], rule.edge_radius[None], strict, state_only=True)[2]
        seq_state = np.concatenate([edge_state[:, :-1, None], state, edge_state[:, 1:, None]], axis=2)
        seq_t = np.concatenate([rule.edges[:-1, None], rule.nodes_t, rule.edges[1:, None]], axis=1)
        split = (seq_state[..., 1:] != seq_state[..., :-1]).any(axis=2)
        split[np.nonzero(has_r)[0], p_r[has_r]] = True
        rows, panels = np.nonzero(split)
        if rows.size == 0:
            return int_cdf, int_sf
        # Remove the plain rule's contribution of the split panels ...
        w = rule.weights[panels]
        int_cdf -= np.bincount(rows, (cdf[rows, panels] * w).sum(1), minlength=r.size)
        int_sf -= np.bincount(rows, (sf[rows, panels] * w).sum(1), minlength=r.size)
        # ... locate each regime change (t_r joins the points whose states are compared) ...
        edge_lo, edge_hi = rule.edges[panels][:, None], rule.edges[panels + 1][:, None]
        forced = np.where((has_r[rows] & (p_r[rows] == panels))[:, None], t_r[rows][:, None], edge_hi)
        t_seq = np.sort(np.concatenate([seq_t[panels], forced], axis=1), axis=1)
        rr, xx = r[rows][:, None], x[rows][:, None]
        st = self._conditional(rr, xx, rule.radius_at(t_seq), strict, state_only=True)[2]
        ch = st[:, 1:] != st[:, :-1]
        n_kinks = int(ch.sum(1).max())
        cuts = forced
        if n_kinks:
            pos = np.argsort(~ch, axis=1, kind="stable")[:, :n_kinks]
            valid = np.take_along_axis(ch, pos, 1)
            lo = np.take_along_axis(t_seq, pos, 1)
            hi = np.take_along_axis(t_seq, pos + 1, 1)
            state_lo = np.take_along_axis(st, pos, 1)
            for _ in range(42):  # a panel / 2^42: far below any effect on the integral
                mid = 0.5 * (lo + hi)
                same = self._conditional(rr, xx, rule.radius_at(mid), strict, state_only=True)[2] == state_lo
                lo, hi = np.where(same, mid, lo), np.where(same, hi, mid)
            cuts = np.concatenate([cuts, np.where(valid, 0.5 * (lo + hi), edge_hi)], axis=1)
        ends = np.concatenate([edge_lo, np.sort(cuts, axis=1), edge_hi], axis=1)
        # ... and integrate the pieces.
        a, b = ends[:, :-1, None], ends[:, 1:, None]
        t = a + (b - a) * rule.unit_nodes
        wt = (b - a) * rule.unit_weights * _phi(t)
        c2, s2, _ = self._conditional(rr[..., None], xx[..., None], rule.radius_at(t), strict)
        int_cdf += np.bincount(rows, (c2 * wt).sum((1, 2)), minlength=r.size)
        int_sf += np.bincount(rows, (s2 * wt).sum((1, 2)), minlength=r.size)
        return int_cdf, int_sf

    def estimates(self, r, x, strict=False):
        """(P(X <= x), P(X > x)) (P(X < x), P(X >= x) if strict) by the base rule, no error bound."""
        r, x = np.broadcast_arrays(np.asarray(r, dtype=np.float64), np.asarray(x, dtype=np.float64))
        shape = r.shape
        r, x = r.ravel(), x.ravel()
        cdf, sf = self._integrate(self.base, r, x, strict, kinks=True)
        lump, unknown = self._lump(r, x, strict)
        return (cdf + lump).reshape(shape), (sf + unknown).reshape(shape)  # a search's guess: the lump below x_lump

    def cdf_estimate(self, r, x, strict=False):
        """P(X <= x) (P(X < x) if strict) by the base rule, for searches (no error bound)."""
        return self.estimates(r, x, strict)[0]

    def bounds(self, r, x, strict=False):
        """Guaranteed-up-to-estimated-error bounds (cdf_low, cdf_up, sf_low, sf_up).

        cdf = P(X <= x) (P(X < x) if strict) and sf = 1 - cdf, both computed directly.
        """
        r, x = np.broadcast_arrays(np.asarray(r, dtype=np.float64), np.asarray(x, dtype=np.float64))
        shape = r.shape
        r, x = r.ravel(), x.ravel()
        c0, s0 = self._integrate(self.base, r, x, strict, kinks=True)
        c1, s1 = self._integrate(self.fine, r, x, strict, kinks=True)
        ec = np.abs(c1 - c0) + RELATIVE_FLOOR * np.abs(c1) + ABSOLUTE_FLOOR
        es = np.abs(s1 - s0) + RELATIVE_FLOOR * np.abs(s1) + ABSOLUTE_FLOOR
        lump, unknown = self._lump(r, x, strict)
        c1 = c1 + lump
        tail = self.upper_tail + unknown
        # 1 - y rounds by up to half an ulp of 1: ONE_ULP keeps those forms on the safe side too
        cdf_up = np.minimum(c1 + ec + tail, 1.0 - (s1 - es) + ONE_ULP)
        cdf_low = np.maximum(c1 - ec, 1.0 - (s1 + es + tail) - ONE_ULP)
        sf_up = np.minimum(s1 + es + tail, 1.0 - (c1 - ec) + ONE_ULP)
        sf_low = np.maximum(s1 - es, 1.0 - (c1 + ec + tail) - ONE_ULP)
        out = []
        for a in (cdf_low, cdf_up, sf_low, sf_up):
            a = np.where(np.isnan(a), np.nan, np.clip(a, 0.0, 1.0))
            out.append(a.reshape(shape))
        cdf_low, cdf_up, sf_low, sf_up = out
        # anything the arithmetic could not decide becomes the widest bound: never NaN, never unsafe
        bad = np.isnan(cdf_low) | np.isnan(cdf_up) | np.isnan(sf_low) | np.isnan(sf_up)
        if bad.any():
            cdf_low, sf_low = np.where(bad, 0.0, cdf_low), np.where(bad, 0.0, sf_low)
            cdf_up, sf_up = np.where(bad, 1.0, cdf_up), np.where(bad, 1.0, sf_up)
        return cdf_low, cdf_up, sf_low, sf_up
