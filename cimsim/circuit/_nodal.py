"""The crossbar's nodal equations as a scipy sparse system: the reference the fast solver is held to.

Topology (docs/references.md s.3): M rows (inputs) x N columns (outputs). Row i is driven by an ideal source
v_i at its left end; a wire segment r_row joins the source to cell (i, 0) and cell (i, j) to (i, j+1)
(none after the last cell). Column j is sensed at its bottom end by a virtual ground (0 V); a segment
r_col joins cell (i, j) to (i+1, j) and cell (M-1, j) to the sense amplifier (none above the first
cell). Device G[i, j] joins row node (i, j) to column node (i, j). Output: current into each sense
amplifier, I_j = V_col(M-1, j) / r_col.

Unknowns: u = [V_row (M*N, row-major), V_col (M*N, row-major)]; K u = b with K symmetric positive
definite (a grounded conductance Laplacian). Kirchhoff's current law at each node:
    row node (i,j):  g_r (V - V_left) + g_r (V - V_right)[j < N-1] + G_ij (V - V_col(i,j)) = 0,
                     V_left = v_i at j = 0
    col node (i,j):  g_c (V - V_up)[i > 0] + g_c (V - V_down) + G_ij (V - V_row(i,j)) = 0,
                     V_down = 0 at i = M-1
"""

from __future__ import annotations

import numpy as np


def nodal_system(G_S: np.ndarray, v_row_V: np.ndarray, r_row_ohm: float, r_col_ohm: float):
    """Sparse K (2MN x 2MN, CSC) and right-hand side b (2MN,) or (2MN, batch); needs r_row, r_col > 0."""
    import scipy.sparse as sp

    M, N = G_S.shape
    gr, gc = 1.0 / r_row_ohm, 1.0 / r_col_ohm
    n = M * N
    idx = np.arange(n).reshape(M, N)
    rows, cols, vals = [], [], []

    def add(r, c, v):
        rows.append(r.ravel())
        cols.append(c.ravel())
        vals.append(np.broadcast_to(v, r.shape).ravel())

    # row-line diagonal: g_r (left segment) + g_r (right segment, if any) + G
    diag_r = gr * (1.0 + (np.arange(N) < N - 1))[None, :] + G_S
    diag_c = gc * (1.0 + (np.arange(M) > 0))[:, None] + G_S
    add(idx, idx, diag_r)
    add(n + idx, n + idx, diag_c)
    add(idx[:, :-1], idx[:, 1:], -gr)
    add(idx[:, 1:], idx[:, :-1], -gr)
    add(n + idx[:-1, :], n + idx[1:, :], -gc)
    add(n + idx[1:, :], n + idx[:-1, :], -gc)
    add(idx, n + idx, -G_S)
    add(n + idx, idx, -G_S)
    K = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(2 * n, 2 * n))
    v = np.atleast_2d(v_row_V)  # (batch, M)
    b = np.zeros((2 * n, v.shape[0]))
    b[idx[:, 0], :] = gr * v.T
    return K, (b[:, 0] if np.ndim(v_row_V) == 1 else b)


def column_currents(u: np.ndarray, shape: tuple[int, int], r_col_ohm: float) -> np.ndarray:
    """Sense-amplifier currents I_j = V_col(M-1, j) / r_col from a nodal solution u (2MN,) or (2MN, batch)."""
    M, N = shape
    n = M * N
    last = n + (M - 1) * N + np.arange(N)
    return (u[last] / r_col_ohm).T


def solve_scipy(G_S: np.ndarray, v_row_V: np.ndarray, r_row_ohm: float, r_col_ohm: float) -> np.ndarray:
    """Column currents by a scipy sparse direct solve (SuperLU) of the full nodal system; the reference."""
    import scipy.sparse.linalg as spla

    K, b = nodal_system(G_S, v_row_V, r_row_ohm, r_col_ohm)
    u = spla.spsolve(K, b)
    return column_currents(u, G_S.shape, r_col_ohm)
