"""Certification throughput on CPU with one fixed small CNN (python bench/bench_certify.py):
fastsmooth's Smooth against a straightforward copy of the reference loop (x.repeat + randn_like +
argmax per batch), and the share of noise generation in fastsmooth's loop for every noise."""
import os
import time

import numpy as np
import torch

import fastsmooth as fs
from fastsmooth.smoothing.demo import D, SmallCNN, demo_noises

N, BATCH, SIGMA = 20_000, 1000, 0.25


def reference_counts(model, x, num, batch_size, sigma):
    """The Gaussian reference implementation's sampling loop."""
    counts = np.zeros(10, dtype=int)
    remaining = num
    with torch.no_grad():
        while remaining > 0:
            size = min(batch_size, remaining)
            remaining -= size
            batch = x.repeat((size, 1, 1, 1))
            noise = torch.randn_like(batch) * sigma
            predictions = model(batch + noise).argmax(1)
            counts += np.bincount(predictions.numpy(), minlength=10)
    return counts


def best(fn, repeat=3):
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main():
    torch.manual_seed(0)
    model = SmallCNN().eval()
    x = torch.rand(1, 28, 28)
    gauss = fs.Smooth(model, 10, fs.Gaussian(D, SIGMA))
    # interleaved runs: this shared machine drifts by ~20% over seconds, so compare neighbours
    pairs = [(best(lambda: reference_counts(model, x, N, BATCH, SIGMA), 1),
              best(lambda: gauss._counts(x, N, BATCH, 1, 0), 1)) for _ in range(7)]
    ratios = sorted(r / f for r, f in pairs)
    t_ref, t_fs = min(p[0] for p in pairs), min(p[1] for p in pairs)
    buf = torch.empty(BATCH, D)
    with torch.no_grad():
        t_model = best(lambda: [model(buf.view(BATCH, 1, 28, 28)) for _ in range(N // BATCH)])
    print(f"# CPU, {os.cpu_count()} cores, torch {torch.__version__} ({torch.get_num_threads()} threads); "
          f"SmallCNN, n = {N}, batch {BATCH}")
    print("\n| loop | seconds | samples/s | fastsmooth speed-up |\n|---|---|---|---|")
    print(f"| reference (x.repeat + randn_like) | {t_ref:.3f} | {N / t_ref:.3g} | |")
    print(f"| fastsmooth Smooth, Gaussian | {t_fs:.3f} | {N / t_fs:.3g} | {t_ref / t_fs:.2f}x |")
    print(f"\nspeed-up in 7 interleaved pairs: median {ratios[3]:.2f}x, range {ratios[0]:.2f}x-{ratios[-1]:.2f}x")
    print(f"\nmodel forward alone: {t_model:.3f} s for {N} inputs")
    print("\n| noise | noise generation (s) | share of model time |\n|---|---|---|")
    for name, noise in demo_noises(SIGMA).items():
        t_noise = best(lambda: [noise.sample(BATCH, seed=1, offset=i * BATCH, out=buf) for i in range(N // BATCH)])
        print(f"| {name} | {t_noise:.3f} | {100 * t_noise / t_model:.1f}% |")


if __name__ == "__main__":
    main()
