"""PyTorch models on simulated crossbars: a ``torch.nn.Module`` run as JAX by torchax, then ``analog_model``.

    model, params = cimsim.jx.from_torch(net, x_example, config=cimsim.presets.PCM)
    y = model.inference(params, x, t_s=3600.0, key=k)          # the AnalogModel of cimsim.jx.analog_model
    net.load_state_dict(cimsim.jx.torch_state_dict(net, params))   # trained parameters back into torch

How. torchax (the PyTorch/XLA team's bridge, ``pip install torchax``) runs a module's ATen operations as
JAX functions: ``torchax.extract_jax(module)`` gives the module's parameters and buffers as JAX arrays
and a JAX function of them. No op table is written here. Tracing that function gives the jaxpr that
``analog_model`` walks, so ``nn.Linear`` (``dot_general``), ``nn.Conv1d/2d`` (``conv_general_dilated``),
``nn.MultiheadAttention``'s projections and any functional op map exactly as in a JAX model, and
everything else (normalizations, activations, softmax) runs as torch computes it, in JAX.

What the parameters are. ``params`` is ``{name: jax.Array}`` of the module's trainable parameters, named
as in ``module.named_parameters()`` (so ``layers={"fc2.*": None}`` keeps ``fc2`` digital). Buffers
(BatchNorm's running statistics) are constants of the traced function, taken from the module when
``from_torch`` is called: training in JAX does not update them. Parameters shared by two modules (tied
weights) appear once, under their first name.

What is refused. A module in training mode with active dropout (``nn.Dropout`` with p > 0) raises: its
mask would come from torchax's own generator, not from the JAX key, and the same seed would not give
the same bits. Call ``module.eval()`` (HWA noise is the regularizer, as in Rasch et al. 2023). A module
in training mode with BatchNorm is traced with batch statistics (the training forward), and its running
statistics are not updated; trace an ``eval()`` copy for inference.
"""

from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

from ..config import CrossbarConfig
from .transform import AnalogModel, analog_model


def _torch():
    try:
        import torch
        import torchax
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("cimsim.jx.from_torch needs PyTorch and torchax: pip install -e '.[torch]'") from e
    return torch, torchax


def _require_module(module, torch) -> None:
    if not isinstance(module, torch.nn.Module):
        raise ValueError(f"module must be a torch.nn.Module, got {type(module).__name__}")


def _check_module(module, torch) -> None:
    _require_module(module, torch)
    if module.training:
        drop = [n for n, m in module.named_modules()
                if isinstance(m, torch.nn.modules.dropout._DropoutNd) and m.p > 0]
        if drop:
            raise ValueError(f"module is in training mode with active dropout ({', '.join(drop)}): its masks would "
                             "not come from the JAX key; call module.eval() first")


def _to_jax(x, torch):
    if isinstance(x, torch.Tensor):
        return jnp.asarray(x.detach().cpu().numpy())
    return jnp.asarray(x)


def torch_apply(module) -> tuple[Callable, dict[str, jax.Array]]:
    """The module as a JAX function: ``(apply_fn(params, *inputs), params)``, buffers closed over.

    Args:
        module: a torch.nn.Module (its current mode, train or eval, is the one traced).

    Returns:
        apply_fn: JAX arrays in, JAX arrays (the module's output structure) out; differentiable.
        params: {name: jax.Array} of the trainable parameters (tied parameters once).
    """
    torch, torchax = _torch()
    _check_module(module, torch)
    states, fn = torchax.extract_jax(module)
    names = {n for n, _ in module.named_parameters()}  # remove_duplicate=True: tied weights once
    params = {k: v for k, v in states.items() if k in names}
    buffers = {k: v for k, v in states.items() if k not in names}

    def apply_fn(params, *inputs):
        return fn({**params, **buffers}, tuple(inputs))

    return apply_fn, params


def from_torch(module, *example_inputs, config: CrossbarConfig | None,
               layers: dict[str, CrossbarConfig | None] | Callable[[str], CrossbarConfig | None] | None = None
               ) -> tuple[AnalogModel, dict[str, jax.Array]]:
    """A PyTorch module on crossbar tiles: the AnalogModel of ``cimsim.jx.analog_model`` and its parameters.

    Args:
        module: a torch.nn.Module (eval mode for inference; see the module docstring for train mode).
        example_inputs: example inputs, torch tensors or arrays (shapes and dtypes matter, values do not).
        config: the CrossbarConfig of every mapped product (None: all digital unless ``layers`` says).
        layers: per-layer choice by parameter name, {glob pattern: CrossbarConfig or None}, first match wins.

    Returns:
        (model, params): ``model.hwa(params, x, key=, hwa=)``, ``model.inference(params, x, t_s=, key=)``,
        ``program``/``read``/``apply_read``, ``model.report`` and ``model.summary()``, exactly as for a
        JAX model; ``params`` {name: jax.Array}. Inputs to the model's methods are JAX or numpy arrays.
    """
    torch, _ = _torch()
    if not example_inputs:
        raise ValueError("example_inputs must give at least one example input of the module's forward")
    apply_fn, params = torch_apply(module)
    xs = tuple(_to_jax(x, torch) for x in example_inputs)
    return analog_model(apply_fn, params, *xs, config=config, layers=layers), params


def torch_state_dict(module, params: dict[str, Any]) -> dict:
    """The module's state_dict with its parameters replaced by ``params`` (for ``module.load_state_dict``).

    Buffers come from the module as it is; a tied parameter gets the value of the name it appears under in
    ``params``. Every parameter of the module must be in ``params`` (names as ``from_torch`` gave them).
    """
    torch, _ = _torch()
    _require_module(module, torch)
    # id of a parameter -> the name it appears under (named_parameters removes duplicates)
    first = {id(p): name for name, p in module.named_parameters()}
    unknown = sorted(set(params) - set(first.values()))
    if unknown:
        raise ValueError(f"params has names that are not parameters of the module: {unknown}")
    missing = sorted(set(first.values()) - set(params))
    if missing:
        raise ValueError(f"params lacks parameters of the module: {missing}")
    sd = module.state_dict(keep_vars=True)
    out = {}
    for name, t in sd.items():
        src = first.get(id(t)) if isinstance(t, torch.nn.Parameter) else None
        if src is None:
            out[name] = t.detach().clone()
        else:
            a = np.asarray(params[src])
            if a.shape != tuple(t.shape):
                raise ValueError(f"params[{src!r}] has shape {a.shape}, the module's {name!r} has {tuple(t.shape)}")
            out[name] = torch.from_numpy(np.array(a)).to(t.dtype)  # a writable copy
    return out
