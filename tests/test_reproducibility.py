"""What is bitwise reproducible where (docs/reproducing.md#what-is-bitwise-reproducible-where).

Each run is a fresh interpreter whose environment selects what another machine would: numba's target CPU
(``NUMBA_CPU_NAME``), OpenBLAS's kernel (``OPENBLAS_CORETYPE``), XLA's instruction set (``XLA_FLAGS``).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys

import numpy as np
import pytest

_SCRIPT = """
import dataclasses, hashlib, json, numpy as np, cimsim
rng = np.random.default_rng(0)
W, x = rng.standard_normal((300, 700)), rng.uniform(-1, 1, (64, 700))
out = {}
for be in ("numpy", "numba"):
    r = np.random.default_rng(1)
    A = cimsim.program(W, dataclasses.replace(cimsim.presets.PCM, backend=be), rng=r)
    y, c = A.read(3600.0, rng=r).mvm(x, rng=r, return_counts=True)
    out[be] = {"g": hashlib.sha256(np.asarray(A.state.g_prog_S).tobytes()).hexdigest(),
               "y": hashlib.sha256(y.tobytes()).hexdigest(), "y_values": y.ravel()[::97].tolist(),
               "adc": c.adc_conversions}
print(json.dumps(out))
"""


def _run(tmp_path, name: str, **env_extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("XLA_FLAGS", "NUMBA_CPU_NAME", "OPENBLAS_CORETYPE")}
    env.update(NUMBA_CACHE_DIR=str(tmp_path / f"numba-{name}"), **env_extra)  # no kernel cached for another CPU
    out = subprocess.run([sys.executable, "-c", _SCRIPT], env=env, cwd=tmp_path, capture_output=True, text=True,
                         timeout=240)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_numba_kernels_give_the_same_bits_for_any_cpu_target_and_equal_numpy(tmp_path):
    """numba compiles for the host CPU; cimsim's kernels add in a fixed order without fast-math, so a generic
    x86-64 target gives the same bits, and those equal the numpy reference's."""
    host, generic = _run(tmp_path, "host"), _run(tmp_path, "generic", NUMBA_CPU_NAME="generic")
    assert host["numba"] == generic["numba"]
    assert host["numba"]["y"] == host["numpy"]["y"] and host["numba"]["g"] == host["numpy"]["g"]


@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"), reason="OPENBLAS_CORETYPE names x86-64 kernels")
def test_another_blas_kernel_keeps_the_draws_and_changes_only_the_rounding(tmp_path):
    """numpy's matrix products go to OpenBLAS, which picks a kernel for the CPU: another kernel (Prescott,
    SSE3, any x86-64 runs it) keeps every random draw (the programmed conductances, bit for bit) and the
    counts, and moves the MVM outputs by rounding only."""
    host, other = _run(tmp_path, "host"), _run(tmp_path, "prescott", OPENBLAS_CORETYPE="Prescott")
    for be in ("numpy", "numba"):
        assert host[be]["g"] == other[be]["g"] and host[be]["adc"] == other[be]["adc"]
        a, b = np.array(host[be]["y_values"]), np.array(other[be]["y_values"])
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12 * np.abs(a).max())
