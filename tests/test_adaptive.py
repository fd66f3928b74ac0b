"""Adaptive (sequential) certification and prediction: soundness against classifiers whose pA is
known exactly, agreement with the fixed-n path, determinism, the look schedule, and the dataset
engine's evaluations column.

The classifier reads the signs of the first BITS coordinates of its input as a binary number v and
returns class 0 if v < CUT_A, class 1 if v < CUT_A + WIDTH_B, else class 2. Every noise here draws
coordinates whose signs are independent fair coins (Gaussian, Laplace: iid symmetric coordinates;
L2 family: R g / ||g||; mixed family: a face coordinate with a random sign and the others truncated
normals symmetric given T), so at x = 0 the class probabilities are exactly CUT_A / 2^BITS and
WIDTH_B / 2^BITS, whatever the noise.
"""
import numpy as np
import pytest
import torch
from scipy import stats

import fastsmooth as fs
from fastsmooth.smoothing import sequential

BITS, CUT_A, WIDTH_B = 12, 3000, 700
PA, PB = CUT_A / 2**BITS, WIDTH_B / 2**BITS
D = 16
FALSE_FAILURE = 1e-6  # each binomial test below fails a correct implementation with probability <= this


class SignBits(torch.nn.Module):
    def forward(self, u):
        bits = (u.reshape(u.shape[0], -1)[:, :BITS] > 0).long()
        v = (bits * (2 ** torch.arange(BITS))).sum(1)
        cls = (v >= CUT_A).long() + (v >= CUT_A + WIDTH_B).long()
        return torch.nn.functional.one_hot(cls, 3).float()


def binomial_excess(violations, calls, alpha):
    """P(Binomial(calls, alpha) >= violations): small means more violations than alpha allows."""
    return stats.binom.sf(violations - 1, calls, alpha)


def test_look_schedule_and_levels():
    looks = sequential.look_schedule(100_000, 1000)
    assert looks[0] == 1000 and looks[-1] == 100_000
    assert all(b > a for a, b in zip(looks, looks[1:]))
    assert all(b <= int(np.ceil(1.5 * a)) for a, b in zip(looks, looks[1:]))
    assert sequential.look_schedule(100_000, 4000)[0] == 4000  # no look smaller than a batch
    assert sequential.look_schedule(500, 1000) == [500]
    for k in (1, 2, 13):
        levels = sequential.look_levels(0.001, k)
        assert len(levels) == k and sum(levels) == pytest.approx(0.001, rel=1e-12) and levels[-1] >= 0.0005


def _soundness(noise, top2, mode, calls, n=4000, alpha=0.1):
    """Counts of (bound above the truth, radius above the true radius) over `calls` seeds."""
    smooth = fs.Smooth(SignBits(), 3, noise)
    true_radius = float(fs.certified_radius(noise, PA, PB if top2 else None))
    # listed radii around the true radius: certifying the middle one is exactly the failure event, and
    # "stop once it is certified" is the optional stopping that a per-look alpha would get wrong
    opts = {"adaptive": True, "radii": [0.5 * true_radius, 1.0001 * true_radius, 2 * true_radius]} \
        if mode == "radii" else {"adaptive": True, "tolerance": 0.02}
    bound_wrong = radius_wrong = 0
    for seed in range(calls):
        cls, radius = smooth.certify(torch.zeros(D), 50, n, alpha, 500, seed=seed, top2=top2, **opts)
        assert smooth.last_evaluations <= 50 + n
        if cls == -1:
            continue
        assert cls == 0  # class 0 is the only one with probability > 1/2... or the top class for top-2
        bound_wrong += smooth.last_pA > PA or (top2 and smooth.last_pB < PB)
        radius_wrong += radius > true_radius
    return bound_wrong, radius_wrong


