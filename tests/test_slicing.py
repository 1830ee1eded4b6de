"""Bit-sliced weights and bit-serial inputs: exact integer arithmetic with ideal parts, per-slice noise
equal in distribution to a per-cell Monte Carlo, operation counts by hand."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cimsim
from cimsim import ADC, DAC, Slicing


def _ideal_sliced(sl, dac_bits, n_in):
    return dataclasses.replace(cimsim.presets.IDEAL, slicing=sl, dac=DAC(bits=dac_bits), tile_rows=n_in, tile_cols=64,
                               weight_scaling="tile")


@settings(max_examples=40, deadline=None, derandomize=True)
@given(n_out=st.integers(1, 9), n_in=st.integers(1, 12), batch=st.integers(1, 3), k=st.integers(1, 4),
       bpc=st.integers(1, 3), dac_bits=st.integers(2, 9), in_bits=st.sampled_from([None, 1, 2, 3]),
       signed=st.sampled_from(["differential", "offset"]), seed=st.integers(0, 2**16))
def test_ideal_sliced_mvm_is_integer_arithmetic(n_out, n_in, batch, k, bpc, dac_bits, in_bits, signed, seed):
    """y / unit equals x_code @ W_int^T exactly (as integers), where x_code is the DAC's b-bit code of x,
    W_int the stored k-digit base-2^bpc integer (sign-magnitude, or offset-binary minus the offset)."""
    rng = np.random.default_rng(seed)
    W, x = rng.standard_normal((n_out, n_in)), rng.standard_normal((batch, n_in))
    sl = Slicing(weight_slices=k, bits_per_cell=bpc, signed=signed, input_bits_per_cycle=in_bits)
    y = cimsim.program(W, _ideal_sliced(sl, dac_bits, n_in)).read(0.0).mvm(x)
    Q, n = sl.q_max, (1 << (dac_bits - 1)) - 1
    m, xm = np.abs(W).max(), np.abs(x).max(axis=1, keepdims=True)
    u = W / m
    W_int = np.sign(u) * np.round(np.abs(u) * Q) if signed == "differential" else 2 * np.round((u + 1) / 2 * Q) - Q
    x_code = np.round(x / xm * n)
    y_int = y / (xm / n * m / Q)
    np.testing.assert_array_equal(np.round(y_int), x_code @ W_int.T)
    assert np.abs(y_int - x_code @ W_int.T).max() < 1e-6 * max(1.0, np.abs(x_code @ W_int.T).max())


def test_slices_and_cycles_change_only_the_precision():
    """More slices quantize the weights more finely: the error against W x falls as (B^k - 1)^-1."""
    rng = np.random.default_rng(0)
    W, x = rng.standard_normal((40, 60)), rng.standard_normal((8, 60))
    ref = x @ W.T
    errs = []
    for k in (1, 2, 3):
        cfg = dataclasses.replace(cimsim.presets.IDEAL, slicing=Slicing(weight_slices=k, bits_per_cell=2))
        y = cimsim.program(W, cfg).read(0.0).mvm(x)
        errs.append(np.linalg.norm(y - ref) / np.linalg.norm(ref))
    assert errs[0] > 3 * errs[1] > 9 * errs[2]


def test_sliced_noise_matches_per_cell_monte_carlo():
    """Per-MVM PCM_READ noise on every cell of every slice, drawn output-referred per slice, has the mean
    and standard deviation of a direct simulation that perturbs each cell and sums the slices."""
    sl = Slicing(weight_slices=2, bits_per_cell=2)
    w_noise, g_max, v_read = 0.05, 25e-6, 0.2
    cfg = dataclasses.replace(cimsim.presets.IDEAL, slicing=sl, w_noise=w_noise, dac=DAC(bits=None),
                              adc=ADC(bits=None, out_bound=None), tile_rows=16, tile_cols=8, weight_scaling="tile")
    rng = np.random.default_rng(1)
    W, x = rng.standard_normal((6, 16)), rng.uniform(-1, 1, 16)
    R = cimsim.program(W, cfg).read(0.0)
    n = 4000
    ys = np.stack([R.mvm(x, rng=np.random.default_rng(100 + i)) for i in range(n)])
    # direct: each slice cell g gets g + w sqrt(g g_max) N(0,1); y = sum_i weight_i (G+ - G-) v / (v_read s)
    g = R.g_S  # (k, 2, out, in)
    s = (g_max - 0.0) / np.abs(W).max()
    v = x / np.abs(x).max() * v_read
    mc = np.zeros((n, 6))
    draw = np.random.default_rng(7)
    for i, w_i in enumerate(sl.slice_weights()):
        noisy = g[i][None] + w_noise * np.sqrt(g[i][None] * g_max) * draw.standard_normal((n,) + g[i].shape)
        mc += w_i * ((noisy[:, 0] - noisy[:, 1]) @ v) / (v_read * s)
    mc *= np.abs(x).max()
    np.testing.assert_allclose(ys.mean(0), mc.mean(0), rtol=0, atol=4 * mc.std(0).max() / np.sqrt(n))
    np.testing.assert_allclose(ys.std(0), mc.std(0), rtol=0.06)


def test_bit_serial_counts_by_hand():
    """An 8-bit input applied 1 bit per cycle (sign-magnitude: 7 magnitude bits -> 7 cycles) on 4 slices of
    2-bit cells, 300 x 200 on 256 x 256 tiles (2 row blocks, 1 column block)."""
    sl = Slicing(weight_slices=4, bits_per_cell=2, input_bits_per_cycle=1)
    cfg = dataclasses.replace(cimsim.presets.PCM, slicing=sl, tile_rows=256, tile_cols=256)
    R = cimsim.program(np.ones((200, 300)), cfg, rng=np.random.default_rng(0)).read(1.0, rng=np.random.default_rng(1))
    c = R.op_counts(batch=5)
    cycles, slices, n_rb, n_cb = 7, 4, 2, 1
    assert c.adc_conversions == 5 * 200 * n_rb * slices * cycles  # one ADC read per column, slice, cycle, row block
    assert c.dac_conversions == 5 * 300 * n_cb * cycles
    assert c.cell_reads == 5 * 2 * 300 * 200 * slices * cycles
    assert c.tile_mvms == 5 * n_rb * n_cb * slices * cycles
    partials = n_rb * slices * cycles
    assert c.digital_adds == 5 * ((255 + 43) + 200 * (partials - 1))  # abs-max compares + shift-and-add
    _, counts = R.mvm(np.ones((5, 300)), rng=np.random.default_rng(2), return_counts=True)
    assert counts == c


def test_bad_slicing():
    with pytest.raises(ValueError, match="slicing.bits_per_cell must be >= 1, got 0"):
        Slicing(bits_per_cell=0)
    with pytest.raises(ValueError, match="slicing.signed must be one of"):
        Slicing(signed="twos")
    with pytest.raises(ValueError, match="input_bits_per_cycle needs a DAC of >= 2 bits"):
        dataclasses.replace(cimsim.presets.IDEAL, slicing=Slicing(input_bits_per_cycle=1))
