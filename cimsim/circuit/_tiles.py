"""Effective differential conductances of every tile with wire resistance (IR drop), for the crossbar.

Written once over an array namespace: with numpy the exact model is the numba Schur-complement solve
(``ir_drop_matrix``), with jax.numpy the differentiable CG solve (``ir_drop_matrix_jax``); the
first-order model is the same equations in both (``_first_order.py``). Each tile's physical layout
interleaves the columns of G+ and G- (a differential pair on two neighbouring bit lines).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _solver(model: str, xp: Any):
    if xp is np:
        from ._solve import ir_drop_first_order, ir_drop_matrix

        return ir_drop_matrix if model == "exact" else ir_drop_first_order
    from . import _jax

    return _jax.ir_drop_matrix_jax if model == "exact" else _jax.ir_drop_first_order_jax


def effective_differential(g_S: Any, row_edges: np.ndarray, col_edges: np.ndarray,
                           r_row_ohm: float, r_col_ohm: float, model: str, *, xp: Any = np) -> Any:
    """Effective G+ - G- (out, in) of conductances g_S (2, out, in) tile by tile, with wire resistance.

    Args:
        g_S: [G+, G-] conductances (S).
        row_edges, col_edges: tile boundaries over inputs and outputs.
        r_row_ohm, r_col_ohm: wire resistance per segment (ohm).
        model: "exact" (nodal solve) or "first_order".
        xp: array namespace (numpy or jax.numpy).

    Returns:
        (out, in) array; equals g_S[0] - g_S[1] when both resistances are zero.
    """
    gd = g_S[0] - g_S[1]
    if r_row_ohm == 0.0 and r_col_ohm == 0.0:
        return gd
    solve = _solver(model, xp)
    block_rows = []
    for c in range(len(col_edges) - 1):
        c0, c1 = int(col_edges[c]), int(col_edges[c + 1])
        tiles = []
        for r in range(len(row_edges) - 1):
            a, b = int(row_edges[r]), int(row_edges[r + 1])
            phys = xp.stack([g_S[0, c0:c1, a:b].T, g_S[1, c0:c1, a:b].T], axis=2).reshape(b - a, 2 * (c1 - c0))
            eff = solve(phys, r_row_ohm, r_col_ohm)
            tiles.append((eff[:, 0::2] - eff[:, 1::2]).T)
        block_rows.append(xp.concatenate(tiles, axis=1))
    return xp.concatenate(block_rows, axis=0)
