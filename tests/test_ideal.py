"""IDEAL preset equals W @ x to float64 rounding, for any shape, tile size and batch (both backends)."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cimsim


@settings(max_examples=40, deadline=None)
@given(n_out=st.integers(1, 70), n_in=st.integers(1, 70), tile_rows=st.integers(1, 80),
       tile_cols=st.integers(1, 80), batch=st.integers(0, 5), scaling=st.sampled_from(["tile", "column"]),
       backend=st.sampled_from(["numpy", "numba"]), seed=st.integers(0, 2**32 - 1))
def test_ideal_equals_matmul(n_out, n_in, tile_rows, tile_cols, batch, scaling, backend, seed):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((n_out, n_in)) * rng.choice([1e-3, 1.0, 1e3])
    cfg = dataclasses.replace(cimsim.presets.IDEAL, tile_rows=tile_rows, tile_cols=tile_cols,
                              weight_scaling=scaling, backend=backend)
    A = cimsim.program(W, cfg)
    x = rng.standard_normal(n_in) if batch == 0 else rng.standard_normal((batch, n_in))
    y = A.mvm(x)
    ref = W @ x if batch == 0 else x @ W.T
    assert y.shape == ref.shape
    # float64 rounding: error bounded by a few ulps of sum_j |w_ij x_j|
    bound = 1e-13 * (np.abs(x) @ np.abs(W).T if batch else np.abs(W) @ np.abs(x)) + 1e-300
    np.testing.assert_array_less(np.abs(y - ref), bound)


def test_ideal_with_bias_and_zero_rows():
    W = np.zeros((3, 4))
    W[1] = [1.0, -2.0, 0.0, 4.0]
    b = np.array([0.5, -1.0, 2.0])
    A = cimsim.program(W, cimsim.presets.IDEAL, bias=b)
    x = np.array([1.0, 2.0, 3.0, -1.0])
    np.testing.assert_allclose(A.mvm(x), W @ x + b, rtol=0, atol=1e-14)


@pytest.mark.parametrize("preset", ["IDEAL", "PCM", "RERAM"])
def test_weights_map_back(preset, rng):
    """W_hat = (G+ - G-) / s recovers W exactly for ideal devices (mapping of docs/references.md s.1)."""
    cfg = dataclasses.replace(cimsim.presets.ALL[preset], device=cimsim.IdealDevice(
        g_max_S=cimsim.presets.ALL[preset].device.g_max_S, g_min_S=cimsim.presets.ALL[preset].device.g_min_S),
        tile_rows=7, tile_cols=5, dtype="float64")  # the mapping itself, at float64 precision
    W = rng.standard_normal((11, 13))
    R = cimsim.program(W, cfg).read(0.0)
    np.testing.assert_allclose(R.weights(), W, rtol=1e-12, atol=1e-12)
