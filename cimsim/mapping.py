"""Laying a weight matrix onto tiles of differential conductance pairs.

Layout: W has shape (out, in). Tile (r, c) holds inputs ``row_edges[r]:row_edges[r+1]`` (crossbar rows)
and outputs ``col_edges[c]:col_edges[c+1]`` (crossbar columns). Each weight is a pair (G+, G-):
    s = (g_max - g_min) / max|W|        (per tile, or per output column of a tile)
    G+ = g_min + clip(s W, 0, g_max - g_min),  G- = g_min + clip(-s W, 0, g_max - g_min)
so that W = (G+ - G-) / s (docs/references.md s.1; aihwkit's differential-pair conductance converter).
Conductance arrays are stored stacked as (2, out, in): [G+, G-].

Every function takes the array namespace ``xp`` (numpy or jax.numpy): the numpy reference and cimsim.jx
use this one definition. Tile boundaries are static numpy integers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._xp import repeat_blocks


def edges(n: int, tile: int) -> np.ndarray:
    """Block boundaries [0, tile, 2 tile, ..., n] of a dimension of size n."""
    return np.append(np.arange(0, n, tile), n)


def conductance_scales(W: Any, row_edges: np.ndarray, col_edges: np.ndarray,
                       mode: str, g_span_S: float, *, xp: Any = np) -> Any:
    """Conductance per unit weight (S) for every (row block, output column).

    Args:
        W: weights (out, in).
        row_edges, col_edges: tile boundaries over inputs and outputs.
        mode: "tile" (one scale per tile) or "column" (one per output column of a tile).
        g_span_S: g_max - g_min (S).
        xp: array namespace.

    Returns:
        scales (n_row_blocks, out); an all-zero tile or column gets scale g_span_S.
    """
    rows = []
    for r in range(len(row_edges) - 1):
        col_max = xp.max(xp.abs(W[:, int(row_edges[r]):int(row_edges[r + 1])]), axis=1)
        if mode == "tile":
            segs = [col_max[int(col_edges[c]):int(col_edges[c + 1])] for c in range(len(col_edges) - 1)]
            col_max = xp.concatenate([xp.broadcast_to(xp.max(s), s.shape) for s in segs])
        rows.append(g_span_S / xp.where(col_max > 0, col_max, 1.0))
    return xp.stack(rows)


def map_to_pairs(W: Any, scales: Any, row_edges: np.ndarray, g_min_S: float, g_max_S: float,
                 *, xp: Any = np) -> Any:
    """Target conductances (2, out, in) = [G+, G-] for weights W with the given scales."""
    span = g_max_S - g_min_S
    sw = repeat_blocks(xp, scales, row_edges) * W  # scale of each weight's row block, (out, in)
    if xp is np:  # the same arithmetic in place: 4x the weights' memory at the peak instead of 7x
        out = np.empty((2,) + sw.shape)
        np.clip(sw, 0.0, span, out=out[0])
        np.negative(sw, out=sw)
        np.clip(sw, 0.0, span, out=out[1])
        out += g_min_S
        return out
    return xp.stack([g_min_S + xp.clip(sw, 0.0, span), g_min_S + xp.clip(-sw, 0.0, span)])


def gdc_readout(gd_S: Any, row_edges: np.ndarray, col_edges: np.ndarray, *, xp: Any = np) -> Any:
    """Per-tile drift-calibration readout: mean over the tile's columns of |sum_j Gd_ij|.

    gd_S (out, in) is the tile's effective differential conductance (G+ - G-, with IR drop when the wires
    have resistance): the response of each tile to an all-ones (full-scale) calibration input,
    noise-free (the limit of averaging many reads), in siemens; the read voltage cancels in the GDC
    ratio (docs/references.md s.1).
    """
    out = []
    for r in range(len(row_edges) - 1):
        col_sums = xp.abs(xp.sum(gd_S[:, int(row_edges[r]):int(row_edges[r + 1])], axis=1))
        out.append(xp.stack([xp.mean(col_sums[int(col_edges[c]):int(col_edges[c + 1])])
                             for c in range(len(col_edges) - 1)]))
    return xp.stack(out)


def gdc_factors(gdc_ref: Any, current: Any, col_edges: np.ndarray, *, xp: Any = np) -> Any:
    """GDC alpha per (row block, output column): reference / current readout of each tile (1 where either
    is zero), repeated over the tile's columns (Joshi et al. 2020; docs/references.md s.1)."""
    ratio = xp.where((current > 0) & (gdc_ref > 0), gdc_ref / xp.where(current > 0, current, 1.0), 1.0)
    return repeat_blocks(xp, ratio.T, col_edges)


def weight_noise_coeff(g_S: Any, w_noise: float, w_noise_type: str, g_max_S: float, *, xp: Any = np) -> Any:
    """Per-MVM output-referred noise coefficient K (out, in), A^2/V^2: var_i = sum_j K_ij v_j^2.

    "pcm_read": device std w_noise sqrt(g g_max) on G+ and G- -> K = w_noise^2 g_max (G+ + G-) (aihwkit
    PCM_READ); "constant": device std w_noise g_max on each -> K = 2 (w_noise g_max)^2
    (docs/references.md s.9).
    """
    if w_noise_type == "pcm_read":
        return w_noise**2 * g_max_S * (g_S[0] + g_S[1])
    return xp.full(g_S.shape[1:], 2.0 * (w_noise * g_max_S) ** 2, dtype=g_S.dtype)
