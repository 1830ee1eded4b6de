"""The digits MLP in JAX, for measuring a real GPU with NVML (cimsim compare --measure-gpu)."""

from __future__ import annotations

from typing import Callable

import numpy as np

from .mlp import mlp_apply


def nvml_runner(mlp, batch: int, precision: str = "fp16") -> Callable[[], None]:
    """A callable running one batch of the MLP on JAX's default device and blocking until it is done."""
    import jax
    import jax.numpy as jnp

    dtype = {"fp32": jnp.float32, "fp16": jnp.float16}.get(precision)
    if dtype is None:
        raise ValueError(f"precision must be 'fp32' or 'fp16' for the JAX runner, got {precision!r}")
    params = [(jnp.asarray(W.T, dtype), jnp.asarray(b, dtype)) for W, b in zip(mlp.weights, mlp.biases)]
    x = jnp.asarray(np.random.default_rng(0).uniform(0, 1, (batch, mlp.layers[0][0])), dtype)

    @jax.jit
    def forward(x):
        return mlp_apply(params, x, lambda k, Wt, b, h: h @ Wt + b)  # weights stored transposed (in, out)

    return lambda: forward(x).block_until_ready()
