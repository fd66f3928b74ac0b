"""Results analysis: certified accuracy, a markdown table, certified-accuracy plots."""
import csv

import numpy as np


def read_results(path):
    """A results TSV as a dict of numpy columns (radius, correct, ... as numbers where numeric)."""
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    if not rows:
        return {"radius": np.zeros(0), "correct": np.zeros(0, dtype=int)}
    out = {}
    for key in rows[0]:
        values = [r[key] for r in rows]
        try:
            out[key] = np.array([float(v) for v in values])
        except ValueError:
            out[key] = np.array(values)
    return out


def _columns(results):
    if isinstance(results, str):
        results = read_results(results)
    radius = np.asarray(results["radius"], dtype=float)
    correct = np.asarray(results["correct"], dtype=float)
    if radius.shape != correct.shape:
        raise ValueError("results need radius and correct columns of one length")
    return radius, correct


def certified_accuracy(results, radii):
    """Fraction of items that are correct and certified at radius >= r, for each r in radii.
    `results` is a TSV path or a mapping with 'radius' and 'correct' columns."""
    radius, correct = _columns(results)
    radii = np.atleast_1d(np.asarray(radii, dtype=float))
    if radius.size == 0:
        return np.zeros(radii.shape)
    return ((correct[None, :] > 0) & (radius[None, :] >= radii[:, None])).mean(axis=1)


def accuracy_table(runs, radii, norm=None):
    """A markdown table of certified accuracy: one row per run (dict name -> results), one column per radius."""
    radii = np.atleast_1d(np.asarray(radii, dtype=float))
    label = f" ({norm})" if norm else ""
    head = "| noise | " + " | ".join(f"r = {r:g}{label}" for r in radii) + " |"
    lines = [head, "|---|" + "---|" * radii.size]
    for name, results in runs.items():
        acc = certified_accuracy(results, radii)
        lines.append(f"| {name} | " + " | ".join(f"{100 * a:.1f}%" for a in acc) + " |")
    return "\n".join(lines)


def plot_certified_accuracy(runs, path, max_radius=None, title=None, xlabel="radius"):
    """Certified accuracy against radius for several runs on one plot (PNG or PDF by extension)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    top = max_radius or max([_columns(r)[0].max(initial=0.0) for r in runs.values()] + [1e-9]) * 1.05
    grid = np.linspace(0, top, 400)
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, results in runs.items():
        ax.plot(grid, certified_accuracy(results, grid), label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("certified accuracy")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend()
    if title:
        ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
