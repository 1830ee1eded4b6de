"""PCM device statistics against the formulas of docs/references.md s.1 (Joshi et al. 2020), written out here
independently of cimsim.devices._pcm, within Monte Carlo sampling error."""

import numpy as np
import pytest
from scipy import stats

from cimsim.devices import PCMDevice, PCMState

N = 200_000
G_MAX = 25e-6


def sigma_prog_uS(g_T, g_max=G_MAX):
    r = g_T / g_max
    return (0.26348 + 1.9650 * r - 1.1731 * r**2) * (g_max / 25e-6)


def nu_params(g_T, g_max=G_MAX):
    r = max(g_T / g_max, 1e-7)
    mu = min(max(-0.0155 * np.log(r) + 0.0244, 0.049), 0.1)
    sd = min(max(-0.0125 * np.log(r) - 0.0059, 0.008), 0.045)
    return mu, sd


def q_s(g, g_max=G_MAX):
    return np.minimum(0.0088 / np.maximum((np.abs(g) / g_max) ** 0.65, 1e-3), 0.2)


def test_check_values():
    assert sigma_prog_uS(G_MAX) == pytest.approx(1.055, abs=5e-4)
    assert sigma_prog_uS(0.0) == pytest.approx(0.263, abs=5e-4)


@pytest.mark.parametrize("g_T", [5e-6, 12.5e-6, 20e-6, 25e-6])
def test_programming_noise_std(g_T):
    s = PCMDevice().program(np.full(N, g_T), np.random.default_rng(1))
    est = np.std(s.g_prog_S - g_T) * 1e6
    se = sigma_prog_uS(g_T) / np.sqrt(2 * N)
    assert abs(est - sigma_prog_uS(g_T)) < 5 * se
    assert abs(np.mean(s.g_prog_S - g_T) * 1e6) < 5 * sigma_prog_uS(g_T) / np.sqrt(N)


def test_programming_noise_at_zero_is_half_normal():
    """g_prog = max(sigma N, 0) at g_T = 0: E[g^2] = sigma^2 / 2."""
    s = PCMDevice().program(np.zeros(N), np.random.default_rng(2))
    est = np.sqrt(2 * np.mean(s.g_prog_S**2)) * 1e6
    np.testing.assert_allclose(est, 0.26348, rtol=0.01)
    assert np.mean(s.g_prog_S == 0) == pytest.approx(0.5, abs=0.005)


def test_programming_noise_scales_with_gmax():
    g_max = 50e-6
    s = PCMDevice(g_max_S=g_max).program(np.full(N, g_max), np.random.default_rng(3))
    np.testing.assert_allclose(np.std(s.g_prog_S) * 1e6, 2 * 1.05538, rtol=0.01)


@pytest.mark.parametrize("g_T", [0.0, 0.5e-6, 2.5e-6, 10e-6, 25e-6])
def test_drift_exponent_distribution(g_T):
    """nu = |N(mu_nu, sigma_nu)|: a folded normal (scipy.stats.foldnorm gives its exact moments)."""
    mu, sd = nu_params(g_T)
    s = PCMDevice().program(np.full(N, g_T), np.random.default_rng(4))
    ref = stats.foldnorm(c=mu / sd, scale=sd)
    assert abs(s.nu.mean() - ref.mean()) < 5 * ref.std() / np.sqrt(N)
    assert abs(s.nu.std() - ref.std()) < 5 * ref.std() / np.sqrt(2 * N) * 1.5
    assert s.nu.min() >= 0


@pytest.mark.parametrize("t_s", [0.0, 1.0, 3600.0, 3.15e7])
def test_drift_law_exact(t_s):
    dev = PCMDevice(read_noise_scale=0.0)
    s = dev.program(np.linspace(0, G_MAX, 1000), np.random.default_rng(5))
    g = dev.read(s, t_s, np.random.default_rng(6))
    np.testing.assert_allclose(g, s.g_prog_S * ((t_s + 20.0) / 20.0) ** (-s.nu), rtol=1e-14)


@pytest.mark.parametrize("t_s", [1.0, 3600.0, 3.15e7])
@pytest.mark.parametrize("g_T", [5e-6, 20e-6])
def test_read_noise_std(t_s, g_T):
    dev = PCMDevice()
    s = dev.program(np.full(N, g_T), np.random.default_rng(7))
    g = dev.read(s, t_s, np.random.default_rng(8))
    g_drift = s.g_prog_S * ((t_s + 20.0) / 20.0) ** (-s.nu)
    t = t_s + 20.0
    sig = q_s(s.g_prog_S) * np.sqrt(np.log((t + 250e-9) / (2 * 250e-9)))
    expected = np.sqrt(np.mean(sig**2))
    est = np.std(g / g_drift - 1.0)
    assert abs(est - expected) < 5 * expected / np.sqrt(2 * N) * 1.5


def test_read_noise_redrawn_per_read_programming_fixed():
    dev = PCMDevice()
    s = dev.program(np.full(1000, 10e-6), np.random.default_rng(9))
    rng = np.random.default_rng(10)
    g1, g2 = dev.read(s, 3600.0, rng), dev.read(s, 3600.0, rng)
    assert not np.array_equal(g1, g2)
    np.testing.assert_allclose(g1.mean(), g2.mean(), rtol=0.01)


def test_state_is_namedtuple():
    s = PCMDevice().program(np.ones((2, 3)) * 1e-6, np.random.default_rng(0))
    assert isinstance(s, PCMState) and s.g_prog_S.shape == (2, 3) and s.nu.shape == (2, 3)


def test_chunked_programming_is_bitwise_the_same_and_bounded_in_memory(monkeypatch):
    """Large arrays are programmed in chunks: same draws in the same order, same bits; peak memory of
    program() stays below 2x the final state (it was ~5x before chunking)."""
    import tracemalloc

    import cimsim
    from cimsim.devices import _pcm

    W = np.random.default_rng(0).standard_normal((300, 500))
    whole = cimsim.program(W, cimsim.presets.PCM, rng=np.random.default_rng(1))
    monkeypatch.setattr(_pcm, "CHUNK", 4096)
    chunked = cimsim.program(W, cimsim.presets.PCM, rng=np.random.default_rng(1))
    for a, b in zip(whole.state, chunked.state):
        assert a.tobytes() == b.tobytes()
    tracemalloc.start()
    A = cimsim.program(W, cimsim.presets.PCM, rng=np.random.default_rng(1))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    state = sum(a.nbytes for a in A.state)
    assert peak < 2.0 * state, (peak, state)
