"""Sources of random numbers for the physics: a numpy Generator, a JAX key, or a replay of recorded draws.

Device models and the MVM pipeline draw through the small :class:`Draws` interface, so one set of
equations runs on numpy (``numpy.random.Generator``) and on JAX (a ``jax.random`` key, split once per
draw), and a test can record the numpy draws and replay them into JAX to compare the two draw by draw.
Nothing reads global random state.

    draws = as_draws(rng)            # Generator, JAX key, or a Draws object
    z = draws.normal((2, 3))         # standard normals
    u = draws.uniform((2, 3))        # uniform on [0, 1)
"""

from __future__ import annotations

import sys
from typing import Any, Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Draws(Protocol):
    """What the physics needs from a random source."""

    def normal(self, shape: tuple[int, ...], dtype: Any = None) -> Any:
        """Standard normal samples of ``shape``."""

    def uniform(self, shape: tuple[int, ...], dtype: Any = None) -> Any:
        """Uniform samples on [0, 1) of ``shape``."""


class NumpyDraws:
    """Draws from a ``numpy.random.Generator`` (float64, the Generator's own stream)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def normal(self, shape, dtype=None):
        return self.rng.standard_normal(shape)

    def uniform(self, shape, dtype=None):
        return self.rng.random(shape)


class JaxDraws:
    """Draws from a JAX PRNG key; every draw uses a fresh subkey (``jax.random.split``)."""

    def __init__(self, key: Any) -> None:
        self.key = key

    def _next(self):
        import jax

        self.key, sub = jax.random.split(self.key)
        return sub

    def normal(self, shape, dtype=None):
        import jax.numpy as jnp

        from ._threefry import normal  # jax.random.normal's bits, one fused loop

        return normal(self._next(), shape, dtype or jnp.zeros(()).dtype)

    def uniform(self, shape, dtype=None):
        import jax
        import jax.numpy as jnp

        return jax.random.uniform(self._next(), shape, dtype or jnp.zeros(()).dtype)


class RecordingDraws:
    """Draws from a numpy Generator and keeps every array drawn, in order (for replay into JAX)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._inner = NumpyDraws(rng)
        self.record: list[np.ndarray] = []

    def normal(self, shape, dtype=None):
        self.record.append(self._inner.normal(shape))
        return self.record[-1]

    def uniform(self, shape, dtype=None):
        self.record.append(self._inner.uniform(shape))
        return self.record[-1]


class ReplayDraws:
    """Hands out previously recorded arrays in order, converted by ``asarray`` (e.g. ``jnp.asarray``)."""

    def __init__(self, arrays: list, asarray=np.asarray) -> None:
        self._arrays = list(arrays)
        self._asarray = asarray

    def _pop(self, shape):
        if not self._arrays:
            raise ValueError(f"ReplayDraws ran out of recorded draws (asked for shape {tuple(shape)})")
        a = self._arrays.pop(0)
        if tuple(np.shape(a)) != tuple(shape):
            raise ValueError(f"ReplayDraws: recorded draw has shape {np.shape(a)}, asked for {tuple(shape)}")
        return self._asarray(a)

    def normal(self, shape, dtype=None):
        return self._pop(shape)

    def uniform(self, shape, dtype=None):
        return self._pop(shape)

    @property
    def remaining(self) -> int:
        """Recorded arrays not yet handed out."""
        return len(self._arrays)


def _is_jax_key(rng: Any) -> bool:
    jax = sys.modules.get("jax")
    return jax is not None and isinstance(rng, jax.Array)


def as_draws(rng: Any, *, name: str = "rng", required: bool = True) -> Draws | None:
    """Wraps a random source for the physics.

    Args:
        rng: ``numpy.random.Generator``, a JAX PRNG key, or an object with ``normal`` and ``uniform``.
        name: parameter name for error messages.
        required: whether None is an error (the configuration draws noise).

    Returns:
        A Draws object, or None when ``rng`` is None and not required.
    """
    if rng is None:
        if required:
            raise ValueError(f"{name} is required here: this configuration draws random noise; "
                             f"pass {name}=numpy.random.default_rng(seed) (or a JAX key in cimsim.jx)")
        return None
    if isinstance(rng, np.random.Generator):
        return NumpyDraws(rng)
    if isinstance(rng, np.random.RandomState):  # has normal/uniform too, with other signatures
        raise TypeError(f"{name} must be a numpy.random.Generator, got the legacy numpy.random.RandomState; "
                        "use numpy.random.default_rng(seed)")
    if _is_jax_key(rng):
        return JaxDraws(rng)
    if isinstance(rng, (NumpyDraws, JaxDraws, RecordingDraws, ReplayDraws)) or isinstance(rng, Draws):
        return rng
    raise TypeError(f"{name} must be a numpy.random.Generator (or a JAX key / cimsim.draws.Draws), "
                    f"got {type(rng).__name__}")
