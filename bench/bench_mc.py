"""Monte Carlo certificates, today's bounds against the DKW-band baseline (bench/baseline_dkw.py) in
one run, on the same kernels:

1. tightness: MC radius / exact radius for L2Centripetal(784, 392, 0.3) and L1Centripetal(100, 40,
   0.5) at n_mc = 1e5 and 1e6, alpha_mc = 1e-3, pA from 0.6 to 0.9999;
2. the mixed l-inf noise at d = 3072 (k = 20 and k = 3000, sigma = 0.25), pA = 0.99: seconds and
   l-inf radius with default options and at n_mc = 1e6, and the fraction of the exact radius at
   k = 0.001 (against the Gaussian's, through Proposition 4);
3. a mixed radius curve at d = 784 (k = 0.001, sigma = 0.25): cold seconds and the fraction of the
   exact l-inf radius at several pA.

Run: python bench/bench_mc.py [--quick]   (--quick: parts 1 and 3 only at n_mc = 1e5)
"""
import argparse
import os
import platform
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import baseline_dkw  # noqa: E402
import fastsmooth as fs  # noqa: E402
from fastsmooth.certificates import curves  # noqa: E402
from fastsmooth.certificates.api import MC_DEFAULTS  # noqa: E402

PA = np.array([0.6, 0.9, 0.99, 0.999, 0.9999])


def timed(fn):
    t0 = time.perf_counter()
    value = fn()
    return time.perf_counter() - t0, value


def tightness(n_values):
    print("\n## Tightness: MC radius / exact radius (alpha_mc = 1e-3, seed 0)\n")
    print("| noise | n_mc | bound | " + " | ".join(f"pA {p}" for p in PA) + " | seconds |")
    print("|---|---|---|" + "---|" * (PA.size + 1))
    for noise in (fs.L2Centripetal(784, 392, 0.3), fs.L1Centripetal(100, 40, 0.5)):
        exact = fs.certified_radius(noise, PA)
        for n in n_values:
            t_new, new = timed(lambda: np.array([fs.certified_radius(noise, p, method="mc", n_mc=n) for p in PA]))
            t_old, old = timed(lambda: np.array([baseline_dkw.certified_radius(noise, p, n_mc=n)[0] for p in PA]))
            for name, radii, seconds in (("today", new, t_new), ("DKW baseline", old, t_old)):
                print(f"| {noise!r} | {n:.0e} | {name} | " + " | ".join(f"{r:.4f}" for r in radii / exact)
                      + f" | {seconds / PA.size:.2f} |")


def mixed():
    print("\n## Mixed l-inf noise, d = 3072, sigma = 0.25, pA = 0.99 (seconds per call, l-inf radius)\n")
    print(f"Default n_mc: today {MC_DEFAULTS['n_mc']}, the baseline's was 100000.\n")
    print("| k | n_mc | today: seconds | today: radius | baseline: seconds | baseline: radius |")
    print("|---|---|---|---|---|---|")
    sigma, d = 0.25, 3072
    for k in (20, 3000):
        noise = fs.MixedLinfL2(d, k, sigma)
        fs.certified_radius(noise, 0.99, n_mc=1000)  # the table and the kernels, out of the timings
        for n in (None, 1_000_000):
            t_new, new = timed(lambda: fs.certified_radius(noise, 0.99, **({} if n is None else {"n_mc": n})))
            t_old, old = timed(lambda: baseline_dkw.certified_radius(noise, 0.99, n_mc=n or 100_000)[0])
            label = "default" if n is None else f"{n:.0e}"
            print(f"| {k} | {label} | {t_new:.2f} | {new:.6f} | {t_old:.2f} | {old:.6f} |")
    gauss = fs.Gaussian(d, sigma)
    noise = fs.MixedLinfL2(d, 0.001, sigma)
    print("\nk = 0.001 (the Gaussian's exact l-inf radius through Proposition 4 as reference), default options:\n")
    print("| pA | today: fraction | baseline: fraction |")
    print("|---|---|---|")
    for p in (0.9, 0.99, 0.999):
        exact = fs.certified_radius(gauss, p, norm="linf")
        new = fs.certified_radius(noise, p)
        old = baseline_dkw.certified_radius(noise, p)[0]
        print(f"| {p} | {new / exact:.4f} | {old / exact:.4f} |")


def curve():
    print("\n## Mixed radius curve, d = 784, k = 0.001, sigma = 0.25 (cold; fraction of the exact l-inf radius)\n")
    noise, gauss = fs.MixedLinfL2(784, 0.001, 0.25), fs.Gaussian(784, 0.25)
    noise.table  # noqa: B018 - built once, outside the timings
    pA = np.array([0.6, 0.9, 0.99, 0.999, 0.9999])
    exact = fs.certified_radius(gauss, pA, norm="linf")
    curves._MEMORY.clear()
    t_new, built = timed(lambda: fs.RadiusCurve(noise, cache=False))
    t_old, table = timed(lambda: baseline_dkw.curve_table(noise))
    print("| curve | cold seconds | " + " | ".join(f"pA {p}" for p in pA) + " |")
    print("|---|---|" + "---|" * pA.size)
    print(f"| today | {t_new:.2f} | " + " | ".join(f"{v:.4f}" for v in built(pA) / exact) + " |")
    print(f"| DKW baseline | {t_old:.2f} | "
          + " | ".join(f"{v:.4f}" for v in baseline_dkw.curve_lookup(table, pA) / exact) + " |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    import numba
    print(f"# bench_mc: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, numba "
          f"{numba.__version__} ({numba.get_num_threads()} threads), {time.strftime('%Y-%m-%d')}")
    fs.certified_radius(fs.L1Centripetal(100, 40, 0.5), 0.9, method="mc", n_mc=1000)  # compile outside timings
    tightness((100_000,) if args.quick else (100_000, 1_000_000))
    if not args.quick:
        mixed()
    curve()


if __name__ == "__main__":
    main()
