"""Convolutions on tiles without patches: each row block's partial product as a convolution.

A convolution mapped to crossbars reads its kernel as the matrix K (c_out, c_in * kh * kw), c_in slowest,
and row block r of the tiles holds the rows [a, b) of K^T. With the patches P (one row of c_in * kh * kw
inputs per output pixel) the crossbar computes, per row block,

    I_r = DAC(P[:, a:b]) @ Gd_r^T,      var_r = DAC(P[:, a:b])^2 @ K_r^T,
    y  += ADC(I_r + sqrt(var_r + out_var) z_r) * col_factor_r * scale

(cimsim.forward). When the DAC acts on each input value alone, that is with a fixed input range
(``DAC(input_scaling="fixed")``), DAC(P) is the patches of DAC(x), so I_r is the convolution of DAC(x)
over the input channels of block r with Gd_r laid back into kernel form (zero outside rows [a, b)), and
var_r is the convolution of DAC(x)^2 with the variance kernel: XLA's convolution does the work, and no
patch matrix (kh * kw times the activations) is built. The ADC, the noise and the rescale act on each
output value alone, and the normals z have the shape (row blocks, output pixels, c_out) of the patches
path, so one key gives the same draws: the two paths agree to the rounding of the products (a test holds
them draw by draw). An ``abs_max`` DAC scales every patch by its own max |x| (aihwkit's ABS_MAX noise
management), so the same pixel is quantized differently in different patches: that is not a convolution,
and such configs (the PCM preset's) take the patches path; so do bit-sliced weights and bit-serial inputs.
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .. import _validate as v
from .._threefry import normal
from .._xp import is_concrete
from ..forward import adc_step, dac_step
from .tile import Blocks, _check_output
from .views import from_channels_last


class ConvSpec(NamedTuple):
    """The static parameters of one ``conv_general_dilated`` (hashable, for jit)."""

    lhs_spec: tuple
    rhs_spec: tuple
    out_spec: tuple
    spatial: tuple
    window_strides: tuple
    padding: tuple
    lhs_dilation: tuple
    rhs_dilation: tuple


def spec_of(params, kernel_shape) -> ConvSpec:
    """The ConvSpec of a conv_general_dilated equation's params and its kernel's shape."""
    dn = params["dimension_numbers"]
    pad = params["padding"]
    if isinstance(pad, str):  # a traced conv carries explicit pairs; a string here is resolved like lax does
        raise ValueError(f"padding must be explicit (low, high) pairs in a traced convolution, got {pad!r}")
    return ConvSpec(tuple(dn.lhs_spec), tuple(dn.rhs_spec), tuple(dn.out_spec),
                    tuple(int(kernel_shape[d]) for d in dn.rhs_spec[2:]), tuple(params["window_strides"]),
                    tuple(tuple(int(q) for q in p) for p in pad), tuple(params["lhs_dilation"]),
                    tuple(params["rhs_dilation"]))


def inexact_reason(cfg) -> str | None:
    """None when the tile convolution equals the patches product for cfg; else why it does not."""
    if cfg.slicing is not None:
        return "bit-sliced weights or bit-serial inputs"
    if cfg.dac.input_scaling != "fixed":
        return f"dac.input_scaling={cfg.dac.input_scaling!r} scales each patch by its own max |x|"
    return None


def _layout(nd: int):
    """Channels-last dimension numbers for nd spatial dims: (N, S..., C), kernel (S..., I, O)."""
    sp = tuple(range(1, nd + 1))
    return lax.ConvDimensionNumbers(lhs_spec=(0, nd + 1) + sp, rhs_spec=(nd + 1, nd) + tuple(range(nd)),
                                    out_spec=(0, nd + 1) + sp)


def _kernel(g_T, a: int, b: int, c0: int, c1: int, spatial: tuple):
    """Rows [a, b) of the kernel matrix (rows, out) laid back as a (S..., c1 - c0, out) kernel, zero outside."""
    s = int(np.prod(spatial, dtype=np.int64))
    lo, hi = a - c0 * s, (c1 - c0) * s - (b - a) - (a - c0 * s)
    k = jnp.pad(g_T, ((lo, hi), (0, 0))) if lo or hi else g_T
    k = k.reshape((c1 - c0,) + spatial + (g_T.shape[1],))
    nd = len(spatial)
    return jnp.transpose(k, tuple(range(1, nd + 1)) + (0, nd + 1))


@partial(jax.jit, static_argnames=("cfg", "spec"))
def _conv_jit(blocks: Blocks, x, cfg, spec: ConvSpec, key):
    nd = len(spec.spatial)
    x = _channels_last(x, spec)  # (N, S..., C)
    dac, adc = cfg.dac, cfg.adc
    v_ = dac_step(x.reshape(-1, x.shape[-1]), dac.bits, True, dac.x_range, cfg.v_read_V, xp=jnp)[0].reshape(x.shape)
    law = getattr(cfg.device, "iv", None)
    if law is not None:
        v_ = law.current(v_, 1.0, xp=jnp).astype(v_.dtype)
    dn = _layout(nd)

    def conv(inp, k):  # promoted like the patches path's inp @ k
        dt = jnp.result_type(inp, k)
        return lax.conv_general_dilated(inp.astype(dt), k.astype(dt), spec.window_strides, spec.padding, spec.lhs_dilation,
                                        spec.rhs_dilation, dimension_numbers=dn)

    s = int(np.prod(spec.spatial, dtype=np.int64))
    out_var = (adc.out_noise * cfg.unit_A) ** 2
    bound_A = None if adc.out_bound is None else adc.out_bound * cfg.unit_A
    y, draw, a, lead = None, False, 0, None
    for r, g_T in enumerate(blocks.gd_T):
        b = a + g_T.shape[0]
        c0, c1 = a // s, -(-b // s)
        vr = v_[..., c0:c1]
        current = conv(vr, _kernel(g_T, a, b, c0, c1, spec.spatial))
        lead = current.shape[:-1]
        current = current.reshape(-1, g_T.shape[1])
        if y is None:
            y = jnp.zeros_like(current)
            draw = cfg.per_mvm_noise  # the patches path's draws, (row blocks, output pixels, out), block by block
        k_T = blocks.k_T[r]
        z = normal(key, current.shape, current.dtype, start=r * current.size) if draw else None
        var = None
        if z is not None and k_T is not None:
            vsq = vr * vr if law is None else (vr * vr).astype("float32")
            var = conv(vsq, _kernel(k_T, a, b, c0, c1, spec.spatial)).reshape(current.shape)
        scale = jnp.full((current.shape[0],), dac.x_range, dtype=current.dtype)
        y = y + adc_step(current, var, z, out_var, adc.bits, bound_A,
                         blocks.col_factor[r], scale, xp=jnp)
        a = b
    y = lax.optimization_barrier(y)  # the normals fuse into the ADC loops; no consumer recomputes them
    if blocks.bias is not None:
        y = y + blocks.bias
    return _to_out_layout(y.reshape(lead + (y.shape[-1],)), spec)  # from (N, S_out..., O)


def kernel_matrix(k, spec: ConvSpec):
    """The kernel (in the equation's layout) as the crossbar matrix (c_out, c_in * kh * kw), c_in slowest."""
    k = jnp.transpose(k, spec.rhs_spec)
    return k.reshape(k.shape[0], -1)


def _channels_last(x, spec: ConvSpec):
    return jnp.transpose(x, (spec.lhs_spec[0],) + spec.lhs_spec[2:] + (spec.lhs_spec[1],))


def _to_out_layout(y, spec: ConvSpec):
    return from_channels_last(y, spec.out_spec)


def hwa_conv(k, x, key, hwa, spec: ConvSpec):
    """cimsim.jx.hwa.hwa_matmul of a convolution with a fixed input range, as one convolution: the same
    weight and output noise (the same keys and shapes), the DAC on each input value, the ADC on each output.
    Differentiable (straight-through converters)."""
    from .hwa import noisy_weights, quantize_ste

    if hwa.input_range is None:
        raise ValueError("hwa_conv needs a fixed input range (HWAConfig(input_range=r)); abs_max scales each patch")
    W = kernel_matrix(k, spec)
    Wn, colmax, k_o = noisy_weights(W, key, hwa)
    xq = quantize_ste(_channels_last(x, spec) / hwa.input_range, hwa.dac_bits, 1.0)
    c_in = xq.shape[-1]
    kern = _kernel((Wn / colmax[:, None]).T, 0, W.shape[1], 0, c_in, spec.spatial)
    y = lax.conv_general_dilated(xq, kern.astype(xq.dtype), spec.window_strides, spec.padding, spec.lhs_dilation,
                                 spec.rhs_dilation, dimension_numbers=_layout(len(spec.spatial)))
    lead = y.shape[:-1]
    y = y.reshape(-1, W.shape[0])
    y = y + hwa.out_noise * lax.optimization_barrier(normal(k_o, y.shape, y.dtype))  # drawn once
    y = quantize_ste(y, hwa.adc_bits, hwa.out_bound) * colmax[None, :] * hwa.input_range
    return _to_out_layout(y.reshape(lead + (W.shape[0],)), spec)


def mvm_conv(blocks: Blocks, x, cfg, spec: ConvSpec, key: jax.Array | None):
    """The convolution of x (the equation's input layout) on the read tiles ``blocks``, per-MVM noise from
    ``key``; output in the equation's output layout. cfg must be exact for it (``inexact_reason`` None)."""
    why = inexact_reason(cfg)
    if why is not None:
        raise ValueError(f"the tile convolution is not exact for this config: {why}; use the patches path")
    if key is None and cfg.per_mvm_noise:
        raise ValueError("key is required: this configuration draws per-MVM noise; pass key=jax.random.PRNGKey(seed)")
    if is_concrete(x):
        v.finite_array("x", np.asarray(x))
    y = _conv_jit(blocks, jnp.asarray(x), cfg, spec, key)
    _check_output(y, x)
    return y
