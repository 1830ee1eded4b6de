"""Array namespaces: the physics is written once over ``xp`` (numpy or jax.numpy), passed explicitly.

Every equation of devices, mapping, converters and noise takes the namespace as an argument; the namespace
comes from the arrays a public entry point was given (numpy arrays -> ``numpy``, JAX arrays ->
``jax.numpy``), never from a global switch. JAX is not imported here: a JAX array can only exist once
the caller has imported JAX.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

import numpy as np


def _jax_array_type():
    jax = sys.modules.get("jax")
    return None if jax is None else jax.Array


def namespace(*arrays: Any) -> ModuleType:
    """``jax.numpy`` if any argument is a JAX array (or tracer), else ``numpy``."""
    jarr = _jax_array_type()
    if jarr is not None and any(isinstance(a, jarr) for a in arrays):
        return sys.modules["jax.numpy"]
    return np


def is_numpy(xp: ModuleType) -> bool:
    """Whether ``xp`` is numpy (concrete arrays: validation and in-place work are allowed)."""
    return xp is np


def is_concrete(value: Any) -> bool:
    """Whether ``value`` can be inspected in Python (not a JAX tracer inside jit/grad/vmap)."""
    jax = sys.modules.get("jax")
    return jax is None or not isinstance(value, jax.core.Tracer)


def repeat_blocks(xp: ModuleType, per_block: Any, edges: np.ndarray) -> Any:
    """(n_blocks, n) -> (n, edges[-1]): column k of block r repeated edges[r+1] - edges[r] times.

    Written with broadcast + concatenate so it traces under jit (no data-dependent repeat lengths).
    """
    parts = [xp.broadcast_to(per_block[r][:, None], (per_block.shape[1], int(edges[r + 1] - edges[r])))
             for r in range(len(edges) - 1)]
    return xp.concatenate(parts, axis=1)
