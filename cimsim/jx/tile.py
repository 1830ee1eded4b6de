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
from .._threefry import normal
from .._xp import is_concrete
from ..forward import adc_step, dac_step, forward


class Blocks(NamedTuple):
    """Read-time arrays of every row block (a pytree); the blocks' input ranges follow from the static
    shapes of gd_T (rows, out), block after block."""

    gd_T: tuple
    k_T: tuple
    col_factor: tuple
    bias: jax.Array | None
    offsets: tuple | None = None


def blocks_from_read(R, dtype=None) -> Blocks:
    """The arrays of a cimsim.ReadArray as JAX arrays."""
    dt = dtype or jnp.zeros(()).dtype
    return Blocks(
        gd_T=tuple(jnp.asarray(b.gd_T, dt) for b in R.blocks),
        k_T=tuple(None if b.k_T is None else jnp.asarray(b.k_T, dt) for b in R.blocks),
        col_factor=tuple(jnp.asarray(b.col_factor, dt) for b in R.blocks),
        bias=None if R.bias is None else jnp.asarray(R.bias, dt),
        offsets=None if R.offsets is None else tuple(jnp.asarray(o, dt) for o in R.offsets),
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
    y = forward(x, blocks.gd_T, blocks.k_T, blocks.col_factor, cfg, z, _JaxOps, blocks.offsets)
    return y if blocks.bias is None else y + blocks.bias


@partial(jax.jit, static_argnames=("cfg",))
def _mvm_normals_jit(blocks: Blocks, x: jax.Array, cfg, z: jax.Array | None) -> jax.Array:
    return _forward(blocks, x, cfg, z if cfg.per_mvm_noise else None)


@partial(jax.jit, static_argnames=("cfg",))
def _mvm_key_jit(blocks: Blocks, x: jax.Array, cfg, key: jax.Array | None) -> jax.Array:
    z = None
    if cfg.per_mvm_noise:
        cycles = 1 if cfg.slicing is None else cfg.slicing.cycles(cfg.dac.bits)
        z = normal(key, (len(blocks.gd_T) * cycles, x.shape[0], blocks.gd_T[0].shape[1]), x.dtype)
    # the normals fuse into the ADC loops; the barrier keeps every consumer from recomputing them
    return jax.lax.optimization_barrier(_forward(blocks, x, cfg, z))


def _prepare(blocks: Blocks, x, cfg) -> tuple[jax.Array, bool]:
    """Checks x where it is concrete (outside jit: real dtype, finite, width, inside the working float
    type's range) and makes it 2-D."""
    k = 1 if cfg.slicing is None else cfg.slicing.weight_slices
    n_in = sum(g.shape[0] for g in blocks.gd_T[::k])
    if is_concrete(x):
        arr = check_input(x, n_in)
        dt = jax.dtypes.canonicalize_dtype(arr.dtype if np.issubdtype(np.asarray(x).dtype, np.floating) else np.float64)
        if np.abs(arr).max() > np.finfo(dt).max:
            raise ValueError(f"x must fit the working float type {dt} (max {np.finfo(dt).max:.3g}), got max |x| = "
                             f"{np.abs(arr).max():.3g}; enable float64 with jax.enable_x64")
    x = jnp.asarray(x)
    if x.ndim == 1:
        return x[None, :], True
    return x, False


def mvm_with_normals(blocks: Blocks, x, cfg, z) -> jax.Array:
    """Forward pass with explicit standard normals z (n_row_blocks, batch, out), or None for no noise.

    x is (in,) or (batch, in); concrete inputs are validated (NaN, inf, complex, wrong width raise
    ValueError); inside an outer jit the caller validates (a traced value cannot be inspected).
    """
    x2, single = _prepare(blocks, x, cfg)
    if z is not None and cfg.per_mvm_noise:
        cycles = 1 if cfg.slicing is None else cfg.slicing.cycles(cfg.dac.bits)
        want = (len(blocks.gd_T) * cycles, x2.shape[0], blocks.gd_T[0].shape[1])
        z = jnp.asarray(z).reshape(want) if single else jnp.asarray(z)
        if z.shape != want:
            raise ValueError(f"z must have shape {want} (planes x input cycles, batch, out), got {z.shape}")
    y = _mvm_normals_jit(blocks, x2, cfg, z)
    _check_output(y, x)
    return y[0] if single else y


def mvm(blocks: Blocks, x, cfg, key: jax.Array | None) -> jax.Array:
    """Forward pass drawing the per-MVM normals from ``key`` (required when cfg has per-MVM noise).

    x is (in,) or (batch, in); see mvm_with_normals for validation.
    """
    if key is None and cfg.per_mvm_noise:
        raise ValueError("key is required: this configuration draws per-MVM noise; pass key=jax.random.PRNGKey(seed)")
    x2, single = _prepare(blocks, x, cfg)
    y = _mvm_key_jit(blocks, x2, cfg, key)
    _check_output(y, x)
    return y[0] if single else y


def _check_output(y: jax.Array, x) -> None:
    """Outside jit, a result that overflowed the working float type is an error, not a silent inf."""
    if is_concrete(x) and is_concrete(y) and not bool(jnp.all(jnp.isfinite(y))):
        raise ValueError(f"the MVM result overflows {y.dtype} (max |x| = {float(jnp.max(jnp.abs(jnp.asarray(x)))):.3g}); "
                         "rescale x or W, or enable float64 with jax.enable_x64")


def check_input(x, n_in: int) -> np.ndarray:
    """Validates x like the numpy path (real, finite, (batch, n_in) or (n_in,)) before it enters jit."""
    arr = v.finite_array("x", np.asarray(x), ndim=(1, 2))
    if arr.shape[-1] != n_in:
        raise ValueError(f"x must have {n_in} inputs in its last axis, got shape {arr.shape}")
    return arr
