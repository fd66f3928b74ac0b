"""Compare the noise families at matched per-coordinate RMS: the numbers behind docs/choosing-a-noise.md.

    python tools/compare_noises.py radii            # certified radius per pA, every norm (about 2 min)
    python tools/compare_noises.py mnist [--num N] [--n N]   # the demo's MNIST models (tens of minutes)

Both print Markdown tables. `radii` is exact for the L1/L2 families (Monte Carlo, 10^6 samples, for the
mixed noise); radii are rounded down. `mnist` trains (or loads from the cache) one small CNN per noise,
certifies held-out digits with each noise's own model, and also certifies the Gaussian-trained model with
the mixed noise (the seed paper's l-inf protocol: Gaussian-trained models, mixed-noise certificates).
"""
import argparse
import time

import numpy as np

import fastsmooth as fs
from fastsmooth.smoothing.analyze import format_down, percent_down

D, RMS = 784, 0.25
PA = (0.9, 0.99, 0.999)
N_MC = 1_000_000


def radius_noises():
    """(label, noise, norms) of the radius table: the L2 family, the L1 family, the mixed noise."""
    return [
        ("Gaussian", fs.Gaussian.from_rms(D, RMS), ("l2", "l1", "linf")),
        ("L2 centripetal k=392", fs.L2Centripetal.from_rms(D, RMS, 392), ("l2", "l1", "linf")),
        ("L2 centripetal k=772", fs.L2Centripetal.from_rms(D, RMS, 772), ("l2", "l1", "linf")),
        ("Laplace", fs.Laplace.from_rms(D, RMS), ("l1",)),
        ("L1 centripetal k=392", fs.L1Centripetal.from_rms(D, RMS, 392), ("l1",)),
        ("L1 centripetal k=772", fs.L1Centripetal.from_rms(D, RMS, 772), ("l1",)),
        ("Mixed linf/l2 k=1", fs.MixedLinfL2.from_rms(D, RMS, 1), ("linf",)),
        ("Mixed linf/l2 k=20", fs.MixedLinfL2.from_rms(D, RMS, 20), ("linf",)),
        ("Mixed linf/l2 k=392", fs.MixedLinfL2.from_rms(D, RMS, 392), ("linf",)),
    ]


def radii(noise, norm):
    """Certified radii at every pA of PA (one Monte Carlo pass for all of them for the mixed noise)."""
    if noise.certificate_method == "mc":
        return fs.certified_radius(noise, list(PA), norm=norm, n_mc=N_MC, seed=0)
    return fs.certified_radius(noise, list(PA), norm=norm)


def radius_tables(labels=None):
    """{norm: markdown table} of certified radii at PA, for the noises whose label is in `labels` (all)."""
    tables = {}
    for norm in ("l2", "l1", "linf"):
        lines = [f"| noise ({norm}) | " + " | ".join(f"pA = {p}" for p in PA) + " |", "|---|" + "---|" * len(PA)]
        for label, noise, norms in radius_noises():
            if norm not in norms or (labels is not None and label not in labels):
                continue
            lines.append(f"| {label} | " + " | ".join(format_down(float(r)) for r in radii(noise, norm)) + " |")
        tables[norm] = "\n".join(lines)
    return tables


def mnist_tables(num, n, alpha=0.001):
    """Certified accuracy on the demo's MNIST digits, each noise with its own model (and the
    Gaussian-trained model with mixed-noise certificates)."""
    from fastsmooth.smoothing import demo
    X_train, y_train, X_test, y_test = demo.mnist()
    gaussian = fs.Gaussian.from_rms(D, RMS)
    runs = [  # (label, training noise, certifying noise, norms)
        ("Gaussian", gaussian, gaussian, ("l2", "l1", "linf")),
        ("L2 centripetal k=772", fs.L2Centripetal.from_rms(D, RMS, 772), None, ("l2", "l1", "linf")),
        ("Laplace", fs.Laplace.from_rms(D, RMS), None, ("l1",)),
        ("L1 centripetal k=772", fs.L1Centripetal.from_rms(D, RMS, 772), None, ("l1",)),
        ("Mixed k=20", fs.MixedLinfL2.from_rms(D, RMS, 20), None, ("linf",)),
        ("Mixed k=392", fs.MixedLinfL2.from_rms(D, RMS, 392), None, ("linf",)),
        ("Gaussian-trained, mixed k=20 certificate", gaussian, fs.MixedLinfL2.from_rms(D, RMS, 20), ("linf",)),
    ]
    grids = {"l2": [0.0, 0.25, 0.5, 0.75, 1.0], "l1": [0.0, 0.25, 0.5, 0.75, 1.0],
             "linf": [0.0, 0.01, 0.02, 0.03, 0.04]}
    results = {}
    for label, trained_on, certified_with, norms in runs:
        certified_with = certified_with or trained_on
        t0 = time.time()
        model = demo.train(trained_on, X_train, y_train, progress=False)
        smooth = fs.Smooth(model, 10, certified_with)
        radius_native, correct = np.zeros(num), np.zeros(num, dtype=bool)
        for i in range(num):
            cls, r = smooth.certify(X_test[i], 100, n, alpha, batch_size=1000, seed=i)
            radius_native[i], correct[i] = r, cls == int(y_test[i])
        cap = float(fs.RadiusCurve(certified_with)(alpha ** (1 / n)))
        results[label] = (certified_with, radius_native, correct, norms, cap)
        print(f"[{label}: {time.time() - t0:.0f} s]", flush=True)
    from fastsmooth.certificates.norms import radius_in_norm
    tables = {}
    for norm, grid in grids.items():
        lines = [f"| noise ({norm}) | " + " | ".join(f"r = {r:g}" for r in grid) + f" | cap at n = {n} |",
                 "|---|" + "---|" * (len(grid) + 1)]
        for label, (noise, radius_native, correct, norms, cap) in results.items():
            if norm not in norms:
                continue
            radii = radius_in_norm(noise, radius_native, norm)
            cap_norm = float(radius_in_norm(noise, cap, norm))
            cells = [percent_down(((radii >= r) & correct).mean()) if r <= cap_norm else "cap" for r in grid]
            lines.append(f"| {label} | " + " | ".join(cells) + f" | {format_down(cap_norm)} |")
        tables[norm] = "\n".join(lines)
    return tables


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("part", choices=("radii", "mnist"))
    parser.add_argument("--num", type=int, default=300, help="held-out digits (mnist)")
    parser.add_argument("--n", type=int, default=10_000, help="noise draws per digit (mnist)")
    args = parser.parse_args(argv)
    t0 = time.time()
    tables = radius_tables() if args.part == "radii" else mnist_tables(args.num, args.n)
    for norm, table in tables.items():
        print(f"\n{table}\n")
    print(f"({time.time() - t0:.0f} s)")


if __name__ == "__main__":
    main()
