"""Exact IR-drop solver against the scipy sparse direct solve of the full nodal system, closed forms,
and docs/references.md s.3's published error table; first-order model against the exact solve."""

import dataclasses
import warnings

import numpy as np
import pytest

import cimsim
from cimsim.circuit import (IRDropConvergenceError, ir_drop_first_order, ir_drop_matrix, nodal_system,
                            solve_ir_drop, solve_scipy)


def _rand(M, N, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(1e-6, 25e-6, (M, N)), rng.uniform(0.0, 0.2, M)


@pytest.mark.parametrize("M,N", [(1, 1), (1, 7), (7, 1), (9, 13), (40, 33)])
@pytest.mark.parametrize("r_row,r_col", [(0.5, 0.5), (2.5, 0.1), (0.01, 3.0)])
def test_matches_scipy_direct(M, N, r_row, r_col):
    G, v = _rand(M, N)
    I, info = solve_ir_drop(G, v, r_row, r_col, return_info=True)
    ref = solve_scipy(G, v, r_row, r_col)
    np.testing.assert_allclose(I, ref, rtol=1e-9, atol=1e-9 * np.abs(ref).max())
    assert info.rel_residual <= 1e-10


def test_full_nodal_residual():
    """Rebuild the full 2MN nodal solution and check K u = b (relative residual 1e-9 or better)."""
    G, v = _rand(30, 20, 1)
    I = solve_ir_drop(G, v, 1.0, 1.0, tol=1e-12)
    K, b = nodal_system(G, v, 1.0, 1.0)
    import scipy.sparse.linalg as spla

    u = spla.spsolve(K, b)
    assert np.linalg.norm(K @ u - b) / np.linalg.norm(b) < 1e-12
    np.testing.assert_allclose(I, u[-20:] / 1.0, rtol=1e-9)


def test_zero_resistance_is_GT_v():
    G, v = _rand(17, 11)
    np.testing.assert_array_equal(solve_ir_drop(G, v, 0.0, 0.0), v @ G)


@pytest.mark.parametrize("r_row,r_col", [(0.0, 1.0), (1.0, 0.0)])
def test_one_sided_resistance_limits(r_row, r_col):
    """r = 0 on one side equals the limit of a tiny resistance in the coupled solve."""
    G, v = _rand(20, 15)
    exact = solve_ir_drop(G, v, r_row, r_col)
    near = solve_scipy(G, v, max(r_row, 1e-10), max(r_col, 1e-10))
    np.testing.assert_allclose(exact, near, rtol=1e-8)


def test_single_row_closed_form():
    """One row, two cells, no column resistance: a resistor ladder solved by hand."""
    g1, g2, r, v = 10e-6, 20e-6, 1e3, 0.3
    G = np.array([[g1, g2]])
    # node 2: (V1 - V2)/r = g2 V2 -> V1 = V2 (1 + g2 r); node 1: (v - V1)/r = g1 V1 + g2 V2
    V2 = v / ((1 + g2 * r) * (1 + g1 * r) + g2 * r)
    V1 = V2 * (1 + g2 * r)
    np.testing.assert_allclose(solve_ir_drop(G, np.array([v]), r, 0.0), [g1 * V1, g2 * V2], rtol=1e-13)


@pytest.mark.parametrize("n,r,published", [(64, 0.5, 0.018), (64, 2.5, 0.083), (128, 1.0, 0.129),
                                           (256, 0.5, 0.22), (256, 2.5, 0.57)])
def test_error_table_of_references(n, r, published):
    """docs/references.md s.3: relative L2 error vs ideal for G ~ U[1,25] uS, v ~ U[0,0.2] V."""
    errs = []
    for seed in range(3):
        G, v = _rand(n, n, seed)
        I = solve_ir_drop(G, v, r, r)
        errs.append(np.linalg.norm(I - v @ G) / np.linalg.norm(v @ G))
    np.testing.assert_allclose(np.mean(errs), published, rtol=0.08)


def test_batch_equals_singles():
    G, _ = _rand(50, 40)
    V = np.random.default_rng(3).uniform(-0.2, 0.2, (19, 50))
    batch = solve_ir_drop(G, V, 1.0, 2.0)
    singles = np.array([solve_ir_drop(G, V[b], 1.0, 2.0) for b in range(19)])
    np.testing.assert_allclose(batch, singles, rtol=1e-9, atol=1e-9 * np.abs(singles).max())


def test_effective_matrix_is_exact_linear_map():
    G, _ = _rand(24, 30)
    V = np.random.default_rng(4).uniform(-0.2, 0.2, (7, 24))
    Geff = ir_drop_matrix(G, 1.5, 0.7)
    np.testing.assert_allclose(V @ Geff, solve_scipy(G, V, 1.5, 0.7).reshape(7, 30), rtol=1e-8,
                               atol=1e-9 * np.abs(V @ Geff).max())


@pytest.mark.parametrize("n,r,max_err", [(64, 0.5, 0.002), (128, 0.5, 0.01), (256, 0.1, 0.01)])
def test_first_order_error_bounded(n, r, max_err):
    """The first-order model beats ignoring IR drop by an order of magnitude at moderate G r n^2."""
    G, v = _rand(n, n)
    exact = solve_ir_drop(G, v, r, r)
    approx = v @ ir_drop_first_order(G, r, r)
    err = np.linalg.norm(approx - exact) / np.linalg.norm(exact)
    ideal_err = np.linalg.norm(v @ G - exact) / np.linalg.norm(exact)
    assert err < max_err and err < ideal_err / 10


def test_first_order_exact_in_first_order():
    """Halving r quarters the first-order model's error (second-order remainder)."""
    G, v = _rand(64, 64)
    errs = [np.linalg.norm(v @ ir_drop_first_order(G, r, r) - solve_ir_drop(G, v, r, r)) for r in (0.2, 0.1)]
    np.testing.assert_allclose(errs[0] / errs[1], 4.0, rtol=0.15)


@pytest.mark.parametrize("kwargs,match", [
    (dict(G_S=-np.ones((2, 2))), "G_S must be >= 0"),
    (dict(G_S=np.full((2, 2), np.nan)), "G_S must be finite"),
    (dict(r_row_ohm=-1.0), "r_row_ohm must be finite and >= 0, got -1.0"),
    (dict(r_col_ohm=float("inf")), "r_col_ohm must be finite"),
    (dict(v_row_V=np.ones(3)), r"v_row_V must have 2 entries.*\(3,\)"),
    (dict(v_row_V=np.array([1.0, np.inf])), "v_row_V must be finite"),
])
def test_bad_input(kwargs, match):
    args = dict(G_S=np.full((2, 2), 1e-5), v_row_V=np.ones(2), r_row_ohm=1.0, r_col_ohm=1.0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        solve_ir_drop(**args)


def test_non_convergence_raises():
    G, v = _rand(128, 128)
    with pytest.raises(IRDropConvergenceError, match="did not converge.*max_iter=1"):
        solve_ir_drop(G, v, 2.5, 2.5, max_iter=1)


def test_crossbar_tiling_reduces_ir_error():
    rng = np.random.default_rng(5)
    W = rng.standard_normal((128, 256))
    x = rng.uniform(-1, 1, (16, 256))
    errs = {}
    for tile in (256, 64):
        cfg = dataclasses.replace(cimsim.presets.IDEAL, r_row_ohm=1.0, r_col_ohm=1.0, tile_rows=tile, tile_cols=tile)
        y = cimsim.program(W, cfg).mvm(x)
        errs[tile] = np.linalg.norm(y - x @ W.T) / np.linalg.norm(x @ W.T)
    assert errs[64] < errs[256] / 3


def test_crossbar_exact_matches_direct_circuit_per_tile():
    """A one-tile IDEAL crossbar with wires equals solving its physical G+/G- circuit directly."""
    rng = np.random.default_rng(6)
    W = rng.standard_normal((6, 10))
    x = rng.uniform(-1, 1, 10)
    cfg = dataclasses.replace(cimsim.presets.IDEAL, r_row_ohm=2.0, r_col_ohm=1.0)
    A = cimsim.program(W, cfg)
    g = A.state.g_prog_S
    phys = np.empty((10, 12))
    phys[:, 0::2], phys[:, 1::2] = g[0].T, g[1].T
    v = x / np.abs(x).max() * cfg.v_read_V
    I = solve_scipy(phys, v, 2.0, 1.0)
    expected = (I[0::2] - I[1::2]) / (cfg.v_read_V * A.scales_S[0]) * np.abs(x).max()
    np.testing.assert_allclose(A.mvm(x), expected, rtol=1e-9)


def test_config_rejects_bad_wires():
    with pytest.raises(ValueError, match="r_row_ohm"):
        cimsim.CrossbarConfig(r_row_ohm=-0.1)
    with pytest.raises(ValueError, match="ir_drop must be one of"):
        cimsim.CrossbarConfig(ir_drop="spice")


def test_first_order_warns_outside_its_range():
    from cimsim.circuit import IRDropValidityWarning

    G, _ = _rand(256, 256)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ir_drop_first_order(G, 0.1, 0.1)  # largest correction ~0.09: no warning
    with pytest.warns(IRDropValidityWarning, match=r"largest relative correction 0\.\d+ > 0\.25"):
        ir_drop_first_order(G, 0.5, 0.5)
    with pytest.warns(IRDropValidityWarning, match="negative conductances"):
        ir_drop_first_order(G[:4, :4], 1e9, 1e9)
