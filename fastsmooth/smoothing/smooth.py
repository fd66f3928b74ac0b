"""Smooth: a drop-in replacement for the Gaussian reference smoothed classifier, for every noise."""
import contextlib

import numpy as np
import torch

from .. import _validate as V
from . import defaults as D
from ..certificates import RadiusCurve, certified_radius, check_options, lower_bound, resolve_norm
from ..noises import Noise
from .bounds import clopper_pearson_lower, clopper_pearson_upper  # noqa: F401 - public here since 0.1
from .sequential import Bounds, check_adaptive_options, decide, look_levels, look_schedule, predict_decision

ABSTAIN = -1


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
    def predict(self, x, n, alpha, batch_size, seed=None, adaptive=False):
        """The smoothed prediction at x, or ABSTAIN (-1).

        Draws n noisy copies (batch by batch), takes the two most frequent classes and abstains if a
        two-sided binomial test cannot tell them apart at level alpha. Guarantee (Cohen et al.): the
        returned class differs from g(x) with probability at most alpha. `seed` fixes every draw (the
        result does not depend on batch_size).

        adaptive=True: n is the most draws it may take; the test runs at the looks of
        ``sequential.look_schedule(n, batch_size)`` (1000 draws, 1.5 times as many at each further look,
        then n) at levels that add up to alpha (``sequential.look_levels``: alpha/2 on the last look,
        alpha/2 split over the others). It stops at the first look that rejects (returning the top
        class) or at which even the optimistic end of the top class's share could not reject at n draws
        (ABSTAIN). The guarantee is the same: a union bound over the looks keeps the probability of
        returning a class other than g(x) at most alpha, whatever look it stops at.
        ``last_evaluations`` is the number of model inputs used.
        """
        x = self._check_x(x)
        n, batch_size = V.check_draw_count("n", n), V.check_positive_int("batch_size", batch_size)
        alpha = V.check_alpha(alpha)
        adaptive, _, _ = check_adaptive_options(adaptive, None, D.TOLERANCE)
        seed = _seed(seed)
        looks = look_schedule(n, batch_size) if adaptive else [n]
        counts, done = np.zeros(self.num_classes, dtype=np.int64), 0
        levels = look_levels(alpha, len(looks))
        for j, (m, level) in enumerate(zip(looks, levels)):
            counts += self._counts(x, m - done, batch_size, seed, done)
            done = m
            stop, cls = predict_decision(counts, m, n, level, levels[-1], j == len(looks) - 1)
            if stop:
                break
        self.last_counts, self.last_evaluations = counts, done
        return ABSTAIN if cls is None else cls

    def certify(self, x, n0=D.N0, n=D.N, alpha=D.ALPHA, batch_size=D.BATCH_SIZE, seed=None, top2=False,
                adaptive=False, radii=None, tolerance=D.TOLERANCE):
        """(class, radius): the smoothed class at x and a radius in `self.norm` around x within which
        it cannot change, or (ABSTAIN, 0.0).

        n0 noisy draws pick the guess c_A; n fresh draws count n_A; pA is the one-sided
        Clopper-Pearson lower bound at level alpha (top2=True: alpha/2 for pA and alpha/2 split over
        the other classes for an upper bound pB on the runner-up). Abstains when the certificate fails
        at radius 0. The radius comes from the noise's radius curve (binary) or the top-2 certificate.

        adaptive=True spends at most n draws: it counts at the looks of ``sequential.look_schedule(n,
        batch_size)`` (1000 draws, 1.5 times as many at each further look, then n; no look smaller than
        batch_size) and bounds at each look at its level of ``sequential.look_levels(alpha, K)`` for K
        looks (alpha/2 on the last, alpha/2 split over the others; a top-2 Monte Carlo certificate uses
        alpha_mc / K). It stops as soon as more draws cannot change the answer: with `radii`
        (increasing, in `self.norm`) when the next listed radius above the certified one is out of reach
        even at n draws (projected from the optimistic end of this look's confidence interval) or none
        is left, and it returns the largest listed radius certified (0.0 when the class is certified but
        no listed radius is); without radii when the radius could grow by at most `tolerance` (relative)
        with the remaining draws, or when abstaining is clear. The answer depends only on (x, seed, n0,
        n, alpha, the options) and, when batch_size exceeds 1000, on batch_size (through the first
        look). ``last_evaluations``: the model inputs used, n0 included (n0 + n when adaptive=False).

        Guarantee: with probability at least 1 - alpha - alpha_mc over the draws (alpha_mc = 0 for
        closed/exact certificates, the Monte Carlo failure probability otherwise), if the class is
        not ABSTAIN then g(x + delta) = class for every ||delta||_norm < radius. With adaptive=True
        this holds at the data-dependent stopping look: the bound of look j is wrong with
        probability at most its level alpha_j, so the bound of whichever look it stops at is wrong
        with probability at most alpha_1 + ... + alpha_K = alpha (union bound; see sequential.py).
        """
        x = self._check_x(x)
        n0, n = V.check_draw_count("n0", n0), V.check_draw_count("n", n)
        batch_size = V.check_positive_int("batch_size", batch_size)
        alpha = V.check_alpha(alpha)
        if not isinstance(top2, (bool, np.bool_)):
            raise TypeError(f"top2 must be True or False, got {top2!r}")
        adaptive, radii, tolerance = check_adaptive_options(adaptive, radii, tolerance)
        seed = _seed(seed)
        guess = int(self._counts(x, n0, batch_size, seed, 0).argmax())
        looks = look_schedule(n, batch_size) if adaptive else [n]
        certificate = self._certificate(bool(top2), len(looks), radii)
        levels = look_levels(alpha, len(looks))
        counts, done = np.zeros(self.num_classes, dtype=np.int64), 0
        for j, (m, level) in enumerate(zip(looks, levels)):
            counts += self._counts(x, m - done, batch_size, seed, n0 + done)
            done = m
            bounds = Bounds(counts, guess, m, n, level, levels[-1], bool(top2))
            stop, radius = decide(bounds, certificate, radii, tolerance, j == len(looks) - 1)
            if stop:
                break
        self.last_counts, self.last_pA, self.last_pB = counts, bounds.pA, bounds.pB
        self.last_evaluations = n0 + done
        if radius is None:
            return ABSTAIN, 0.0
        return guess, float(radius)

    def _certificate(self, top2, looks, radii):
        """The radii and radius checks of one certify call (memoized): binary ones from the radius
        curve, top-2 ones from the top-2 certificate. A top-2 Monte Carlo certificate runs at
        alpha_mc divided by the number of statements the call may make (looks, times the listed radii
        with radii), so that whichever is reported holds with probability >= 1 - alpha_mc."""
        opts = dict(self.cert_opts)
        if top2 and self.method == "mc":
            opts["alpha_mc"] = opts["alpha_mc"] / (looks * (len(radii) if radii else 1))
        return _Certificate(self, opts)

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




