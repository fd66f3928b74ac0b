"""certify_dataset on Ray: the same rows as the local engine, a killed worker's items re-queued, a
killed driver resumed, a bad item named, a clear error without Ray, and the certify command on a
user's model and data. The module starts one local Ray cluster (2 CPUs) and every test uses it."""
import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import ray
import torch

import fastsmooth as fs
from fastsmooth.smoothing import certify_dataset

D, CLASSES = 16, 3
ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers cannot import this test file


class SlowLinear(torch.nn.Module):
    """A linear classifier that sleeps `pause` seconds per batch, so that a run lasts long enough to
    be interrupted."""

    def __init__(self, pause=0.0):
        super().__init__()
        torch.manual_seed(0)
        self.linear = torch.nn.Linear(D, CLASSES)
        self.pause = pause

    def forward(self, x):
        if self.pause:
            time.sleep(self.pause)
        return self.linear(x.flatten(1))


def dataset(num=12):
    generator = torch.Generator().manual_seed(1)
    return torch.rand(num, 1, 4, 4, generator=generator), torch.randint(0, CLASSES, (num,), generator=generator)


def make_smooth(pause=0.0):
    return fs.Smooth(SlowLinear(pause), CLASSES, fs.Gaussian(D, 0.25))


RUN = {"n0": 50, "n": 1000, "batch_size": 500, "seed": 3, "progress": False}


def rows_without_time(path):
    """Every row's columns except `time` (the header included): what must not depend on the engine."""
    with open(path) as fh:
        lines = [line.rstrip("\n").split("\t") for line in fh]
    column = lines[0].index("time")
    return [line[:column] + line[column + 1:] for line in lines]


@pytest.fixture(scope="module")
def cluster():
    """One local Ray cluster of 2 CPUs for the module; certify_dataset uses it (Ray is initialized)."""
    context = ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, namespace="fastsmooth")
    yield context.address_info["gcs_address"]
    ray.shutdown()


@pytest.fixture(scope="module")
def local_rows(tmp_path_factory):
    """The local engine's rows for dataset(16) under RUN."""
    path = tmp_path_factory.mktemp("local") / "local.tsv"
    certify_dataset(make_smooth(), dataset(16), str(path), **RUN)
    return rows_without_time(path)


def test_ray_rows_equal_the_local_engine(cluster, local_rows, tmp_path):
    path = tmp_path / "ray.tsv"
    certify_dataset(make_smooth(), dataset(16), str(path), engine="ray", num_workers=2, **RUN)
    rows = rows_without_time(path)
    assert rows == local_rows and len(rows) == 17
    # the top-2 certificate and a factory (the model built on each worker) give the local rows too
    certify_dataset(make_smooth(), dataset(5), str(tmp_path / "top2_local.tsv"), top2=True, **RUN)
    certify_dataset(make_smooth, dataset(5), str(tmp_path / "top2_ray.tsv"), top2=True, engine="ray",
                    num_workers=2, **RUN)
    assert rows_without_time(tmp_path / "top2_ray.tsv") == rows_without_time(tmp_path / "top2_local.tsv")


def test_adaptive_rows_equal_the_local_engine(cluster, tmp_path):
    """Adaptive certification (radii and tolerance modes) gives the same rows, evaluations included,
    on both engines; the CLI's --adaptive --radii writes them too."""
    run = dict(RUN, n=4000)
    for name, opts in (("radii", {"radii": [0.05, 0.1, 0.2]}), ("tol", {"tolerance": 0.02})):
        certify_dataset(make_smooth(), dataset(6), str(tmp_path / f"{name}_local.tsv"), adaptive=True, **opts, **run)
        certify_dataset(make_smooth, dataset(6), str(tmp_path / f"{name}_ray.tsv"), adaptive=True, engine="ray",
                        num_workers=2, **opts, **run)
        local = rows_without_time(tmp_path / f"{name}_local.tsv")
        assert rows_without_time(tmp_path / f"{name}_ray.tsv") == local and local[0][-1] == "evaluations"
        evaluations = [int(row[-1]) for row in local[1:]]
        assert all(50 + 1000 <= e <= 50 + 4000 for e in evaluations) and min(evaluations) < 4050


def _count_rows(path):
    try:
        with open(path) as fh:
            return sum(1 for line in fh if line.endswith("\n")) - 1
    except FileNotFoundError:
        return -1


