"""The CUDA half of fastsmooth checked and measured on a real GPU, in one command.

    python tools/gpu_check.py OUT_DIR [--commit SHA]        # on a machine with an NVIDIA GPU
    python tools/gpu_check.py --simulate OUT_DIR            # the same logic, tiny sizes, numba's CUDA simulator

It needs CUDA, torch, numba-cuda (and optionally cupy) but no network: if this checkout's fastsmooth
is not importable it installs it with `pip install --no-deps --no-build-isolation -e .` first. Then:

1. environment   the device's name, the versions, the package's version and commit
2. cuda tests    tests/test_cuda.py on the device (every GPU path against the CPU, bit for bit)
3. fill identity CPU and GPU fills of every family, for several seeds, offsets and sizes, compared bit
                 for bit (through the public noise.sample into torch CUDA tensors on a GPU)
4. reduce identity  the fused reductions' histograms of the L2, Gaussian, L1 and mixed families, CPU and
                 GPU, compared count for count
5. L2 reduction  fused L2Centripetal(3072, 3060, 4) reduction: samples/s on the GPU (and the CPU's)
6. fill rate     noise fill into a float32 (8192, 3072) CUDA tensor: values/s of every family, against a
                 device-to-device copy of the same tensor
7. mixed pass    a Monte Carlo certificate of MixedLinfL2(3072, 20, 0.25) on the GPU: seconds, samples/s
                 (under the simulator one lower_bound pass instead: its pilot alone would take minutes there)
8. certify       Smooth.certify on a ResNet-18 (CIFAR layout, random weights) at 3x32x32 against the
                 reference loop (x.repeat + randn_like + argmax per batch), and each one's noise time as a
                 share of the model's

It prints one table, writes OUT_DIR/gpu_check.json (one field per measurement, with the device name,
the package version and commit) and exits non-zero if any check failed, naming the failed checks last.
Sizes are planned for an H100/H200-class GPU: every check well inside a minute, JIT compiles included,
the whole run within 6 minutes. Record its figures in bench/RESULTS.md with the device's name.
"""
import argparse
import datetime
import json
import os
import subprocess
import sys
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The sizes on a GPU, by arithmetic (no GPU has run this yet): the CPU kernels compile in about 40 s
# (2 cores; cached afterwards), each CUDA kernel (one fill, one reduction) in well under a minute.
# Fill identity: 7 noises x 3 sizes x 3 seeds x 2 offsets, at most 4097 x 3072 values a fill (12.6e6:
# 0.1 s on the CPU at 1e8 values/s): about 15 s. Reduce identity: 4 families x 3 runs of <= 1e6 samples
# (2e4 for the mixed noise, 6e7 coordinate draws): a few seconds. The L2 rate: 2^27 samples a call, timed
# for 1 s. Fill rates: 25e6 values a fill, 0.5 s a family. The mixed certificate: 1e6 samples x 3072
# coordinates in the main pass plus the pilot, about 1e10 draws: seconds at >= 1e10 draws/s. Certify:
# 2 x 100,100 ResNet-18 evaluations at 32x32 (0.56 GFLOP each: about 110 TFLOP, a few seconds at the
# H200's fp32/tf32 rates) plus the parts alone. In all: about 3 minutes, under the 6 minutes asked.
SIZES = {  # (real GPU, simulator)
    "fill_d": (3072, 9), "fill_rows": ((1, 1000, 4097), (1, 3)), "seeds": ((0, 2**40 + 7, 2**64 - 1), (0, 2**64 - 1)),
    "offsets": ((0, 2**33 + 5), (0, 5)), "reduce_n": (1_000_000, 40), "reduce_n_mixed": (20_000, 20),
    "rate_n": (2**27, 200), "fill_rows_rate": (8192, 4), "mixed_n_mc": (1_000_000, 200),
    "certify_n": (100_000, 100), "certify_batch": (1000, 50), "resnet_width": (64, 4),
}


def size(name, simulate):
    return SIZES[name][1 if simulate else 0]


