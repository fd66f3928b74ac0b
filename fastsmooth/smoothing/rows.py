"""One results row: what the local and the distributed engines share (distributed.py must not depend
on dataset.py, which drives it)."""
import time

import numpy as np
import torch

from .smooth import Smooth


def item_getter(data):
    """(get, size): get(i) is the i-th (x, label) of `data`, a tuple (X, y) of tensors or a dataset."""
    if isinstance(data, (tuple, list)) and len(data) == 2 and isinstance(data[0], torch.Tensor):
        X, y = data
        if not isinstance(y, torch.Tensor) and not isinstance(y, (list, tuple, np.ndarray)):
            raise TypeError(f"data as (X, y) needs y a tensor, array or list of labels, got {type(y).__name__}")
        if len(X) != len(y):
            raise ValueError(f"X and y must have the same length, got {len(X)} and {len(y)}")
        return (lambda i: (X[i], y[i])), len(X)
    if not (hasattr(data, "__getitem__") and hasattr(data, "__len__")):
        raise TypeError(f"data must be a tuple (X, y) of tensors or a dataset of (x, label) pairs, got "
                        f"{type(data).__name__}")
    return (lambda i: data[i]), len(data)


def resolve_smooth(smooth):
    """A Smooth from a Smooth or from a factory of no arguments that returns one."""
    if isinstance(smooth, Smooth):
        return smooth
    if callable(smooth):
        built = smooth()
        if not isinstance(built, Smooth):
            raise TypeError(f"the smooth factory must return a fastsmooth.Smooth, it returned {type(built).__name__}")
        return built
    raise TypeError(f"smooth must be a fastsmooth.Smooth or a function returning one, got {type(smooth).__name__}")


def certify_row(smooth, get, idx, options):
    """One results row (without its line ending) for item idx; `options` are certify's keyword
    arguments (n0, n, alpha, batch_size, top2, adaptive, radii, tolerance) and the run's seed."""
    x, label = get(idx)
    options = dict(options)
    seed = options.pop("seed")
    try:
        label = int(label)
        t0 = time.time()
        prediction, radius = smooth.certify(x, seed=image_seed(seed, idx), **options)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"item {idx}: {exc}") from exc
    elapsed = time.time() - t0
    return "\t".join([str(idx), str(label), str(prediction), repr(float(radius)), str(int(prediction == label)),
                      f"{elapsed:.4f}", repr(float(smooth.last_pA)), repr(smooth.noise), smooth.norm,
                      str(smooth.last_evaluations)])


def image_seed(seed, idx):
    """The noise seed of dataset item idx: fixed by (seed, idx), so resumed and sharded runs agree."""
    return int(np.random.SeedSequence([seed, idx]).generate_state(1, np.uint64)[0] >> np.uint64(1))
