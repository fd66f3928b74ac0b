"""Public contract: shapes, norms, methods, bad input, the command line."""
import numpy as np
import pytest

import fastsmooth as fs
from fastsmooth.cli import main

G = fs.Gaussian(100, 0.5)


def test_shapes_and_special_values():
    assert isinstance(fs.certified_radius(G, 0.9), float)
    out = fs.certified_radius(G, np.array([[0.4, 0.5], [0.9, 1.0]]))
    assert out.shape == (2, 2) and out[0, 0] == 0 and out[0, 1] == 0 and out[1, 1] == np.inf and out[1, 0] > 0
    assert fs.certified_radius(G, [0.9, 0.8], pB=0.05).shape == (2,)
    assert isinstance(fs.lower_bound(G, 0.9, 0.1), float)
    assert fs.lower_bound(G, [0.9, 0.8], [[0.1], [0.2]]).shape == (2, 2)
    assert fs.lower_bound(G, 0.9, 0.0) == pytest.approx(0.9, rel=1e-11)
    L2C = fs.L2Centripetal(50, 10, 1.0)
    assert fs.lower_bound(L2C, 0.9, 0.0) == 0.9 and fs.lower_bound(L2C, 0.0, 0.3) == 0.0
    assert fs.lower_bound(L2C, 1.0, 0.3) == 1.0
    assert fs.certified_radius(L2C, 0.3, pB=0.4) == 0.0  # pA <= pB: nothing certified


def test_norms():
    assert fs.certified_radius(G, 0.9, norm="linf") == pytest.approx(fs.certified_radius(G, 0.9) / 10, rel=1e-11)
    assert fs.certified_radius(G, 0.9, norm="l1") == fs.certified_radius(G, 0.9)
    assert fs.linf_radius_from_l2(1.0, 100) == pytest.approx(0.1, rel=1e-11)
    with pytest.raises(ValueError, match="certifies l1"):
        fs.certified_radius(fs.Laplace(10, 1.0), 0.9, norm="l2")
    with pytest.raises(ValueError, match="cannot certify any norm"):
        fs.certified_radius(fs.LinfCentripetal(10, 1.0, 1.0), 0.9)
    with pytest.raises(ValueError, match="norm must be one of"):
        fs.certified_radius(G, 0.9, norm="l3")
    with pytest.raises(ValueError, match="needs method='mc'"):
        fs.certified_radius(fs.MixedLinfL2(10, 1.0, 1.0), 0.9, method="exact")


@pytest.mark.parametrize("call,exc,words", [
    (lambda: fs.certified_radius(G, 1.2), ValueError, r"pA must lie in \[0.0, 1.0\], got 1.2"),
    (lambda: fs.certified_radius(G, -0.1), ValueError, "pA must lie in"),
    (lambda: fs.certified_radius(G, float("nan")), ValueError, "pA must not be NaN"),
    (lambda: fs.certified_radius(G, [0.9, np.nan]), ValueError, "pA must not be NaN"),
    (lambda: fs.certified_radius(G, "0.9"), TypeError, "pA must be a number"),
    (lambda: fs.certified_radius(G, None), TypeError, "pA must be a number"),
    (lambda: fs.certified_radius(G, 0.9, pB=1.5), ValueError, "pB must lie in"),
    (lambda: fs.certified_radius(G, 0.9, method="fast"), ValueError, "method must be one of"),
    (lambda: fs.certified_radius(fs.L2Centripetal(10, 2, 1.0), 0.9, method="closed"), ValueError, "use 'exact'"),
    (lambda: fs.certified_radius(G, 0.9, n_mc=5), TypeError, "unknown option"),
    (lambda: fs.certified_radius(G, 0.9, method="mc", n_mc=5), ValueError,
     r"n_mc must be an integer in \[100, 10000000000\]"),
    (lambda: fs.certified_radius(G, 0.9, method="mc", alpha_mc=0.0), ValueError, r"alpha_mc must lie in \(0, 1\)"),
    (lambda: fs.certified_radius(G, 0.9, method="mc", device="tpu"), ValueError, "device must be 'cpu' or 'cuda'"),
    (lambda: fs.lower_bound(G, 0.9, [0.1, 0.2], method="mc"), ValueError, "one radius per call"),
    (lambda: fs.certified_radius(G, 0.9, use_curve="yes"), TypeError, "use_curve"),
    (lambda: fs.certified_radius("gaussian", 0.9), TypeError, "noise must be a fastsmooth noise"),
    (lambda: fs.lower_bound(G, 0.9, -1.0), ValueError, "radius must lie in"),
    (lambda: fs.lower_bound(G, 0.9, np.inf), ValueError, "radius must be finite"),
    (lambda: fs.lower_bound(G, [True], 0.1), TypeError, "pA must be a number or an array of real numbers"),
])
def test_bad_input(call, exc, words):
    with pytest.raises(exc, match=words):
        call()


def test_cli_radius_prints_the_library_value(capsys):
    assert main(["radius", "--noise", "l2-centripetal", "--d", "100", "--k", "20", "--sigma", "1",
                 "--pA", "0.9", "0.99", "--norm", "linf"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    printed = [float(line.rsplit("radius=", 1)[1]) for line in lines]
    expected = fs.certified_radius(fs.L2Centripetal(100, 20, 1.0), [0.9, 0.99], norm="linf")
    np.testing.assert_allclose(printed, expected, rtol=1e-9)


def test_cli_rms_top2_and_bound(capsys):
    assert main(["radius", "--noise", "gaussian", "--d", "784", "--rms", "0.5", "--pA", "0.9", "--pB", "0.05"]) == 0
    value = float(capsys.readouterr().out.rsplit("radius=", 1)[1])
    assert value == pytest.approx(fs.certified_radius(fs.Gaussian(784, 0.5), 0.9, 0.05), rel=1e-9)
    assert main(["bound", "--noise", "laplace", "--d", "10", "--b", "1", "--pA", "0.9", "--radius", "0.5"]) == 0
    value = float(capsys.readouterr().out.rsplit("lower_bound=", 1)[1])
    assert value == pytest.approx(1 - np.exp(0.5) * 0.1, rel=1e-9)


@pytest.mark.parametrize("argv,words", [
    (["radius", "--noise", "l2-centripetal", "--d", "10", "--k", "10", "--sigma", "1", "--pA", "0.9"], "0 <= k < d"),
    (["radius", "--noise", "linf-centripetal", "--d", "10", "--k", "1", "--sigma", "1", "--pA", "0.9"],
     "cannot certify"),
    (["radius", "--noise", "laplace", "--d", "10", "--b", "1", "--pA", "0.9", "--norm", "l2"], "certifies l1"),
    (["radius", "--noise", "gaussian", "--d", "10", "--sigma", "1", "--pA", "1.5"], "pA must lie in"),
    (["radius", "--noise", "gaussian", "--d", "10", "--pA", "0.9"], "give exactly one of --sigma and --rms"),
    (["radius", "--noise", "gaussian", "--d", "10", "--k", "3", "--sigma", "1", "--pA", "0.9"], "--k does not apply"),
])
def test_cli_errors(argv, words, capsys):
    assert main(argv) == 2
    assert words in capsys.readouterr().err
