"""Plain-numpy reference kernels of the tile forward pass: the equations of cimsim.forward on numpy.

The twin of _numba.py, which fuses the same operations in the same order.
"""

from __future__ import annotations

import numpy as np

from ..forward import adc_step, dac_step


def zeros(shape: tuple[int, int], like: np.ndarray) -> np.ndarray:
    """The accumulator y, in the working float type of the inputs."""
    return np.zeros(shape, dtype=like.dtype)


def dac(x: np.ndarray, bits: int | None, fixed: bool, x_range: float, v_read_V: float,
        need_sq: bool) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Input scaling and DAC for one row block (cimsim.forward.dac_step).

    Returns:
        v (batch, rows) volts, v^2 (float32, for the noise product) or None, scale (batch,).
    """
    v, scale = dac_step(x, bits, fixed, x_range, v_read_V, xp=np)
    return v, ((v * v).astype(np.float32) if need_sq else None), scale


def adc_accumulate(y: np.ndarray, current_A: np.ndarray, var_A2: np.ndarray | None, z: np.ndarray | None,
                   out_var_A2: float, bits: int | None, bound_A: float | None,
                   col_factor: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Adds one row block's converted outputs into y in place (cimsim.forward.adc_step); returns y."""
    var = None if var_A2 is None else var_A2.astype(y.dtype)
    y += adc_step(current_A, var, z, out_var_A2, bits, bound_A, col_factor, scale, xp=np)
    return y