def test_killed_worker_items_are_requeued(cluster, local_rows, tmp_path):
    path = tmp_path / "ray.tsv"
    errors = []

    def work():
        try:
            certify_dataset(make_smooth(pause=0.05), dataset(16), str(path), engine="ray", num_workers=2, **RUN)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    deadline = time.time() + 120
    while _count_rows(path) < 2 and time.time() < deadline:
        time.sleep(0.05)
    names = [a["name"] for a in ray.util.list_named_actors(all_namespaces=True) if a["name"].startswith("certify-")]
    assert names, "no worker to kill"
    ray.kill(ray.get_actor(names[0], namespace="fastsmooth"), no_restart=True)
    killed_at = _count_rows(path)
    thread.join(180)
    assert not thread.is_alive() and not errors, errors
    assert 2 <= killed_at < 16  # the worker died mid-run
    assert rows_without_time(path) == local_rows  # every index once, the local values


DRIVER = """
import sys
sys.path.insert(0, {tests!r})
import test_distributed as t
t.ray.init(address={address!r}, namespace="fastsmooth", log_to_driver=False)
t.certify_dataset(t.make_smooth(pause=0.05), t.dataset(16), {path!r}, engine="ray", num_workers=2, **t.RUN)
"""


def test_killed_driver_resumes(cluster, local_rows, tmp_path):
    path = str(tmp_path / "ray.tsv")
    script = tmp_path / "driver.py"
    script.write_text(DRIVER.format(tests=os.path.dirname(__file__), address=cluster, path=path))
    driver = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while _count_rows(path) < 3 and time.time() < deadline and driver.poll() is None:
        time.sleep(0.02)
    os.kill(driver.pid, signal.SIGKILL)
    driver.wait()
    written = _count_rows(path)
    assert driver.returncode == -signal.SIGKILL and 3 <= written < 16, driver.stderr.read().decode()[-2000:]
    certify_dataset(make_smooth(), dataset(16), path, engine="ray", num_workers=2, **RUN)
    assert rows_without_time(path) == local_rows


def test_bad_item_is_named_and_earlier_rows_kept(cluster, tmp_path):
    X, y = dataset(8)
    items = [(X[i], y[i]) for i in range(8)]
    items[5] = (torch.rand(3, 3), y[5])  # 9 elements where the noise has 16
    path = tmp_path / "ray.tsv"
    with pytest.raises(ValueError, match="item 5: x has 9 elements"):
        certify_dataset(make_smooth(), items, str(path), engine="ray", num_workers=2, **RUN)
    assert [row[0] for row in rows_without_time(path)[1:]] == ["0", "1", "2", "3", "4"]


def test_engine_arguments_are_checked(tmp_path):
    path = tmp_path / "r.tsv"
    with pytest.raises(ValueError, match="engine must be"):
        certify_dataset(make_smooth(), dataset(2), str(path), engine="dask")
    with pytest.raises(ValueError, match='num_workers is an option of engine="ray"'):
        certify_dataset(make_smooth(), dataset(2), str(path), num_workers=2)
    with pytest.raises(ValueError, match="num_workers must be an integer >= 1"):
        certify_dataset(make_smooth(), dataset(2), str(path), engine="ray", num_workers=0)
    with pytest.raises(ValueError, match="unknown key 'gpus'"):
        certify_dataset(make_smooth(), dataset(2), str(path), engine="ray", resources_per_worker={"gpus": 1})
    with pytest.raises(TypeError, match="must return a fastsmooth.Smooth"):
        certify_dataset(lambda: 3, dataset(2), str(path))
    assert not path.exists()


def test_without_ray_the_error_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now raises ImportError
    path = tmp_path / "r.tsv"
    with pytest.raises(ImportError, match=r'pip install "fastsmooth\[ray\]"'):
        certify_dataset(make_smooth(), dataset(2), str(path), engine="ray")
    assert not path.exists()


