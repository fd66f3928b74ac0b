"""pytest-benchmark suite for the kernels: python -m pytest bench --benchmark-only"""
import numpy as np
import pytest

import fastsmooth as fs
from fastsmooth.certificates import montecarlo

NOISE = fs.L2Centripetal(3072, 3060, 4.0)


def test_fused_reduction_4e6(benchmark):
    law = benchmark(montecarlo.HistogramLaw, NOISE, np.array([0.5]), 4_000_000, 1)
    assert law.counts.sum() == 4_000_000


@pytest.mark.parametrize("noise", [fs.Gaussian(3072, 0.25), fs.L1Centripetal(3072, 3000, 0.2),
                                   fs.LinfCentripetal(3072, 3000, 0.25), fs.MixedLinfL2(3072, 3000, 0.25)], ids=repr)
def test_fill_1000x3072(benchmark, noise):
    buf = np.empty((1000, 3072), np.float32)
    benchmark(noise.sample, 1000, 1, buf)
    assert np.isfinite(buf).all()
