"""Input encoders for the JAX spiking layers: what the first layer receives at each time step.

    current  analog input: the first layer integrates W1 x + b1 every step (no input spikes; W1 x is
             computed once per input and held, and its MACs are counted once per inference as input_macs,
             as snn.network's "current" encoder).
    poisson  rate code: input unit u of a sample spikes at step t with probability x_u, independently per
             step (Bernoulli draws from the caller's JAX key).
    latency  time-to-first-spike code: one spike per input at step round((1 - x_u) (T - 1)), brighter
             inputs earlier; x_u = 0 never spikes (Rueckauer & Liu 2018; snnTorch ``spikegen.latency``
             with ``linear=True``).
The spiking codes return a raster (T, samples, n_in) of 0/1; snn.simulate takes that raster as
``input_spikes``, so Brian2 sees exactly the spikes the JAX run saw.

References:
    Rueckauer & Liu, ISCAS 2018 (time-to-first-spike conversion); Eshraghian et al., Proc. IEEE 111:1016
    (2023) (snnTorch spike generators).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

ENCODERS = ("current", "poisson", "latency")


def encode(x: jax.Array, *, encoder: str, steps: int, key: jax.Array | None = None) -> jax.Array | None:
    """The input raster of ``x`` (samples, n_in) or (samples, channels, height, width) over ``steps`` steps.

    Args:
        x: inputs (samples, ...), in [0, 1] for the spiking codes.
        encoder: "current", "poisson" or "latency".
        steps: time steps T.
        key: JAX key, required by "poisson" (keyword-only).

    Returns:
        (steps, *x.shape) raster of 0.0/1.0 in the dtype of x, or None for "current".
    """
    x = jnp.asarray(x)
    if encoder == "current":
        return None
    if encoder == "poisson":
        if key is None:
            raise ValueError("the poisson encoder needs key= (a JAX PRNG key)")
        return jax.random.bernoulli(key, x, (steps, *x.shape)).astype(x.dtype)
    if encoder == "latency":
        first = jnp.round((1.0 - x) * (steps - 1))
        t = jnp.arange(steps, dtype=x.dtype).reshape((steps,) + (1,) * x.ndim)
        return ((t == first[None]) & (x[None] > 0)).astype(x.dtype)
    raise ValueError(f"encoder must be one of {ENCODERS}, got {encoder!r}")
