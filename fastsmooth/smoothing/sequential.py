"""Sequential (adaptive) certification: a fixed schedule of looks, confidence bounds valid at whatever
look the procedure stops, and the stopping rules. No torch here: Smooth feeds it class counts.

Validity. The looks m_1 < ... < m_K = n are fixed before any draw (they depend on n and batch_size
only), and so are their levels alpha_1 + ... + alpha_K = alpha (look_levels: half of alpha on the last
look, so that an input that needs every draw loses little against a fixed-n run, and half split over the
others). At look j the bounds are the fixed-n Clopper-Pearson bounds of the first m_j draws at level
alpha_j. For any rule that stops at a look chosen from the data, the reported bound is wrong only if the
bound of some look is wrong, and a union bound over the K looks gives probability at most alpha_1 + ...
+ alpha_K = alpha. So the stopping rules below are free to be heuristics: they decide only how many
draws are spent, never what a bound means. The n0 draws that pick the class come from other counters of
the same stream (offsets 0..n0-1), independent of the counted ones.
"""
import math

import numpy as np
from scipy.stats import binomtest

from .. import _validate as V
from .bounds import clopper_pearson_lower, clopper_pearson_upper

FIRST_LOOK = 1000  # draws at the first look; each later one LOOK_GROWTH times as many (rounded up), the last n
LOOK_GROWTH = 1.5
# the stopping rules project the bounds to n draws from the optimistic end of a one-sided interval at
# this level: it only decides how many draws are spent (a larger level stops sooner, risking a radius
# that n draws would have certified), never what a bound means
PROJECTION_LEVEL = 0.2


def look_schedule(n, batch_size):
    """The cumulative draw counts at which the sequential procedures look: FIRST_LOOK (or batch_size,
    whichever is larger, so that no look is smaller than a model batch), growing by LOOK_GROWTH, ending at n."""
    looks, m = [], min(n, max(FIRST_LOOK, batch_size))
    while m < n:
        looks.append(m)
        m = min(n, int(math.ceil(m * LOOK_GROWTH)))
    looks.append(n)
    return looks


def look_levels(alpha, looks):
    """The confidence level of each look: they add up to alpha (half on the last look)."""
    if looks == 1:
        return [alpha]
    return [alpha / 2 / (looks - 1)] * (looks - 1) + [alpha / 2]


def check_adaptive_options(adaptive, radii, tolerance):
    """(adaptive, radii as a tuple of floats or None, tolerance), validated."""
    if not isinstance(adaptive, (bool, np.bool_)):
        raise TypeError(f"adaptive must be True or False, got {adaptive!r}")
    if radii is not None:
        if not adaptive:
            raise ValueError("radii applies to adaptive certification only: pass adaptive=True with it")
        values = np.asarray(radii, dtype=float) if not isinstance(radii, str) else None
        if values is None or values.ndim != 1 or values.size == 0:
            raise ValueError(f"radii must be a non-empty sorted list of radii >= 0, got {radii!r}")
        if not np.all(np.isfinite(values)) or np.any(values < 0) or np.any(np.diff(values) <= 0):
            raise ValueError(f"radii must be finite, >= 0 and strictly increasing, got {list(values)}")
        radii = tuple(float(r) for r in values)
    tolerance = float(V.check_positive("tolerance", tolerance))
    if not math.isfinite(tolerance):
        raise ValueError(f"tolerance must be a finite relative radius gain > 0, got {tolerance!r}")
    return bool(adaptive), radii, tolerance


class Bounds:
    """The bounds of one look at m draws: pA_lower (and pB_upper for top-2) at this look's level, and
    their optimistic projections to n draws at the last look's level (what the bounds would be after
    all n draws if the remaining ones came at the optimistic end of a PROJECTION_LEVEL interval):
    only the stopping rules use those."""

    def __init__(self, counts, guess, m, n, level, final_level, top2):
        n_a = int(counts[guess])
        others = np.delete(counts, guess)
        split = (2 * others.size) if top2 else 1  # top-2: alpha/2 for pA, alpha/2 over the other classes
        a_level, b_level = (level / 2, level / split) if top2 else (level, None)
        self.pA = clopper_pearson_lower(n_a, m, a_level)
        self.pB = max(clopper_pearson_upper(int(c), m, b_level) for c in others) if top2 else None
        if m == n:
            self.pA_final, self.pB_final = self.pA, self.pB
            return
        rate_a = clopper_pearson_upper(n_a, m, PROJECTION_LEVEL)
        final_a = final_level / 2 if top2 else final_level
        self.pA_final = clopper_pearson_lower(n_a + rate_a * (n - m), n, final_a)
        self.pB_final = None
        if top2:
            n_b = int(others.max())
            rate_b = clopper_pearson_lower(n_b, m, PROJECTION_LEVEL)
            self.pB_final = clopper_pearson_upper(n_b + rate_b * (n - m), n, final_level / split)


def certifies_class(pA, pB):
    """The certificate at radius 0: the top class is the smoothed prediction."""
    return pA > 0.5 if pB is None else pA > pB


def decide(bounds, certificate, radii, tolerance, last):
    """(stop, radius) after one look: radius is what would be reported now (None: abstain).
    `certificate` has radius(pA, pB), the certified radius of bounds (pB None: binary), and
    certifies(r, pA, pB), whether they certify radius r."""
    now_certified = certifies_class(bounds.pA, bounds.pB)
    final_certifies = certifies_class(bounds.pA_final, bounds.pB_final)
    if not now_certified:
        return last or not final_certifies, None
    if radii is not None:
        reported, above = 0.0, None
        for r in radii:  # certified radii form a prefix of the increasing list
            if r > 0 and not certificate.certifies(r, bounds.pA, bounds.pB):
                above = r
                break
            reported = r
        if last or above is None:
            return True, reported
        return not certificate.certifies(above, bounds.pA_final, bounds.pB_final), reported
    r_now = certificate.radius(bounds.pA, bounds.pB)
    if last:
        return True, r_now
    # the radius could grow by more than the tolerance iff the projection certifies (1 + tolerance) * r_now
    return not certificate.certifies((1.0 + tolerance) * r_now, bounds.pA_final, bounds.pB_final), r_now


def predict_decision(counts, m, n, level, final_level, last):
    """(stop, class or None) of the sequential two-sided binomial test at one look of m draws."""
    top = counts.argsort()[::-1][:2]
    n_a, n_b = int(counts[top[0]]), int(counts[top[1]])
    if binomtest(n_a, n_a + n_b, 0.5).pvalue <= level:
        return True, int(top[0])
    if last:
        return True, None
    # hopeless: even at the optimistic end of the top class's share, n draws would not separate them
    share = clopper_pearson_upper(n_a, n_a + n_b, PROJECTION_LEVEL)
    total = max(1, round((n_a + n_b) * n / m))
    return binomtest(min(total, round(share * total)), total, 0.5).pvalue > final_level, None
