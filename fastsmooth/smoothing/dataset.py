"""Certify a dataset into a results file (see results_file.py for its format and resume rules)."""
import os
import time

import numpy as np

from .._version import __version__
from .. import _validate as V
from . import defaults as D
from .results_file import SETTINGS_FORMAT, prepare_output
from .rows import certify_row, item_getter, resolve_smooth
from .sequential import check_adaptive_options


def run_settings(smooth, n0, n, alpha, seed, top2, adaptive=False, radii=None, tolerance=None):
    """What determines every row of a results file (besides the data): the JSON kept beside it."""
    opts = {key: value for key, value in smooth.cert_opts.items() if key != "device"}
    return {"format": SETTINGS_FORMAT, "version": __version__,
            "noise": {key: value for key, value in smooth.noise.params().items()},
            "norm": smooth.norm, "method": smooth.method, "certificate_options": opts,
            "device": smooth.cert_opts.get("device", "cpu"),
            "n0": n0, "n": n, "alpha": alpha, "seed": seed, "top2": bool(top2), "adaptive": bool(adaptive),
            "radii": list(radii) if adaptive and radii is not None else None,
            "tolerance": tolerance if adaptive and radii is None else None}


def _check_index_args(skip, max_items, start):
    skip = V.check_integer_at_least("skip", skip, 1)
    start = V.check_integer_at_least("start", start, 0)
    if max_items is None:
        max_items = -1
    max_items = V.check_integer_at_least("max_items", max_items, -1)
    return skip, max_items, start


def certify_dataset(smooth, data, outfile, n0=D.N0, n=D.N, alpha=D.ALPHA, batch_size=D.BATCH_SIZE, skip=1,
                    max_items=-1, start=0, seed=0, top2=False, progress=True, engine="local", num_workers=None,
                    address=None, resources_per_worker=None, adaptive=False, radii=None, tolerance=D.TOLERANCE):
    """Certify items start, start + skip, ... (at most max_items of them; -1 or None: all) of `data`
    and write one row each to `outfile` (tab-separated: idx label predict radius correct time
    pA_lower noise norm evaluations; evaluations: the model inputs the item used, n0 included).
    `smooth` is a fastsmooth.Smooth or a picklable function of no arguments
    that returns one (a factory: with engine="ray" each worker calls it, so the model is built on
    the worker, on its GPU). `data` is a torch dataset of (x, label) pairs or a tuple (X, y) of
    tensors.

    engine="local" certifies in this process. engine="ray" certifies on `num_workers` Ray actors
    (default: one per GPU of the cluster, else one per CPU), each with `resources_per_worker`
    (default {"num_gpus": 1} when the cluster has GPUs, else {"num_cpus": 1}); `address` None starts
    a local Ray cluster on this machine (unless Ray is already initialized), "auto" or
    "ray://host:port" joins an existing one. The rows are the same, row for row apart from `time`,
    whatever the engine or number of workers: each item's noise seed depends only on (seed, idx),
    and rows are written in index order. A worker that dies has its items re-queued on the others.

    Every argument is checked before any file is touched. Resumable: rows already in outfile are
    kept and their items skipped, so rerunning the same command after an interruption (with either
    engine) finishes the job with no duplicate or missing row; the settings that determine the rows
    (noise, norm, method and its options, n0, n, alpha, seed, top2) are kept in
    ``<outfile>.settings.json``, and resuming with other settings, onto a file that is not a
    fastsmooth results file, or onto one with a malformed or duplicated row is refused with a
    ResultsFileError (a ValueError) that names the problem. An item the model cannot take (wrong
    shape, bad label) raises a ValueError naming it; the rows before it stay written. Radii and
    pA_lower are written exactly. The guarantee of each row is that of Smooth.certify (with its
    probability 1 - alpha - alpha_mc, for each item). `adaptive`, `radii` and `tolerance` are
    those of Smooth.certify (adaptive=True: sequential certification with at most n draws, its
    guarantee the same; radii: each row's radius is the largest listed radius certified); they are
    kept in the settings file and checked on resume like the others. Returns the path.
    """
    from . import distributed
    distributed.check_engine(engine, num_workers, address, resources_per_worker)
    payload = smooth
    smooth = resolve_smooth(smooth)
    n0, n, alpha = V.check_draw_count("n0", n0), V.check_draw_count("n", n), V.check_alpha(alpha)
    batch_size = V.check_positive_int("batch_size", batch_size)
    skip, max_items, start = _check_index_args(skip, max_items, start)
    seed = V.check_seed("seed", seed)
    if not isinstance(top2, (bool, np.bool_)):
        raise TypeError(f"top2 must be True or False, got {top2!r}")
    top2 = bool(top2)
    adaptive, radii, tolerance = check_adaptive_options(adaptive, radii, tolerance)
    if not isinstance(outfile, (str, os.PathLike)):
        raise TypeError(f"outfile must be a path, got {type(outfile).__name__}")
    get, size = item_getter(data)
    indices = list(range(start, size, skip))
    if max_items >= 0:
        indices = indices[:max_items]
    done, ending = prepare_output(outfile, run_settings(smooth, n0, n, alpha, seed, top2, adaptive, radii,
                                                        tolerance))
    todo = [i for i in indices if i not in done]
    row_options = {"n0": n0, "n": n, "alpha": alpha, "batch_size": batch_size, "seed": seed, "top2": top2,
                   "adaptive": adaptive, "radii": radii, "tolerance": tolerance}
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=len(todo), unit="img", desc="certify" if engine == "local" else "certify (ray)")
    try:
        with open(outfile, "a", encoding="utf-8", newline="") as fh:
            def write_row(row):
                fh.write(row + ending)
                fh.flush()

            if engine == "ray" and todo:
                distributed.run(payload, smooth, data, todo, write_row, row_options, num_workers, address,
                                resources_per_worker, bar, f"certify-{os.getpid()}-{time.time_ns()}")
            else:
                for idx in todo:
                    write_row(certify_row(smooth, get, idx, row_options))
                    if bar is not None:
                        bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return outfile
