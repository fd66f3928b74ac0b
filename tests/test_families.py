"""Family ids (kernels/families.py): every dispatch on them ends in an error for an unknown id, on
every target and in every driver; and importing the package or its kernels changes no numba setting."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import fastsmooth as fs
from fastsmooth.kernels import cpu, families
from fastsmooth.kernels.device import define

PLAIN = define(lambda f: f)  # the same source as plain Python
UNKNOWN = 99
SPECS = [fs.L2Centripetal(9, 4.5, 1.0).kernel_spec(), fs.MixedLinfL2(9, 2.0, 0.8).kernel_spec()]
K0, K1 = families.seed_words(12345)
RADII, LOWS, INV_WIDTHS = np.array([0.1, 0.6]), np.array([-3.0, -6.0]), np.array([8.0, 4.0])
NAMES_ID = r"family id.*\b99\b"


def test_family_ids_are_the_noises_ones():
    assert [noise.kernel_spec().family for noise in (fs.L2Centripetal(9, 4.5, 1.0), fs.Gaussian(9, 1.0),
                                                     fs.L1Centripetal(9, 2.0, 0.7), fs.Laplace(9, 0.5),
                                                     fs.LinfCentripetal(9, 3.0, 1.0), fs.MixedLinfL2(9, 2.0, 0.8))] \
        == [families.L2, families.GAUSSIAN, families.L1, families.L1, families.LINF, families.MIXED]
    assert sorted(families.FAMILY_IDS.values()) == list(range(5))


@pytest.mark.parametrize("spec", SPECS, ids=["no-table", "table"])
def test_plain_dispatchers_refuse_an_unknown_id(spec):
    """The device dispatchers as plain Python (the CPU's and the simulator's source): fill_row,
    sample_stats and log_ratio raise for id 99 where they once drew Gaussian rows or mixed statistics;
    sample_stats and log_ratio raise for LINF too (it has no log-ratio)."""
    row = np.zeros(9, np.float32)
    with pytest.raises(ValueError, match=NAMES_ID):
        PLAIN["fill_row"](row, UNKNOWN, spec.shape, spec.scale, spec.table, spec.log_tau, K0, K1, np.uint64(3))
    for family in (UNKNOWN, families.LINF):
        with pytest.raises(ValueError, match=rf"family id.*\b{family}\b"):
            PLAIN["sample_stats"](family, spec.shape, 9, spec.table, spec.log_tau, K0, K1, np.uint64(3), 1)
        with pytest.raises(ValueError, match=rf"family id.*\b{family}\b"):
            PLAIN["log_ratio"](family, 1.0, 0.5, 0.2, -0.5, 0.1, 9, spec.k, spec.scale)


def test_compiled_dispatchers_refuse_an_unknown_id():
    """The same dispatchers compiled for the CPU: a constant message there (device.define says why;
    the drivers, which check first, name the id)."""
    spec = SPECS[0]
    with pytest.raises(ValueError, match="unknown kernel family id"):
        cpu.dev["fill_row"](np.zeros(9, np.float32), UNKNOWN, spec.shape, spec.scale, spec.table, spec.log_tau, K0, K1,
                            np.uint64(3))
    for family in (UNKNOWN, families.LINF):
        with pytest.raises(ValueError, match="unknown kernel family id"):
            cpu.dev["sample_stats"](family, spec.shape, 9, spec.table, spec.log_tau, K0, K1, np.uint64(3), 1)
        with pytest.raises(ValueError, match="unknown kernel family id"):
            cpu.dev["log_ratio"](family, 1.0, 0.5, 0.2, -0.5, 0.1, 9, spec.k, spec.scale)


@pytest.mark.parametrize("spec", SPECS, ids=["no-table", "table"])
def test_cpu_drivers_refuse_an_unknown_id(spec):
    bad = spec._replace(family=UNKNOWN)
    with pytest.raises(ValueError, match=NAMES_ID):
        cpu.fill(np.zeros((4, 9), np.float32), bad, 1)
    with pytest.raises(ValueError, match=NAMES_ID):
        cpu.reduce(bad, 40, 0, RADII, LOWS, INV_WIDTHS, 48, 1, 1)
    with pytest.raises(ValueError, match=NAMES_ID):
        cpu.sample_stats(bad, 40, 0, 1, 1)
    with pytest.raises(ValueError, match=NAMES_ID):
        cpu.log_ratios_of(bad, np.ones((4, 4)), RADII)
    linf = spec._replace(family=families.LINF)  # samples, but has no log-ratio
    with pytest.raises(ValueError, match=r"family id.*\b2\b"):
        cpu.reduce(linf, 40, 0, RADII, LOWS, INV_WIDTHS, 48, 1, 1)
    with pytest.raises(ValueError, match=r"family id.*\b2\b"):
        cpu.sample_stats(linf, 40, 0, 1, 1)
    with pytest.raises(ValueError, match=r"family id.*\b2\b"):
        cpu.log_ratios_of(linf, np.ones((4, 4)), RADII)


def test_cpu_kernels_end_their_dispatch_in_an_error():
    """The compiled kernels behind the drivers refuse an unknown id themselves (outside their parallel
    loops, where numba can raise), should anything call them directly."""
    spec = SPECS[0]
    with pytest.raises(ValueError, match=NAMES_ID):
        cpu._fill(np.zeros((4, 9), np.float32), UNKNOWN, spec.shape, spec.scale, spec.table, spec.log_tau, K0, K1,
                  np.uint64(0), 256)
    with pytest.raises(ValueError, match=NAMES_ID):
        cpu._sample_stats_of(UNKNOWN, 40, 0, spec.shape, 9, spec.table, spec.log_tau, K0, K1, 1)
    with pytest.raises(ValueError, match=NAMES_ID):
        cpu._log_ratios_of(UNKNOWN, np.ones((4, 4)), RADII, 9, spec.k, spec.scale)
    with pytest.raises(ValueError, match=NAMES_ID):
        cpu._reduce_per_sample(UNKNOWN, 40, 0, spec.shape, 9, spec.k, spec.scale, spec.table, spec.log_tau, RADII,
                               LOWS, INV_WIDTHS, 48, K0, K1, 1, 2)


def _run(script, **env):
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True,
                          timeout=300, env=dict(os.environ, **env))
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_gpu_drivers_refuse_an_unknown_id_under_the_simulator():
    """gpu.fill and gpu.reduce check the id before a launch; a kernel launched with id 99 anyway
    stops in the device dispatch (the simulator runs the device functions' source)."""
    out = _run("""
        import numpy as np
        import fastsmooth as fs
        from fastsmooth.kernels import families, gpu
        spec = fs.L1Centripetal(9, 2.0, 0.7).kernel_spec()
        radii, lows, inv_widths = np.array([0.1]), np.array([-3.0]), np.array([8.0])
        for call in (lambda: gpu.fill(np.zeros((2, 9), np.float32), spec._replace(family=99), 1),
                     lambda: gpu.reduce(spec._replace(family=99), 4, 0, radii, lows, inv_widths, 8, 1, 1),
                     lambda: gpu.reduce(spec._replace(family=families.LINF), 4, 0, radii, lows, inv_widths, 8, 1, 1)):
            try:
                call()
            except ValueError as exc:
                print("refused:", exc)
        k0, k1 = families.seed_words(1)
        try:
            gpu._fill_kernel[1, 2](np.zeros((2, 9), np.float32), 99, spec.shape, spec.scale, spec.table,
                                   spec.log_tau, k0, k1, np.uint64(0))
        except Exception as exc:  # the simulator re-raises a thread's exception
            print("kernel stopped:", type(exc).__name__, exc)
    """, NUMBA_ENABLE_CUDASIM="1")
    lines = out.strip().splitlines()
    assert len(lines) == 4, out
    assert all("unknown kernel family id 99" in line for line in lines[:2]), out
    assert "kernel family id 2 (linf) is not one this kernel takes" in lines[2], out
    assert lines[3].startswith("kernel stopped:") and "unknown kernel family id" in lines[3], out


def test_importing_the_package_touches_no_numba_setting():
    """import fastsmooth loads neither numba nor the compiled kernels, and importing the kernels
    leaves numba.config.CACHE_DIR as it was (each cached function is made inside
    config.numba_cache_dir, which restores it) while their caches go to cpu.CACHE_DIR."""
    env = {"NUMBA_CACHE_DIR": ""}
    out = _run("""
        import sys
        import fastsmooth
        loaded = sorted(m for m in sys.modules if m == "numba" or m.startswith("numba.")
                        or m == "fastsmooth.kernels.cpu" or m == "fastsmooth.kernels.gpu")
        assert not loaded, loaded
        import numba
        assert numba.config.CACHE_DIR == "", numba.config.CACHE_DIR
        print("ok")
    """, **env)
    assert out.strip() == "ok"
    out = _run("""
        import os
        import numba
        before = numba.config.CACHE_DIR
        from fastsmooth.kernels import cpu
        assert numba.config.CACHE_DIR == before, (numba.config.CACHE_DIR, before)
        for fn in (cpu._fill, cpu._reduce_l2, cpu.dev["fill_row"], cpu.dev["philox"]):
            assert fn._cache.cache_path.startswith(cpu.CACHE_DIR + os.sep), (fn, fn._cache.cache_path)
        print("ok", before == "")
    """, **env)
    assert out.strip() == "ok True"


@pytest.mark.parametrize("simulator", ["1", "0"], ids=["simulator", "numba-cuda"])
def test_importing_the_gpu_kernels_leaves_nvvm_alone(simulator):
    """Importing kernels/gpu.py does not wrap numba-cuda's NVVM entry point; configure_nvvm() does,
    once (a second call keeps the same wrapper), where there is an NVVM (not under the simulator)."""
    out = _run("""
        from fastsmooth.kernels import gpu
        try:
            from numba.cuda.cudadrv import nvvm
            original = nvvm.compile_ir
        except (ImportError, AttributeError):
            print("no nvvm")
            raise SystemExit
        assert not getattr(original, "fastsmooth_wrapper", False)
        gpu.configure_nvvm()
        wrapped = nvvm.compile_ir
        gpu.configure_nvvm()
        assert nvvm.compile_ir is wrapped
        print("wrapped" if getattr(wrapped, "fastsmooth_wrapper", False) else "unchanged")
    """, NUMBA_ENABLE_CUDASIM=simulator)
    assert out.strip() in ("no nvvm", "unchanged", "wrapped")
    if simulator == "0":
        assert out.strip() in ("no nvvm", "wrapped")
