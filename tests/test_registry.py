"""The noise registry: a family declares itself once (parameters with their domains, capabilities,
command-line name) and validation, repr, the command line, the docs table, the certificates and the
torch layer follow. A toy sampling-only family, UniformBall, is added here, in the test suite alone:
no production file changes (docs/design.md, "Adding a noise family", lists the four files a
kernel-backed family touches)."""
import os

import numpy as np
import pytest
import torch
from scipy import stats

import fastsmooth as fs
from fastsmooth import _validate as V
from fastsmooth import noises
from fastsmooth.certificates import check_options
from fastsmooth.cli import main

README = os.path.join(os.path.dirname(__file__), "..", "README.md")


class UniformBall(noises.Noise):
    """Uniform on the l2 ball {||z||_2 <= reach}: sampled on the host, certifies nothing."""

    arg_constraints = (noises.D, noises.Param("reach", "ball radius, > 0",
                                              lambda value, noise: V.check_positive("reach", value)))
    scale_name = "reach"
    native_norm = "l2"
    cli_name = "uniform-ball"
    cli_formula = "uniform on ||z||_2 <= reach"

    def __init__(self, d, reach):
        self._set_params({"d": d, "reach": reach})

    def _second_moment_per_scale2(self):
        return self.d / (self.d + 2.0)

    def _sample_host(self, n, seed, offset):
        out = np.empty((n, self.d))
        for row in range(n):  # draw i from its own key (seed, i): the same rows for any chunking
            key = np.random.SeedSequence([seed, offset + row]).generate_state(2, np.uint64)
            rng = np.random.Generator(np.random.Philox(key=key))
            g = rng.standard_normal(self.d)
            out[row] = g / np.linalg.norm(g) * self.reach * rng.random() ** (1.0 / self.d)
        return out


@pytest.fixture
def uniform_ball():
    noises.register(UniformBall)
    yield UniformBall
    noises.unregister(UniformBall)
    assert "uniform-ball" not in noises.FAMILIES


def test_a_family_declared_in_a_test_works_everywhere(uniform_ball, capsys):
    noise = UniformBall(5, 2.0)
    # parameters: validation, repr, equality from the declaration
    assert repr(noise) == "UniformBall(d=5, reach=2.0)" and eval(repr(noise)) == noise
    with pytest.raises(ValueError, match="reach must be"):
        UniformBall(5, -1.0)
    with pytest.raises(ValueError, match=r"d must be an integer in \[2,"):
        UniformBall(1, 1.0)
    # sampling: determined by the seed, the same in chunks, uniform in the ball (a KS test of
    # (||z|| / reach)^d against U(0, 1), false-failure rate 1e-6 at this fixed seed)
    z = noise.sample(4000, seed=7)
    assert z.dtype == np.float32 and z.shape == (4000, 5)
    np.testing.assert_array_equal(np.concatenate([noise.sample(1500, seed=7), noise.sample(2500, seed=7, offset=1500)]),
                                  z)
    u = (np.linalg.norm(z.astype(np.float64), axis=1) / 2.0) ** 5
    assert u.max() <= 1.0 + 1e-6 and stats.kstest(u, "uniform").pvalue > 1e-6
    assert noise.rms == pytest.approx(np.sqrt((z.astype(np.float64) ** 2).sum(1).mean() / 5), rel=0.03)
    # the torch layer samples it too; the certificates refuse it by its declaration
    x = torch.zeros(3, 5)
    assert torch.all(fs.NoiseAugment(noise)(x).norm(dim=1) <= 2.0 + 1e-5)
    with pytest.raises(ValueError, match="UniformBall cannot certify any norm"):
        fs.certified_radius(noise, 0.9)
    with pytest.raises(ValueError, match="UniformBall cannot certify any norm"):
        fs.Smooth(torch.nn.Linear(5, 2), 2, noise)
    # the command line: a --noise choice, its --reach flag and help line, the same refusal
    assert main(["radius", "--noise", "uniform-ball", "--d", "5", "--reach", "2", "--pA", "0.9"]) == 2
    assert "UniformBall cannot certify any norm" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["radius", "--help"])
    help_text = capsys.readouterr().out
    assert "uniform-ball" in help_text and "--reach" in help_text and "uniform on ||z||_2 <= reach" in help_text
    # the docs table has its row
    assert "| `UniformBall(d, reach)` | `uniform-ball` | nothing (sampling and training only) | — |" in \
        noises.families_table()


def test_readme_noise_table_is_the_registry():
    with open(README, encoding="utf-8") as fh:
        assert noises.families_table() in fh.read()


def test_registering_twice_or_without_a_name_is_refused(uniform_ball):
    with pytest.raises(ValueError, match="already registered"):
        noises.register(UniformBall)

    class Nameless(noises.Noise):
        pass

    with pytest.raises(ValueError, match="empty"):
        noises.register(Nameless)


def test_capabilities_drive_the_methods():
    """The method "auto" picks is the one the declarations allow: closed forms only at k = 0 of a
    family with one, the exact law for the L1/L2 families, Monte Carlo otherwise."""
    cases = [(fs.Gaussian(10, 1.0), "closed"), (fs.L2Centripetal(10, 0.0, 1.0), "closed"),
             (fs.L2Centripetal(10, 2.0, 1.0), "exact"), (fs.Laplace(10, 1.0), "closed"),
             (fs.L1Centripetal(10, 3.0, 1.0), "exact"), (fs.MixedLinfL2(10, 1.0, 1.0), "mc"),
             (fs.LinfCentripetal(10, 1.0, 1.0), None)]
    for noise, method in cases:
        assert noise.certificate_method == method
        if method is not None:
            assert check_options(noise)[0] == method
