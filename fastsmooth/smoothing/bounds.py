"""Clopper-Pearson confidence bounds on a binomial proportion (no torch: the sequential rules use them too)."""
from scipy.stats import beta

ROUND_DOWN = 1.0 - 1e-12  # absorbs the rounding of scipy's inverse incomplete beta in the confidence bounds


def clopper_pearson_lower(successes, trials, alpha):
    """One-sided (1 - alpha) lower confidence bound on a binomial proportion (rounded down)."""
    return 0.0 if successes == 0 else float(beta.ppf(alpha, successes, trials - successes + 1)) * ROUND_DOWN


def clopper_pearson_upper(successes, trials, alpha):
    """One-sided (1 - alpha) upper confidence bound on a binomial proportion (rounded up)."""
    if successes >= trials:
        return 1.0
    return min(1.0, float(beta.isf(alpha, successes + 1, trials - successes)) / ROUND_DOWN)
