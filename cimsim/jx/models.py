"""Small models on the digits data set, as lists of (W, b) pytrees, with digital, HWA and crossbar forwards.

mlp: 64-32-10 ReLU (the project's default workload). cnn: 3x3 conv, 8 channels (im2col onto the same
analog dense layer, so a conv layer is one crossbar of 8 x 9), ReLU, 2x2 average pooling, dense 72 -> 10.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from ..workloads.mlp import mlp_apply
from . import array as ja
from .hwa import HWAConfig, analog_dense


def init_mlp(key: jax.Array, sizes=(64, 32, 10)) -> list:
    """He-initialized (W (out, in), b) per layer."""
    keys = jax.random.split(key, len(sizes) - 1)
    return [(jax.random.normal(k, (o, i)) * jnp.sqrt(2.0 / i), jnp.zeros(o)) for k, i, o in zip(keys, sizes[:-1], sizes[1:])]


def mlp_forward(params, x, key, hwa: HWAConfig | None):
    """Logits of the MLP (digital when hwa is None)."""
    keys = jax.random.split(key, len(params)) if key is not None else [None] * len(params)
    return mlp_apply(params, x, lambda k, W, b, h: analog_dense(W, b, h, keys[k], hwa), jax.nn.relu)


def _patches(x):
    """(batch, 64) images -> (batch * 36, 9) 3x3 patches (valid, stride 1)."""
    img = x.reshape(-1, 1, 8, 8)
    p = jax.lax.conv_general_dilated_patches(img, (3, 3), (1, 1), "VALID")  # (B, 9, 6, 6)
    return p.transpose(0, 2, 3, 1).reshape(-1, 9)


def _pool_flatten(h, batch):
    h = h.reshape(batch, 6, 6, 8)
    h = h.reshape(batch, 3, 2, 3, 2, 8).mean(axis=(2, 4))
    return h.reshape(batch, 72)


def init_cnn(key: jax.Array) -> list:
    """Conv (8, 9) and dense (10, 72)."""
    k1, k2 = jax.random.split(key)
    return [(jax.random.normal(k1, (8, 9)) * jnp.sqrt(2.0 / 9), jnp.zeros(8)),
            (jax.random.normal(k2, (10, 72)) * jnp.sqrt(2.0 / 72), jnp.zeros(10))]


def cnn_forward(params, x, key, hwa: HWAConfig | None):
    """Logits of the CNN (digital when hwa is None)."""
    k1, k2 = jax.random.split(key) if key is not None else (None, None)
    (Wc, bc), (Wd, bd) = params
    h = jax.nn.relu(analog_dense(Wc, bc, _patches(x), k1, hwa))
    return analog_dense(Wd, bd, _pool_flatten(h, x.shape[0]), k2, hwa)


def crossbar_logits(params, x, cfg, *, t_s: float, key: jax.Array, model: str = "mlp"):
    """Logits with every layer programmed on crossbars (JAX array path) and read t_s after programming."""
    keys = jax.random.split(key, 3 * len(params))

    def layer(i, W, b, h):
        A = ja.program(W, cfg, key=keys[3 * i], bias=b)
        return A.read(t_s, key=keys[3 * i + 1]).mvm(h, key=keys[3 * i + 2])

    if model == "mlp":
        return mlp_apply(params, x, layer, jax.nn.relu)
    if model == "cnn":
        (Wc, bc), (Wd, bd) = params
        h = jax.nn.relu(layer(0, Wc, bc, _patches(x)))
        return layer(1, Wd, bd, _pool_flatten(h, x.shape[0]))
    raise ValueError(f"model must be 'mlp' or 'cnn', got {model!r}")


@partial(jax.jit, static_argnames=("cfg", "model"))
def crossbar_accuracy_seeds(params, x, y, cfg, t_s, keys, model: str = "mlp"):
    """Test accuracy for every noise key (vmapped over keys: one program-read-infer per key), jitted."""
    def one(key):
        return jnp.mean(jnp.argmax(crossbar_logits(params, x, cfg, t_s=t_s, key=key, model=model), axis=1) == y)

    return jax.vmap(one)(keys)


def accuracy(logits, y) -> float:
    """Fraction of argmax(logits) == y."""
    return float(np.mean(np.argmax(np.asarray(logits), axis=1) == np.asarray(y)))
