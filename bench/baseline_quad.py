"""Baseline: the straightforward scipy.integrate.quad + bisection computation of the same radius.

This is how a public quadrature implementation of the L2-family (generalized Gaussian) certificate
works: every evaluation of G_r(x) = P(X <= x) is one adaptive 1-D `quad` over the radius R, the
median of X is found by bisection on G_r, and the radius by bisection on r of pA > G_r(-median).
"""
import numpy as np
from scipy import integrate, optimize, special, stats


def conditional_cdf(x, rho, r, d, k, sigma):
    """P(X <= x | R = rho) for the L2 family: X is increasing in u1 = z1/R, so a Beta CDF."""
    A = rho * rho / (2 * sigma * sigma)
    if k == 0:
        w = 2 * sigma * sigma * x
    else:
        v = special.wrightomega(2 * (A - x) / k + np.log(2 * A / k)).real
        w = rho * rho * (1 - v * k / (2 * A))
    u_star = (w + r * r) / (2 * r * rho)
    return special.betainc((d - 1) / 2, (d - 1) / 2, np.clip((1 + u_star) / 2, 0, 1))


def cdf(x, r, d, k, sigma):
    shape = (d - k) / 2
    radius_density = lambda rho: stats.gamma.pdf(rho * rho / (2 * sigma * sigma), shape) * rho / sigma**2  # noqa: E731
    mode = sigma * np.sqrt(2 * max(shape - 1, 0.5))
    value, _ = integrate.quad(lambda rho: radius_density(rho) * conditional_cdf(x, rho, r, d, k, sigma),
                              0, 50 * mode, points=[mode], limit=200, epsabs=1e-12, epsrel=1e-10)
    return value


def _bracket(f, lo, hi):
    while f(lo) > 0:
        lo *= 2
    while f(hi) < 0:
        hi *= 2
    return lo, hi


def pA_needed(r, d, k, sigma):
    f = lambda x: cdf(x, r, d, k, sigma) - 0.5  # noqa: E731
    median = optimize.bisect(f, *_bracket(f, -1.0, 1.0), xtol=1e-10)
    return cdf(-median, r, d, k, sigma)


def radius(pA, d, k, sigma):
    f = lambda r: pA_needed(r, d, k, sigma) - pA  # noqa: E731
    return optimize.bisect(f, 1e-9 * sigma, _bracket(f, 1e-9 * sigma, sigma)[1], xtol=1e-7 * sigma)