# ---- set-up ---------------------------------------------------------------------------------------
def ensure_simulator(simulate):
    """NUMBA_ENABLE_CUDASIM must be set before numba is imported: re-run this script with it set."""
    if simulate and os.environ.get("NUMBA_ENABLE_CUDASIM") != "1":
        os.environ["NUMBA_ENABLE_CUDASIM"] = "1"
        os.execv(sys.executable, [sys.executable] + sys.argv)


def ensure_installed():
    """Import this checkout's fastsmooth; install it (no network: --no-deps --no-build-isolation) if needed."""
    try:
        import fastsmooth
        import fastsmooth.kernels  # noqa: F401
        here = os.path.dirname(os.path.abspath(fastsmooth.__file__)) == os.path.join(ROOT, "fastsmooth")
    except ImportError:
        here = False
    if here:
        return
    if os.environ.get("FASTSMOOTH_GPU_CHECK_INSTALLED"):
        raise SystemExit("gpu_check: installed this checkout but still cannot import it; see the pip output above")
    print("gpu_check: installing this checkout (pip install --no-deps --no-build-isolation -e .)", flush=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "-e", ROOT],
                   check=True)
    os.environ["FASTSMOOTH_GPU_CHECK_INSTALLED"] = "1"
    os.execv(sys.executable, [sys.executable] + sys.argv)  # a fresh interpreter sees the new install


