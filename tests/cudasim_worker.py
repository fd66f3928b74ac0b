"""Run by tests/test_kernels.py in a subprocess with NUMBA_ENABLE_CUDASIM=1: the CUDA kernels on
numba's simulator. Writes the samples and histograms it computed to the .npz path it is given."""
import sys

import numpy as np

import fastsmooth as fs
from fastsmooth.kernels import gpu

from kernel_cases import FILL_CASES, REDUCE_CASES, SEED  # noqa: E402


def main(path):
    results = {}
    for name, noise, n, offset in FILL_CASES:
        for threads, blocks in ((4, 1), (3, 2)):  # launch shapes must not matter
            out = np.zeros((n, noise.d), np.float32)
            gpu.fill(out, noise.kernel_spec(), SEED, offset, threads=threads, blocks=blocks)
            results[f"fill-{name}-{threads}x{blocks}"] = out
    for name, noise, n, radii, lows, inv_widths, nbins in REDUCE_CASES:
        results[f"reduce-{name}"] = gpu.reduce(noise.kernel_spec(), n, 0, radii, lows, inv_widths, nbins, SEED, 1,
                                               threads=8, blocks=3)
    np.savez(path, **results)


if __name__ == "__main__":
    assert fs.__version__
    main(sys.argv[1])
