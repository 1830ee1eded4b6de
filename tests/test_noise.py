"""Output-referred per-MVM noise equals, in distribution, redrawing every weight's noise per MVM
(docs/references.md s.9): checked against a direct per-weight Monte Carlo, the CrossSim-style way."""

import dataclasses

import numpy as np
import pytest

import cimsim
from cimsim import ADC, DAC


@pytest.mark.parametrize("noise_type", ["pcm_read", "constant"])
def test_output_referred_equals_per_weight(noise_type):
    w_noise = 0.05
    cfg = dataclasses.replace(cimsim.presets.IDEAL, w_noise=w_noise, w_noise_type=noise_type,
                              dac=DAC(bits=None, input_scaling="fixed", x_range=1.0))
    rng = np.random.default_rng(0)
    W = rng.standard_normal((6, 20))
    x = rng.uniform(-1, 1, 20)
    R = cimsim.program(W, cfg).read(0.0)
    n = 40_000
    y = R.mvm(np.tile(x, (n, 1)), rng=np.random.default_rng(1))
    # direct: every device of every pair gets its own noise on every MVM, in conductance units
    g, v_read, g_max = R.g_S, cfg.v_read_V, cfg.device.g_max_S
    std_dev = w_noise * np.sqrt(g * g_max) if noise_type == "pcm_read" else np.full(g.shape, w_noise * g_max)
    drng = np.random.default_rng(2)
    ys = []
    for _ in range(n // 1000):
        noisy = g[None] + std_dev[None] * drng.standard_normal((1000,) + g.shape)  # (k, 2, out, in)
        current = ((noisy[:, 0] - noisy[:, 1]) * (x * v_read)).sum(axis=2)  # (k, out)
        ys.append(current * R.blocks[0].col_factor)
    y_direct = np.concatenate(ys)
    np.testing.assert_allclose(y.mean(axis=0), W @ x, atol=5 * y.std(axis=0).max() / np.sqrt(n))
    np.testing.assert_allclose(y.std(axis=0), y_direct.std(axis=0), rtol=0.03)


def test_adc_output_noise_std():
    cfg = dataclasses.replace(cimsim.presets.IDEAL, adc=ADC(bits=None, out_bound=None, out_noise=0.04))
    W = np.random.default_rng(0).standard_normal((5, 8))
    R = cimsim.program(W, cfg).read(0.0)
    x = np.zeros((50_000, 8))
    x[:, 0] = 1.0  # abs-max scale 1: output noise of 0.04 normalized units = 0.04 / s in weight units
    y = R.mvm(x, rng=np.random.default_rng(3))
    expected = 0.04 / (cfg.device.g_max_S / np.abs(W).max()) * cfg.device.g_max_S
    np.testing.assert_allclose(y.std(axis=0), expected, rtol=0.02)
