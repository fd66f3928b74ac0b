"""Radius curves: conservative, accurate lookups and a disk cache that never trusts a bad file."""
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fastsmooth as fs
from fastsmooth.certificates import curves

NOISES = {"l2": fs.L2Centripetal(3072, 3060, 4.0), "l1": fs.L1Centripetal(100, 40, 0.5)}
_BUILT = {}


def curve_for(name):
    if name not in _BUILT:
        _BUILT[name] = fs.RadiusCurve(NOISES[name], cache=False)
    return _BUILT[name]


@pytest.mark.parametrize("name", sorted(NOISES))
@settings(max_examples=10, deadline=None, derandomize=True)
@given(pA=st.floats(0.5000001, 1 - 1e-6))
def test_lookup_conservative_and_close(name, pA):
    curve = curve_for(name)
    looked_up = curve(pA)
    direct = fs.certified_radius(NOISES[name], pA, use_curve=False)
    assert looked_up <= direct
    assert looked_up >= direct * (1 - 1e-3)


@pytest.mark.parametrize("name", sorted(NOISES))
def test_vectorized_lookup_against_direct(name):
    curve = curve_for(name)
    pA = np.concatenate([[0.2, 0.5, 1.0], np.linspace(0.500001, 0.999999, 40), [1 - 1e-8]])
    looked_up = curve(pA)
    direct = fs.certified_radius(NOISES[name], pA, use_curve=False)
    assert looked_up.shape == pA.shape
    assert (looked_up <= direct).all() and (looked_up >= direct * (1 - 1e-3)).all()
    assert looked_up[0] == 0 and looked_up[1] == 0 and looked_up[2] == np.inf
    assert curve.margin < 1e-4


def test_norm_conversion_and_closed_curves():
    curve = fs.RadiusCurve(NOISES["l2"], norm="linf", cache=False)
    assert curve(0.9) == pytest.approx(curve_for("l2")(0.9) / np.sqrt(3072), rel=1e-11)
    gauss = fs.RadiusCurve(fs.Gaussian(10, 2.0))
    assert gauss(0.9) == fs.certified_radius(fs.Gaussian(10, 2.0), 0.9)


def test_disk_cache_round_trip_and_rejects_bad_files(tmp_path, monkeypatch):
    monkeypatch.setenv("FASTSMOOTH_CACHE_DIR", str(tmp_path))
    curves._MEMORY.clear()
    noise = fs.L2Centripetal(50, 10, 1.0)
    built = fs.RadiusCurve(noise)
    files = [f for f in os.listdir(tmp_path) if f.endswith(".npz")]
    assert len(files) == 1 and not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]
    path = tmp_path / files[0]
    reference = built(np.linspace(0.6, 0.99, 7))

    builds = []
    real_build = curves._build
    monkeypatch.setattr(curves, "_build", lambda *a, **k: builds.append(1) or real_build(*a, **k))

    curves._MEMORY.clear()
    assert fs.RadiusCurve.available(noise, "exact")
    np.testing.assert_array_equal(fs.RadiusCurve(noise)(np.linspace(0.6, 0.99, 7)), reference)
    assert builds == []  # loaded from disk

    for bad in (b"not an npz file", b""):
        path.write_bytes(bad)
        curves._MEMORY.clear()
        np.testing.assert_array_equal(fs.RadiusCurve(noise)(np.linspace(0.6, 0.99, 7)), reference)
    assert len(builds) == 2

    # a well-formed file whose key belongs to other parameters, or whose table is not monotone
    data = dict(np.load(path))
    np.savez(path, **{**data, "key": np.array(str(data["key"]).replace('"d": 50', '"d": 51'))})
    curves._MEMORY.clear()
    fs.RadiusCurve(noise)
    assert len(builds) == 3
    data = dict(np.load(path))
    np.savez(path, **{**data, "r": data["r"][::-1]})
    curves._MEMORY.clear()
    np.testing.assert_array_equal(fs.RadiusCurve(noise)(np.linspace(0.6, 0.99, 7)), reference)
    assert len(builds) == 4


def test_certified_radius_does_not_depend_on_the_cache():
    """The default call computes each radius directly: the same numbers before and after the noise's
    curve is built and cached, and for one pA alone or inside an array; use_curve=True reads the curve,
    which is at most its margin smaller."""
    noise = fs.L2Centripetal(200, 50, 1.0)
    pA = np.linspace(0.55, 0.999, 50)
    before = fs.certified_radius(noise, pA)
    assert not fs.RadiusCurve.available(noise, "exact")
    via_curve = fs.certified_radius(noise, pA, use_curve=True)
    assert fs.RadiusCurve.available(noise, "exact")
    after = fs.certified_radius(noise, pA)
    np.testing.assert_array_equal(before, after)
    assert fs.certified_radius(noise, pA[7]) == before[7]
    margin = fs.RadiusCurve(noise).margin
    assert (via_curve <= before).all() and (via_curve >= before * (1 - margin - 1e-7)).all()
