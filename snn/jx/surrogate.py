"""The spike nonlinearity with a surrogate gradient: a Heaviside step forward, a smooth derivative backward.

Forward, exactly the threshold test of the Brian2 network (snn.network): s = 1 if u >= 0 else 0, with
u = v - threshold. Backward, the derivative of a smooth stand-in, with ``slope`` setting its sharpness:
    fast sigmoid  ds/du ~ 1 / (1 + slope |u|)^2                     (Zenke & Ganguli 2018, SuperSpike)
    arctan        ds/du ~ (slope / 2) / (1 + (pi/2 slope u)^2)      (Fang et al. 2021; snnTorch's atan)
as in snnTorch's ``surrogate.fast_sigmoid`` and ``surrogate.atan`` (Eshraghian et al. 2023).

References:
    Neftci, Mostafa & Zenke, IEEE Signal Process. Mag. 36:51 (2019); Zenke & Ganguli, Neural Comput. 30:1514
    (2018); Fang et al., ICCV 2021; Eshraghian et al., Proc. IEEE 111:1016 (2023).
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp

SURROGATES = ("fast_sigmoid", "arctan")


@partial(jax.custom_vjp, nondiff_argnums=(1, 2))
def spike(u: jax.Array, surrogate: str, slope: float) -> jax.Array:
    """Heaviside step of u = v - threshold (1.0 where u >= 0, else 0.0), in the dtype of u.

    Args:
        u: membrane minus threshold, any shape.
        surrogate: "fast_sigmoid" or "arctan" (the backward pass).
        slope: sharpness of the surrogate (> 0).
    """
    return (u >= 0).astype(u.dtype)


def surrogate_grad(u: jax.Array, surrogate: str, slope: float) -> jax.Array:
    """The surrogate derivative ds/du at u."""
    if surrogate == "fast_sigmoid":
        return 1.0 / (1.0 + slope * jnp.abs(u)) ** 2
    if surrogate == "arctan":
        return (slope / 2.0) / (1.0 + (jnp.pi / 2.0 * slope * u) ** 2)
    raise ValueError(f"surrogate must be one of {SURROGATES}, got {surrogate!r}")


def _fwd(u, surrogate, slope):
    return spike(u, surrogate, slope), u


def _bwd(surrogate, slope, u, g):
    return (g * surrogate_grad(u, surrogate, slope),)


spike.defvjp(_fwd, _bwd)
