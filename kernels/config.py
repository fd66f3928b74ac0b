"""Where numba keeps the compiled CPU kernels, set by explicit calls rather than as a side effect of
an import: `cache_root()` names the folder, `numba_cache_dir(path)` points numba at it while
cached functions are created (numba reads its CACHE_DIR then) and restores numba's setting after.
"""
import contextlib
import hashlib
import os
import tempfile
import warnings

KERNEL_DIR = os.path.dirname(os.path.abspath(__file__))


def cache_folder():
    """fastsmooth's cache folder (radius curves, compiled kernels, demo models): $FASTSMOOTH_CACHE_DIR,
    else $XDG_CACHE_HOME/fastsmooth, else ~/.cache/fastsmooth."""
    root = os.environ.get("FASTSMOOTH_CACHE_DIR")
    if root:
        return root
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "fastsmooth")


def cache_root():
    """numba's on-disk cache for these kernels: <$FASTSMOOTH_CACHE_DIR, else $XDG_CACHE_HOME/fastsmooth,
    else ~/.cache/fastsmooth>/numba-<hash>, the hash that of the kernel sources (every .py file here but
    gpu.py): numba checks only the timestamp of the file that holds a cached function, so an edit of
    another module (rng.py, say) would otherwise leave stale machine code in use. If that folder cannot
    be written, a private temporary folder for this process, with a RuntimeWarning."""
    digest = hashlib.sha256()
    for name in sorted(os.listdir(KERNEL_DIR)):
        if name.endswith(".py") and name != "gpu.py":
            with open(os.path.join(KERNEL_DIR, name), "rb") as fh:
                digest.update(name.encode() + b"\0" + fh.read())
    path = os.path.join(cache_folder(), "numba-" + digest.hexdigest()[:16])
    if _writable(path):
        return path
    # numba would silently fall back to other folders (next to the sources, ~/.cache), where its own
    # timestamp check could pick up stale code: a private folder for this process instead, said aloud
    fallback = tempfile.mkdtemp(prefix="fastsmooth-numba-")
    warnings.warn(f"fastsmooth: the cache folder {path} is not writable; compiled kernels go to {fallback} for "
                  "this process only, so every new process compiles them again (tens of seconds). Set "
                  "FASTSMOOTH_CACHE_DIR to a writable folder to keep them.", RuntimeWarning, stacklevel=2)
    return fallback


def _writable(path):
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def numba_cache_dir(path):
    """numba.config.CACHE_DIR = path within the block (numba reads it when a function with cache=True
    is created), restored after it whatever happens."""
    import numba
    previous = numba.config.CACHE_DIR
    numba.config.CACHE_DIR = path
    try:
        yield path
    finally:
        numba.config.CACHE_DIR = previous
