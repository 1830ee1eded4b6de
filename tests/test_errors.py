"""Bad input raises a clear ValueError naming the parameter and value, before any work is done."""

import dataclasses

import numpy as np
import pytest

import cimsim
from cimsim import ADC, DAC, CrossbarConfig, PCMDevice, ReRAMDevice

W = np.ones((3, 4))


@pytest.mark.parametrize("bad,match", [
    (np.array([[1.0, np.nan]]), "W must be finite"),
    (np.array([[1.0, np.inf]]), "W must be finite"),
    (np.ones(3), "W must have ndim"),
    (np.ones((0, 3)), "W must not be empty"),
    ([["a"]], "W must be a real integer or float array, got a string array"),
    (np.ones((2, 2)) + 0.5j, "W must be a real integer or float array, got a complex array"),
    (np.array([[object()]]), "W must be a real integer or float array, got an object array"),
    (np.ones((2, 2), dtype=bool), "W must be a real integer or float array, got a boolean array"),
])
def test_bad_weights(bad, match):
    with pytest.raises(ValueError, match=match):
        cimsim.program(bad, cimsim.presets.IDEAL)


@pytest.mark.parametrize("x,match", [
    (np.array([1.0, np.nan, 0, 0]), "x must be finite"),
    (np.ones(5), r"x must have 4 inputs.*shape \(5,\)"),
    (np.ones((2, 3)), "x must have 4 inputs"),
    (np.ones((2, 2, 4)), "x must have ndim"),
    (np.ones(4) + 1j, "x must be a real integer or float array, got a complex array"),
    (np.array(["1", "2", "3", "4"]), "x must be a real integer or float array, got a string array"),
])
def test_bad_inputs(x, match):
    A = cimsim.program(W, cimsim.presets.IDEAL)
    with pytest.raises(ValueError, match=match):
        A.mvm(x)


@pytest.mark.parametrize("make,match", [
    (lambda: DAC(bits=0), "dac.bits must be >= 1, got 0"),
    (lambda: ADC(bits=0), "adc.bits must be >= 1, got 0"),
    (lambda: ADC(bits=-3), "adc.bits must be >= 1, got -3"),
    (lambda: ADC(bits=8, out_bound=None), "adc.out_bound must be set"),
    (lambda: ADC(out_noise=-0.1), "adc.out_noise"),
    (lambda: DAC(input_scaling="peak"), "dac.input_scaling"),
    (lambda: PCMDevice(g_max_S=0.0), "g_max_S must be > 0"),
    (lambda: PCMDevice(g_max_S=-1e-6), "g_max_S must be > 0"),
    (lambda: ReRAMDevice(g_max_S=0), "g_max_S must be > 0"),
    (lambda: ReRAMDevice(p_stuck_on=1.5), r"p_stuck_on must be in \[0, 1\], got 1.5"),
    (lambda: ReRAMDevice(p_stuck_off=-0.1), r"p_stuck_off must be in \[0, 1\], got -0.1"),
    (lambda: ReRAMDevice(p_stuck_on=0.6, p_stuck_off=0.6), "p_stuck_on \\+ p_stuck_off must be <= 1"),
    (lambda: ReRAMDevice(n_levels=1), "n_levels must be >= 2"),
    (lambda: CrossbarConfig(tile_rows=0), "tile_rows must be >= 1, got 0"),
    (lambda: CrossbarConfig(weight_scaling="row"), "weight_scaling"),
    (lambda: CrossbarConfig(backend="cuda"), "backend must be one of"),
    (lambda: CrossbarConfig(device="pcm"), "device must satisfy the cimsim Device protocol.*str lacks g_min_S"),
    (lambda: CrossbarConfig(w_noise=float("nan")), "w_noise"),
])
def test_bad_config(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_negative_time():
    A = cimsim.program(W, cimsim.presets.PCM, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="t_s must be finite and >= 0, got -1.0"):
        A.read(-1.0, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="t_s"):
        A.mvm(np.ones(4), t_s=float("inf"), rng=np.random.default_rng(0))


def test_rng_required_and_typed():
    with pytest.raises(ValueError, match="rng is required"):
        cimsim.program(W, cimsim.presets.PCM)
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        cimsim.program(W, cimsim.presets.PCM, rng=42)
    A = cimsim.program(W, cimsim.presets.PCM, rng=np.random.default_rng(0))
    R = A.read(0.0, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="rng is required"):
        R.mvm(np.ones(4))


def test_bad_bias_and_config():
    with pytest.raises(ValueError, match=r"bias must have shape \(3,\)"):
        cimsim.program(W, cimsim.presets.IDEAL, bias=np.ones(4))
    with pytest.raises(ValueError, match="bias must be finite"):
        cimsim.program(W, cimsim.presets.IDEAL, bias=[1.0, np.nan, 0.0])
    with pytest.raises(ValueError, match="config must be a cimsim.CrossbarConfig"):
        cimsim.program(W, {"device": "pcm"})
    with pytest.raises(ValueError, match="backend must be one of"):
        cimsim.program(W, cimsim.presets.IDEAL).mvm(np.ones(4), backend="torch")


def test_device_target_range_checked():
    with pytest.raises(ValueError, match="g_target_S must lie in"):
        PCMDevice().program(np.array([30e-6]), np.random.default_rng(0))


def test_frozen_configs():
    with pytest.raises(dataclasses.FrozenInstanceError):
        cimsim.presets.PCM.gdc = False


@pytest.mark.parametrize("t_s,match", [(np.inf, "t_s must be finite and >= 0, got inf"),
                                       (-1.0, "t_s must be finite and >= 0, got -1.0"),
                                       ("1", "t_s must be a number >= 0, got '1'")])
def test_bad_read_time(t_s, match):
    A = cimsim.program(W, cimsim.presets.PCM, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=match):
        A.read(t_s, rng=np.random.default_rng(1))


def test_jax_rejects_nan_inf_complex_and_bad_times():
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp
    from cimsim.jx import array as ja
    from cimsim.jx import tile as jt

    cfg = cimsim.presets.PCM
    A = ja.program(jnp.ones((3, 4)), cfg, key=jax.random.PRNGKey(0))
    for t_s, match in ((np.inf, "t_s must be finite"), (np.nan, "t_s must be finite"), (-2.0, "t_s must be finite")):
        with pytest.raises(ValueError, match=match):
            A.read(t_s, key=jax.random.PRNGKey(1))
    B = A.read(1.0, key=jax.random.PRNGKey(1)).blocks
    for x, match in ((jnp.array([[1.0, jnp.nan, 0, 0]]), "x must be finite"),
                     (jnp.array([1.0, 2.0, jnp.inf, 0.0]), "x must be finite"),
                     (np.ones(4) + 1j, "x must be a real integer or float array, got a complex array"),
                     (jnp.ones((2, 5)), "x must have 4 inputs")):
        with pytest.raises(ValueError, match=match):
            jt.mvm(B, x, cfg, jax.random.PRNGKey(2))
    with pytest.raises(ValueError, match="key is required"):
        jt.mvm(B, jnp.ones(4), cfg, None)
    assert jt.mvm(B, jnp.ones(4), cfg, jax.random.PRNGKey(2)).shape == (3,)  # 1-D input, 1-D output
