"""Plain-numpy reference kernels of the tile forward pass (readable; the twin of _numba.py)."""

from __future__ import annotations

import numpy as np

from ..converters import quantize


def dac(x: np.ndarray, bits: int | None, fixed: bool, x_range: float, v_read_V: float,
        need_sq: bool) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Input scaling and DAC for one row block.

    Args:
        x: inputs (batch, rows), float64.
        bits: DAC bits or None; fixed: fixed input range (else abs-max per vector); x_range: fixed range.
        v_read_V: full-scale voltage; need_sq: also return v^2 as float32 (for the noise product).

    Returns:
        v (batch, rows) volts, v^2 (float32) or None, scale (batch,) multiplied back after the ADC.
    """
    if fixed:
        scale = np.full(x.shape[0], x_range)
    else:
        scale = np.abs(x).max(axis=1)
        scale = np.where(scale > 0.0, scale, 1.0)
    v = quantize(x / scale[:, None], bits, 1.0) * v_read_V
    v_sq = (v * v).astype(np.float32) if need_sq else None
    return v, v_sq, scale


def adc_accumulate(y: np.ndarray, current_A: np.ndarray, var_A2: np.ndarray | None, z: np.ndarray | None,
                   out_var_A2: float, bits: int | None, bound_A: float | None,
                   col_factor: np.ndarray, scale: np.ndarray) -> None:
    """Adds per-MVM noise, converts, rescales and accumulates one row block's outputs into y (in place).

    Args:
        y: accumulator (batch, out). current_A: column currents (batch, out).
        var_A2: output-referred weight-noise variance (batch, out) float32, or None.
        z: standard normals (batch, out), or None for no per-MVM noise.
        out_var_A2: ADC output-noise variance (A^2). bits, bound_A: ADC resolution and range.
        col_factor: (out,) digital factor per column (1 / (v_read * s), times GDC alpha).
        scale: (batch,) input scales from the DAC step.
    """
    if z is not None:
        std = np.sqrt(var_A2.astype(np.float64) + out_var_A2) if var_A2 is not None else np.sqrt(out_var_A2)
        current_A = current_A + std * z
    y += (quantize(current_A, bits, bound_A) * col_factor[None, :]) * scale[:, None]
