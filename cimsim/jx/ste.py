"""Converter quantization with a straight-through estimator (custom_vjp).

Forward: cimsim.converters.quantize itself, run on jax.numpy (signed mid-tread, 2^bits - 1 levels on [-bound, bound],
round half to even, saturation). Backward: the rounding is passed straight through (gradient 1), the
clipping is not (gradient 0 outside [-bound, bound]), as in aihwkit's hardware-aware training (Rasch et al.
2023; docs/references.md s.2).
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp

from ..converters import quantize as _quantize


def quantize(u: jax.Array, bits: int | None, bound: float | None) -> jax.Array:
    """cimsim.converters.quantize on jax.numpy (no gradient rules)."""
    return _quantize(u, bits, bound, xp=jnp)


@partial(jax.custom_vjp, nondiff_argnums=(1, 2))
def quantize_ste(u: jax.Array, bits: int | None, bound: float | None) -> jax.Array:
    """quantize with a straight-through gradient inside the range and zero gradient where it clips."""
    return quantize(u, bits, bound)


def _fwd(u, bits, bound):
    return quantize(u, bits, bound), u


def _bwd(bits, bound, u, g):
    if bound is None:
        return (g,)
    return (jnp.where(jnp.abs(u) <= bound, g, 0.0),)


quantize_ste.defvjp(_fwd, _bwd)