CASES = [  # (noise, top2, mode, calls): hundreds where the radius is cheap, fewer for exact/MC top-2 radii
    (fs.Gaussian(D, 1.0), False, "radii", 600), (fs.Gaussian(D, 1.0), False, "tolerance", 600),
    (fs.Gaussian(D, 1.0), True, "radii", 600), (fs.Gaussian(D, 1.0), True, "tolerance", 400),
    (fs.Laplace(D, 1.0), False, "radii", 600), (fs.Laplace(D, 1.0), False, "tolerance", 400),
    (fs.Laplace(D, 1.0), True, "radii", 300), (fs.Laplace(D, 1.0), True, "tolerance", 100),
    (fs.L2Centripetal(D, 8, 1.0), False, "radii", 600), (fs.L2Centripetal(D, 8, 1.0), False, "tolerance", 400),
    (fs.L2Centripetal(D, 8, 1.0), True, "radii", 40),
    (fs.MixedLinfL2(D, 2, 0.5), False, "radii", 400), (fs.MixedLinfL2(D, 2, 0.5), False, "tolerance", 300),
    (fs.MixedLinfL2(D, 2, 0.5), True, "radii", 40),
]


@pytest.mark.parametrize("noise,top2,mode,calls", CASES,
                         ids=[f"{type(c[0]).__name__}-{'top2' if c[1] else 'binary'}-{c[2]}" for c in CASES])
def test_adaptive_certify_is_sound(noise, top2, mode, calls):
    alpha = 0.1
    bound_wrong, radius_wrong = _soundness(noise, top2, mode, calls, alpha=alpha)
    assert binomial_excess(bound_wrong, calls, alpha) > FALSE_FAILURE, (bound_wrong, calls)
    assert binomial_excess(radius_wrong, calls, alpha) > FALSE_FAILURE, (radius_wrong, calls)


def test_the_soundness_check_catches_a_per_look_alpha(monkeypatch):
    """The same check on a broken procedure that spends alpha at every look (no union bound): it must
    find too many wrong bounds, so the tests above can fail."""
    monkeypatch.setattr(sequential, "look_levels", lambda alpha, k: [alpha] * k)
    monkeypatch.setattr(fs.smoothing.smooth, "look_levels", lambda alpha, k: [alpha] * k)
    calls, alpha = 600, 0.1
    bound_wrong, _ = _soundness(fs.Gaussian(D, 1.0), False, "radii", calls, n=20_000, alpha=alpha)
    assert binomial_excess(bound_wrong, calls, alpha) < FALSE_FAILURE, bound_wrong


def test_adaptive_agrees_with_fixed_n_on_the_same_draws():
    """Stopping at the last look uses the same draws as fixed n (its bound at level alpha/2), and a
    pA = 1/2 input abstains at the first look."""
    smooth = fs.Smooth(SignBits(), 3, fs.Gaussian(D, 1.0))
    fixed = smooth.certify(torch.zeros(D), 50, 3000, 0.01, 500, seed=4)
    fixed_counts = smooth.last_counts.copy()
    smooth.certify(torch.zeros(D), 50, 3000, 0.01, 500, seed=4, adaptive=True, tolerance=1e-9)
    assert smooth.last_evaluations == 3050
    np.testing.assert_array_equal(smooth.last_counts, fixed_counts)
    n_a = int(fixed_counts[0])
    assert smooth.last_pA == pytest.approx(stats.beta.ppf(0.005, n_a, 3000 - n_a + 1), rel=1e-11)
    assert fixed[0] == 0 and smooth.last_pA < fs.smoothing.smooth.clopper_pearson_lower(n_a, 3000, 0.01)


class Half(torch.nn.Module):
    def forward(self, u):  # class 0 iff the first coordinate is positive: probability 1/2
        s = (u.reshape(u.shape[0], -1)[:, 0] > 0).float()
        return torch.stack([s, 1 - s], 1)