class _Certificate:
    """Radii and radius checks for one certify call, memoized (a look's bounds are often a
    previous look's projection)."""

    def __init__(self, smooth, opts):
        self.smooth, self.opts, self.memo = smooth, opts, {}

    def radius(self, pA, pB):
        key = ("radius", pA, pB)
        if key not in self.memo:
            s = self.smooth
            self.memo[key] = (s._binary_radius(pA) if pB is None else float(
                certified_radius(s.noise, pA, pB, norm=s.norm, method=s.method, **self.opts)))
        return self.memo[key]

    def certifies(self, r, pA, pB):
        """Whether (pA, pB) certify radius r: the binary curve's radius >= r, or the top-2
        certificate L(r, pA) > 1 - L(r, 1 - pB) with one lower_bound call for both."""
        if pB is None:
            return self.radius(pA, None) >= r
        key = ("certifies", r, pA, pB)
        if key not in self.memo:
            s = self.smooth
            one_minus_pB = np.nextafter(1.0 - pB, 0.0)  # rounded down, as the top-2 radius does
            low_a, low_b = lower_bound(s.noise, np.array([pA, one_minus_pB]), r, norm=s.norm, method=s.method,
                                       **self.opts)
            self.memo[key] = bool(low_a > np.nextafter(1.0 - low_b, 2.0))
        return self.memo[key]