def commit_of(given):
    if given:
        return given
    try:
        out = subprocess.run(["git", "-C", ROOT, "rev-parse", "HEAD"], capture_output=True, text=True, timeout=20)
        if out.returncode == 0:
            dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                                   capture_output=True, text=True, timeout=20).stdout.strip()
            return out.stdout.strip() + ("+changes" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        pass
    return os.environ.get("FASTSMOOTH_COMMIT", "unknown")


# ---- helpers ---------------------------------------------------------------------------------------
def timed(fn, sync, min_seconds=1.0, max_reps=20):
    """(seconds per call, last result): fn() repeated until min_seconds have passed (at least twice)."""
    sync()
    reps, start, result = 0, time.perf_counter(), None
    while True:
        result = fn()
        sync()
        reps += 1
        elapsed = time.perf_counter() - start
        if (elapsed >= min_seconds and reps >= 2) or reps >= max_reps:
            return elapsed / reps, result


def first_mismatch(cpu, gpu):
    import numpy as np
    bad = np.argwhere(cpu != gpu)
    if bad.size == 0:
        return None
    where = tuple(int(i) for i in bad[0])
    return f"{len(bad)} values differ; first at {where}: cpu {cpu[where]!r}, gpu {gpu[where]!r}"


class Checks:
    def __init__(self, simulate):
        self.simulate = simulate
        import numpy as np
        import torch
        self.np, self.torch = np, torch
        self.cuda_torch = torch.cuda.is_available() and not simulate

    def sync(self):
        if self.cuda_torch:
            self.torch.cuda.synchronize()
        if not self.simulate:
            from numba import cuda
            cuda.synchronize()

    def noises(self, d):
        """Every family (and a Gamma shape of 0.25, the boost U^(1/a)) at dimension d (3072, or 9)."""
        import fastsmooth as fs
        big = d > 100
        return [("gaussian", fs.Gaussian(d, 0.25)), ("l2", fs.L2Centripetal(d, d - 12 if big else 4.5, 4.0)),
                ("laplace", fs.Laplace(d, 0.2)), ("l1", fs.L1Centripetal(d, d - 72 if big else 2.0, 0.2)),
                ("linf", fs.LinfCentripetal(d, d - 72 if big else 3.0, 0.25)),
                ("mixed", fs.MixedLinfL2(d, d - 72 if big else 2.0, 0.25)),
                ("l2-shape-0.25", fs.L2Centripetal(d, d - 0.5, 1.0))]

    # 1
    def environment(self):
        import numba
        import numpy as np
        import torch
        import fastsmooth as fs
        from importlib import metadata
        versions = {"python": sys.version.split()[0], "numpy": np.__version__, "numba": numba.__version__,
                    "torch": torch.__version__}
        for name in ("numba-cuda", "cupy-cuda13x", "cupy-cuda12x", "scipy"):
            try:
                versions[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                pass
        from fastsmooth.kernels import cpu  # noqa: F401 - the CPU kernels from the user's cache, before pytest
        if self.simulate:
            device = "numba CUDA simulator (no GPU)"
        else:
            from numba import cuda
            if not cuda.is_available():
                raise AssertionError("no usable CUDA GPU: numba.cuda.is_available() is False (use --simulate on a "
                                     "machine without one)")
            device = torch.cuda.get_device_name(0) if self.cuda_torch else cuda.get_current_device().name.decode()
        return {"device": device, "fastsmooth_version": fs.__version__, "versions": versions}

    # 2
    def cuda_tests(self):
        import pytest

        class Collect:
            def __init__(self):
                self.passed, self.failed, self.skipped = [], [], []

            def pytest_runtest_logreport(self, report):
                if report.when == "call" and report.passed:
                    self.passed.append(report.nodeid)
                elif report.failed:
                    self.failed.append(report.nodeid)
                elif report.skipped and report.when in ("setup", "call"):
                    self.skipped.append(report.nodeid)

        plugin = Collect()
        code = pytest.main(["-q", "-p", "no:cacheprovider", "-p", "no:randomly", "--rootdir", ROOT,
                            os.path.join(ROOT, "tests", "test_cuda.py")], plugins=[plugin])
        result = {"cuda_tests_passed": len(plugin.passed), "cuda_tests_failed": len(plugin.failed),
                  "cuda_tests_skipped": len(plugin.skipped)}
        if code not in (0,) or plugin.failed or not plugin.passed:
            raise AssertionError(f"pytest exit code {code}; failed: {plugin.failed or 'none'}; passed "
                                 f"{len(plugin.passed)}", result)
        return result

    # 3
    def fill_identity(self):
        np = self.np
        from fastsmooth.kernels import gpu
        d = size("fill_d", self.simulate)
        compared, problems = 0, []
        for name, noise in self.noises(d):
            spec = noise.kernel_spec()
            for rows in size("fill_rows", self.simulate):
                for seed in size("seeds", self.simulate):
                    for offset in size("offsets", self.simulate):
                        expected = noise.sample(rows, seed=seed, offset=offset)
                        if self.cuda_torch:  # the public path: into a CUDA tensor
                            out = self.torch.empty((rows, d), dtype=self.torch.float32, device="cuda")
                            noise.sample(rows, seed=seed, offset=offset, out=out)
                            got = out.cpu().numpy()
                        else:  # the simulator has no device arrays: its driver with a host array
                            got = np.zeros((rows, d), np.float32)
                            gpu.fill(got, spec, seed, offset)
                        compared += got.size
                        problem = first_mismatch(expected, got)
                        if problem:
                            problems.append(f"{name} rows={rows} seed={seed} offset={offset}: {problem}")
        if problems:
            raise AssertionError("; ".join(problems[:4]), {"fill_values_compared": compared})
        return {"fill_values_compared": compared}

    # 4
    def reduce_identity(self):
        np = self.np
        import fastsmooth as fs
        from fastsmooth.kernels import cpu, gpu
        d = size("fill_d", self.simulate)
        cases = [("l2", fs.L2Centripetal(d, d - 12 if d > 9 else 4.5, 4.0)), ("gaussian", fs.Gaussian(d, 0.25)),
                 ("l1", fs.L1Centripetal(d, d - 72 if d > 100 else 2.0, 0.2)),
                 ("mixed", fs.MixedLinfL2(d, 3000 if d == 3072 else 2.0, 0.25))]
        compared, problems = 0, []
        for name, noise in cases:
            largest = size("reduce_n_mixed" if name == "mixed" else "reduce_n", self.simulate)
            radii = np.array([0.05, 0.5]) * noise.rms * (1.0 if name != "mixed" else 0.1)
            lows, inv_widths, nbins = np.array([-8.0, -40.0]), np.array([300.0, 60.0]), 4096
            seeds = size("seeds", self.simulate)
            for seed, offset, n in ((seeds[0], 0, largest), (seeds[-1], 2**40, largest), (12345, 2**33 + 1, 777)):
                args = (noise.kernel_spec(), n, offset, radii, lows, inv_widths, nbins, seed, 1)
                expected = cpu.reduce(*args, chunks=8)
                got = gpu.reduce(*args)
                compared += int(got.sum())
                problem = first_mismatch(expected, got)
                if problem:
                    problems.append(f"{name} seed={seed} offset={offset} n={n}: {problem}")
        if problems:
            raise AssertionError("; ".join(problems[:4]), {"reduce_samples_compared": compared})
        return {"reduce_samples_compared": compared}

    # 5
    def l2_reduction(self):
        np = self.np
        import fastsmooth as fs
        from fastsmooth.kernels import cpu, gpu
        noise = fs.L2Centripetal(3072 if not self.simulate else 9, 3060 if not self.simulate else 4.5, 4.0)
        spec = noise.kernel_spec()
        n = size("rate_n", self.simulate)
        out = {}
        for radii_count in (1, 8):
            radii = np.linspace(0.1, 0.8, radii_count)
            lows, inv_widths = np.full(radii_count, -20.0), np.full(radii_count, 100.0)

            def run(count, driver=gpu, **tuning):
                return driver.reduce(spec, count, 0, radii, lows, inv_widths, 4096, 1, 1, **tuning)

            run(1000)  # compile
            seconds, counts = timed(lambda: run(n), self.sync)
            assert int(counts.sum()) == n * radii_count, "a sample was lost or counted twice"
            out[f"l2_reduction_{radii_count}r_samples_per_s"] = n / seconds
            cpu_n = max(1000, n // 64)
            cpu_seconds, _ = timed(lambda: run(cpu_n, cpu, chunks=8), lambda: None, min_seconds=0.5, max_reps=5)
            out[f"l2_reduction_{radii_count}r_cpu_samples_per_s"] = cpu_n / cpu_seconds
        return out

    # 6
    def fill_rate(self):
        torch = self.torch
        rows, d = size("fill_rows_rate", self.simulate), size("fill_d", self.simulate)
        device = "cuda" if self.cuda_torch else "cpu"
        buffer = torch.empty((rows, d), dtype=torch.float32, device=device)
        source = torch.rand((rows, d), dtype=torch.float32, device=device)
        copy_seconds, _ = timed(lambda: buffer.copy_(source), self.sync, min_seconds=0.5, max_reps=50)
        out = {"copy_values_per_s": rows * d / copy_seconds,
               "copy_bytes_per_s": 2 * 4 * rows * d / copy_seconds}  # read and written
        randn_seconds, _ = timed(lambda: torch.randn(rows, d, out=buffer), self.sync, min_seconds=0.5, max_reps=50)
        out["torch_randn_values_per_s"] = rows * d / randn_seconds
        for name, noise in self.noises(d)[:6]:
            noise.sample(rows, seed=0, out=buffer)  # compile (once per process)
            seconds, _ = timed(lambda: noise.sample(rows, seed=1, out=buffer), self.sync, min_seconds=0.5, max_reps=50)
            out[f"fill_{name}_values_per_s"] = rows * d / seconds
            out[f"fill_{name}_share_of_copy"] = copy_seconds / seconds
        return out

    # 7
    def mixed_pass(self):
        """On a GPU, a whole certified_radius (pilot and main pass); under the simulator, whose threads
        are Python threads, one lower_bound pass (the pilot alone would take minutes there)."""
        import numpy as np
        import fastsmooth as fs
        from fastsmooth.certificates import montecarlo
        d = 3072 if not self.simulate else 9
        noise = fs.MixedLinfL2(d, 20 if not self.simulate else 2.0, 0.25)
        n_mc = size("mixed_n_mc", self.simulate)
        fs.lower_bound(noise, 0.99, 0.001, n_mc=100, device="cuda")  # compile and build the table
        start = time.perf_counter()
        if self.simulate:
            value = fs.lower_bound(noise, 0.99, 0.01, n_mc=n_mc, device="cuda")
            out = {"mixed_lower_bound": float(value)}
        else:
            value = fs.certified_radius(noise, 0.99, n_mc=n_mc, device="cuda")
            out = {"mixed_radius_linf": float(value)}
        out["mixed_certificate_seconds"] = time.perf_counter() - start
        law_seconds, _ = timed(lambda: montecarlo.HistogramLaw(noise, np.array([0.01]), n_mc, 0, "cuda"), self.sync,
                               min_seconds=0.5, max_reps=5)
        out.update({"mixed_reduction_samples_per_s": n_mc / law_seconds, "mixed_n_mc": n_mc})
        return out

    # 8
    def certify(self):
        torch = self.torch
        import fastsmooth as fs
        device = "cuda" if self.cuda_torch else "cpu"
        torch.backends.cudnn.benchmark = True
        model = resnet18(size("resnet_width", self.simulate)).to(device).eval()
        noise = fs.Gaussian(3 * 32 * 32, 0.25)
        x = torch.rand(3, 32, 32, generator=torch.Generator().manual_seed(0)).to(device)
        n, batch = size("certify_n", self.simulate), size("certify_batch", self.simulate)
        smooth = fs.Smooth(model, 10, noise)
        smooth.certify(x, 10, batch, 0.001, batch, seed=1)  # compile, cudnn autotune, the radius curve
        reference_counts(model, x, batch, batch, noise.sigma)
        start = time.perf_counter()
        smooth.certify(x, 100, n, 0.001, batch, seed=0)
        self.sync()
        ours = time.perf_counter() - start
        start = time.perf_counter()
        reference_counts(model, x, 100 + n, batch, noise.sigma)
        self.sync()
        reference = time.perf_counter() - start
        # the parts alone, over the same number of draws
        buffer = torch.empty((batch, noise.d), dtype=torch.float32, device=device)
        batches = (100 + n + batch - 1) // batch
        inputs = x.repeat((batch, 1, 1, 1))

        def model_only():
            with torch.no_grad():
                for _ in range(batches):
                    model(inputs).argmax(1)

        def fill_only():
            for i in range(batches):
                noise.sample(batch, seed=2, offset=i * batch, out=buffer)

        def randn_only():
            for _ in range(batches):
                torch.randn_like(inputs)

        model_seconds, _ = timed(model_only, self.sync, min_seconds=0.0, max_reps=2)
        fill_seconds, _ = timed(fill_only, self.sync, min_seconds=0.0, max_reps=2)
        randn_seconds, _ = timed(randn_only, self.sync, min_seconds=0.0, max_reps=2)
        draws = 100 + n
        return {"certify_draws": draws, "certify_batch": batch, "certify_samples_per_s": draws / ours,
                "reference_samples_per_s": draws / reference, "certify_over_reference": reference / ours,
                "model_only_samples_per_s": draws / model_seconds,
                "noise_share_of_model_fastsmooth": fill_seconds / model_seconds,
                "noise_share_of_model_reference": randn_seconds / model_seconds}


def reference_counts(model, x, num, batch_size, sigma):
    """The Gaussian reference implementation's sampling loop (Cohen et al., core.py _sample_noise)."""
    import torch
    counts = torch.zeros(10, dtype=torch.long, device=x.device)
    with torch.no_grad():
        remaining = num
        while remaining > 0:
            this_batch = min(batch_size, remaining)
            remaining -= this_batch
            batch = x.repeat((this_batch, 1, 1, 1))
            noise = torch.randn_like(batch, device=x.device) * sigma
            predictions = model(batch + noise).argmax(1)
            counts += torch.bincount(predictions, minlength=10)
    return counts.cpu().numpy()


def resnet18(width=64, classes=10):
    """ResNet-18 in its CIFAR layout (3x3 stem, four stages of two basic blocks; 11.2M weights at width 64)."""
    import torch
    from torch import nn

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.short = nn.Sequential()
            if stride != 1 or cin != cout:
                self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

        def forward(self, x):
            out = torch.relu(self.bn1(self.conv1(x)))
            return torch.relu(self.bn2(self.conv2(out)) + self.short(x))

    layers, cin = [nn.Conv2d(3, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU()], width
    for i, stride in enumerate((1, 2, 2, 2)):
        cout = width * 2**i
        layers += [Block(cin, cout, stride), Block(cout, cout, 1)]
        cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, classes)]
    torch.manual_seed(0)
    return nn.Sequential(*layers)


CHECKS = [("environment", "environment"), ("cuda tests", "cuda_tests"), ("fill identity", "fill_identity"),
          ("reduce identity", "reduce_identity"), ("L2 reduction", "l2_reduction"), ("fill rate", "fill_rate"),
          ("mixed pass", "mixed_pass"), ("certify", "certify")]


def run(args):
    checks = Checks(args.simulate)
    report = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "simulate": args.simulate, "commit": commit_of(args.commit), "checks": {}}
    failed = []
    for label, method in CHECKS:
        start = time.perf_counter()
        print(f"gpu_check: {label} ...", flush=True)
        try:
            figures, ok, error = getattr(checks, method)(), True, None
        except Exception as exc:  # noqa: BLE001 - every failure is reported, and the next check still runs
            ok, error = False, f"{type(exc).__name__}: {exc.args[0] if exc.args else exc}"
            figures = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], dict) else {}
            traceback.print_exc()
            failed.append(label)
        seconds = time.perf_counter() - start
        report["checks"][label] = {"ok": ok, "seconds": round(seconds, 3), "error": error}
        report.update(figures)
        if label == "environment" and not ok:
            report.setdefault("device", "unknown")
            break  # nothing else can run
    import fastsmooth
    report.setdefault("fastsmooth_version", fastsmooth.__version__)
    report["failed_checks"] = failed
    os.makedirs(args.out_dir, exist_ok=True)
    path = os.path.join(args.out_dir, "gpu_check.json")
    with open(path, "w") as fh:
        json.dump(report, fh, indent=1, sort_keys=True, default=str)
        fh.write("\n")
    print(table(report))
    print(f"gpu_check: wrote {path}")
    print(f"gpu_check: FAILED: {', '.join(failed)}" if failed else "gpu_check: all checks passed")
    return 1 if failed else 0


