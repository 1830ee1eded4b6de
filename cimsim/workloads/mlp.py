"""The ReLU MLP forward pass, defined once for every path that runs the project's MLP workload.

Digital numpy (float64, float32/16, simulated int8/int4), training, crossbars (numpy and JAX), HWA
training in JAX and the GPU runner all call ``mlp_apply`` with their own per-layer product; only the
product differs, the network does not.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from .._xp import namespace

Layer = Callable[[int, Any, Any, Any], Any]


def dense(k: int, W: Any, b: Any, h: Any) -> Any:
    """The digital product of layer k: h @ W^T + b (W is (out, in))."""
    return h @ W.T + b


def mlp_apply(params: Iterable[tuple[Any, Any]], x: Any, layer: Layer = dense,
              act: Callable[[Any], Any] | None = None) -> Any:
    """Logits of a ReLU MLP: h <- act(layer(k, W_k, b_k, h)) for every layer, no activation after the last.

    Args:
        params: (W (out, in), b (out,)) per layer.
        x: inputs (batch, in), numpy or JAX.
        layer: the product of one layer, ``layer(k, W, b, h) -> (batch, out)``.
        act: the activation; defaults to max(h, 0) in the namespace of x.

    Returns:
        (batch, n_classes) logits.
    """
    params = list(params)
    if act is None:
        xp = namespace(x)
        act = lambda h: xp.maximum(h, 0)  # noqa: E731
    h = x
    for k, (W, b) in enumerate(params):
        h = layer(k, W, b, h)
        if k < len(params) - 1:
            h = act(h)
    return h
