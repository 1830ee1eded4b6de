"""Extension points: a device and a backend defined here, outside cimsim, run without editing cimsim.

The toy device is FeFET-like (a multi-domain ferroelectric transistor): the target conductance is set by
the fraction of switched domains (n_domains levels), each write has a Gaussian cycle-to-cycle error,
the polarization relaxes logarithmically in time (retention loss), and each read has multiplicative
noise. It is written the way docs/devices.md tells a user to write one: equations over the array
namespace of its inputs, random numbers through cimsim.draws.as_draws. It is a test fixture, not a
calibrated model.
"""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import numpy as np
import pytest

import cimsim
from cimsim.draws import RecordingDraws, ReplayDraws, as_draws


class FeFETState(NamedTuple):
    g_prog_S: Any
    p0: Any  # switched-domain fraction at programming


@dataclasses.dataclass(frozen=True)
class ToyFeFET:
    g_min_S: float = 0.5e-6
    g_max_S: float = 20e-6
    n_domains: int = 32
    sigma_write: float = 0.02  # fraction of the window
    retention_k: float = 0.03  # relative polarization loss per decade of time
    t0_s: float = 1.0
    sigma_read: float = 0.01
    stochastic: bool = True

    def program(self, g_target_S, rng):
        xp = cimsim.namespace(g_target_S)
        span = self.g_max_S - self.g_min_S
        p = xp.round((g_target_S - self.g_min_S) / span * self.n_domains) / self.n_domains
        if self.sigma_write > 0:
            z = as_draws(rng).normal(g_target_S.shape, g_target_S.dtype)
            p = xp.clip(p + self.sigma_write * z, 0.0, 1.0)
        return FeFETState(self.g_min_S + span * p, p)

    def retention(self, t_s):
        return 1.0 - self.retention_k * np.log10(1.0 + t_s / self.t0_s)

    def read(self, state, t_s, rng):
        xp = cimsim.namespace(state.g_prog_S)
        g = self.g_min_S + (self.g_max_S - self.g_min_S) * state.p0 * self.retention(t_s)
        if self.sigma_read == 0.0:
            return g
        return xp.maximum(g * (1.0 + self.sigma_read * as_draws(rng).normal(g.shape, g.dtype)), 0.0)


FEFET = dataclasses.replace(cimsim.presets.PCM, device=ToyFeFET(), gdc=False, tile_rows=64, tile_cols=32, dtype="float64")


def test_custom_device_numpy_and_numba_agree():
    rng = np.random.default_rng(0)
    W, x = rng.standard_normal((40, 100)), rng.standard_normal((5, 100))
    A = cimsim.program(W, FEFET, rng=np.random.default_rng(1))
    R = A.read(3600.0, rng=np.random.default_rng(2))
    y_np = R.mvm(x, rng=np.random.default_rng(3), backend="numpy")
    y_nb = R.mvm(x, rng=np.random.default_rng(3), backend="numba")
    np.testing.assert_allclose(y_nb, y_np, rtol=0, atol=1e-12 * np.abs(y_np).max())
    assert isinstance(A.state, FeFETState) and A.state.g_prog_S.shape == (2, 40, 100)


def test_custom_device_noise_free_equals_retention_formula():
    """Without write/read noise and with ideal converters, the crossbar computes x @ (W r(t))^T, with
    r(t) = 1 - k log10(1 + t / t0) the device's retention written out here, up to the level rounding."""
    dev = ToyFeFET(g_min_S=0.0, n_domains=2**20, sigma_write=0.0, sigma_read=0.0, retention_k=0.05, t0_s=2.0,
                   stochastic=False)
    cfg = dataclasses.replace(cimsim.presets.IDEAL, device=dev, tile_rows=64, tile_cols=32)
    rng = np.random.default_rng(4)
    W, x = rng.standard_normal((40, 100)), rng.standard_normal((3, 100))
    t = 1e5
    y = cimsim.program(W, cfg).read(t).mvm(x)
    r = 1.0 - 0.05 * np.log10(1.0 + t / 2.0)
    np.testing.assert_allclose(y, x @ (W * r).T, rtol=0, atol=1e-5 * np.abs(x @ W.T).max())