def _g(value):
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def table(report):
    """One table: each check, its status and time, and its figures."""
    lines = [f"fastsmooth {report.get('fastsmooth_version')} at {report['commit']} on {report.get('device')} "
             f"({report['date']})", "", "| check | result | seconds | figures |", "|---|---|---|---|"]
    keys = {"environment": ("device",), "cuda tests": ("cuda_tests_passed", "cuda_tests_failed", "cuda_tests_skipped"),
            "fill identity": ("fill_values_compared",), "reduce identity": ("reduce_samples_compared",),
            "L2 reduction": ("l2_reduction_1r_samples_per_s", "l2_reduction_8r_samples_per_s",
                             "l2_reduction_1r_cpu_samples_per_s"),
            "fill rate": ("copy_values_per_s", "torch_randn_values_per_s", "fill_gaussian_values_per_s",
                          "fill_gaussian_share_of_copy", "fill_l2_values_per_s", "fill_l1_values_per_s",
                          "fill_mixed_values_per_s"),
            "mixed pass": ("mixed_certificate_seconds", "mixed_reduction_samples_per_s", "mixed_radius_linf",
                           "mixed_lower_bound"),
            "certify": ("certify_samples_per_s", "reference_samples_per_s", "certify_over_reference",
                        "noise_share_of_model_fastsmooth", "noise_share_of_model_reference")}
    for label, _ in CHECKS:
        check = report["checks"].get(label)
        if check is None:
            lines.append(f"| {label} | not run | | |")
            continue
        figures = ", ".join(f"{k} {_g(report[k])}" for k in keys[label] if k in report)
        status = "pass" if check["ok"] else f"FAIL: {check['error']}"
        lines.append(f"| {label} | {status} | {check['seconds']:.1f} | {figures} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Check and measure fastsmooth's CUDA half on a GPU (one command).")
    parser.add_argument("out_dir", help="folder for gpu_check.json")
    parser.add_argument("--simulate", action="store_true",
                        help="tiny sizes under numba's CUDA simulator (no GPU needed): the same logic, for CI")
    parser.add_argument("--commit", default=None, help="the commit to record (default: git rev-parse HEAD)")
    args = parser.parse_args(argv)
    ensure_simulator(args.simulate)
    ensure_installed()
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
