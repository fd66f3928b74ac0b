"""Side-by-side kernel throughput on this machine, measured in one run (python bench/bench_kernels.py).

1. The fused log-ratio reduction for L2Centripetal(d=3072, k=3060, sigma=4) against numpy's
   gamma/beta radial approach and against drawing full d-dimensional samples (numpy, torch).
2. Noise fill into a float32 (n, 3072) buffer for every family against torch.randn into the same buffer.
"""
import os
import platform
import sys
import time

import numba
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fastsmooth as fs  # noqa: E402
from fastsmooth.certificates import montecarlo  # noqa: E402

D, K, SIGMA, R = 3072, 3060, 4.0, 0.5


def rate(fn, count, repeat=3):
    fn()  # warm-up (compilation)
    best = min(_timed(fn) for _ in range(repeat))
    return count / best


def interleaved_rates(jobs, rounds=7):
    """{name: count / best time} for jobs {name: (fn, count)}, timed in turn in each of `rounds`
    rounds: a shared machine's speed drifts over seconds, and interleaving gives every method the
    same chances at its fast phases (each keeps its best round)."""
    best = {}
    for fn, _ in jobs.values():
        fn()  # warm-up (compilation)
    for _ in range(rounds):
        for name, (fn, _) in jobs.items():
            best[name] = min(best.get(name, np.inf), _timed(fn))
    return {name: count / best[name] for name, (_, count) in jobs.items()}


def _timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def numpy_radial(n, rng):
    """X from (R, u1) drawn with numpy's gamma and beta generators."""
    radius = SIGMA * np.sqrt(2 * rng.gamma((D - K) / 2, size=n))
    u1 = 2 * rng.beta((D - 1) / 2, (D - 1) / 2, size=n) - 1
    cross = 2 * R * radius * u1 - R * R
    x = -0.5 * K * np.log1p(-cross / radius**2) + cross / (2 * SIGMA**2)
    return np.histogram(x, bins=4096)


def full_dimensional_numpy(n, rng):
    g = rng.standard_normal((n, D))
    radius = SIGMA * np.sqrt(2 * rng.gamma((D - K) / 2, size=n))
    z = g * (radius / np.linalg.norm(g, axis=1))[:, None]
    shifted = np.linalg.norm(z - np.eye(1, D) * R, axis=1)
    x = -K * np.log(shifted / radius) - (shifted**2 - radius**2) / (2 * SIGMA**2)
    return np.histogram(x, bins=4096)


def full_dimensional_torch(n, torch):
    g = torch.randn(n, D)
    radius = SIGMA * torch.sqrt(2 * torch.distributions.Gamma((D - K) / 2, 1.0).sample((n,)))
    z = g * (radius / g.norm(dim=1))[:, None]
    e1 = torch.zeros(D)
    e1[0] = R
    shifted = (z - e1).norm(dim=1)
    x = -K * torch.log(shifted / radius) - (shifted**2 - radius**2) / (2 * SIGMA**2)
    return torch.histc(x, bins=4096)


def main():
    import torch
    noise = fs.L2Centripetal(D, K, SIGMA)
    rng = np.random.default_rng(0)
    n_fused = 20_000_000
    rates = interleaved_rates({
        "fused": (lambda: montecarlo.HistogramLaw(noise, np.array([R]), n_fused, seed=1), n_fused),
        "numpy radial": (lambda: numpy_radial(2_000_000, rng), 2_000_000),
        "numpy full": (lambda: full_dimensional_numpy(2000, rng), 2000),
        "torch full": (lambda: full_dimensional_torch(2000, torch), 2000)})
    law_rate, np_rate, full_np, full_torch = (rates[name] for name in ("fused", "numpy radial", "numpy full",
                                                                       "torch full"))
    print(f"# {platform.machine()}, {os.cpu_count()} cores, numba threads {numba.get_num_threads()}, "
          f"torch threads {torch.get_num_threads()}, numpy {np.__version__}, numba {numba.__version__}, "
          f"torch {torch.__version__}")
    print(f"\n## Fused log-ratio reduction, L2Centripetal(d={D}, k={K}, sigma={SIGMA}), r={R} "
          "(best of 7 interleaved rounds)")
    print("| method | samples/s | fastsmooth is |")
    print("|---|---|---|")
    print(f"| fastsmooth fused reduction (histogram of X, {n_fused:.0e} samples) | {law_rate:.3g} | |")
    for name, value in (("numpy gamma/beta radial (R, u1)", np_rate), ("numpy full 3072-dim samples", full_np),
                        ("torch full 3072-dim samples", full_torch)):
        print(f"| {name} | {value:.3g} | {law_rate / value:.3g}x faster |")

    n = 4000
    buf = np.empty((n, D), np.float32)
    tbuf = torch.from_numpy(buf)
    randn = rate(lambda: torch.randn(n, D, out=tbuf), n * D)
    print(f"\n## Noise fill into a float32 ({n}, {D}) buffer (values/s)")
    print("| noise | values/s | share of torch.randn |")
    print("|---|---|---|")
    print(f"| torch.randn(out=) | {randn:.3g} | 100% |")
    for noise in (fs.Gaussian(D, 0.25), fs.L2Centripetal(D, K, SIGMA), fs.Laplace(D, 0.2),
                  fs.L1Centripetal(D, 3000, 0.2), fs.LinfCentripetal(D, 3000, 0.25), fs.MixedLinfL2(D, 3000, 0.25)):
        value = rate(lambda: noise.sample(n, seed=1, out=buf), n * D)
        print(f"| {noise!r} | {value:.3g} | {100 * value / randn:.0f}% |")


if __name__ == "__main__":
    main()
