"""The tile forward pass shared by all backends: DAC -> Ohm/Kirchhoff products -> noise -> ADC -> digital.

For row block r (the tiles that share inputs r), with v the DAC voltages (batch, rows):
    I = v @ Gd_r^T                         column currents (A), Ohm's law summed on columns (Kirchhoff)
    var = v^2 @ K_r^T                      output-referred per-MVM weight-noise variance (REFERENCES.md s.9)
    y += ADC(I + sqrt(var + out_var) z) * col_factor_r * scale     digital rescale and partial-sum add
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class RowBlock(NamedTuple):
    """Read-time arrays of one row block of tiles.

    Attributes:
        start, stop: input indices covered.
        gd_T: (rows, out) float64, G+ - G- transposed (S).
        k_T: (rows, out) float32 per-device per-MVM noise variance coefficient (A^2 / V^2), or None.
        col_factor: (out,) digital factor per column: GDC alpha / (v_read * s).
    """

    start: int
    stop: int
    gd_T: np.ndarray
    k_T: np.ndarray | None
    col_factor: np.ndarray


def forward(x: np.ndarray, blocks: tuple[RowBlock, ...], cfg, z: np.ndarray | None, backend) -> np.ndarray:
    """Runs a batch through every row block of a read array.

    Args:
        x: inputs (batch, in), float64, already validated.
        blocks: the read array's row blocks.
        cfg: the CrossbarConfig.
        z: standard normals (n_row_blocks, batch, out) or None when the config has no per-MVM noise.
        backend: a backend module (cimsim.backends).

    Returns:
        y (batch, out) before the digital bias.
    """
    n_out = blocks[0].gd_T.shape[1]
    y = np.zeros((x.shape[0], n_out))
    dac, adc = cfg.dac, cfg.adc
    out_var = (adc.out_noise * cfg.unit_A) ** 2
    bound_A = None if adc.out_bound is None else adc.out_bound * cfg.unit_A
    for r, blk in enumerate(blocks):
        need_sq = z is not None and blk.k_T is not None
        v, v_sq, scale = backend.dac(x[:, blk.start:blk.stop], dac.bits, dac.input_scaling == "fixed",
                                     dac.x_range, cfg.v_read_V, need_sq)
        current = v @ blk.gd_T
        var = v_sq @ blk.k_T if need_sq else None
        backend.adc_accumulate(y, current, var, None if z is None else z[r], out_var, adc.bits, bound_A,
                               blk.col_factor, scale)
    return y
