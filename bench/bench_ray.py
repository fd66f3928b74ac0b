"""Dataset certification, local engine against Ray with 1 and 2 workers, in one run: the demo's small
CNN on built-in MNIST test digits, Gaussian noise (sigma 0.25), n draws per digit.

Each configuration certifies the same digits into a fresh file; the rows are checked equal (apart
from `time`). Reported: wall seconds for the whole call (Ray: cluster start, workers building the
model, shipping data and curve included), images/s, and the Ray overhead per image against the
local engine with the same total threads.

Run: python bench/bench_ray.py [--num 40] [--n 2000] [--rounds 2]
"""
import argparse
import os
import platform
import tempfile
import time

import torch

import fastsmooth as fs
from fastsmooth.smoothing import certify_dataset, demo


def rows(path):
    with open(path) as fh:
        lines = [line.rstrip("\n").split("\t") for line in fh]
    column = lines[0].index("time")
    return [line[:column] + line[column + 1:] for line in lines]


def run(config, data, num, n, folder):
    path = os.path.join(folder, f"{config}-{time.time_ns()}.tsv")
    torch.manual_seed(0)
    smooth = fs.Smooth(demo.SmallCNN(), 10, fs.Gaussian(demo.D, 0.25))
    options = {} if config.startswith("local") else {"engine": "ray", "num_workers": int(config.split()[1])}
    threads = torch.get_num_threads()
    if config == "local, 1 thread":
        torch.set_num_threads(1)
    t0 = time.perf_counter()
    certify_dataset(smooth, data, path, n0=100, n=n, batch_size=500, max_items=num, progress=False, **options)
    seconds = time.perf_counter() - t0
    torch.set_num_threads(threads)
    return seconds, rows(path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--num", type=int, default=40, help="digits per run")
    parser.add_argument("--n", type=int, default=2000, help="noise draws per digit")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds")
    args = parser.parse_args()
    import ray
    print(f"# bench_ray: {platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__} "
          f"({torch.get_num_threads()} threads), ray {ray.__version__}, {time.strftime('%Y-%m-%d')}; "
          f"{args.num} digits, n0 = 100, n = {args.n}, batch 500\n")
    _, _, X_test, y_test = demo.mnist()
    data = (X_test, y_test)
    configs = ["local, 1 thread", "local, 2 threads", "ray, 1 worker", "ray, 2 workers"]
    sizes = (args.num, 3 * args.num)
    seconds = {(c, size): [] for c in configs for size in sizes}
    reference = {}
    with tempfile.TemporaryDirectory() as folder:
        run("local, 2 threads", data, 2, args.n, folder)  # compile and warm up outside the timings
        for _ in range(args.rounds):
            for config in configs:
                for size in sizes:
                    wall, got = run(config, data, size, args.n, folder)
                    reference.setdefault(size, got)
                    assert got == reference[size], f"{config}: rows differ from the first run"
                    seconds[config, size].append(wall)
    print(f"Wall seconds of whole runs of {sizes[0]} and {sizes[1]} digits (every round), images/s of the larger, "
          "and the fit wall = fixed + per_image * digits (from the medians):\n")
    print(f"| engine | {sizes[0]} digits: s | {sizes[1]} digits: s | images/s | fixed s | ms per image |")
    print("|---|---|---|---|---|---|")
    slope = {}
    for config in configs:
        small, large = (sorted(seconds[config, size]) for size in sizes)
        mid_small, mid_large = small[len(small) // 2], large[len(large) // 2]
        slope[config] = (mid_large - mid_small) / (sizes[1] - sizes[0])
        fixed = mid_small - slope[config] * sizes[0]
        print(f"| {config} | {small[0]:.1f}-{small[-1]:.1f} | {large[0]:.1f}-{large[-1]:.1f} | "
              f"{sizes[1] / large[-1]:.2f}-{sizes[1] / large[0]:.2f} | {fixed:.1f} | {1000 * slope[config]:.0f} |")
    for workers, local in (("ray, 1 worker", "local, 1 thread"), ("ray, 2 workers", "local, 2 threads")):
        print(f"\n{workers} against {local}: {1000 * (slope[workers] - slope[local]):+.0f} ms per image in steady "
              "state (the fixed part is the cluster start and the workers' set-up, paid once per run)")

if __name__ == "__main__":
    main()
