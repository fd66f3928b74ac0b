"""Per-sample device functions, written once and compiled for every target.

``define(jit, hot)`` returns a namespace (a dict) of functions compiled with `jit`: ``numba.njit``
for the CPU, ``numba.cuda.jit(device=True)`` for CUDA (and its simulator), or the identity for plain
Python (a slow reference the tests use). Nothing here allocates: every function works on scalars
and on one output row. The functions live in four modules, each with a ``define`` that takes what
it needs from the ones before it:

    elementary.py   log, log1p, exp, expm1, sine and cosine in plain arithmetic
    rng.py          Philox4x32-10 (the counter layout is described there), uniforms, normals
                    (Box-Muller, the ziggurat), the Gamma variate, u1
    draws.py        the families' rows (fill_row) and statistics (sample_stats)
    logratio.py     X from the statistics (log_ratio) and its histogram slot (histogram_bin)

Family ids are those of families.py; every dispatch on them ends in an error for an unknown id.
The layout constants are importable from here as before.
"""
from . import draws, elementary, logratio, rng
from .rng import (  # noqa: F401 - re-exported: the layout of the counters
    COORDS, EXTRA, FALLBACK_BLOCKS, FALLBACK_REGION, GAMMA_A, MAX_DIMENSION, STREAM_FILL, STREAM_PILOT,
    STREAM_REDUCE, U1, ZIGGURAT_BLOCKS, ZIGGURAT_REGION, ziggurat_tables)


def define(jit, hot=None, exception_values=True):
    """The device functions compiled with `jit`; the small per-sample ones that the CPU drivers call
    inside loops over samples with `hot` (numba.njit with inline="always" there: LLVM vectorizes a
    loop only across code it can see; by default `jit`).

    exception_values: whether the error for an unknown family id carries the id. Plain Python's
    does; compiled targets pass False and raise a constant message: numba-cuda cannot raise with
    runtime values, and on the CPU doing so in the dispatchers slowed the per-sample reduction by a
    quarter. The drivers check the id before any kernel runs, and their errors name it."""
    hot = hot or jit
    if exception_values:
        @jit
        def unknown_family(family):
            raise ValueError("unknown kernel family id", family)
    else:
        @jit
        def unknown_family(family):
            raise ValueError("unknown kernel family id")
    elem = elementary.define(hot)
    random = rng.define(jit, hot, elem)
    drawn = draws.define(jit, hot, elem, random, unknown_family)
    ratios = logratio.define_dispatch(jit, hot, elem, unknown_family)
    return dict(elementary=elem, unknown_family=unknown_family, **random, **drawn, **ratios)
