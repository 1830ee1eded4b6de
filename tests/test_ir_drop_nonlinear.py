"""Nonlinear cells: the I-V laws against their formulas and finite differences; the Newton solve against
ngspice's operating point (behavioural sources), the closed form at zero wire resistance, the linear
solver for the linear law, and scipy for the general right-hand side of its linear step.
In CI (CI=true) a missing ngspice fails the ngspice tests."""

import os

import numpy as np
import pytest

from cimsim.circuit import (IRDropConvergenceError, LinearIV, PolyIV, SinhIV, _spice, nodal_system, solve_ir_drop,
                            solve_ir_drop_nonlinear)
from cimsim.circuit._solve import _Lines, solve_nodal

LAWS = [LinearIV(), SinhIV(), SinhIV(0.1), PolyIV(), PolyIV(a2_per_V=-1.0, a3_per_V2=1.0), PolyIV(0.5, 0.0)]


def _need_ngspice():
    if not _spice.available():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("ngspice is required in CI (apt-get install ngspice)", pytrace=False)
        pytest.skip("ngspice not installed (apt-get install ngspice)")


def _rand(M, N, seed, v_max):
    rng = np.random.default_rng(seed)
    return rng.uniform(1e-6, 25e-6, (M, N)), rng.uniform(-v_max, v_max, M)


# ---- the laws ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("law", LAWS, ids=repr)
def test_law_slope_is_derivative_odd_and_ohmic_at_zero(law):
    V = np.linspace(-0.6, 0.6, 61)
    G = np.full_like(V, 2e-5)
    h = 1e-7  # the V|V| term's kink at 0 costs a2 h relative there
    numeric = (law.current(V + h, G) - law.current(V - h, G)) / (2 * h)
    np.testing.assert_allclose(law.slope(V, G), numeric, rtol=1e-6)
    np.testing.assert_array_equal(law.current(-V, G), -law.current(V, G))
    assert np.all(law.slope(V, G) > 0)
    np.testing.assert_allclose(law.slope(0.0, 2e-5), 2e-5, rtol=1e-15)


def test_sinh_law_formula_and_small_signal_limit():
    law = SinhIV(0.25)
    np.testing.assert_allclose(law.current(0.5, 1e-5), 1e-5 * 0.25 * np.sinh(2.0), rtol=1e-15)
    V = np.array([1e-4, 1e-3, 1e-2])  # |I - G V| / (G V) = V^2 / (6 V0^2) + O(V^4)
    rel = law.current(V, 1e-5) / (1e-5 * V) - 1.0
    np.testing.assert_allclose(rel, V ** 2 / (6 * 0.25 ** 2), rtol=1e-3)


def test_poly_default_is_cubic_taylor_of_sinh():
    V = np.array([0.01, 0.02, 0.05])  # difference is the fifth-order term V^5 / (120 V0^4)
    diff = SinhIV(0.25).current(V, 1.0) - PolyIV().current(V, 1.0)
    np.testing.assert_allclose(diff, V ** 5 / (120 * 0.25 ** 4), rtol=1e-2)


