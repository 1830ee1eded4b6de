"""Memory of a model on crossbars, from shapes alone: how many bytes its programmed and read states take.

``jax.eval_shape`` traces ``AnalogModel.program`` and ``read`` without computing or allocating anything, so a
model far larger than the machine (its parameters given as ``jax.ShapeDtypeStruct``) is sized in seconds.
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np


def state_bytes(model, params) -> dict[str, Any]:
    """Memory of the programmed and the read state, from shapes alone (``jax.eval_shape``: nothing is
    programmed or allocated), so a model far larger than this machine can be sized.

    Args:
        model: an AnalogModel (cimsim.jx.analog_model).
        params: the parameters, as arrays or as ``jax.ShapeDtypeStruct`` (e.g. ``jax.eval_shape(init, key)``).

    Returns:
        dict: ``weights`` (mapped weights), ``programmed_bytes`` and ``read_bytes`` (all sites), their
        ``*_per_weight``, and ``sites``: per mapped site its index, shape and both byte counts.
    """
    key = jax.random.PRNGKey(0)
    prog = jax.eval_shape(lambda p, k: model.program(p, key=k), params, key)
    read = jax.eval_shape(lambda a, k: model.read(a, 1.0, key=k), prog, key)

    def nbytes(tree):
        return int(sum(int(np.prod(x.shape)) * np.dtype(x.dtype).itemsize for x in jax.tree_util.tree_leaves(tree)))

    sites = [{"index": i, "shape": list(prog[i].shape), "programmed_bytes": nbytes(prog[i]),
              "read_bytes": nbytes(read[i])} for i in sorted(prog)]
    n = sum(int(np.prod(s["shape"])) for s in sites)
    p, r = sum(s["programmed_bytes"] for s in sites), sum(s["read_bytes"] for s in sites)
    return {"weights": n, "programmed_bytes": p, "read_bytes": r, "programmed_bytes_per_weight": p / max(n, 1),
            "read_bytes_per_weight": r / max(n, 1), "sites": sites}
