"""Certify a dataset into a tab-separated file (the reference columns, then pA_lower, noise, norm)."""
import csv
import os
import time

import numpy as np
import torch

COLUMNS = ["idx", "label", "predict", "radius", "correct", "time", "pA_lower", "noise", "norm"]


def _done_indices(path):
    """Indices already in an output file (a partial last line, from an interrupted run, is dropped)."""
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return set()
    with open(path, newline="") as fh:
        text = fh.read()
    lines = text.split("\n")
    if not text.endswith("\n"):  # interrupted mid-line: cut the partial row
        with open(path, "w", newline="") as fh:
            fh.write("\n".join(lines[:-1]) + ("\n" if len(lines) > 1 else ""))
        lines = lines[:-1]
    rows = [line for line in lines if line]
    if not rows:
        return set()
    if rows[0].split("\t") != COLUMNS:
        raise ValueError(f"{path} exists but is not a fastsmooth results file (header {rows[0]!r}); "
                         "choose another output path")
    return {int(line.split("\t", 1)[0]) for line in rows[1:]}


def image_seed(seed, idx):
    """The noise seed of dataset item idx: fixed by (seed, idx), so resumed and sharded runs agree."""
    return int(np.random.SeedSequence([seed, idx]).generate_state(1, np.uint64)[0] >> np.uint64(1))


def certify_dataset(smooth, data, outfile, n0=100, n=100_000, alpha=0.001, batch_size=1000, skip=1, max_items=-1,
                    start=0, seed=0, top2=False, progress=True):
    """Certify items start, start + skip, ... (at most max_items of them; -1: all) of `data` and write
    one row each to `outfile` (tab-separated: idx label predict radius correct time pA_lower noise
    norm). `data` is a torch dataset of (x, label) pairs or a tuple (X, y) of tensors.

    Resumable: rows already in outfile are kept and their items skipped, so rerunning the same
    command after an interruption finishes the job with no duplicate or missing rows. Each item's
    noise seed depends only on (seed, idx). The guarantee of each row is that of Smooth.certify.
    Returns the path.
    """
    if isinstance(data, (tuple, list)) and len(data) == 2 and isinstance(data[0], torch.Tensor):
        X, y = data
        if len(X) != len(y):
            raise ValueError(f"X and y must have the same length, got {len(X)} and {len(y)}")
        get, size = (lambda i: (X[i], y[i])), len(X)
    else:
        get, size = (lambda i: data[i]), len(data)
    if skip < 1 or start < 0:
        raise ValueError(f"skip must be >= 1 and start >= 0, got skip={skip}, start={start}")
    indices = list(range(start, size, skip))
    if max_items >= 0:
        indices = indices[:max_items]
    done = _done_indices(outfile)
    todo = [i for i in indices if i not in done]
    new_file = not os.path.exists(outfile) or os.path.getsize(outfile) == 0
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=len(todo), unit="img", desc="certify", initial=0)
    with open(outfile, "a", newline="") as fh:
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
        if new_file:
            writer.writerow(COLUMNS)
        for idx in todo:
            x, label = get(idx)
            label = int(label)
            t0 = time.time()
            prediction, radius = smooth.certify(x, n0, n, alpha, batch_size, seed=image_seed(seed, idx), top2=top2)
            elapsed = time.time() - t0
            writer.writerow([idx, label, prediction, f"{radius:.6g}", int(prediction == label), f"{elapsed:.4f}",
                             f"{getattr(smooth, 'last_pA', float('nan')):.6g}", repr(smooth.noise), smooth.norm])
            fh.flush()
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    return outfile
