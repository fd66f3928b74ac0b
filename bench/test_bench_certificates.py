"""pytest-benchmark suite: python -m pytest bench --benchmark-only"""
import numpy as np
import pytest

import fastsmooth as fs
from fastsmooth.certificates import api, curves

NOISE = fs.L2Centripetal(3072, 3060, 4.0)


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FASTSMOOTH_CACHE_DIR", str(tmp_path))


def _cold():
    api.exact_law.cache_clear()
    curves._MEMORY.clear()


def test_cold_radius(benchmark):
    r = benchmark.pedantic(lambda: fs.certified_radius(NOISE, 0.99, use_curve=False), setup=_cold, rounds=3)
    assert r > 0


def test_cold_curve(benchmark):
    curve = benchmark.pedantic(lambda: fs.RadiusCurve(NOISE, cache=False), setup=_cold, rounds=2)
    assert curve.margin < 1e-4


def test_lookup_10k(benchmark):
    curve = fs.RadiusCurve(NOISE, cache=False)
    pA = np.random.default_rng(0).uniform(0.5, 0.99999, 10_000)
    radii = benchmark(curve, pA)
    assert radii.shape == pA.shape


def test_laplace_top2_closed(benchmark):
    pA = np.random.default_rng(1).uniform(0.6, 0.999, 1000)
    benchmark(fs.certified_radius, fs.Laplace(3072, 0.5), pA, 0.5 * (1 - pA))