def test_certify_command_on_a_users_model_and_data(cluster, tmp_path, capsys):
    """A TorchScript model and an .npz of (X, y), as a user brings them; the import-path form of
    --model with --state-dict; local and Ray give the same rows."""
    from fastsmooth.cli import main
    X, y = dataset(6)
    np.savez(tmp_path / "data.npz", X=X.numpy(), y=y.numpy())
    torch.jit.trace(SlowLinear(), torch.rand(2, 1, 4, 4)).save(str(tmp_path / "model.ts"))
    common = ["--noise", "gaussian", "--d", str(D), "--sigma", "0.25", "--n0", "50", "--n-samples", "1000",
              "--batch", "500", "--seed", "3", "--data", str(tmp_path / "data.npz")]
    assert main(["certify", *common, "--model", str(tmp_path / "model.ts"), "--out", str(tmp_path / "local.tsv")]) == 0
    assert main(["certify", *common, "--model", str(tmp_path / "model.ts"), "--out", str(tmp_path / "ray.tsv"),
                 "--engine", "ray", "--workers", "2", "--address", cluster]) == 0
    expected = rows_without_time(tmp_path / "local.tsv")
    assert rows_without_time(tmp_path / "ray.tsv") == expected and len(expected) == 7
    # the same rows as the Python API with the same model (classes counted from the model's output)
    certify_dataset(make_smooth(), dataset(6), str(tmp_path / "api.tsv"), **RUN)
    assert rows_without_time(tmp_path / "api.tsv") == expected
    # an import path: the demo's CNN with weights saved elsewhere, on 784-pixel inputs
    from fastsmooth.smoothing.demo import SmallCNN
    torch.manual_seed(0)
    torch.save(SmallCNN().state_dict(), tmp_path / "cnn.pt")
    digits = (torch.rand(3, 1, 28, 28), torch.tensor([0, 1, 2]))
    torch.save(digits, tmp_path / "digits.pt")
    assert main(["certify", "--noise", "gaussian", "--d", "784", "--sigma", "0.25", "--n0", "20", "--n-samples",
                 "200", "--batch", "100", "--model", "fastsmooth.smoothing.demo:SmallCNN", "--state-dict",
                 str(tmp_path / "cnn.pt"), "--data", str(tmp_path / "digits.pt"), "--out",
                 str(tmp_path / "cnn.tsv")]) == 0
    cnn = SmallCNN()
    cnn.load_state_dict(torch.load(tmp_path / "cnn.pt"))
    certify_dataset(fs.Smooth(cnn, 10, fs.Gaussian(784, 0.25)), digits, str(tmp_path / "cnn_api.tsv"), n0=20, n=200,
                    batch_size=100, progress=False)
    assert rows_without_time(tmp_path / "cnn.tsv") == rows_without_time(tmp_path / "cnn_api.tsv")
    # clear errors: an unknown module, Ray options without --engine ray, a folder without images
    assert main(["certify", *common, "--model", "no_such_module:f", "--out", str(tmp_path / "x.tsv")]) == 2
    assert "cannot import 'no_such_module'" in capsys.readouterr().err
    assert main(["certify", *common, "--model", str(tmp_path / "model.ts"), "--out", str(tmp_path / "x.tsv"),
                 "--workers", "2"]) == 2
    assert "need --engine ray" in capsys.readouterr().err
    (tmp_path / "empty" / "cat").mkdir(parents=True)
    assert main(["certify", *common[:-1], str(tmp_path / "empty"), "--model", str(tmp_path / "model.ts"),
                 "--out", str(tmp_path / "x.tsv")]) == 2
    assert "no images" in capsys.readouterr().err
    assert not (tmp_path / "x.tsv").exists()


def test_certify_command_on_an_image_folder(cluster, tmp_path):
    """A folder of PNG images in torchvision's ImageFolder layout (root/<class>/<image>) certifies with
    one command, locally and on Ray, with the rows of the Python API on the same pixels (known
    exactly: every pixel is k/255)."""
    from PIL import Image

    from fastsmooth.cli import main
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, size=(6, 4, 4, 3), dtype=np.uint8)
    labels = [0, 0, 0, 1, 1, 1]
    for i, (image, label) in enumerate(zip(pixels, labels)):
        folder = tmp_path / "images" / ("cat", "dog")[label]
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(folder / f"{i:02d}.png")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(48, 2))
    torch.jit.trace(model, torch.rand(2, 3, 4, 4)).save(str(tmp_path / "model.ts"))
    common = ["certify", "--noise", "gaussian", "--d", "48", "--sigma", "0.25", "--n0", "50", "--n-samples", "1000",
              "--batch", "500", "--seed", "3", "--model", str(tmp_path / "model.ts"),
              "--data", str(tmp_path / "images")]
    assert main([*common, "--out", str(tmp_path / "local.tsv")]) == 0
    assert main([*common, "--out", str(tmp_path / "ray.tsv"), "--engine", "ray", "--workers", "2",
                 "--address", cluster]) == 0
    X = torch.from_numpy(pixels.astype(np.float32) / 255.0).permute(0, 3, 1, 2).contiguous()
    certify_dataset(fs.Smooth(model, 2, fs.Gaussian(48, 0.25)), (X, torch.tensor(labels)), str(tmp_path / "api.tsv"),
                    **RUN)
    expected = rows_without_time(tmp_path / "api.tsv")
    assert len(expected) == 7
    assert rows_without_time(tmp_path / "local.tsv") == expected == rows_without_time(tmp_path / "ray.tsv")