def test_hopeless_inputs_stop_early_and_confident_ones_certify_the_top_radius():
    noise = fs.Gaussian(D, 1.0)
    smooth = fs.Smooth(Half(), 2, noise)
    assert smooth.certify(torch.zeros(D), 100, 100_000, 0.001, 1000, seed=0, adaptive=True) == (-1, 0.0)
    assert smooth.last_evaluations == 1100
    sure = fs.Smooth(lambda u: torch.tensor([[1.0, 0.0]]).repeat(u.shape[0], 1), 2, noise)
    radii = [0.25 * i for i in range(1, 13)]  # up to 3 sigma: certified once alpha_1^(1/m) >= Phi(3)
    assert sure.certify(torch.zeros(D), 100, 100_000, 0.001, 1000, seed=0, adaptive=True, radii=radii) == (0, 3.0)
    level = sequential.look_levels(0.001, len(sequential.look_schedule(100_000, 1000)))[0]
    needed = np.log(level) / np.log(stats.norm.cdf(3.0))  # all draws agree: CP lower bound = level^(1/m)
    first_enough = min(m for m in sequential.look_schedule(100_000, 1000) if m >= needed)
    assert sure.last_evaluations == 100 + first_enough


def test_same_answer_and_evaluations_for_any_batch_size():
    noise = fs.L2Centripetal(D, 8, 1.0)
    smooth = fs.Smooth(SignBits(), 3, noise)
    answers = set()
    for batch in (100, 250, 500, 1000):
        for opts in ({"radii": [0.1, 0.2, 0.3, 0.4]}, {"tolerance": 0.02}):
            r = smooth.certify(torch.zeros(D), 50, 5000, 0.01, batch, seed=7, adaptive=True, **opts)
            answers.add((batch > 0, tuple(sorted(opts)), r, smooth.last_evaluations))
    assert len(answers) == 2


def test_adaptive_predict_is_sound_and_stops_early():
    """Class 0 has probability 3000/4096 > 1/2 + the other two's: a wrong class is returned with
    probability <= alpha; and an obvious input stops at the first look."""
    smooth = fs.Smooth(SignBits(), 3, fs.Gaussian(D, 1.0))
    calls, alpha, wrong = 300, 0.1, 0
    for seed in range(calls):
        cls = smooth.predict(torch.zeros(D), 4000, alpha, 500, seed=seed, adaptive=True)
        wrong += cls not in (0, -1)
        assert smooth.last_evaluations <= 4000
    assert binomial_excess(wrong, calls, alpha) > FALSE_FAILURE
    assert smooth.predict(torch.zeros(D), 100_000, 0.001, 1000, seed=0, adaptive=True) == 0
    assert smooth.last_evaluations == 1000
    half = fs.Smooth(Half(), 2, fs.Gaussian(D, 1.0))
    assert half.predict(torch.zeros(D), 100_000, 0.001, 1000, seed=0, adaptive=True) == -1
    assert half.last_evaluations < 100_000


def test_adaptive_options_are_checked():
    smooth = fs.Smooth(SignBits(), 3, fs.Gaussian(D, 1.0))
    x = torch.zeros(D)
    for kwargs, match in (({"radii": [0.1]}, "adaptive=True"), ({"adaptive": True, "radii": [0.2, 0.1]}, "increasing"),
                          ({"adaptive": True, "radii": []}, "non-empty"),
                          ({"adaptive": True, "radii": [-1.0]}, ">= 0"),
                          ({"adaptive": True, "tolerance": 0.0}, "tolerance"),
                          ({"adaptive": True, "tolerance": float("inf")}, "tolerance")):
        with pytest.raises(ValueError, match=match):
            smooth.certify(x, 10, 100, 0.1, 10, seed=0, **kwargs)
    with pytest.raises(TypeError, match="adaptive"):
        smooth.certify(x, 10, 100, 0.1, 10, seed=0, adaptive="yes")


# ---- the dataset engine and the command line ---------------------------------------------------------
def _dataset(num=4):
    return torch.zeros(num, 4, 4), torch.zeros(num, dtype=torch.long)


