"""Global drift compensation (docs/references.md s.1) against closed forms."""

import dataclasses

import numpy as np
import pytest

import cimsim
from cimsim.devices import PCMDevice


def _uniform_drift_array(W, gdc, nu=0.06):
    cfg = dataclasses.replace(cimsim.presets.PCM, dtype="float64", device=PCMDevice(prog_noise_scale=0.0, read_noise_scale=0.0),
                              gdc=gdc, tile_rows=8, tile_cols=5)
    A = cimsim.program(W, cfg, rng=np.random.default_rng(0))
    state = A.state._replace(nu=np.full_like(A.state.nu, nu))
    return dataclasses.replace(A, state=state)


@pytest.mark.parametrize("t_s", [1.0, 3600.0, 3.15e7])
def test_uniform_drift_fully_compensated(t_s):
    W = np.random.default_rng(1).standard_normal((12, 20))
    factor = ((t_s + 20.0) / 20.0) ** -0.06
    without = _uniform_drift_array(W, gdc=False).read(t_s, rng=np.random.default_rng(0)).weights()
    np.testing.assert_allclose(without, W * factor, rtol=1e-12, atol=1e-15)
    with_gdc = _uniform_drift_array(W, gdc=True).read(t_s, rng=np.random.default_rng(0)).weights()
    np.testing.assert_allclose(with_gdc, W, rtol=1e-12, atol=1e-14)


def test_gdc_alpha_is_ratio_of_calibration_readouts():
    """alpha per tile = mean_i |sum_j Gd_ij(0)| / mean_i |sum_j Gd_ij(t)|, recomputed by hand."""
    W = np.random.default_rng(2).standard_normal((6, 10))
    cfg = dataclasses.replace(cimsim.presets.PCM, tile_rows=10, tile_cols=6, weight_scaling="tile", dtype="float64")
    A = cimsim.program(W, cfg, rng=np.random.default_rng(3))
    R = A.read(86400.0, rng=np.random.default_rng(4))
    g0, gt = A.state.g_prog_S, R.g_S
    alpha = np.mean(np.abs((g0[0] - g0[1]).sum(axis=1))) / np.mean(np.abs((gt[0] - gt[1]).sum(axis=1)))
    expected = alpha / (cfg.v_read_V * A.scales_S[0])
    np.testing.assert_allclose(R.blocks[0].col_factor, expected, rtol=1e-12)


def test_gdc_reduces_error_after_a_year():
    rng = np.random.default_rng(5)
    W = rng.standard_normal((64, 64))
    x = rng.uniform(-1, 1, (32, 64))
    errs = {}
    for gdc in (False, True):
        cfg = dataclasses.replace(cimsim.presets.PCM, gdc=gdc)
        y = cimsim.program(W, cfg, rng=np.random.default_rng(6)).mvm(x, t_s=3.15e7, rng=np.random.default_rng(7))
        errs[gdc] = np.linalg.norm(y - x @ W.T) / np.linalg.norm(x @ W.T)
    assert errs[True] < 0.6 * errs[False]
