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


@nb.njit(inline="always")
def _quantize(u, mode, n_half, bound, step):  # pragma: no cover - compiled
    # mode 0: no quantization, no bound; 1: clip only; 2: 1-bit; 3: mid-tread with n_half levels a side.
    # Every scalar arrives in the working float type, so float32 arrays are computed in float32 as numpy does.
    if mode == 0:
        return u
    if mode == 1:
        return min(max(u, -bound), bound)
    if mode == 2:
        return bound if u >= 0 else -bound
    return min(max(np.rint(u / step), -n_half), n_half) * step


def _mode(bits: int | None, bound: float | None, dtype) -> tuple:
    """(mode, n_half, bound, step) with the scalars in the working float type; the step is computed in
    float64 and rounded once, as numpy's weak-scalar promotion does in the reference."""
    t = np.dtype(dtype).type
    b = 0.0 if bound is None else float(bound)
    if bits is None:
        return (0 if bound is None else 1), t(0), t(b), t(0)
    if bits == 1:
        return 2, t(0), t(b), t(0)
    n = half_levels(bits)
    return 3, t(n), t(b), t(b / n)


@nb.njit(parallel=PARALLEL, cache=True)
def _dac_kernel(x, mode, n_half, bound, step, fixed, x_range, v_read, zero, one, need_sq, v, v_sq,
                scale):  # pragma: no cover - compiled
    batch, rows = x.shape
    for b in nb.prange(batch):
        if fixed:
            s = x_range
        else:
            m = zero
            for j in range(rows):
                a = abs(x[b, j])
                if a > m:
                    m = a
            s = m if m > zero else one
        scale[b] = s
        for j in range(rows):
            val = _quantize(x[b, j] / s, mode, n_half, bound, step) * v_read
            v[b, j] = val
            if need_sq:
                v_sq[b, j] = np.float32(val * val)


@nb.njit(parallel=PARALLEL, cache=True)
def _adc_kernel(y, current, var, z, has_var, has_noise, out_var, zero, mode, n_half, bound, step,
                col_factor, scale):  # pragma: no cover - compiled
    batch, n_out = current.shape
    sd0 = np.sqrt(out_var)
    for b in nb.prange(batch):
        s = scale[b]
        for i in range(n_out):
            c = current[b, i]
            if has_noise:
                if has_var:
                    sd = np.sqrt((zero + var[b, i]) + out_var)  # var (float32) in the working type
                else:
                    sd = sd0
                c = c + sd * z[b, i]
            y[b, i] += (_quantize(c, mode, n_half, bound, step) * col_factor[i]) * s


def zeros(shape, like):
    """The accumulator y, in the working float type of the inputs."""
    return np.zeros(shape, dtype=like.dtype)


def dac(x, bits, fixed, x_range, v_read_V, need_sq):
    """Numba twin of backends._numpy.dac."""
    x = np.ascontiguousarray(x)
    t = x.dtype.type
    mode, n_half, bound, step = _mode(bits, 1.0, x.dtype)
    v = np.empty_like(x)
    v_sq = np.empty(x.shape, dtype=np.float32) if need_sq else _EMPTY_F32
    scale = np.empty(x.shape[0], dtype=x.dtype)
    ensure_threading_layer()
    with NUMBA_PARALLEL:
        _dac_kernel(x, mode, n_half, bound, step, fixed, t(x_range), t(v_read_V), t(0), t(1), need_sq, v, v_sq,
                    scale)
    return v, (v_sq if need_sq else None), scale


def adc_accumulate(y, current_A, var_A2, z, out_var_A2, bits, bound_A, col_factor, scale):
    """Numba twin of backends._numpy.adc_accumulate."""
    t = y.dtype.type
    mode, n_half, bound, step = _mode(bits, bound_A, y.dtype)
    empty = np.empty((0, 0), dtype=y.dtype)
    ensure_threading_layer()
    with NUMBA_PARALLEL:
        _adc_kernel(y, current_A, _EMPTY_F32 if var_A2 is None else var_A2, empty if z is None else z,
                    var_A2 is not None, z is not None, t(out_var_A2), t(0), mode, n_half, bound, step,
                    col_factor, scale)
    return y
