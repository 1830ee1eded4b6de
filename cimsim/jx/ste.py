"""Converter quantization with a straight-through estimator (custom_vjp).

Forward: exactly cimsim.converters.quantize (signed mid-tread, 2^bits - 1 levels on [-bound, bound],
round half to even, saturation). Backward: the rounding is passed straight through (gradient 1), the
clipping is not (gradient 0 outside [-bound, bound]), as in aihwkit's hardware-aware training (Rasch et al.
2023; REFERENCES.md s.2).
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp


def quantize(u: jax.Array, bits: int | None, bound: float | None) -> jax.Array:
    """The JAX twin of cimsim.converters.quantize (no gradient rules)."""
    if bits is None:
        return u if bound is None else jnp.clip(u, -bound, bound)
    if bits == 1:
        return jnp.where(u >= 0.0, bound, -bound)
    n = (1 << (bits - 1)) - 1
    step = bound / n
    return jnp.clip(jnp.round(u / step), -n, n) * step


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
