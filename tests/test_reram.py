"""ReRAM-like device: levels, programming/read noise, stuck-at fault rates (binomial bounds)."""

import numpy as np
import pytest

from cimsim.devices import ReRAMDevice
from cimsim.devices._reram import STUCK_OFF, STUCK_ON


def test_levels_without_noise():
    dev = ReRAMDevice(g_min_S=1e-6, g_max_S=40e-6, n_levels=16, sigma_prog_rel=0.0, sigma_read_rel=0.0)
    targets = np.random.default_rng(0).uniform(1e-6, 40e-6, 10000)
    s = dev.program(targets, np.random.default_rng(1))
    levels = np.linspace(1e-6, 40e-6, 16)
    assert len(np.unique(np.round(s.g_prog_S / 1e-12))) <= 16
    # nearest level, error at most half a step
    nearest = levels[np.argmin(np.abs(targets[:, None] - levels[None, :]), axis=1)]
    np.testing.assert_allclose(s.g_prog_S, nearest, rtol=0, atol=1e-18)
    assert np.max(np.abs(s.g_prog_S - targets)) <= (39e-6 / 15) / 2 + 1e-18


@pytest.mark.parametrize("p_on,p_off", [(0.01, 0.0), (0.02, 0.05), (0.0, 0.1)])
def test_fault_rates_binomial(p_on, p_off):
    n = 200_000
    dev = ReRAMDevice(p_stuck_on=p_on, p_stuck_off=p_off)
    s = dev.program(np.full(n, 20e-6), np.random.default_rng(2))
    for p, code, g in ((p_on, STUCK_ON, dev.g_max_S), (p_off, STUCK_OFF, dev.g_min_S)):
        k = np.count_nonzero(s.stuck == code)
        assert abs(k - n * p) <= 5 * np.sqrt(n * p * (1 - p)) + 1e-9
        assert np.all(s.g_prog_S[s.stuck == code] == g)
    g_read = dev.read(s, 100.0, np.random.default_rng(3))
    assert np.all(g_read[s.stuck == STUCK_ON] == dev.g_max_S)


def test_programming_and_read_noise_std():
    n = 200_000
    dev = ReRAMDevice(n_levels=2, sigma_prog_rel=0.02, sigma_read_rel=0.03)
    s = dev.program(np.full(n, 40e-6), np.random.default_rng(4))
    np.testing.assert_allclose(np.std(s.g_prog_S), 0.02 * 39e-6, rtol=0.01)
    g = dev.read(s, 0.0, np.random.default_rng(5))
    np.testing.assert_allclose(np.std(g / s.g_prog_S - 1), 0.03, rtol=0.01)
