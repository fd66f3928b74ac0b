"""The exact law of X = log(pi0(z - delta*) / pi0(z)), z ~ pi0, for the L1 and L2 families (DESIGN §3).

Conditional on the radius R = ||z||, X is a monotone function of the first coordinate, so
P(X <= x | R) is a Beta CDF at a threshold solved in closed form (Wright omega: y + log y = c, a
Newton step polishing it). The outer integral over R runs in t = Phi^-1(F_R(R)), where the
integrand is smooth and the tails are resolved, by composite Gauss-Legendre on [-t_max, t_max].

Error control: every probability is computed with a base rule and a rule with twice the panels;
their difference (an estimate of the base rule's error, so a generous one for the finer rule) plus
the mass beyond +-t_max (2 Phi(-t_max)) plus a floor is added on the unsafe side. Both P(X <= x)
and its complement are integrated directly, so small tail probabilities keep their relative
accuracy.
"""
import numpy as np
from scipy import special

# Added to every estimated error: a relative floor for the rounding of special functions at huge
# parameters (d ~ 1e5) and an absolute one far below any probability a certificate uses.
RELATIVE_FLOOR = 1e-12
ABSOLUTE_FLOOR = 1e-20


def _smoothstep_gauss_legendre(order):
    """Gauss-Legendre on [0, 1] after t = 3u^2 - 2u^3: nodes t and weights with sum w h(t) ~ int h.

    dt/du vanishes at both ends, which turns a square-root singularity of h at an end (a Beta CDF
    saturating there) into a smooth integrand, so panel ends may fall on such points.
    """
    x, w = np.polynomial.legendre.leggauss(order)
    u = 0.5 * (x + 1.0)
    return 3 * u**2 - 2 * u**3, 0.5 * w * 6 * u * (1 - u)


class RadialQuadrature:
    """Composite (smoothstep) Gauss-Legendre in t = Phi^-1(F_R(R)) on [-t_max, t_max].

    ``radius_at(t)`` maps t to R; ``nodes_t``/``weights`` (panels, order) integrate h(R(t)) phi(t) dt.
    """

    def __init__(self, noise, panels, order, t_max):
        self.noise = noise
        self.edges = np.linspace(-t_max, t_max, panels + 1)
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


