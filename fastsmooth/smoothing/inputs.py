"""The user's model and data for `fastsmooth certify`: picklable model sources (so that Ray workers
build the model themselves) and loaders for (X, y) files and image folders."""
import importlib
import io
import os

import numpy as np
import torch

from .smooth import Smooth


class ModelSource:
    """A torch model described so that any process can build it: a TorchScript file, a
    ``package.module:factory`` import path (with an optional state-dict file), or a state dict of
    the demo's SmallCNN (what `fastsmooth train` writes). Files are read once, here, and their bytes
    travel with the object, so workers on other machines need no shared file system; an import
    path must be importable on every worker."""

    def __init__(self, spec, state_dict=None):
        if not isinstance(spec, str) or not spec:
            raise TypeError(f"--model must be a file or a package.module:factory path, got {spec!r}")
        self.spec, self.state_dict_path = spec, state_dict
        self.state_bytes = None
        if state_dict is not None:
            if not os.path.isfile(state_dict):
                raise ValueError(f"--state-dict: no such file {state_dict!r}")
            self.state_bytes = _read(state_dict)
        if os.path.isfile(spec):
            self.file_bytes = _read(spec)
            self.kind = "torchscript" if _is_torchscript(self.file_bytes) else "demo-state-dict"
            if self.kind == "demo-state-dict" and state_dict is not None:
                raise ValueError("--state-dict goes with a package.module:factory --model, not with a model file")
        elif ":" in spec and os.path.sep not in spec.split(":")[0]:
            self.kind, self.file_bytes = "factory", None
            _import_factory(spec)  # fail here, with a clear message, rather than on every worker
        else:
            raise ValueError(f"--model: no such file {spec!r}, and not a package.module:factory import path")

    def __call__(self):
        if self.kind == "torchscript":
            model = torch.jit.load(io.BytesIO(self.file_bytes), map_location="cpu")
        elif self.kind == "demo-state-dict":
            from .demo import SmallCNN
            model = SmallCNN()
            model.load_state_dict(torch.load(io.BytesIO(self.file_bytes), weights_only=True))
        else:
            model = _import_factory(self.spec)()
            if not callable(model):
                raise TypeError(f"--model {self.spec} returned {type(model).__name__}, not a torch module")
            if self.state_bytes is not None:
                model.load_state_dict(torch.load(io.BytesIO(self.state_bytes), weights_only=True))
        return model

    def __repr__(self):
        return f"ModelSource({self.spec!r}, kind={self.kind!r})"


def _read(path):
    with open(path, "rb") as fh:
        return fh.read()


def _is_torchscript(data):
    try:
        torch.jit.load(io.BytesIO(data), map_location="cpu")
        return True
    except Exception:  # noqa: BLE001 - anything torch.jit cannot read is not TorchScript
        return False


def _import_factory(spec):
    module_name, _, attr = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"--model {spec}: cannot import {module_name!r} ({exc})") from exc
    factory = module
    for part in attr.split("."):
        if not hasattr(factory, part):
            raise ValueError(f"--model {spec}: {module_name!r} has no attribute {attr!r}")
        factory = getattr(factory, part)
    if not callable(factory):
        raise ValueError(f"--model {spec}: {attr!r} is not callable")
    return factory


class SmoothFactory:
    """A picklable function of no arguments returning the Smooth of a ModelSource (for
    certify_dataset: with engine="ray" every worker calls it)."""

    def __init__(self, model, num_classes, noise, norm=None, method="auto", **cert_opts):
        self.model, self.num_classes, self.noise = model, num_classes, noise
        self.norm, self.method, self.cert_opts = norm, method, cert_opts

    def __call__(self):
        return Smooth(self.model(), self.num_classes, self.noise, norm=self.norm, method=self.method,
                      **self.cert_opts)


IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm", ".pgm")


class ImageFolder:
    """The images of a folder with one subfolder per class, in torchvision's ImageFolder layout and
    order (classes sorted by name, label = their index; files sorted within each), read lazily with
    Pillow as RGB and returned as (3, H, W) float32 tensors in [0, 1] (what ToTensor gives). Only the
    paths are kept, so the object travels cheaply to Ray workers (which read the files themselves)."""

    def __init__(self, root):
        self.root = root
        self.classes = sorted(e.name for e in os.scandir(root) if e.is_dir())
        self.samples = [(os.path.join(root, name, f), label) for label, name in enumerate(self.classes)
                        for f in sorted(os.listdir(os.path.join(root, name))) if f.lower().endswith(IMAGE_EXTENSIONS)]
        if not self.samples:
            raise ValueError(f"--data {root!r}: no images ({', '.join(IMAGE_EXTENSIONS)}) in class subfolders "
                             "(expected root/<class>/<image>)")

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, index):
        from PIL import Image
        path, label = self.samples[index]
        with Image.open(path) as image:
            pixels = np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0
        return torch.from_numpy(pixels).permute(2, 0, 1).contiguous(), label


def load_data(path):
    """(X, y) tensors from a .pt file (a tuple (X, y) or a dict with keys X and y, as torch.save
    writes them) or an .npz file (arrays X and y), or an ImageFolder of a folder with one subfolder
    of images per class (pixels in [0, 1])."""
    if os.path.isdir(path):
        return ImageFolder(path)
    if not os.path.isfile(path):
        raise ValueError(f"--data: no such file or folder {path!r}")
    if path.endswith(".npz"):
        with np.load(path) as arrays:
            if "X" not in arrays or "y" not in arrays:
                raise ValueError(f"--data {path!r}: an .npz needs arrays named X and y, it has {sorted(arrays)}")
            X, y = torch.from_numpy(np.asarray(arrays["X"], dtype=np.float32)), torch.from_numpy(arrays["y"])
    elif path.endswith((".pt", ".pth")):
        obj = torch.load(path, weights_only=True)
        if isinstance(obj, dict) and "X" in obj and "y" in obj:
            X, y = obj["X"], obj["y"]
        elif isinstance(obj, (tuple, list)) and len(obj) == 2:
            X, y = obj
        else:
            raise ValueError(f"--data {path!r}: a .pt file must hold (X, y) or {{'X': X, 'y': y}}")
        X, y = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y)
    else:
        raise ValueError(f"--data {path!r}: expected a .pt, .pth or .npz file or an image folder")
    if y.ndim != 1 or len(X) != len(y):
        raise ValueError(f"--data {path!r}: X has {len(X)} items and y has shape {tuple(y.shape)}; "
                         "y must hold one label per item")
    return X, y


def count_classes(model, x):
    """The number of scores the model gives one input (its class count)."""
    with torch.no_grad():
        out = model(x.unsqueeze(0).to(torch.float32))
    if isinstance(out, (tuple, list)):
        out = out[0]
    if not isinstance(out, torch.Tensor) or out.ndim != 2:
        raise ValueError(f"the model must map a batch (1, *x.shape) to scores (1, num_classes); it gave "
                         f"{getattr(out, 'shape', type(out).__name__)}: pass --num-classes")
    return int(out.shape[1])
