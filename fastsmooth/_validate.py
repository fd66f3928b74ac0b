"""Argument checks shared by the public functions: every message names the argument, its value
and the valid range, so a wrong call fails loudly instead of returning a wrong certificate."""
import numbers

import numpy as np


def check_dimension(name, value, maximum):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer in [2, {maximum}], got {value!r} of type {type(value).__name__}")
    if not 2 <= value <= maximum:
        raise ValueError(f"{name} must be an integer in [2, {maximum}], got {value}")
    return int(value)


def check_real(name, value):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} of type {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def check_positive(name, value):
    value = check_real(name, value)
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return value


def check_k(k, d):
    k = check_real("k", k)
    if not 0 <= k < d:
        raise ValueError(f"k must satisfy 0 <= k < d = {d}, got k = {k}")
    return k


def check_nonnegative_int(name, value):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a non-negative integer, got {value!r} of type {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value}")
    return int(value)


def as_float_array(name, value, low=None, high=None, allow_inf=False):
    """A float64 array of `value` (a number or array-like), each entry finite (or +-inf if allow_inf)
    and in [low, high]."""
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be a number or an array of numbers, got {value!r}")
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be a number or an array of numbers, got {value!r}") from exc
    if arr.dtype == np.bool_ or not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"{name} must be a number or an array of real numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if np.isnan(arr).any():
        raise ValueError(f"{name} must not be NaN, got {value!r}")
    if low is not None and (arr < low).any():
        bad = arr[arr < low].flat[0]
        raise ValueError(f"{name} must lie in [{low}, {high if high is not None else 'inf'}], got {bad}")
    if high is not None and (arr > high).any():
        bad = arr[arr > high].flat[0]
        raise ValueError(f"{name} must lie in [{low if low is not None else '-inf'}, {high}], got {bad}")
    if not allow_inf and not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite, got {value!r}")
    return arr


def check_integer_at_least(name, value, minimum, maximum=None):
    """An int in [minimum, maximum] (no bool, no float), with a message naming the range."""
    valid = f"an integer in [{minimum}, {maximum}]" if maximum is not None else f"an integer >= {minimum}"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be {valid}, got {value!r} of type {type(value).__name__}")
    if value < minimum or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be {valid}, got {value}")
    return int(value)


SEED_LIMIT = 2**64  # seeds are two 32-bit Philox key words


def check_seed(name, value):
    """A seed: an integer in [0, 2**64 - 1], the same rule for sampling, certificates and the torch layer."""
    return check_integer_at_least(name, value, 0, SEED_LIMIT - 1)


# More noise draws than this per input (model evaluations in Smooth, samples of a Monte Carlo
# certificate) would take hours even at 10^6 draws per second: such a request is refused up front.
MAX_DRAWS = 10**10


def check_draws(name, value, minimum=1):
    """A number of draws: an integer in [minimum, MAX_DRAWS]."""
    return check_integer_at_least(name, value, minimum, MAX_DRAWS)


def check_positive_int(name, value):
    """An integer >= 1 (bools refused)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a positive integer, got {value!r}")
    if value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    return int(value)


def check_draw_count(name, value):
    """A number of noise draws: a positive integer up to MAX_DRAWS (more would run for hours)."""
    check_positive_int(name, value)
    return check_draws(name, value)


def check_alpha(value, name="alpha"):
    """A failure probability in (0, 1)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or not 0 < value < 1:
        raise ValueError(f"{name} must lie in (0, 1), got {value!r}")
    return float(value)