@pytest.mark.parametrize("make,match", [
    (lambda: SinhIV(0.0), "v0_V must be a finite number > 0, got 0.0"),
    (lambda: SinhIV(float("nan")), "v0_V must be a finite number"),
    (lambda: PolyIV(a3_per_V2=-1.0), "PolyIV must increase"),
    (lambda: PolyIV(a2_per_V=-2.0, a3_per_V2=1.0), r"a2_per_V=-2.0, a3_per_V2=1.0"),
])
def test_law_rejects_bad_parameters(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_laws_run_on_jax_numpy():
    jnp = pytest.importorskip("jax.numpy")
    V, G = np.linspace(-0.5, 0.5, 11), np.full(11, 1e-5)
    for law in LAWS:
        np.testing.assert_allclose(np.asarray(law.current(jnp.asarray(V), jnp.asarray(G), xp=jnp)),
                                   law.current(V, G), rtol=1e-6, atol=1e-12)


# ---- the solve against closed forms and the linear solver ----------------------------------------------

@pytest.mark.parametrize("law", LAWS[1:], ids=repr)
def test_zero_resistance_is_sum_of_cell_currents(law):
    G, v = _rand(17, 11, 0, 0.5)
    V0 = getattr(law, "v0_V", None)
    if V0 is not None:  # written out independently of the law's own method
        expected = np.array([sum(G[i, j] * V0 * np.sinh(v[i] / V0) for i in range(17)) for j in range(11)])
    else:
        a2, a3 = law.a2_per_V, law.a3_per_V2
        expected = (v + a2 * v * np.abs(v) + a3 * v ** 3) @ G
    np.testing.assert_allclose(solve_ir_drop_nonlinear(G, v, 0.0, 0.0, law), expected, rtol=1e-14)


@pytest.mark.parametrize("r_row,r_col", [(1.0, 1.0), (2.5, 0.1), (0.0, 1.5), (1.5, 0.0)])
def test_linear_law_equals_linear_solver(r_row, r_col):
    G, _ = _rand(40, 33, 1, 0.2)
    V = np.random.default_rng(2).uniform(-0.2, 0.2, (5, 40))
    ref = solve_ir_drop(G, V, r_row, r_col)
    I, info = solve_ir_drop_nonlinear(G, V, r_row, r_col, LinearIV(), return_info=True)
    np.testing.assert_allclose(I, ref, rtol=1e-9, atol=1e-9 * np.abs(ref).max())
    assert info.rel_residual <= 1e-10


def test_general_right_hand_side_matches_scipy():
    """The linear step (solve_nodal: arbitrary node currents) against a sparse direct solve of K u = f."""
    import scipy.sparse.linalg as spla

    G, _ = _rand(23, 19, 3, 0.2)
    rng = np.random.default_rng(4)
    f_r, f_c = rng.standard_normal((23, 19)) * 1e-6, rng.standard_normal((23, 19)) * 1e-6
    x_r, x_c, _ = solve_nodal(_Lines(G, 0.7, 1.3), f_r, f_c, tol=1e-12)
    K, _ = nodal_system(G, np.zeros(23), 0.7, 1.3)
    u = spla.spsolve(K, np.concatenate([f_r.ravel(), f_c.ravel()]))
    np.testing.assert_allclose(np.concatenate([x_r.ravel(), x_c.ravel()]), u, rtol=1e-9, atol=1e-9 * np.abs(u).max())


def test_odd_in_the_inputs_and_batch_equals_singles():
    G, _ = _rand(30, 20, 5, 0.4)
    V = np.random.default_rng(6).uniform(-0.4, 0.4, (4, 30))
    batch = solve_ir_drop_nonlinear(G, V, 1.0, 2.0, SinhIV())
    singles = np.array([solve_ir_drop_nonlinear(G, x, 1.0, 2.0, SinhIV()) for x in V])
    np.testing.assert_array_equal(batch, singles)
    np.testing.assert_allclose(solve_ir_drop_nonlinear(G, -V, 1.0, 2.0, SinhIV()), -batch, rtol=1e-9,
                               atol=1e-9 * np.abs(batch).max())


def test_newton_reports_iterations_and_raises_when_cut_short():
    G, v = _rand(64, 64, 7, 0.5)
    _, info = solve_ir_drop_nonlinear(G, v, 1.0, 1.0, SinhIV(), return_info=True)
    assert 2 <= info.newton_iterations <= 6 and info.cg_iterations >= info.newton_iterations
    assert info.method == "newton-pcg" and info.rel_residual <= 1e-10
    with pytest.raises(IRDropConvergenceError, match=r"did not converge.*max_newton=1 Newton steps"):
        solve_ir_drop_nonlinear(G, v, 1.0, 1.0, SinhIV(), max_newton=1)


def test_zero_input_gives_zero_current():
    G, _ = _rand(5, 4, 8, 0.1)
    np.testing.assert_array_equal(solve_ir_drop_nonlinear(G, np.zeros(5), 1.0, 1.0, SinhIV()), np.zeros(4))


def test_bad_law_and_arguments():
    G, v = _rand(3, 3, 9, 0.1)
    with pytest.raises(TypeError, match="law must have current"):
        solve_ir_drop_nonlinear(G, v, 1.0, 1.0, law="sinh")
    with pytest.raises(ValueError, match="tol must be > 0"):
        solve_ir_drop_nonlinear(G, v, 1.0, 1.0, SinhIV(), tol=-1.0)
    with pytest.raises(ValueError, match="r_col_ohm must be finite and >= 0"):
        solve_ir_drop_nonlinear(G, v, 1.0, -1.0, SinhIV())


# ---- ngspice ground truth ----------------------------------------------------------------------------

@pytest.mark.parametrize("M,N,r_row,r_col,v_max,seed", [(8, 8, 1.0, 1.0, 0.5, 10), (12, 27, 2.5, 0.5, 0.4, 11),
                                                        (32, 32, 0.5, 2.0, 0.3, 12), (24, 16, 5.0, 1.0, 0.2, 13)])
@pytest.mark.parametrize("law", [SinhIV(0.25), PolyIV(), PolyIV(a2_per_V=0.5, a3_per_V2=1.0)], ids=repr)
def test_agrees_with_ngspice(M, N, r_row, r_col, v_max, seed, law):
    _need_ngspice()
    G, v = _rand(M, N, seed, v_max)
    ref = _spice.solve_ngspice(G, v, r_row, r_col, law=law)
    I = solve_ir_drop_nonlinear(G, v, r_row, r_col, law)
    np.testing.assert_allclose(I, ref, rtol=1e-6, atol=1e-6 * np.abs(ref).max())
    linear = solve_ir_drop(G, v, r_row, r_col)  # the nonlinearity matters at these voltages
    assert np.linalg.norm(ref - linear) > 1e-3 * np.linalg.norm(ref)


@pytest.mark.parametrize("r_row,r_col", [(0.0, 2.0), (2.0, 0.0)])
def test_one_sided_wires_agree_with_ngspice(r_row, r_col):
    """r = 0 on one side against ngspice with 1 uohm there (its effect is ~1e-9 relative here)."""
    _need_ngspice()
    G, v = _rand(16, 20, 14, 0.5)
    ref = _spice.solve_ngspice(G, v, max(r_row, 1e-6), max(r_col, 1e-6), law=SinhIV())
    I = solve_ir_drop_nonlinear(G, v, r_row, r_col, SinhIV())
    np.testing.assert_allclose(I, ref, rtol=1e-6, atol=1e-6 * np.abs(ref).max())


def test_nonlinear_netlist_uses_behavioural_sources():
    G = np.full((2, 3), 1e-5)
    deck = _spice.netlist(G, np.array([0.1, 0.2]), 1.0, 2.0, "out.txt", law=SinhIV(0.25))
    assert deck.count("\nB") == 6 and "\nRg" not in deck and _spice.SPICE_TOLERANCES in deck
    assert "B1_2 r1_2 c1_2 I=2.5000000000000002e-06*sinh((V(r1_2,c1_2))/0.25)" in deck


def test_iv_nonlinearity_experiment_scaling(tmp_path):
    """Quick run: a linear circuit's error does not depend on the read voltage; the cells' own error grows
    as v_read^2 at small voltages (leading term V^2 / (6 V0^2) of sinh(V/V0) / (V/V0) - 1)."""
    import json

    import experiments

    data = json.loads(experiments.load("iv-nonlinearity").main(seed=0, out_dir=tmp_path, quick=True).read_text())
    vs = data["config"]["v_read_V"]
    lin = np.array(data["vs_read_voltage"]["linear_wires"])
    np.testing.assert_allclose(lin, lin[0], rtol=1e-9)
    cells = data["vs_read_voltage"]["nonlinear_ideal_wires"]
    np.testing.assert_allclose(cells[1] / cells[0], (vs[1] / vs[0]) ** 2, rtol=0.1)
    assert data["ngspice"].get("max_rel_diff", 0.0) < 1e-6


def test_crossbar_applies_the_cell_law_per_cell_with_ideal_wires():
    """A device carrying a nonlinear law: the crossbar's MVM equals sum_j I(v_j, G_ij) of the differential
    pair, scaled back digitally (written out here), for plain and bit-serial inputs."""
    import dataclasses

    import cimsim
    from cimsim.circuit import SinhIV

    law = SinhIV(v0_V=0.25)
    rng = np.random.default_rng(0)
    W, x = rng.standard_normal((7, 20)), rng.uniform(-1, 1, (3, 20))
    for v_read in (0.05, 0.4):
        cfg = dataclasses.replace(cimsim.presets.IDEAL, device=cimsim.IdealDevice(iv=law), v_read_V=v_read,
                                  weight_scaling="tile")
        R = cimsim.program(W, cfg).read(0.0)
        y = R.mvm(x)
        G = R.g_S
        v = x / np.abs(x).max(axis=1, keepdims=True) * v_read
        s = 25e-6 / np.abs(W).max()
        ref = (law.current(v[:, None, :], G[0][None]) - law.current(v[:, None, :], G[1][None])).sum(-1)
        ref = ref / (v_read * s) * np.abs(x).max(axis=1, keepdims=True)
        np.testing.assert_allclose(y, ref, rtol=1e-12, atol=1e-12 * np.abs(ref).max())
        lin = x @ W.T
        err = np.linalg.norm(y - lin) / np.linalg.norm(lin)
        assert (err < 0.01) if v_read == 0.05 else (err > 0.1)  # sinh: +11 % at 0.2 V, more at 0.4 V
    with pytest.raises(NotImplementedError, match="solve_ir_drop_nonlinear"):
        dataclasses.replace(cfg, r_row_ohm=1.0)
