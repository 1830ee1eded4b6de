"""JAX IR-drop solve: values against the numba solver, gradients against finite differences."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from cimsim.circuit import ir_drop_first_order, solve_ir_drop
from cimsim.circuit._jax import ir_drop_first_order_jax, solve_ir_drop_jax


def _rand(M, N, B=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(1e-6, 25e-6, (M, N)), rng.uniform(-0.2, 0.2, (B, M))


@pytest.mark.parametrize("r_row,r_col", [(1.0, 1.5), (0.0, 2.0), (2.0, 0.0), (0.0, 0.0)])
def test_float64_matches_numba(r_row, r_col):
    G, v = _rand(32, 24)
    ref = solve_ir_drop(G, v, r_row, r_col)
    with jax.enable_x64(True):
        out = np.asarray(solve_ir_drop_jax(jnp.asarray(G), jnp.asarray(v), r_row, r_col))
    np.testing.assert_allclose(out, ref, rtol=1e-9, atol=1e-10 * np.abs(ref).max())


def test_float32_error_documented():
    G, v = _rand(64, 64)
    ref = solve_ir_drop(G, v, 1.0, 1.0)
    out = np.asarray(solve_ir_drop_jax(jnp.asarray(G, jnp.float32), jnp.asarray(v, jnp.float32), 1.0, 1.0, tol=1e-6))
    assert np.abs(out - ref).max() / np.abs(ref).max() < 1e-3


def test_gradients_match_finite_differences():
    G, v = _rand(20, 16, B=2, seed=1)
    w = np.random.default_rng(2).standard_normal(16)
    with jax.enable_x64(True):
        f = lambda G_, v_: jnp.sum(solve_ir_drop_jax(G_, v_, 1.0, 1.5) @ w)  # noqa: E731
        gG, gv = jax.jit(jax.grad(f, argnums=(0, 1)))(jnp.asarray(G), jnp.asarray(v))
    for (i, j) in [(0, 0), (5, 7), (19, 15)]:
        eps = 1e-9
        Gp, Gm = G.copy(), G.copy()
        Gp[i, j] += eps
        Gm[i, j] -= eps
        fd = ((solve_ir_drop(Gp, v, 1.0, 1.5, tol=1e-13) - solve_ir_drop(Gm, v, 1.0, 1.5, tol=1e-13)) @ w).sum() / (2 * eps)
        np.testing.assert_allclose(float(gG[i, j]), fd, rtol=1e-5)
    eps = 1e-6
    vp, vm = v.copy(), v.copy()
    vp[1, 3] += eps
    vm[1, 3] -= eps
    fd = ((solve_ir_drop(G, vp, 1.0, 1.5, tol=1e-13) - solve_ir_drop(G, vm, 1.0, 1.5, tol=1e-13)) @ w).sum() / (2 * eps)
    np.testing.assert_allclose(float(gv[1, 3]), fd, rtol=1e-6)


def test_first_order_jax_matches_numpy_and_grads():
    G, v = _rand(16, 12)
    np.testing.assert_allclose(np.asarray(ir_drop_first_order_jax(jnp.asarray(G, jnp.float32), 0.5, 1.0)),
                               ir_drop_first_order(G, 0.5, 1.0), rtol=2e-6, atol=1e-12)
    w = np.random.default_rng(3).standard_normal(G.shape)
    with jax.enable_x64(True):
        g = jax.grad(lambda G_: jnp.sum(ir_drop_first_order_jax(G_, 0.5, 1.0) * w))(jnp.asarray(G))
    for (i, j) in [(0, 0), (7, 3), (15, 11)]:
        eps = 1e-9
        Gp, Gm = G.copy(), G.copy()
        Gp[i, j] += eps
        Gm[i, j] -= eps
        fd = np.sum((ir_drop_first_order(Gp, 0.5, 1.0) - ir_drop_first_order(Gm, 0.5, 1.0)) * w) / (2 * eps)
        np.testing.assert_allclose(float(g[i, j]), fd, rtol=1e-6)
