"""tools/gpu_check.py: its simulated run passes and reports every measurement; a failing check is
named last, with a non-zero exit."""
import json
import os
import subprocess
import sys

import pytest

import fastsmooth as fs

SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools", "gpu_check.py")


def test_simulated_gpu_check_passes_and_reports(tmp_path):
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, SCRIPT, "--simulate", str(out)], capture_output=True, text=True,
                          timeout=900, env=dict(os.environ, PYTHONUNBUFFERED="1"))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    assert lines[-1] == "gpu_check: all checks passed"
    assert "| check | result | seconds | figures |" in done.stdout
    report = json.loads((out / "gpu_check.json").read_text())
    assert report["device"] == "numba CUDA simulator (no GPU)" and report["simulate"] is True
    assert report["fastsmooth_version"] == fs.__version__ and report["commit"]
    assert report["failed_checks"] == [] and all(check["ok"] for check in report["checks"].values())
    assert set(report["checks"]) == {"environment", "cuda tests", "fill identity", "reduce identity", "L2 reduction",
                                     "fill rate", "mixed pass", "certify"}
    assert report["cuda_tests_passed"] >= 10 and report["cuda_tests_failed"] == 0
    assert report["fill_values_compared"] > 0 and report["reduce_samples_compared"] > 0
    for field in ("l2_reduction_1r_samples_per_s", "l2_reduction_8r_samples_per_s", "copy_values_per_s",
                  "fill_gaussian_values_per_s", "fill_mixed_values_per_s", "fill_l1_values_per_s",
                  "mixed_reduction_samples_per_s", "certify_samples_per_s", "reference_samples_per_s",
                  "noise_share_of_model_fastsmooth", "noise_share_of_model_reference"):
        assert isinstance(report[field], float) and report[field] > 0, field


def test_without_a_gpu_the_real_check_fails_naming_it(tmp_path):
    from numba import cuda
    if cuda.is_available():
        pytest.skip("a CUDA GPU is present: the no-GPU failure path does not apply")
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    done = subprocess.run([sys.executable, SCRIPT, str(out)], capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 1
    assert done.stdout.strip().splitlines()[-1] == "gpu_check: FAILED: environment"
    report = json.loads((out / "gpu_check.json").read_text())
    assert "no usable CUDA GPU" in report["checks"]["environment"]["error"]
