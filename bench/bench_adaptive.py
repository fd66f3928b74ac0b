"""Adaptive (sequential) certification against fixed n, side by side in one run
(python bench/bench_adaptive.py [--num 500] [--synthetic 500] [--noises Gaussian,Laplace,L2]).

Every input is certified three ways with the same seed, alpha = 0.001, n0 = 100 and n = 100,000:
fixed n (the reference), adaptive with listed radii, adaptive with tolerance 0.02. The listed radii
are "sigma-equivalent": the radius each noise certifies at pA = Phi(t) for t = 0.25, 0.5, ..., 3
(for the Gaussian exactly t * sigma), so every noise is asked for the same pA thresholds.

Two sets of inputs: a synthetic linear classifier under Gaussian noise whose pA is known in closed
form (drawn from a spread like a real model's: a fifth hopeless, a third in between, the rest near
1), and the demo's MNIST models (trained on first use, cached) on held-out digits. Model
evaluations per input are reported as mean and quantiles, with the wall time of each mode.
"""
import argparse
import os
import sys
import time

import numpy as np
import torch
from scipy import stats

import fastsmooth as fs

N0, N, ALPHA, BATCH = 100, 100_000, 0.001, 1000
TS = np.arange(1, 13) * 0.25  # sigma-equivalent radii: the radius at pA = Phi(t)


class Linear(torch.nn.Module):
    """f(x) = 1 iff w.x > 0: under N(0, s^2 I), P(f(x + z) = 1) = Phi(w.x / s)."""

    def __init__(self, d):
        super().__init__()
        w = torch.randn(d, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
        self.w = (w / w.norm()).float()

    def forward(self, x):
        s = x.reshape(x.shape[0], -1) @ self.w
        return torch.stack([-s, s], 1)


def synthetic_pA(count, rng):
    """pA of class 1: 20% in [0.3, 0.6] (abstain or barely certified), 30% in [0.6, 0.999], 50% within
    1e-7..1e-3 of 1 (the confident inputs that dominate real test sets)."""
    kind = rng.random(count)
    low = rng.uniform(0.3, 0.6, count)
    mid = rng.uniform(0.6, 0.999, count)
    high = 1.0 - 10.0 ** rng.uniform(-7, -3, count)
    return np.where(kind < 0.2, low, np.where(kind < 0.5, mid, high))


def listed_radii(noise, norm=None):
    return [float(r) for r in fs.certified_radius(noise, stats.norm.cdf(TS), norm=norm, use_curve=True)]


def run_modes(smooth, inputs, labels, radii, seed0=0):
    """{mode: dict(radius, correct, evaluations, seconds)} for fixed, radii and tolerance modes."""
    modes = {"fixed n": {}, "adaptive, radii": {"adaptive": True, "radii": radii},
             "adaptive, tolerance 0.02": {"adaptive": True, "tolerance": 0.02}}
    out = {name: {"radius": [], "correct": [], "evaluations": [], "seconds": 0.0} for name in modes}
    for i, (x, label) in enumerate(zip(inputs, labels)):
        for name, opts in modes.items():  # interleaved, so that machine drift hits every mode alike
            t0 = time.perf_counter()
            cls, radius = smooth.certify(x, N0, N, ALPHA, BATCH, seed=seed0 + i, **opts)
            out[name]["seconds"] += time.perf_counter() - t0
            out[name]["radius"].append(radius)
            out[name]["correct"].append(int(cls == label))
            out[name]["evaluations"].append(smooth.last_evaluations)
    return {name: {k: (np.array(v) if isinstance(v, list) else v) for k, v in res.items()} for name, res in out.items()}


def report(title, results, radii, count):
    fixed = results["fixed n"]
    print(f"\n### {title} ({count} inputs)\n")
    print("| mode | mean evaluations | fewer than fixed | p10 / p50 / p90 / max evaluations | wall time (s) | "
          "mean radius | mean radius / fixed |")
    print("|---|---|---|---|---|---|---|")
    for name, res in results.items():
        ev = res["evaluations"]
        q = np.percentile(ev, [10, 50, 90, 100]).astype(int)
        mean_r = float(np.mean(res["radius"] * res["correct"]))
        mean_f = float(np.mean(fixed["radius"] * fixed["correct"]))
        print(f"| {name} | {ev.mean():.0f} | {fixed['evaluations'].mean() / ev.mean():.1f}x | "
              f"{' / '.join(str(v) for v in q)} | {res['seconds']:.1f} | {mean_r:.4f} | "
              f"{mean_r / mean_f if mean_f else float('nan'):.4f} |")
    print("\ncertified accuracy (%) at the listed radii (t = radius / sigma-equivalent):\n")
    print("| mode | " + " | ".join(f"{t:g}" for t in TS) + " |")
    print("|---|" + "---|" * len(TS))
    worst = 0.0
    for name, res in results.items():
        acc = fs.certified_accuracy({"radius": res["radius"], "correct": res["correct"]}, radii) * 100
        if name != "fixed n":
            base = fs.certified_accuracy({"radius": fixed["radius"], "correct": fixed["correct"]}, radii) * 100
            worst = max(worst, float(np.max(np.abs(acc - base))) if name.endswith("radii") else worst)
        print(f"| {name} | " + " | ".join(f"{a:.1f}" for a in acc) + " |")
    print(f"\nradii mode: largest certified-accuracy difference from fixed n at a listed radius: {worst:.1f} points")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num", type=int, default=500, help="held-out MNIST digits per noise (0: skip MNIST)")
    parser.add_argument("--synthetic", type=int, default=500, help="synthetic inputs (0: skip)")
    parser.add_argument("--noises", default="Gaussian,Laplace,L2", help="demo noises, by name prefix")
    args = parser.parse_args(argv)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    print(f"# adaptive vs fixed n = {N}, n0 = {N0}, alpha = {ALPHA}, batch {BATCH}; CPU, {os.cpu_count()} cores, "
          f"torch {torch.__version__} ({torch.get_num_threads()} threads), {time.strftime('%Y-%m-%d')}")
    if args.synthetic:
        d, sigma = 64, 0.25
        model = Linear(d)
        pA = synthetic_pA(args.synthetic, np.random.default_rng(0))
        inputs = [(model.w * sigma * float(stats.norm.ppf(p))) for p in pA]
        smooth = fs.Smooth(model, 2, fs.Gaussian(d, sigma))
        radii = listed_radii(smooth.noise)
        results = run_modes(smooth, inputs, [1] * len(inputs), radii)
        report(f"synthetic linear classifier, Gaussian(d={d}, sigma={sigma})", results, radii, len(inputs))
    if args.num:
        from fastsmooth.smoothing import demo
        X_train, y_train, X_test, y_test = demo.mnist()
        wanted = args.noises.split(",")
        for name, noise in demo.demo_noises(demo.defaults.DEMO_RMS).items():
            if not any(name.startswith(w) for w in wanted):
                continue
            model = demo.train(noise, X_train, y_train, epochs=demo.defaults.DEMO_EPOCHS, progress=False)
            smooth = fs.Smooth(model, 10, noise)
            radii = listed_radii(noise)
            results = run_modes(smooth, X_test[:args.num], [int(v) for v in y_test[:args.num]], radii)
            report(f"MNIST demo model, {name} ({noise!r}), {noise.native_norm} radii", results, radii, args.num)
            sys.stdout.flush()


if __name__ == "__main__":
    main()
