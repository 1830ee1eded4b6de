"""The crossbar forward pass in JAX: the twin of cimsim.forward (numpy/numba), jit-compiled.

Same physics, not retyped: cimsim.forward's loop and its dac_step / adc_step equations run on jax.numpy
(per row block: input scaling and DAC, column currents v @ Gd^T, output-referred per-MVM noise
sqrt(v^2 @ K^T + sigma_out^2) z, ADC, digital rescale, partial sums), then the digital bias.
Given the same conductances and the same standard normals z, it agrees with the numpy reference to the
rounding of the dtype it runs in (float32 by default, float64 under ``jax.enable_x64``).

    blocks = blocks_from_read(R)                 # a cimsim.ReadArray's arrays, as JAX arrays
    y = mvm(blocks, x, cfg, key)                 # draws z with the key
    y = mvm_with_normals(blocks, x, cfg, z)      # explicit z (n_row_blocks, batch, out)
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .. import _validate as v
from ..forward import adc_step, dac_step, forward


class Blocks(NamedTuple):
    """Read-time arrays of every row block (a pytree); the blocks' input ranges follow from the static
    shapes of gd_T (rows, out), block after block."""

    gd_T: tuple
    k_T: tuple
    col_factor: tuple
    bias: jax.Array | None


def blocks_from_read(R, dtype=None) -> Blocks:
    """The arrays of a cimsim.ReadArray as JAX arrays."""
    dt = dtype or jnp.zeros(()).dtype
    return Blocks(
        gd_T=tuple(jnp.asarray(b.gd_T, dt) for b in R.blocks),
        k_T=tuple(None if b.k_T is None else jnp.asarray(b.k_T, dt) for b in R.blocks),
        col_factor=tuple(jnp.asarray(b.col_factor, dt) for b in R.blocks),
        bias=None if R.bias is None else jnp.asarray(R.bias, dt),
    )


class _JaxOps:
    """The forward pass's backend operations on jax.numpy (cimsim.forward's equations, functional)."""

    @staticmethod
    def zeros(shape, like):
        return jnp.zeros(shape, like.dtype)

    @staticmethod
    def dac(x, bits, fixed, x_range, v_read_V, need_sq):
        v, scale = dac_step(x, bits, fixed, x_range, v_read_V, xp=jnp)
        return v, (v * v if need_sq else None), scale

    @staticmethod
    def adc_accumulate(y, current_A, var_A2, z, out_var_A2, bits, bound_A, col_factor, scale):
        return y + adc_step(current_A, var_A2, z, out_var_A2, bits, bound_A, col_factor, scale, xp=jnp)


def _forward(blocks: Blocks, x: jax.Array, cfg, z) -> jax.Array:
    y = forward(x, blocks.gd_T, blocks.k_T, blocks.col_factor, cfg, z, _JaxOps)
    return y if blocks.bias is None else y + blocks.bias


@partial(jax.jit, static_argnames=("cfg",))
def mvm_with_normals(blocks: Blocks, x: jax.Array, cfg, z: jax.Array | None) -> jax.Array:
    """Forward pass with explicit standard normals z (n_row_blocks, batch, out), or None for no noise."""
    return _forward(blocks, x, cfg, z if cfg.per_mvm_noise else None)


@partial(jax.jit, static_argnames=("cfg",))
def mvm(blocks: Blocks, x: jax.Array, cfg, key: jax.Array) -> jax.Array:
    """Forward pass drawing the per-MVM normals from ``key``; x (batch, in)."""
    z = None
    if cfg.per_mvm_noise:
        z = jax.random.normal(key, (len(blocks.gd_T), x.shape[0], blocks.gd_T[0].shape[1]), x.dtype)
    return _forward(blocks, x, cfg, z)


def check_input(x, n_in: int) -> np.ndarray:
    """Validates x like the numpy path (finite, (batch, n_in)) before it enters a jitted function."""
    arr = v.finite_array("x", np.asarray(x), ndim=(2,))
    if arr.shape[1] != n_in:
        raise ValueError(f"x must have {n_in} inputs in its last axis, got shape {arr.shape}")
    return arr