def test_custom_device_in_jax_draw_by_draw():
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp
    from cimsim.jx import array as ja
    from cimsim.jx import tile as jt

    rng = np.random.default_rng(0)
    W, x = rng.standard_normal((40, 100)), rng.standard_normal((5, 100))
    rec_p, rec_r = RecordingDraws(np.random.default_rng(1)), RecordingDraws(np.random.default_rng(2))
    R = cimsim.program(W, FEFET, rng=rec_p).read(3600.0, rng=rec_r)
    y_np = R.mvm(x, rng=np.random.default_rng(3), backend="numpy")
    z = np.random.default_rng(3).standard_normal((len(R.blocks), 5, 40))
    with jax.enable_x64(True):
        AJ = ja.program(jnp.asarray(W), FEFET, key=ReplayDraws(rec_p.record, jnp.asarray))
        B = AJ.read(3600.0, key=ReplayDraws(rec_r.record, jnp.asarray)).blocks
        y_j = np.asarray(jt.mvm_with_normals(B, jnp.asarray(x), FEFET, jnp.asarray(z)))
        # and with its own keys, jitted
        y_key = jax.jit(lambda k: ja.program(jnp.asarray(W), FEFET, key=k).read(3600.0, key=k).mvm(jnp.asarray(x), key=k))(
            jax.random.PRNGKey(0))
    np.testing.assert_allclose(y_j, y_np, rtol=0, atol=1e-9 * np.abs(y_np).max())
    assert np.all(np.isfinite(np.asarray(y_key)))


class NotADevice:
    g_min_S, g_max_S, stochastic = 0.0, 1e-5, False

    def program(self, g_target_S, rng):
        return g_target_S


@pytest.mark.parametrize("device,match", [
    (NotADevice(), "NotADevice lacks read"),
    (dataclasses.replace(ToyFeFET(), g_min_S=3e-5), r"0 <= g_min_S < g_max_S, got \[3e-05, 2e-05\]"),
    (object(), "object lacks g_min_S, g_max_S, stochastic, program, read"),
])
def test_config_names_what_a_device_lacks(device, match):
    with pytest.raises(ValueError, match=match):
        dataclasses.replace(cimsim.presets.IDEAL, device=device)


class CountingBackend:
    """A user backend: the numpy reference's kernels, counting the calls."""

    def __init__(self):
        from cimsim.backends import _numpy
        self.ref, self.calls = _numpy, 0

    def zeros(self, shape, like):
        return self.ref.zeros(shape, like)

    def dac(self, *args):
        self.calls += 1
        return self.ref.dac(*args)

    def adc_accumulate(self, *args):
        return self.ref.adc_accumulate(*args)


def test_registered_backend_runs_and_matches_reference():
    be = CountingBackend()
    cimsim.register_backend("counting-test", be)
    assert "counting-test" in cimsim.available_backends()
    cfg = dataclasses.replace(cimsim.presets.PCM, backend="counting-test", tile_rows=30)
    rng = np.random.default_rng(0)
    W, x = rng.standard_normal((10, 70)), rng.standard_normal((2, 70))
    R = cimsim.program(W, cfg, rng=rng).read(1.0, rng=rng)
    y = R.mvm(x, rng=np.random.default_rng(1))
    assert be.calls == 3  # one DAC step per row block (70 inputs on 30-row tiles)
    np.testing.assert_array_equal(y, R.mvm(x, rng=np.random.default_rng(1), backend="numpy"))
    with pytest.raises(ValueError, match="must be a module path or provide zeros, dac and adc_accumulate"):
        cimsim.register_backend("broken", object())
    with pytest.raises(ValueError, match=r"backend must be one of \(.*\), got 'nope'"):
        dataclasses.replace(cimsim.presets.PCM, backend="nope")
