"""Laying a weight matrix onto tiles of differential conductance pairs.

Layout: W has shape (out, in). Tile (r, c) holds inputs ``row_edges[r]:row_edges[r+1]`` (crossbar rows)
and outputs ``col_edges[c]:col_edges[c+1]`` (crossbar columns). Each weight is a pair (G+, G-):
    s = (g_max - g_min) / max|W|        (per tile, or per output column of a tile)
    G+ = g_min + clip(s W, 0, g_max - g_min),  G- = g_min + clip(-s W, 0, g_max - g_min)
so that W = (G+ - G-) / s (REFERENCES.md s.1; aihwkit's differential-pair conductance converter).
Conductance arrays are stored stacked as (2, out, in): [G+, G-].
"""

from __future__ import annotations

import numpy as np


def edges(n: int, tile: int) -> np.ndarray:
    """Block boundaries [0, tile, 2 tile, ..., n] of a dimension of size n."""
    return np.append(np.arange(0, n, tile), n)


def conductance_scales(W: np.ndarray, row_edges: np.ndarray, col_edges: np.ndarray,
                       mode: str, g_span_S: float) -> np.ndarray:
    """Conductance per unit weight (S) for every (row block, output column).

    Args:
        W: weights (out, in).
        row_edges, col_edges: tile boundaries over inputs and outputs.
        mode: "tile" (one scale per tile) or "column" (one per output column of a tile).
        g_span_S: g_max - g_min (S).

    Returns:
        scales (n_row_blocks, out); an all-zero tile or column gets scale g_span_S.
    """
    n_rb = len(row_edges) - 1
    scales = np.empty((n_rb, W.shape[0]))
    for r in range(n_rb):
        col_max = np.abs(W[:, row_edges[r]:row_edges[r + 1]]).max(axis=1)
        if mode == "tile":
            for c in range(len(col_edges) - 1):
                a, b = col_edges[c], col_edges[c + 1]
                col_max[a:b] = col_max[a:b].max()
        scales[r] = g_span_S / np.where(col_max > 0, col_max, 1.0)
    return scales


def map_to_pairs(W: np.ndarray, scales: np.ndarray, row_edges: np.ndarray,
                 g_min_S: float, g_max_S: float) -> np.ndarray:
    """Target conductances (2, out, in) = [G+, G-] for weights W with the given scales."""
    span = g_max_S - g_min_S
    s_full = np.repeat(scales.T, np.diff(row_edges), axis=1)  # (out, in)
    sw = s_full * W
    return np.stack([g_min_S + np.clip(sw, 0.0, span), g_min_S + np.clip(-sw, 0.0, span)])


def gdc_readout(gd_S: np.ndarray, row_edges: np.ndarray, col_edges: np.ndarray) -> np.ndarray:
    """Per-tile drift-calibration readout: mean over the tile's columns of |sum_j Gd_ij|.

    gd_S (out, in) is the tile's effective differential conductance (G+ - G-, with IR drop when the wires
    have resistance): the response of each tile to an all-ones (full-scale) calibration input,
    noise-free (the limit of averaging many reads), in siemens; the read voltage cancels in the GDC
    ratio (REFERENCES.md s.1).
    """
    gd = gd_S
    out = np.empty((len(row_edges) - 1, len(col_edges) - 1))
    for r in range(out.shape[0]):
        col_sums = np.abs(gd[:, row_edges[r]:row_edges[r + 1]].sum(axis=1))
        for c in range(out.shape[1]):
            out[r, c] = col_sums[col_edges[c]:col_edges[c + 1]].mean()
    return out
