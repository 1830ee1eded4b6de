"""The tile forward pass shared by all backends: DAC -> Ohm/Kirchhoff products -> noise -> ADC -> digital.

For row block r (the tiles that share inputs r), with v the DAC voltages (batch, rows):
    I = v @ Gd_r^T                         column currents (A), Ohm's law summed on columns (Kirchhoff)
    var = v^2 @ K_r^T                      output-referred per-MVM weight-noise variance (docs/references.md s.9)
    y += ADC(I + sqrt(var + out_var) z) * col_factor_r * scale     digital rescale and partial-sum add

The equations of the DAC step and the ADC step are written once, over an array namespace
(``dac_step``, ``adc_step``); the numpy reference backend and the JAX path (cimsim.jx) call them, and
the numba backend is their one hand-written, fused twin (held to the reference by tests). The loop over
row blocks (``forward``) is shared by every backend: a backend supplies ``dac`` and ``adc_accumulate``.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Sequence

import numpy as np

from ._xp import namespace
from .converters import quantize
from .slicing import input_cycles


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


def dac_step(x: Any, bits: int | None, fixed: bool, x_range: float, v_read_V: float, *, xp: Any) -> tuple[Any, Any]:
    """Input scaling and DAC of one row block.

    Args:
        x: inputs (batch, rows).
        bits: DAC bits or None; fixed: fixed input range (else abs-max per vector, aihwkit ABS_MAX);
        x_range: the fixed range; v_read_V: full-scale voltage; xp: array namespace.

    Returns:
        v (batch, rows) volts, and scale (batch,) to multiply back after the ADC.
    """
    if fixed:
        scale = xp.full((x.shape[0],), x_range, dtype=x.dtype)
    else:
        m = xp.max(xp.abs(x), axis=1)
        scale = xp.where(m > 0.0, m, 1.0)
    return quantize(x / scale[:, None], bits, 1.0, xp=xp) * v_read_V, scale


def adc_step(current_A: Any, var_A2: Any, z: Any, out_var_A2: float, bits: int | None, bound_A: float | None,
             col_factor: Any, scale: Any, *, xp: Any) -> Any:
    """Per-MVM noise, ADC, digital rescale of one row block: its contribution (batch, out) to y.

    Args:
        current_A: column currents (batch, out). var_A2: output-referred weight-noise variance, or None.
        z: standard normals (batch, out), or None for no per-MVM noise. out_var_A2: ADC output-noise
        variance (A^2). bits, bound_A: ADC resolution and range. col_factor: (out,) digital factor per
        column (GDC alpha / (v_read s)). scale: (batch,) input scales from the DAC step.
    """
    if z is not None:
        std = xp.sqrt(var_A2 + out_var_A2) if var_A2 is not None else xp.sqrt(xp.asarray(out_var_A2, current_A.dtype))
        current_A = current_A + std * z
    return (quantize(current_A, bits, bound_A, xp=xp) * col_factor[None, :]) * scale[:, None]


def forward(x: Any, gd_T: Sequence[Any], k_T: Sequence[Any], col_factor: Sequence[Any], cfg,
            z: Any, backend, offsets: Sequence[Any] | None = None) -> Any:
    """Runs a batch through every row block of a read array.

    Args:
        x: inputs (batch, in), already validated; row block r covers the next gd_T[p].shape[0] inputs.
        gd_T, k_T, col_factor: per plane (see RowBlock): one plane per row block, or, with bit-sliced
            weights, ``slices`` consecutive planes per row block that share its inputs (col_factor then
            holds each slice's shift-and-add weight).
        cfg: the CrossbarConfig.
        z: standard normals (n_planes x input cycles, batch, out) or None when the config has no per-MVM noise.
        backend: an object with ``zeros``, ``dac`` and ``adc_accumulate`` (cimsim.backends).
        offsets: per row block, the digital offset m (out,) of offset-binary slices, or None.

    Returns:
        y (batch, out) before the digital bias.
    """
    sl = cfg.slicing
    k = 1 if sl is None else sl.weight_slices
    serial = sl is not None and sl.input_bits_per_cycle is not None
    y = backend.zeros((x.shape[0], gd_T[0].shape[1]), x)
    dac, adc = cfg.dac, cfg.adc
    law = getattr(cfg.device, "iv", None)

    def cell(v):  # the cell's current per unit conductance at voltage v: I(v, G) = G h(v) (odd, separable)
        return v if law is None else law.current(v, 1.0, xp=namespace(v)).astype(v.dtype)

    out_var = (adc.out_noise * cfg.unit_A) ** 2
    bound_A = None if adc.out_bound is None else adc.out_bound * cfg.unit_A
    a, n = 0, 0
    for r in range(len(gd_T) // k):
        b = a + gd_T[r * k].shape[0]
        planes = range(r * k, (r + 1) * k)
        need_sq = z is not None and k_T[r * k] is not None
        v, v_sq, scale = backend.dac(x[:, a:b], dac.bits, dac.input_scaling == "fixed", dac.x_range,
                                     cfg.v_read_V, need_sq and not serial and law is None)
        if serial:
            cycles = [(cell(vj), None, scale * w)
                      for vj, w in input_cycles(v, dac.bits, sl.input_bits_per_cycle, cfg.v_read_V, xp=namespace(v))]
        else:
            cycles = [(v, v_sq, scale)] if law is None else [(cell(v), None, scale)]
        if need_sq and (serial or law is not None):
            cycles = [(vj, (vj * vj).astype("float32"), sj) for vj, _, sj in cycles]
        for p in planes:
            for vj, vj_sq, sj in cycles:
                current = vj @ gd_T[p]
                var = vj_sq @ k_T[p] if need_sq else None
                y = backend.adc_accumulate(y, current, var, None if z is None else z[n], out_var, adc.bits, bound_A,
                                           col_factor[p], sj)
                n += 1
        if offsets is not None and offsets[r] is not None:  # offset-binary slices: y -= m sum_j x_j (digital)
            xs = (v.sum(axis=1) / cfg.v_read_V) * scale
            y = y - xs[:, None] * offsets[r][None, :]
        a = b
    return y
