"""Wire resistance inside the crossbar model: the effective differential matrix of every tile.

Physical layout of a tile holding rows a:b (inputs) and outputs c0:c1: M = b - a rows by 2 (c1 - c0)
columns with each weight's pair side by side, G+ in column 2k and G- in column 2k+1 (the row wire
passes both). The circuit is linear in the row voltages, so I = v @ G_eff exactly for the tile's
effective matrix G_eff (cimsim.circuit.ir_drop_matrix; or the first-order model), and the differential
output of weight column k is I_2k - I_2k+1: the tile's effective differential matrix is
G_eff[:, 0::2] - G_eff[:, 1::2]. Computing it once per read keeps every later MVM a matrix product.
"""

from __future__ import annotations

import numpy as np

from ._solve import ir_drop_first_order, ir_drop_matrix


def effective_differential(g_S: np.ndarray, row_edges: np.ndarray, col_edges: np.ndarray,
                           r_row_ohm: float, r_col_ohm: float, model: str) -> np.ndarray:
    """Effective G+ - G- (out, in) of conductances g_S (2, out, in) tile by tile, with wire resistance.

    Args:
        g_S: [G+, G-] conductances (S).
        row_edges, col_edges: tile boundaries over inputs and outputs.
        r_row_ohm, r_col_ohm: wire resistance per segment (ohm).
        model: "exact" (nodal solve) or "first_order".

    Returns:
        (out, in) array; equals g_S[0] - g_S[1] when both resistances are zero.
    """
    gd = g_S[0] - g_S[1]
    if r_row_ohm == 0.0 and r_col_ohm == 0.0:
        return gd
    solve = ir_drop_matrix if model == "exact" else ir_drop_first_order
    out = np.empty_like(gd)
    for r in range(len(row_edges) - 1):
        a, b = row_edges[r], row_edges[r + 1]
        for c in range(len(col_edges) - 1):
            c0, c1 = col_edges[c], col_edges[c + 1]
            phys = np.empty((b - a, 2 * (c1 - c0)))
            phys[:, 0::2] = g_S[0, c0:c1, a:b].T
            phys[:, 1::2] = g_S[1, c0:c1, a:b].T
            eff = solve(phys, r_row_ohm, r_col_ohm)
            out[c0:c1, a:b] = (eff[:, 0::2] - eff[:, 1::2]).T
    return out
