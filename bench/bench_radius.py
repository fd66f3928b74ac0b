"""Side-by-side timings for L2Centripetal(d=3072, k=3060, sigma=4), measured in one run:

- fastsmooth: one cold radius (fresh process state: no cached law, no curve), a cold radius curve
  over pA in [0.5, 1 - 1e-6], 10,000 radii looked up from the built curve;
- baseline: the straightforward scipy.integrate.quad + bisection radius (bench/baseline_quad.py).

Run: python bench/bench_radius.py [--skip-baseline]
"""
import argparse
import os
import platform
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import baseline_quad  # noqa: E402
import fastsmooth as fs  # noqa: E402
from fastsmooth.certificates import api, curves  # noqa: E402

D, K, SIGMA, PA = 3072, 3060, 4.0, 0.99


def cold():
    api.exact_law.cache_clear()
    curves._MEMORY.clear()


def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        cold()
        t0 = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
    return min(times), value


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()
    os.environ["FASTSMOOTH_CACHE_DIR"] = tempfile.mkdtemp()
    noise = fs.L2Centripetal(D, K, SIGMA)
    rows = []
    t_radius, radius = best_of(lambda: fs.certified_radius(noise, PA, use_curve=False), 3)
    rows.append(("one cold radius, pA = 0.99", t_radius, "<= 0.5 s", f"R = {radius:.9f}"))
    t_curve, curve = best_of(lambda: fs.RadiusCurve(noise, cache=False), 3)
    rows.append(("radius curve, pA in [0.5, 1-1e-6], cold", t_curve, "<= 5 s", f"margin {curve.margin:.1e}"))
    pA = np.random.default_rng(0).uniform(0.5, 0.99999, 10_000)
    curve(pA)
    t0 = time.perf_counter()
    for _ in range(20):
        curve(pA)
    t_lookup = (time.perf_counter() - t0) / 20
    rows.append(("10,000 radii from a built curve", t_lookup, "<= 10 ms", ""))
    if not args.skip_baseline:
        t0 = time.perf_counter()
        base = baseline_quad.radius(PA, D, K, SIGMA)
        t_base = time.perf_counter() - t0
        rows.append(("baseline: quad + bisection, one radius", t_base, "", f"R = {base:.9f}"))
    print(f"# L2Centripetal(d={D}, k={K}, sigma={SIGMA}) — {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, numpy {np.__version__}")
    print(f"| {'what':45s} | {'seconds':>10s} | {'target':>9s} | note |")
    print(f"|{'-' * 47}|{'-' * 12}|{'-' * 11}|------|")
    for name, secs, target, note in rows:
        print(f"| {name:45s} | {secs:10.4f} | {target:>9s} | {note} |")
    if not args.skip_baseline:
        print(f"\nspeed-up of one cold radius over the baseline: {t_base / t_radius:.0f}x "
              f"(radii agree to {abs(radius - base) / base:.1e} relative)")


if __name__ == "__main__":
    main()
