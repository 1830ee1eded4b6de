"""DAC and ADC: monotonic, at most 2^bits evenly spaced levels, saturation at the range."""

import dataclasses

import numpy as np
import pytest

import cimsim
from cimsim import ADC, DAC, quantize


@pytest.mark.parametrize("bits", [1, 2, 3, 4, 8, 10])
def test_quantizer_levels_monotonic_saturating(bits):
    u = np.linspace(-3.0, 3.0, 200_001)
    q = quantize(u, bits, 2.0)
    assert np.all(np.diff(q) >= 0), "not monotonic"
    levels = np.unique(q)
    assert len(levels) <= 2**bits
    assert levels.min() == -2.0 and levels.max() == 2.0  # saturates exactly at the range
    if bits >= 2:
        assert len(levels) == 2**bits - 1
        np.testing.assert_allclose(np.diff(levels), 4.0 / (2**bits - 2), rtol=1e-12)
    assert np.all(q[u >= 2.0] == 2.0) and np.all(q[u <= -2.0] == -2.0)
    # error within half a step inside the range
    if bits >= 2:
        inside = np.abs(u) <= 2.0
        assert np.max(np.abs(q[inside] - u[inside])) <= 2.0 / (2 ** (bits - 1) - 1) / 2 + 1e-12


def test_ideal_converters_pass_through():
    u = np.linspace(-5, 5, 11)
    np.testing.assert_array_equal(quantize(u, None, None), u)
    np.testing.assert_array_equal(quantize(u, None, 2.0), np.clip(u, -2, 2))


def test_dac_and_adc_objects():
    np.testing.assert_array_equal(DAC(bits=2).convert(np.array([-2.0, -0.4, 0.2, 0.6])), [-1, 0, 0, 1])
    adc = ADC(bits=3, out_bound=1.0)
    unit = 5e-6
    np.testing.assert_allclose(adc.convert(np.array([1e-3, -1e-3, 0.5 * unit]), unit),
                               [unit, -unit, 2 * unit / 3])


@pytest.mark.parametrize("bits", [3, 5])
def test_adc_levels_through_mvm(bits):
    """With an ideal device and an ADC, each output column takes at most 2^bits - 1 values."""
    rng = np.random.default_rng(0)
    W = rng.standard_normal((4, 16))
    cfg = dataclasses.replace(cimsim.presets.IDEAL, adc=ADC(bits=bits, out_bound=2.0),
                              dac=DAC(bits=None, input_scaling="fixed", x_range=1.0))
    x = rng.uniform(-1, 1, (5000, 16))
    y = cimsim.program(W, cfg).mvm(x)
    for i in range(4):
        assert len(np.unique(y[:, i])) <= 2**bits - 1
    ref = x @ W.T
    order = np.argsort(ref[:, 0])
    assert np.all(np.diff(y[order, 0]) >= 0)  # ADC monotonic in the ideal analog output


def test_fixed_dac_clips_inputs():
    W = np.eye(3)
    cfg = dataclasses.replace(cimsim.presets.IDEAL, dac=DAC(bits=None, input_scaling="fixed", x_range=1.0))
    np.testing.assert_allclose(cimsim.program(W, cfg).mvm(np.array([2.0, -3.0, 0.5])), [1.0, -1.0, 0.5])


def test_abs_max_dac_quantizes_relative_to_vector_max():
    W = np.eye(3)
    cfg = dataclasses.replace(cimsim.presets.IDEAL, dac=DAC(bits=2, input_scaling="abs_max"))
    # 2 bits: levels {-1, 0, 1} x max|x|
    np.testing.assert_allclose(cimsim.program(W, cfg).mvm(np.array([4.0, 1.9, 2.1])), [4.0, 0.0, 4.0])
