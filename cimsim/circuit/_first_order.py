"""The first-order (linearized) IR-drop model, written once over an array namespace (numpy or jax.numpy)."""

from __future__ import annotations

from typing import Any


def first_order(G: Any, r_row_ohm: float, r_col_ohm: float, *, xp: Any) -> Any:
    """First-order effective conductance matrix (M, N): I ~= v @ G_eff1 (see ir_drop_first_order).

        G_eff1[i, j] = G_ij (1 - r_row sum_{k<=j} S_ik - r_col sum_{k>=i} C_kj),
        S_ik = sum_{l>=k} G_il,  C_kj = sum_{l<=k} G_lj.
    """
    seg_row = xp.cumsum(G[:, ::-1], axis=1)[:, ::-1]       # S_ik
    drop_row = xp.cumsum(seg_row, axis=1)                   # sum_{k<=j} S_ik
    seg_col = xp.cumsum(G, axis=0)                          # C_kj
    drop_col = xp.cumsum(seg_col[::-1], axis=0)[::-1]       # sum_{k>=i} C_kj
    return G * (1.0 - r_row_ohm * drop_row - r_col_ohm * drop_col)