def test_results_files_hold_evaluations_and_check_adaptive_settings(tmp_path):
    smooth = fs.Smooth(SignBits(), 3, fs.Gaussian(D, 1.0))
    out = tmp_path / "r.tsv"
    run = dict(n0=50, n=5000, batch_size=500, progress=False, adaptive=True, radii=[0.1, 0.2, 0.3])
    fs.certify_dataset(smooth, _dataset(), str(out), max_items=2, **run)
    results = fs.read_results(str(out))
    from fastsmooth.smoothing.rows import image_seed
    for idx, evaluations, radius in zip(results["idx"], results["evaluations"], results["radius"]):
        assert smooth.certify(torch.zeros(4, 4), 50, 5000, 0.001, 500, seed=image_seed(0, int(idx)), adaptive=True,
                              radii=[0.1, 0.2, 0.3]) == (0, radius)
        assert evaluations == smooth.last_evaluations < 5050
    before = out.read_bytes()
    for change, words in (({"adaptive": False, "radii": None}, "adaptive"), ({"radii": [0.1, 0.2]}, "radii"),
                          ({"radii": None, "tolerance": 0.05}, "radii")):
        with pytest.raises(ValueError, match=words):
            fs.certify_dataset(smooth, _dataset(), str(out), **dict(run, **change))
        assert out.read_bytes() == before
    fs.certify_dataset(smooth, _dataset(), str(out), **run)  # the same settings continue
    assert sorted(fs.read_results(str(out))["idx"].astype(int)) == [0, 1, 2, 3]


def test_files_without_the_evaluations_column_are_read_not_resumed(tmp_path):
    old = tmp_path / "old.tsv"
    old.write_text("idx\tlabel\tpredict\tradius\tcorrect\ttime\tpA_lower\tnoise\tnorm\n"
                   "0\t1\t1\t0.5\t1\t0.1\t0.9\tGaussian(d=16, sigma=1.0)\tl2\n"
                   "1\t0\t1\t0.25\t0\t0.1\t0.8\tGaussian(d=16, sigma=1.0)\tl2\n")
    results = fs.read_results(str(old))
    assert list(results["radius"]) == [0.5, 0.25] and "evaluations" not in results
    assert list(fs.certified_accuracy(str(old), [0.0, 0.3])) == [0.5, 0.5]
    with pytest.raises(ValueError, match="earlier fastsmooth"):
        fs.certify_dataset(fs.Smooth(SignBits(), 3, fs.Gaussian(D, 1.0)), _dataset(), str(old), n=100, progress=False)


def test_certify_command_adaptive(tmp_path, capsys):
    from fastsmooth.cli import main
    X, y = _dataset(3)
    np.savez(tmp_path / "data.npz", X=X.numpy(), y=y.numpy())
    torch.jit.trace(SignBits(), torch.zeros(2, 4, 4)).save(str(tmp_path / "model.ts"))
    common = ["certify", "--noise", "gaussian", "--d", str(D), "--sigma", "1", "--n0", "50", "--n-samples", "5000",
              "--batch", "500", "--model", str(tmp_path / "model.ts"), "--data", str(tmp_path / "data.npz")]
    assert main(common + ["--out", str(tmp_path / "a.tsv"), "--adaptive", "--radii", "0.1,0.2,0.3"]) == 0
    results = fs.read_results(str(tmp_path / "a.tsv"))
    api = tmp_path / "api.tsv"
    fs.certify_dataset(fs.Smooth(SignBits(), 3, fs.Gaussian(D, 1.0)), (X, y), str(api), n0=50, n=5000,
                       batch_size=500, progress=False, adaptive=True, radii=[0.1, 0.2, 0.3])
    expected = fs.read_results(str(api))
    for key in ("radius", "evaluations", "predict", "pA_lower"):
        np.testing.assert_array_equal(results[key], expected[key])
    assert main(common + ["--out", str(tmp_path / "b.tsv"), "--radii", "0.1,0.2"]) == 2
    assert "--radii applies to adaptive certification only: pass --adaptive" in capsys.readouterr().err
    assert main(common + ["--out", str(tmp_path / "b.tsv"), "--adaptive", "--radii", "0.1,x"]) == 2
    assert "comma-separated" in capsys.readouterr().err
    assert not (tmp_path / "b.tsv").exists()
