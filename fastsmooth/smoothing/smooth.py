"""Smooth: a drop-in replacement for the Gaussian reference smoothed classifier, for every noise."""
import contextlib

import numpy as np
import torch
from scipy.stats import beta, binomtest

from .. import _validate as V
from . import defaults as D
from ..certificates import RadiusCurve, certified_radius, check_options, resolve_norm
from ..noises import Noise

ABSTAIN = -1
ROUND_DOWN = 1.0 - 1e-12  # absorbs the rounding of scipy's inverse incomplete beta in the confidence bounds


def _seed(value):
    return fresh_seed() if value is None else V.check_seed("seed", value)


@contextlib.contextmanager
def eval_mode(model):
    """Evaluate `model` in eval mode (BatchNorm on its running statistics, no Dropout), as the
    reference does, and give every submodule back the mode it had, whatever happens inside."""
    modes = [(m, m.training) for m in model.modules()] if isinstance(model, torch.nn.Module) else []
    for m, _ in modes:
        m.training = False
    try:
        yield
    finally:
        for m, training in modes:
            m.training = training


def fresh_seed():
    """A random 63-bit seed for calls made without one."""
    return int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> np.uint64(1))


def clopper_pearson_lower(successes, trials, alpha):
    """One-sided (1 - alpha) lower confidence bound on a binomial proportion (rounded down)."""
    return 0.0 if successes == 0 else float(beta.ppf(alpha, successes, trials - successes + 1)) * ROUND_DOWN


def clopper_pearson_upper(successes, trials, alpha):
    """One-sided (1 - alpha) upper confidence bound on a binomial proportion (rounded up)."""
    if successes == trials:
        return 1.0
    return min(1.0, float(beta.isf(alpha, successes + 1, trials - successes)) / ROUND_DOWN)


