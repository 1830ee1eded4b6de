"""Differential-pair mapping: scales per tile / per column, conductances within [g_min, g_max]."""

import dataclasses

import numpy as np
import pytest

import cimsim
from cimsim.mapping import conductance_scales, edges, map_to_pairs


def test_edges():
    np.testing.assert_array_equal(edges(10, 4), [0, 4, 8, 10])
    np.testing.assert_array_equal(edges(8, 4), [0, 4, 8])
    np.testing.assert_array_equal(edges(3, 10), [0, 3])


@pytest.mark.parametrize("mode", ["tile", "column"])
def test_max_conductance_hits_gmax(mode, rng):
    W = rng.standard_normal((9, 10))
    re, ce = edges(10, 4), edges(9, 4)
    s = conductance_scales(W, re, ce, mode, 25e-6)
    g = map_to_pairs(W, s, re, 0.0, 25e-6)
    assert g.min() >= 0.0 and g.max() <= 25e-6 * (1 + 1e-15)
    # never both devices of a pair on
    assert np.all((g[0] == 0) | (g[1] == 0))
    for r in range(len(re) - 1):
        block = np.maximum(g[0], g[1])[:, re[r]:re[r + 1]]
        if mode == "column":
            np.testing.assert_allclose(block.max(axis=1), 25e-6, rtol=1e-14)
        else:
            for c in range(len(ce) - 1):
                np.testing.assert_allclose(block[ce[c]:ce[c + 1]].max(), 25e-6, rtol=1e-14)


def test_gmin_offset_cancels(rng):
    W = rng.standard_normal((4, 6))
    s = conductance_scales(W, edges(6, 6), edges(4, 4), "tile", 39e-6)
    g = map_to_pairs(W, s, edges(6, 6), 1e-6, 40e-6)
    assert g.min() >= 1e-6 - 1e-21 and g.max() <= 40e-6 + 1e-20
    np.testing.assert_allclose((g[0] - g[1]) / s[0][:, None], W, rtol=1e-9, atol=1e-12)


def test_column_scaling_less_error_than_tile(rng):
    """Column-wise scaling uses the conductance range better when columns differ in magnitude."""
    W = rng.standard_normal((64, 64)) * np.logspace(-2, 0, 64)[:, None]
    x = rng.uniform(-1, 1, (32, 64))
    errs = {}
    for mode in ("tile", "column"):
        cfg = dataclasses.replace(cimsim.presets.PCM, weight_scaling=mode)
        y = cimsim.program(W, cfg, rng=np.random.default_rng(1)).mvm(x, rng=np.random.default_rng(2))
        errs[mode] = np.linalg.norm(y - x @ W.T) / np.linalg.norm(x @ W.T)
    assert errs["column"] < errs["tile"]
