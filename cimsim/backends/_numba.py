"""Numba kernels of the tile forward pass: each fuses one numpy twin's passes into one parallel loop.

Same operations in the same order as backends/_numpy.py (no fastmath), so results agree bitwise in
practice and to float rounding by contract.

Threading: the kernels run between two BLAS calls; cimsim._parallel.ensure_threading_layer() selects
numba's sleeping "workqueue" layer at the first launch, unless the user chose a layer (see there).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from .._parallel import NUMBA_PARALLEL, ensure_threading_layer
from ..converters import half_levels

PARALLEL = True
_EMPTY_F32 = np.empty((0, 0), dtype=np.float32)
_EMPTY_F64 = np.empty((0, 0), dtype=np.float64)


@nb.njit(inline="always")
def _quantize(u, mode, n_half, bound):  # pragma: no cover - compiled
    # mode 0: no quantization, no bound; 1: clip only; 2: 1-bit; 3: mid-tread with n_half levels a side
    if mode == 0:
        return u
    if mode == 1:
        return min(max(u, -bound), bound)
    if mode == 2:
        return bound if u >= 0.0 else -bound
    step = bound / n_half
    return min(max(np.rint(u / step), -n_half), n_half) * step


def _mode(bits: int | None, bound: float | None) -> tuple[int, float]:
    if bits is None:
        return (0 if bound is None else 1), 0.0
    if bits == 1:
        return 2, 0.0
    return 3, float(half_levels(bits))


@nb.njit(parallel=PARALLEL, cache=True)
def _dac_kernel(x, mode, n_half, fixed, x_range, v_read, need_sq, v, v_sq, scale):  # pragma: no cover
    batch, rows = x.shape
    for b in nb.prange(batch):
        if fixed:
            s = x_range
        else:
            m = 0.0
            for j in range(rows):
                a = abs(x[b, j])
                if a > m:
                    m = a
            s = m if m > 0.0 else 1.0
        scale[b] = s
        for j in range(rows):
            val = _quantize(x[b, j] / s, mode, n_half, 1.0) * v_read
            v[b, j] = val
            if need_sq:
                v_sq[b, j] = np.float32(val * val)


@nb.njit(parallel=PARALLEL, cache=True)
def _adc_kernel(y, current, var, z, has_var, has_noise, out_var, mode, n_half, bound,
                col_factor, scale):  # pragma: no cover - compiled
    batch, n_out = current.shape
    for b in nb.prange(batch):
        s = scale[b]
        for i in range(n_out):
            c = current[b, i]
            if has_noise:
                if has_var:
                    sd = np.sqrt(np.float64(var[b, i]) + out_var)
                else:
                    sd = np.sqrt(out_var)
                c = c + sd * z[b, i]
            y[b, i] += (_quantize(c, mode, n_half, bound) * col_factor[i]) * s


def zeros(shape, like):
    """The float64 accumulator y."""
    return np.zeros(shape)


def dac(x, bits, fixed, x_range, v_read_V, need_sq):
    """Numba twin of backends._numpy.dac."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    mode, n_half = _mode(bits, 1.0)
    v = np.empty_like(x)
    v_sq = np.empty(x.shape, dtype=np.float32) if need_sq else _EMPTY_F32
    scale = np.empty(x.shape[0])
    ensure_threading_layer()
    with NUMBA_PARALLEL:
        _dac_kernel(x, mode, n_half, fixed, float(x_range), float(v_read_V), need_sq, v, v_sq, scale)
    return v, (v_sq if need_sq else None), scale


def adc_accumulate(y, current_A, var_A2, z, out_var_A2, bits, bound_A, col_factor, scale):
    """Numba twin of backends._numpy.adc_accumulate."""
    mode, n_half = _mode(bits, bound_A)
    ensure_threading_layer()
    with NUMBA_PARALLEL:
        _adc_kernel(y, current_A, _EMPTY_F32 if var_A2 is None else var_A2,
                    _EMPTY_F64 if z is None else z, var_A2 is not None, z is not None,
                    float(out_var_A2), mode, n_half, 0.0 if bound_A is None else float(bound_A),
                    col_factor, scale)
    return y