class Smooth:
    """A smoothed classifier g(x) = argmax_c P(f(x + z) = c), z ~ noise, with certified radii.

    Arguments: `base_classifier` a torch module (or callable) mapping a batch (b, *x.shape) to
    (b, num_classes) finite scores, or to a tuple/list whose first element is those scores; it is
    evaluated in eval mode (every submodule's mode is restored afterwards). `noise` a fastsmooth
    noise whose d is the number of elements of one input; `norm` the norm to certify (None: the
    noise's native norm); `method` and `cert_opts` go to the certificate ("auto": closed forms, the
    exact law, or Monte Carlo for MixedLinfL2, with its n_mc, alpha_mc, seed, device options), and
    are checked here, before any sampling. The noise is added in the space the user passes (for
    images usually [0, 1] pixels, before the model's normalization layer).
    """

    ABSTAIN = ABSTAIN

    def __init__(self, base_classifier, num_classes, noise, norm=None, method="auto", **cert_opts):
        if not callable(base_classifier):
            raise TypeError(f"base_classifier must be a callable torch module, got {base_classifier!r}")
        if not isinstance(noise, Noise):
            raise TypeError(f"noise must be a fastsmooth noise, got {noise!r}")
        self.base_classifier = base_classifier
        self.num_classes = V.check_positive_int("num_classes", num_classes)
        if self.num_classes < 2:
            raise ValueError(f"num_classes must be >= 2, got {num_classes}")
        self.noise = noise
        self.norm = resolve_norm(noise, norm)
        self.method, self.cert_opts = check_options(noise, method, **cert_opts)
        self._curve = None
        # the probability that a Monte Carlo certificate is wrong, added to alpha in the guarantee
        self.alpha_mc = self.cert_opts["alpha_mc"] if self.method == "mc" else 0.0

    # ---- sampling ---------------------------------------------------------------------------
    def _check_x(self, x):
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"x must be a torch tensor, got {type(x).__name__}")
        if x.numel() != self.noise.d:
            raise ValueError(f"x has {x.numel()} elements (shape {tuple(x.shape)}) but the noise has "
                             f"d = {self.noise.d}")
        if not torch.isfinite(x).all():
            raise ValueError("x must be finite (it has NaN or inf entries)")
        return x

    def _counts(self, x, num, batch_size, seed, offset):
        """Class counts of f(x + z_i) for draws offset .. offset + num - 1 of the noise stream `seed`."""
        counts = np.zeros(self.num_classes, dtype=np.int64)
        flat = x.reshape(1, -1).to(torch.float32)
        buffer = torch.empty((min(batch_size, num), self.noise.d), dtype=torch.float32, device=x.device)
        done = 0
        with torch.no_grad(), eval_mode(self.base_classifier):
            while done < num:
                size = min(batch_size, num - done)
                batch = buffer[:size]
                self.noise.sample(size, seed=seed, offset=offset + done, out=batch)  # filled in place
                batch.add_(flat)
                scores = self._scores(self.base_classifier(batch.view((size,) + tuple(x.shape))), size, offset + done)
                counts += torch.bincount(scores.argmax(1), minlength=self.num_classes).cpu().numpy()
                done += size
        return counts

    def _scores(self, out, size, first):
        """The (size, num_classes) scores from what the base classifier returned for draws first.."""
        if isinstance(out, (tuple, list)) and out and isinstance(out[0], torch.Tensor):
            out = out[0]  # (scores, extras...): documented
        if not isinstance(out, torch.Tensor):
            raise TypeError(f"the base classifier must return a tensor of scores (batch, {self.num_classes}) or a "
                            f"tuple/list whose first element is one; it returned {type(out).__name__}")
        if out.ndim != 2 or out.shape[0] != size or out.shape[1] != self.num_classes:
            raise ValueError(f"the base classifier returned shape {tuple(out.shape)} for a batch of {size}; "
                             f"expected ({size}, {self.num_classes})")
        if out.is_floating_point() and not torch.isfinite(out).all():
            raise ValueError(f"the base classifier returned NaN or inf scores for the batch of noise draws "
                             f"{first}..{first + size - 1}: its argmax is meaningless, so nothing can be certified")
        return out

    # ---- the reference API ------------------------------------------------------------------
    def predict(self, x, n, alpha, batch_size, seed=None):
        """The smoothed prediction at x, or ABSTAIN (-1).

        Draws n noisy copies (batch by batch), takes the two most frequent classes and abstains if a
        two-sided binomial test cannot tell them apart at level alpha. Guarantee (Cohen et al.): the
        returned class differs from g(x) with probability at most alpha. `seed` fixes every draw (the
        result does not depend on batch_size).
        """
        x = self._check_x(x)
        n, batch_size = V.check_draw_count("n", n), V.check_positive_int("batch_size", batch_size)
        alpha = V.check_alpha(alpha)
        seed = _seed(seed)
        counts = self._counts(x, n, batch_size, seed, 0)
        top2 = counts.argsort()[::-1][:2]
        n_a, n_b = int(counts[top2[0]]), int(counts[top2[1]])
        if binomtest(n_a, n_a + n_b, 0.5).pvalue > alpha:
            return ABSTAIN
        return int(top2[0])

    def certify(self, x, n0=D.N0, n=D.N, alpha=D.ALPHA, batch_size=D.BATCH_SIZE, seed=None, top2=False):
        """(class, radius): the smoothed class at x and a radius in `self.norm` around x within which
        it cannot change, or (ABSTAIN, 0.0).

        n0 noisy draws pick the guess c_A; n fresh draws count n_A; pA is the one-sided
        Clopper-Pearson lower bound at level alpha (top2=True: alpha/2 for pA and alpha/2 split over
        the other classes for an upper bound pB on the runner-up). Abstains when the certificate fails
        at radius 0. The radius comes from the noise's radius curve (binary) or the top-2 certificate.

        Guarantee: with probability at least 1 - alpha - alpha_mc over the draws (alpha_mc = 0 for
        closed/exact certificates, the Monte Carlo failure probability otherwise), if the class is
        not ABSTAIN then g(x + delta) = class for every ||delta||_norm < radius.
        """
        x = self._check_x(x)
        n0, n = V.check_draw_count("n0", n0), V.check_draw_count("n", n)
        batch_size = V.check_positive_int("batch_size", batch_size)
        alpha = V.check_alpha(alpha)
        seed = _seed(seed)
        guess = int(self._counts(x, n0, batch_size, seed, 0).argmax())
        counts = self._counts(x, n, batch_size, seed, n0)
        n_a = int(counts[guess])
        self.last_counts = counts
        if not top2:
            pA = clopper_pearson_lower(n_a, n, alpha)
            self.last_pA = pA
            if pA <= 0.5:
                return ABSTAIN, 0.0
            return guess, self._binary_radius(pA)
        pA = clopper_pearson_lower(n_a, n, alpha / 2)
        others = np.delete(counts, guess)
        pB = max(clopper_pearson_upper(int(c), n, alpha / 2 / others.size) for c in others)
        self.last_pA = pA
        if pA <= pB:
            return ABSTAIN, 0.0
        # pA > pB certifies the prediction itself (radius 0), as pA > 1/2 does for the binary certificate
        return guess, float(certified_radius(self.noise, pA, pB, norm=self.norm, method=self.method, **self.cert_opts))

    def radius_curve(self, curve=None):
        """The RadiusCurve that certify uses for binary certificates (built on first use). Pass a
        curve built elsewhere (for example shipped to a worker) to use it instead: it must be for
        this noise, norm, method and certificate options, else ValueError."""
        if curve is not None:
            own = (repr(self.noise), self.norm, self.method, self.cert_opts if self.method == "mc" else None)
            theirs = (repr(getattr(curve, "noise", None)), getattr(curve, "norm", None), getattr(curve, "method", None),
                      getattr(curve, "mc", None))
            if not isinstance(curve, RadiusCurve) or own != theirs:
                raise ValueError(f"curve is for {theirs}, this Smooth certifies {own}")
            self._curve = curve
        if self._curve is None:
            self._curve = RadiusCurve(self.noise, norm=self.norm, method=self.method, **self.cert_opts)
        return self._curve

    def _binary_radius(self, pA):
        return float(self.radius_curve().radius(pA))


