"""No process-wide side effects on import: heavy libraries load when used; numba's threading layer is
chosen at the first kernel launch, and only when the user made no choice."""

import os
import subprocess
import sys

import pytest


def _run(code: str, **env) -> str:
    full_env = {k: v for k, v in os.environ.items() if k != "NUMBA_THREADING_LAYER"}
    full_env.update(env)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full_env, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_import_cimsim_loads_no_heavy_library():
    loaded = _run("import sys, cimsim, cimsim.presets, cimsim.energy, cimsim.workloads; "
                  "print(sorted(m for m in ('numba', 'jax', 'brian2', 'matplotlib', 'sklearn', 'distributed') "
                  "if m in sys.modules))")
    assert loaded == "[]"


def test_documented_subpackages_are_attributes_after_a_plain_import():
    """``import cimsim; cimsim.jx.analog_model`` as docs/your-own-model.md writes it, in a fresh interpreter:
    the subpackage loads on first access (JAX only then), and an unknown name still raises AttributeError."""
    code = ("import sys, cimsim, snn; before = 'jax' in sys.modules; "
            "f = cimsim.jx.analog_model; g = snn.jx.fit; e = cimsim.energy.roofline; w = cimsim.workloads.train_mlp; "
            "print(before, 'jax' in sys.modules, 'jx' in dir(cimsim), callable(f) and callable(g) and callable(e) "
            "and callable(w), cimsim.jx is sys.modules['cimsim.jx'])")
    assert _run(code) == "False True True True True"
    out = subprocess.run([sys.executable, "-c", "import cimsim; cimsim.no_such_thing"], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 1 and "module 'cimsim' has no attribute 'no_such_thing'" in out.stderr


def test_import_snn_loads_no_jax():
    assert _run("import sys, snn; print('jax' in sys.modules)") == "False"


def test_numpy_backend_never_loads_numba():
    code = ("import sys, dataclasses, numpy as np, cimsim; "
            "cfg = dataclasses.replace(cimsim.presets.PCM, backend='numpy'); rng = np.random.default_rng(0); "
            "cimsim.program(np.ones((3, 4)), cfg, rng=rng).mvm(np.ones(4), rng=rng); print('numba' in sys.modules)")
    assert _run(code) == "False"


LAUNCH = ("import numpy as np, cimsim, numba; {pre}rng = np.random.default_rng(0); "
          "cimsim.program(np.ones((3, 4)), cimsim.presets.PCM, rng=rng).mvm(np.ones(4), rng=rng); "
          "print(numba.config.THREADING_LAYER)")


def test_threading_layer_chosen_at_first_launch():
    code = ("import numpy as np, cimsim, numba; before = numba.config.THREADING_LAYER; rng = np.random.default_rng(0); "
            "cimsim.program(np.ones((3, 4)), cimsim.presets.PCM, rng=rng).mvm(np.ones(4), rng=rng); "
            "print(before, numba.config.THREADING_LAYER)")
    assert _run(code) == "default workqueue"


@pytest.mark.parametrize("pre,env,expected", [
    ("", {"NUMBA_THREADING_LAYER": "omp"}, "omp"),               # the user's environment variable wins
    ("numba.config.THREADING_LAYER = 'omp'; ", {}, "omp"),         # so does the user's own setting
])
def test_user_threading_layer_is_left_alone(pre, env, expected):
    assert _run(LAUNCH.format(pre=pre), **env) == expected


def test_import_cimsim_jx_loads_no_torch():
    """The PyTorch bridge is optional: ``cimsim.jx`` (and snn.jx) import without torch or torchax."""
    assert _run("import sys, cimsim.jx, snn.jx; print(sorted(m for m in ('torch', 'torchax', 'nir') "
                "if m in sys.modules))") == "[]"
