"""Results analysis: certified accuracy, a markdown table, certified-accuracy plots."""
import math

import numpy as np


def read_results(path):
    """A results TSV (as certify_dataset writes it; LF or CRLF line endings) as a dict of numpy columns,
    numeric where every entry is a number. A malformed or duplicated row raises ValueError naming its
    line (a row cut short by an interrupted run too: rerun certify_dataset to finish it). Files of
    fastsmooth 0.1, without the evaluations column, are read too."""
    from .results_file import COLUMNS, COLUMNS_V1, ResultsFileError, _split_lines, parse_rows
    with open(path, encoding="utf-8", newline="") as fh:
        text = fh.read()
    lines, rest = _split_lines(text)
    if rest:
        lines.append(rest)  # a last row without its newline: parse_rows checks it like the others
    columns = lines[0].split("\t") if lines else None
    if columns not in (COLUMNS, COLUMNS_V1):
        raise ResultsFileError(f"{path} is not a fastsmooth results file (first line "
                               f"{(lines[0] if lines else '')[:80]!r})")
    rows = parse_rows(path, lines[1:], columns=columns)
    if not rows:
        return {"radius": np.zeros(0), "correct": np.zeros(0, dtype=int)}
    out = {}
    for j, key in enumerate(columns):
        values = [row[j] for row in rows]
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


def format_down(value, digits=4):
    """`value` >= 0 with `digits` significant digits, rounded down (a shown radius is never above the
    computed one); exact where it already has that few digits."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    text = f"{value:.{digits}g}"
    if float(text) > value:
        exponent = math.floor(math.log10(abs(value))) - digits + 1
        text = f"{float(text) - 10.0 ** exponent:.{digits}g}"
    return text


def percent_down(fraction):
    """A fraction as a percentage with one decimal, rounded down (a shown accuracy never exceeds the data's)."""
    return f"{math.floor(1000 * fraction + 1e-9) / 10:.1f}%"


def accuracy_table(runs, radii, norm=None):
    """A markdown table of certified accuracy: one row per run (dict name -> results), one column per
    radius; percentages rounded down."""
    radii = np.atleast_1d(np.asarray(radii, dtype=float))
    label = f" ({norm})" if norm else ""
    head = "| noise | " + " | ".join(f"r = {r:g}{label}" for r in radii) + " |"
    lines = [head, "|---|" + "---|" * radii.size]
    for name, results in runs.items():
        acc = certified_accuracy(results, radii)
        lines.append(f"| {name} | " + " | ".join(percent_down(a) for a in acc) + " |")
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
