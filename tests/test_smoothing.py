"""The torch layer: certify/predict semantics against closed forms, reproducibility, TSV, analysis."""
import os

import numpy as np
import pytest
import torch
from scipy import stats

import fastsmooth as fs
from fastsmooth.smoothing.smooth import clopper_pearson_lower

D, SIGMA = 64, 0.5


class Linear(torch.nn.Module):
    """f(x) = 1 if w.x > 0 else 0: under N(0, s^2 I), P(f(x + z) = 1) = Phi(w.x / (s ||w||))."""

    def __init__(self, w):
        super().__init__()
        self.w = w

    def forward(self, x):
        s = x.reshape(x.shape[0], -1) @ self.w
        return torch.stack([-s, s], 1)


class CoinFlip(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.gen = torch.Generator().manual_seed(0)

    def forward(self, x):
        return torch.rand(x.shape[0], 2, generator=self.gen)


W = torch.randn(D, generator=torch.Generator().manual_seed(1)).double()
W = (W / W.norm()).float()


def x_with_pA(pA):
    return (W * SIGMA * stats.norm.ppf(pA)).reshape(8, 8)


def test_certify_matches_the_closed_form_pA():
    smooth = fs.Smooth(Linear(W), 2, fs.Gaussian(D, SIGMA))
    true_pA = 0.9
    n, alpha = 20_000, 0.001
    cls, radius = smooth.certify(x_with_pA(true_pA), 100, n, alpha, 1000, seed=3)
    assert cls == 1
    n_a = int(smooth.last_counts[1])
    pA_lower = clopper_pearson_lower(n_a, n, alpha)
    # the counts are Binomial(n, 0.9): 6 standard deviations covers them (false failure ~2e-9)
    assert abs(n_a - n * true_pA) < 6 * np.sqrt(n * true_pA * (1 - true_pA))
    exact_cp = stats.beta.ppf(alpha, n_a, n - n_a + 1)
    assert pA_lower == pytest.approx(exact_cp, rel=2e-12) and pA_lower < exact_cp  # rounded down
    assert smooth.last_pA == pytest.approx(pA_lower, rel=1e-12)
    # the same counts give the Gaussian reference formula (Cohen et al.) and fastsmooth's certified_radius
    assert radius == pytest.approx(SIGMA * stats.norm.ppf(pA_lower), rel=1e-10)
    assert radius == pytest.approx(fs.certified_radius(fs.Gaussian(D, SIGMA), pA_lower), rel=1e-12)


@pytest.mark.parametrize("noise", [fs.L2Centripetal(D, 20, 0.6), fs.Laplace(D, 0.4)], ids=repr)
def test_certify_radius_is_the_certificate_of_pA_lower(noise):
    smooth = fs.Smooth(Linear(W), 2, noise)
    cls, radius = smooth.certify(x_with_pA(0.97), 100, 5000, 0.001, 500, seed=4)
    direct = fs.certified_radius(noise, smooth.last_pA, use_curve=False) if noise.k else \
        fs.certified_radius(noise, smooth.last_pA)
    assert cls == 1 and radius <= direct and radius >= direct * (1 - 1e-3)
    cls2, radius2 = smooth.certify(x_with_pA(0.97), 100, 5000, 0.001, 500, seed=4, top2=True)
    assert cls2 == 1 and 0 < radius2


def test_abstain_and_reproducibility():
    smooth = fs.Smooth(Linear(W), 2, fs.Gaussian(D, SIGMA))
    x = x_with_pA(0.5)  # pA = 1/2 exactly: pA_lower < 1/2 with probability ~1 - alpha
    assert smooth.certify(x, 100, 2000, 0.001, 256, seed=5) == (fs.Smooth.ABSTAIN, 0.0)
    coin = fs.Smooth(CoinFlip(), 2, fs.Gaussian(D, SIGMA))
    assert coin.predict(x, 2000, 0.001, 300, seed=1) == fs.Smooth.ABSTAIN  # false failure <= 0.001
    assert smooth.predict(x_with_pA(0.99), 500, 0.001, 64, seed=1) == 1
    x = x_with_pA(0.8)
    one = smooth.certify(x, 100, 3000, 0.001, 1000, seed=9)
    assert smooth.certify(x, 100, 3000, 0.001, 7, seed=9) == one  # batch size does not matter
    assert smooth.certify(x, 100, 3000, 0.001, 1000, seed=9) == one
    assert smooth.certify(x, 100, 3000, 0.001, 1000, seed=10) != one


@pytest.mark.parametrize("call,exc,words", [
    (lambda s: s.certify(torch.zeros(7, 7), 10, 100, 0.01, 10), ValueError, "d = 64"),
    (lambda s: s.certify(torch.zeros(8, 8), 10, 100, 0.01, 0), ValueError, "batch_size must be a positive integer"),
    (lambda s: s.certify(torch.zeros(8, 8), 0, 100, 0.01, 10), ValueError, "n0 must be a positive integer"),
    (lambda s: s.certify(torch.zeros(8, 8), 10, -5, 0.01, 10), ValueError, "n must be a positive integer"),
    (lambda s: s.certify(torch.full((8, 8), float("nan")), 10, 100, 0.01, 10), ValueError, "finite"),
    (lambda s: s.predict(torch.zeros(8, 8), 100, 1.5, 10), ValueError, "alpha must lie in"),
    (lambda s: s.predict(np.zeros((8, 8)), 100, 0.01, 10), TypeError, "torch tensor"),
])
def test_bad_input(call, exc, words):
    with pytest.raises(exc, match=words):
        call(fs.Smooth(Linear(W), 2, fs.Gaussian(D, SIGMA)))


def test_wrong_number_of_classes():
    smooth = fs.Smooth(Linear(W), 3, fs.Gaussian(D, SIGMA))
    with pytest.raises(ValueError, match=r"expected \(10, 3\)"):
        smooth.certify(torch.zeros(8, 8), 10, 100, 0.01, 10)


def test_dataset_tsv_round_trip_and_resume(tmp_path):
    X = torch.stack([x_with_pA(p) for p in (0.99, 0.9, 0.7, 0.5, 0.95, 0.8)])
    y = torch.tensor([1, 1, 1, 0, 0, 1])
    smooth = fs.Smooth(Linear(W), 2, fs.Gaussian(D, SIGMA))
    out = str(tmp_path / "run.tsv")
    fs.certify_dataset(smooth, (X, y), out, n0=50, n=2000, batch_size=500, max_items=3, progress=False)
    with open(out, "a") as fh:  # an interrupted write leaves half a line
        fh.write("3\t0\t-1")
    fs.certify_dataset(smooth, (X, y), out, n0=50, n=2000, batch_size=500, progress=False)
    fs.certify_dataset(smooth, (X, y), out, n0=50, n=2000, batch_size=500, progress=False)  # nothing left to do
    results = fs.read_results(out)
    assert sorted(results["idx"].astype(int)) == list(range(6))
    whole = str(tmp_path / "whole.tsv")
    fs.certify_dataset(smooth, (X, y), whole, n0=50, n=2000, batch_size=500, progress=False)
    again = fs.read_results(whole)
    order = np.argsort(results["idx"])
    np.testing.assert_array_equal(results["radius"][order], again["radius"])
    np.testing.assert_array_equal(results["predict"][order], again["predict"])
    assert list(open(whole).readline().rstrip("\n").split("\t")) == ["idx", "label", "predict", "radius", "correct",
                                                                   "time", "pA_lower", "noise", "norm",
                                                                   "evaluations"]
    assert (again["correct"] == (again["predict"] == again["label"])).all()
    shard = str(tmp_path / "shard.tsv")
    fs.certify_dataset(smooth, (X, y), shard, n0=50, n=2000, batch_size=500, skip=2, start=1, progress=False)
    assert list(fs.read_results(shard)["idx"].astype(int)) == [1, 3, 5]
    np.testing.assert_array_equal(fs.read_results(shard)["radius"], again["radius"][[1, 3, 5]])


def test_certified_accuracy_and_table(tmp_path):
    results = {"radius": np.array([0.0, 0.5, 1.0, 2.0, 0.7]), "correct": np.array([0, 1, 1, 0, 1])}
    np.testing.assert_allclose(fs.certified_accuracy(results, [0.0, 0.5, 0.6, 1.0, 1.5]), [0.6, 0.6, 0.4, 0.2, 0.0])
    table = fs.accuracy_table({"gauss": results}, [0.0, 1.0], norm="l2")
    assert "| gauss | 60.0% | 20.0% |" in table and "r = 1 (l2)" in table
    png = fs.plot_certified_accuracy({"a": results, "b": {"radius": results["radius"] / 2,
                                                          "correct": results["correct"]}}, str(tmp_path / "p.png"))
    with open(png, "rb") as fh:
        assert fh.read(8) == b"\x89PNG\r\n\x1a\n"


def test_noise_augment_draws_fresh_noise():
    augment = fs.NoiseAugment(fs.L1Centripetal(D, 10, 0.3), seed=2)
    x = torch.zeros(5, 8, 8)
    first, second = augment(x), augment(x)
    assert first.shape == x.shape and not torch.equal(first, second)
    np.testing.assert_array_equal(second.reshape(5, -1).numpy(), fs.L1Centripetal(D, 10, 0.3).sample(5, 2, offset=5))
    model = Linear(W)
    adv = fs.adversarial_noisy_batch(model, x, torch.tensor([0, 1, 0, 1, 0]), fs.NoiseAugment(fs.Gaussian(D, 0.5), 1),
                                     0.1)
    plain = fs.NoiseAugment(fs.Gaussian(D, 0.5), 1)(x)
    # the step moves each noisy input by exactly 0.1 per coordinate, uphill for its label
    np.testing.assert_allclose((adv - plain).abs().numpy(), 0.1, rtol=1e-5)


def test_train_and_certify_commands(tmp_path, capsys):
    from fastsmooth.cli import main
    model = str(tmp_path / "m.pt")
    out = str(tmp_path / "r.tsv")
    assert main(["train", "--noise", "laplace", "--d", "784", "--b", "0.2", "--epochs", "1", "--out", model]) == 0
    assert main(["certify", "--noise", "laplace", "--d", "784", "--b", "0.2", "--model", model, "--out", out,
                 "--max", "4", "--skip", "3", "--n-samples", "300", "--batch", "150"]) == 0
    results = fs.read_results(out)
    assert list(results["idx"].astype(int)) == [0, 3, 6, 9] and set(results["norm"]) == {"l1"}
    assert ((results["radius"] == 0) | (results["predict"] >= 0)).all()
    assert main(["certify", "--noise", "gaussian", "--d", "10", "--sigma", "0.2", "--model", model, "--out", out]) == 2
    assert "d = 784" in capsys.readouterr().err
    before = open(out).read()  # resuming with another n is refused, and the file is left as it was
    assert main(["certify", "--noise", "laplace", "--d", "784", "--b", "0.2", "--model", model, "--out", out,
                 "--max", "4", "--skip", "3", "--n-samples", "400", "--batch", "150"]) == 2
    assert "other settings (n: file 300, this run 400)" in capsys.readouterr().err and open(out).read() == before


def test_demo_report_small(tmp_path):
    """The report shows each noise for its norms only, with the sample-size cap of each: the radius at
    pA = alpha^(1/n), checked against the closed forms for Gaussian and Laplace (the demo's curves may
    sit a margin below)."""
    from fastsmooth.smoothing import demo
    n, alpha = 200, 0.001
    report = demo.run(num=6, n=n, epochs=1, out=str(tmp_path), progress=False, names=("Gaussian", "Laplace"))
    sections = {part.split(" radius", 1)[0]: part for part in report.split("## certified accuracy, ")[1:]}
    assert set(sections) == {"l2", "l1", "linf"}
    assert "| Laplace |" in sections["l1"] and "| Gaussian |" not in sections["l1"]
    assert "| Gaussian |" in sections["l2"] and "| Laplace |" not in sections["l2"]
    cap_pA = alpha ** (1 / n)
    gauss, laplace = demo.demo_noises(0.25)["Gaussian"], demo.demo_noises(0.25)["Laplace"]
    expected = {"l2": gauss.sigma * stats.norm.ppf(cap_pA), "linf": gauss.sigma * stats.norm.ppf(cap_pA) / 28,
                "l1": -laplace.b * np.log(2 * (1 - cap_pA))}
    for norm, section in sections.items():
        row = next(line for line in section.splitlines() if line.startswith("| Gaussian |" if norm != "l1"
                                                                             else "| Laplace |"))
        cap = float(row.rstrip(" |").rsplit("|", 1)[1])
        assert cap <= expected[norm] and cap == pytest.approx(expected[norm], rel=1e-3), (norm, cap)
        cells = row.split("|")[2:-2]
        grid = [float(h.split("= ")[1]) for h in section.splitlines()[2].split("|")[2:-2]]
        assert [c.strip() == "cap" for c in cells] == [r > cap for r in grid]
    assert f"alpha^(1/n) = {cap_pA:.5f}" in report
    assert os.path.exists(tmp_path / "certified_accuracy_l1.png") and os.path.exists(tmp_path / "report.md")
