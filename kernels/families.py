"""The kernels' names for the noise families, and the one value every kernel driver takes.

Plain Python and numpy only (nothing compiled, no numba setting touched), so that the noise classes
can name their kernel family without loading the kernels. The ids are plain ints because numba
compiles the kernels for int arguments (an enum would change their signatures); every dispatch on
them ends in an explicit error for an id not listed here.
"""
from collections import namedtuple

import numpy as np

L2 = 0  # the L2 centripetal family at k > 0 (radial Gamma law, direction on the l2 sphere)
L1 = 1  # the L1 centripetal family (Laplace at k = 0)
LINF = 2  # the l-inf centripetal family (sampling only: no log-ratio)
MIXED = 3  # the mixed l-inf/l2 family (T from a table, truncated normals)
GAUSSIAN = 4  # the L2 family at k = 0: iid normals, no radial draw

FAMILY_IDS = {"l2": L2, "l1": L1, "linf": LINF, "mixed": MIXED, "gaussian": GAUSSIAN}
WITH_LOG_RATIO = (L2, L1, MIXED, GAUSSIAN)  # the families sample_stats, log_ratio and reduce accept

NO_TABLE = np.zeros(2)  # the table arguments of families that have none

KernelSpec = namedtuple("KernelSpec", "family d k shape scale table log_tau")
KernelSpec.__doc__ = """What the kernels need to know of one noise: its family id, dimension d, exponent k, the
shape of its radial Gamma law (0 where none), its scale (sigma or b), and, for the mixed family,
the table of T (CDF then density at the nodes) and its log-tau nodes (NO_TABLE otherwise)."""


def check_family(family, allowed=tuple(FAMILY_IDS.values())):
    """ValueError unless `family` is one of the ids in `allowed`."""
    if family not in allowed:
        names = {v: k for k, v in FAMILY_IDS.items()}
        what = f"kernel family id {family!r} ({names[family]}) is not one this kernel takes" if family in names \
            else f"unknown kernel family id {family!r}"
        raise ValueError(f"{what}; it takes " + ", ".join(f"{i} ({names[i]})" for i in allowed))
    return family


def seed_words(seed):
    """The two 32-bit Philox key words of a 64-bit seed (low word first), as the kernels take them."""
    seed = int(seed)
    return np.uint64(seed & 0xFFFFFFFF), np.uint64(seed >> 32)
