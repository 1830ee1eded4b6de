"""Differentiable IR-drop solves in JAX: exact (implicit differentiation of CG) and first-order.

``solve_ir_drop_jax`` solves the same Schur-complement system as the numba solver (see _solve.py) with
``jax.scipy.sparse.linalg.cg`` preconditioned by exact column-line solves (``lax.linalg.tridiagonal_solve``).
CG is built on ``lax.custom_linear_solve``, so gradients with respect to the conductances and the input
voltages come from implicit differentiation (one more solve of the same system), not from unrolling.

Precision: the diagonal of a line mixes wire conductances (~1 S) with device conductances (~1e-5 S), and
float32 keeps ~7 digits of that sum: measured, float32 currents agree with the float64 solve to ~1e-5
relative (32 x 24 at 1-1.5 ohm), float64 to ~1e-13. For the exact answer run with float64:
``with jax.enable_x64(True):`` and float64 arrays (tests/test_ir_drop_jax.py checks both).
The first-order model involves no such sum and is accurate in float32 to its own model error.
Wire resistances are static Python floats (no gradient with respect to them).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.lax.linalg import tridiagonal_solve

from ._first_order import first_order


def _line_solve(diag: jax.Array, g: float, b: jax.Array) -> jax.Array:
    """Solves every chain (rows of diag, length n) with off-diagonal -g for b (chains, n, k)."""
    off = jnp.full(diag.shape, -g, dtype=diag.dtype)
    dl = off.at[:, 0].set(0.0)
    du = off.at[:, -1].set(0.0)
    return tridiagonal_solve(dl, diag, du, b)


def _row_diag(G: jax.Array, gr: float) -> jax.Array:
    N = G.shape[1]
    return gr * (1.0 + (jnp.arange(N) < N - 1))[None, :].astype(G.dtype) + G


def _col_diag(G: jax.Array, gc: float) -> jax.Array:
    M = G.shape[0]
    return gc * (1.0 + (jnp.arange(M) > 0))[:, None].astype(G.dtype) + G


def solve_ir_drop_jax(G_S: jax.Array, v_row_V: jax.Array, r_row_ohm: float, r_col_ohm: float, *,
                      tol: float = 1e-10, maxiter: int = 500) -> jax.Array:
    """Column currents (N,) or (batch, N) with wire resistance; differentiable in G_S and v_row_V.

    Args:
        G_S: conductances (M, N), S. v_row_V: (M,) or (batch, M), V.
        r_row_ohm, r_col_ohm: static wire resistance per segment (ohm), >= 0.
        tol: relative residual of CG on the Schur complement (use float64 for tol < 1e-6).
        maxiter: CG iteration cap (JAX cannot raise inside jit: check against the numba solver's info).

    Returns:
        Sense-amplifier currents, A.
    """
    if r_row_ohm < 0 or r_col_ohm < 0:
        raise ValueError(f"wire resistances must be >= 0, got r_row_ohm={r_row_ohm}, r_col_ohm={r_col_ohm}")
    G = jnp.asarray(G_S)
    v = jnp.asarray(v_row_V, dtype=G.dtype)
    single = v.ndim == 1
    v2 = v[None, :] if single else v
    M, N = G.shape
    if r_row_ohm == 0 and r_col_ohm == 0:
        out = v2 @ G
    elif r_row_ohm == 0:  # rows at their source voltage: independent column lines
        gc = 1.0 / r_col_ohm
        d = (G[:, :, None] * v2.T[:, None, :]).transpose(1, 0, 2)  # (N, M, B)
        vc = _line_solve(_col_diag(G, gc).T, gc, d)
        out = gc * vc[:, M - 1, :].T
    else:
        gr = 1.0 / r_row_ohm
        b_r = jnp.zeros((M, N, v2.shape[0]), G.dtype).at[:, 0, :].set(gr * v2.T)
        row_d = _row_diag(G, gr)
        rows = lambda b: _line_solve(row_d, gr, b)  # noqa: E731
        vr0 = rows(b_r)
        if r_col_ohm == 0:  # columns at virtual ground
            out = jnp.einsum("ijb,ij->bj", vr0, G)
        else:
            gc = 1.0 / r_col_ohm
            col_d = _col_diag(G, gc)
            Gb = G[:, :, None]

            def schur(x):
                acx = col_d[:, :, None] * x
                acx = acx.at[1:].add(-gc * x[:-1]).at[:-1].add(-gc * x[1:])
                return acx - Gb * rows(Gb * x)

            def precond(r):
                return _line_solve(col_d.T, gc, r.transpose(1, 0, 2)).transpose(1, 0, 2)

            rhs = Gb * vr0
            vc, _ = jax.scipy.sparse.linalg.cg(schur, rhs, x0=precond(rhs), tol=tol, atol=0.0,
                                               maxiter=maxiter, M=precond)
            out = gc * vc[M - 1].T
    return out[0] if single else out


def ir_drop_first_order_jax(G_S: jax.Array, r_row_ohm: float, r_col_ohm: float) -> jax.Array:
    """First-order effective conductance matrix (M, N): the same equations as cimsim.ir_drop_first_order."""
    return first_order(jnp.asarray(G_S), r_row_ohm, r_col_ohm, xp=jnp)


def ir_drop_matrix_jax(G_S: jax.Array, r_row_ohm: float, r_col_ohm: float, *, tol: float = 1e-10,
                       maxiter: int = 1000) -> jax.Array:
    """Exact effective conductance matrix (M, N): the currents for each unit row voltage (differentiable)."""
    G = jnp.asarray(G_S)
    return solve_ir_drop_jax(G, jnp.eye(G.shape[0], dtype=G.dtype), r_row_ohm, r_col_ohm, tol=tol, maxiter=maxiter)