class ExactLaw:
    """CDF bounds of X for an L2- or L1-family noise at radius r (in the noise's native norm)."""

    def __init__(self, noise, panels=12, order=20, t_max=8.5):
        if noise.family not in ("l1", "l2"):
            raise ValueError(f"the exact law exists for the L1 and L2 families only, not {type(noise).__name__}")
        self.noise = noise
        self.base = RadialQuadrature(noise, panels, order, t_max)
        self.fine = RadialQuadrature(noise, 2 * panels, order, t_max)
        self.tail = 2.0 * special.ndtr(-t_max)
        self._conditional_law = self._conditional_l2 if noise.family == "l2" else self._conditional_l1

    def _conditional(self, r, x, R, strict, state_only=False):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return self._conditional_law(r, x, R, strict, state_only)

    # -- conditional laws: (P(X <= x | R), P(X > x | R)), or (P(X < x | R), P(X >= x | R)) if strict
    def _conditional_l2(self, r, x, R, strict, state_only):
        k, s, d = self.noise.k, self.noise.sigma, self.noise.d
        if k == 0:
            w = np.broadcast_to(2.0 * s * s * x, np.broadcast_shapes(np.shape(x), np.shape(R)))
        else:
            A = R * R / (2.0 * s * s)
            # -(k/2) log(1 - eps) + A eps = x with w = R^2 eps; y = 1 - eps solves log v + v = c, v = 2A y / k.
            c = 2.0 * (A - x) / k + np.log(2.0 * A / k)
            y = special.wrightomega(c).real * k / (2.0 * A)
            eps = np.minimum(1.0 - y, 1.0 - 1e-300)
            for _ in range(2):  # Newton on the log1p form removes the cancellation in 1 - y
                f = -0.5 * k * np.log1p(-eps) + A * eps - x
                eps = np.minimum(eps - f / (0.5 * k / (1.0 - eps) + A), 1.0 - 1e-300)
            w = R * R * eps
        four_rR = 4.0 * r * R
        p_low = np.clip((2.0 * r * R + w + r * r) / four_rR, 0.0, 1.0)   # (1 + u1*) / 2
        p_high = np.clip((2.0 * r * R - w - r * r) / four_rR, 0.0, 1.0)  # (1 - u1*) / 2
        h = 0.5 * (d - 1)
        state = np.where(p_low <= 0.0, 0, np.where(p_high <= 0.0, 2, 1))
        if state_only:
            return None, None, state
        return special.betainc(h, h, p_low), special.betainc(h, h, p_high), state

    def _conditional_l1(self, r, x, R, strict, state_only):
        k, b, d = self.noise.k, self.noise.b, self.noise.d
        shape = np.broadcast_shapes(np.shape(r), np.shape(x), np.shape(R))
        x = np.broadcast_to(x, shape)
        lo_atom = np.broadcast_to(-k * np.log1p(r / R) - r / b, shape)
        has_hi = np.broadcast_to(R > r, shape)
        hi_atom = np.where(has_hi, -k * np.log1p(-np.minimum(r / R, 1.0 - 1e-16)) + r / b, np.inf)
        if k == 0:
            delta = -b * x
        else:
            a = R / (b * k)
            c = (R / b - x) / k + np.log(a)
            eps = special.wrightomega(c).real / a - 1.0  # eps = Delta / R
            eps = np.maximum(eps, -1.0 + 1e-300)
            for _ in range(2):
                f = -k * np.log1p(eps) - (R / b) * eps - x
                eps = np.maximum(eps + f / (k / (1.0 + eps) + R / b), -1.0 + 1e-300)
            delta = R * eps
        z_star = 0.5 * (r - delta)
        t = np.clip(z_star / R, 0.0, 1.0)
        below, above = x < lo_atom, x > hi_atom
        at_lo, at_hi = x == lo_atom, x == hi_atom
        state = np.where(below, 0, np.where(above | (t >= 1.0), 2,
                                            np.where(at_lo, 3, np.where(at_hi, 4, 1))))
        if state_only:
            return None, None, state
        sf = np.where(t >= 1.0, 0.0, 0.5 * np.exp((d - 1) * np.log1p(-t)))  # P(z1 > z* | R)
        sf = np.where(below, 1.0, np.where(above, 0.0, sf))
        cdf = np.where(below, 0.0, np.where(above, 1.0, 1.0 - sf))
        hi_mass = np.where(has_hi, 0.5 * np.exp((d - 1) * np.log1p(-np.minimum(r / R, 1.0))), 0.0)
        if strict:
            cdf = np.where(at_lo, 0.0, np.where(at_hi, 1.0 - hi_mass, cdf))
            sf = np.where(at_lo, 1.0, np.where(at_hi, hi_mass, sf))
        else:
            cdf = np.where(at_lo, 0.5, np.where(at_hi, 1.0, cdf))
            sf = np.where(at_lo, 0.5, np.where(at_hi, 0.0, sf))
        return cdf, sf, state

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
        cdf, sf = self._integrate(self.base, r.ravel(), x.ravel(), strict, kinks=True)
        return cdf.reshape(shape), sf.reshape(shape)

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
        cdf_up = np.minimum(c1 + ec + self.tail, 1.0 - (s1 - es))
        cdf_low = np.maximum(c1 - ec, 1.0 - (s1 + es + self.tail))
        sf_up = np.minimum(s1 + es + self.tail, 1.0 - (c1 - ec))
        sf_low = np.maximum(s1 - es, 1.0 - (c1 + ec + self.tail))
        return tuple(np.clip(a, 0.0, 1.0).reshape(shape) for a in (cdf_low, cdf_up, sf_low, sf_up))
