"""Layered IF/LIF spiking networks in JAX with the update order of the Brian2 network (snn.network).

Every step t (dt = 1 ms), every layer k in order, with v the membrane after step t - 1:
    h    = v + b_k                      (first layer, current encoder: + W_1 x + b_1)
    h    = beta h                       (LIF only; beta = exp(-dt / tau), computed as Brian2 computes it)
    s_k  = H(h - theta)                 the threshold sees h: input of step t is not yet there
    h'   = h + W_k s_{k-1}[t]           spikes of the layer below at the same step t (input spikes for k = 1)
    v    = h' - theta s_k  (reset by subtraction)   or   v = h' (1 - s_k)  (reset to zero)
which is Brian2's schedule: the bias in ``start``, the leak in ``groups``, ``thresholds``, the synapses
(``v_post += w``) in ``synapses``, ``resets``. A spike at step t reaches the next layer in the same step
and is seen by that layer's threshold at step t + 1. H is ``spike`` (surrogate gradient); gradients flow
back through time by ``lax.scan``. ``order="brian2"`` adds the synaptic inputs one presynaptic unit after
another in ascending order, the order of Brian2's numpy target (``numpy.add.at``), so that a float64 run
rounds as Brian2 does; ``"matmul"`` (training) adds ``s @ W.T`` at once.

W s is an all-to-all product, or, for a layer whose W is an ``snn.synapses.Conv2d`` (``init_conv``), a
convolution of the presynaptic spike map (channels, height, width), optionally sum-pooled first; a ``Dense``
(``init_dense(pool=...)``) pools and flattens a map before its product. Brian2 runs the same synapses one
by one (snn.synapses.connections), so a convolutional network runs spike for spike on both.

References:
    Neftci, Mostafa & Zenke, IEEE Signal Process. Mag. 36:51 (2019) (surrogate gradients, BPTT);
    Rueckauer et al., Front. Neurosci. 11:682 (2017) (reset by subtraction); Stimberg, Brette & Goodman,
    eLife 8:e47314 (2019) (Brian2's scheduling).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from cimsim import _validate as v

from .. import synapses
from ..network import DT_S, NEURONS, RESETS
from ..synapses import Conv2d, Dense
from .encode import ENCODERS, encode
from .surrogate import SURROGATES, spike

ORDERS = ("matmul", "brian2")

# the synapse layers of snn.synapses as pytrees: the weight is a leaf (trained), stride/padding/pool are static
jax.tree_util.register_dataclass(Dense, data_fields=["weight"], meta_fields=["pool"])
jax.tree_util.register_dataclass(Conv2d, data_fields=["weight"], meta_fields=["stride", "padding", "pool"])


@dataclass(frozen=True)
class SpikingConfig:
    """Neuron, encoder and surrogate of a spiking network (hashable: a static argument of jit).

    Args:
        steps: time steps T per inference (dt = 1 ms).
        neuron: "if" (no leak) or "lif" (leak with time constant tau_s).
        reset: "subtract" (v -= threshold) or "zero" (v = 0).
        tau_s: membrane time constant of "lif" (s).
        threshold: firing threshold (membrane units).
        encoder: "current", "poisson" or "latency" (snn.jx.encode).
        surrogate: "fast_sigmoid" or "arctan"; slope: its sharpness.
        detach_reset: no gradient through the reset (Zenke & Vogels 2021).
    """

    steps: int = 8
    neuron: str = "if"
    reset: str = "subtract"
    tau_s: float = 20e-3
    threshold: float = 1.0
    encoder: str = "current"
    surrogate: str = "fast_sigmoid"
    slope: float = 5.0
    detach_reset: bool = True

    def __post_init__(self) -> None:
        v.integer_at_least("steps", self.steps, 1)
        v.one_of("neuron", self.neuron, NEURONS)
        v.one_of("reset", self.reset, RESETS)
        v.one_of("encoder", self.encoder, ENCODERS)
        v.one_of("surrogate", self.surrogate, SURROGATES)
        v.positive("tau_s", self.tau_s)
        v.positive("threshold", self.threshold)
        v.positive("slope", self.slope)

    @property
    def beta(self) -> float:
        """Leak factor per step: Brian2's exact update of dv/dt = -v / tau, ``exp((-dt) / tau)`` in numpy."""
        return float(np.exp((-DT_S) / self.tau_s)) if self.neuron == "lif" else 1.0


class Run(NamedTuple):
    """What a forward run did (a pytree).

    Attributes:
        input_spikes: the input raster (T, samples, n_in), or None for the current encoder.
        spikes: per layer, 0/1 spikes (T, samples, *layer shape): (n_k,) or (channels, height, width).
        out_v: the output layer's membrane at the end of each step, after the reset (T, samples, *shape).
        h: per layer, the membrane the threshold test saw (T, samples, *shape): how close each decision was.
    """

    input_spikes: jax.Array | None
    spikes: tuple
    out_v: jax.Array
    h: tuple


def init_params(sizes, *, key: jax.Array, gain: float = 1.0, dtype=jnp.float32) -> list[tuple[jax.Array, jax.Array]]:
    """He-initialized (W (out, in), b (out,)) per layer for layer sizes (n_in, n_1, ..., n_out); b = 0."""
    sizes = [int(n) for n in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"sizes must list at least two layer sizes >= 1, got {sizes}")
    keys = jax.random.split(key, len(sizes) - 1)
    return [(gain * jnp.sqrt(2.0 / n_in) * jax.random.normal(k, (n_out, n_in), dtype), jnp.zeros(n_out, dtype))
            for k, n_in, n_out in zip(keys, sizes[:-1], sizes[1:])]


def init_conv(key: jax.Array, in_channels: int, out_channels: int, kernel: int, *, stride: int = 1,
              padding: int = 0, pool: int = 1, gain: float = 1.0, dtype=jnp.float32) -> tuple[Conv2d, jax.Array]:
    """A He-initialized convolutional layer (Conv2d (out, in, kernel, kernel), b (out,) = 0) for ``run``.

    ``pool`` sum-pools the presynaptic spike map (pool x pool windows) before the convolution (snn.synapses)."""
    for name, value, least in (("in_channels", in_channels, 1), ("out_channels", out_channels, 1),
                               ("kernel", kernel, 1)):
        v.integer_at_least(name, value, least)
    fan_in = in_channels * kernel * kernel
    W = gain * jnp.sqrt(2.0 / fan_in) * jax.random.normal(key, (out_channels, in_channels, kernel, kernel), dtype)
    return Conv2d(W, stride=stride, padding=padding, pool=pool), jnp.zeros(out_channels, dtype)


def init_dense(key: jax.Array, n_in: int, n_out: int, *, pool: int = 1, gain: float = 1.0,
               dtype=jnp.float32) -> tuple[Dense | jax.Array, jax.Array]:
    """A He-initialized all-to-all layer after a (pooled, flattened) spike map: (Dense or W (out, in), b = 0)."""
    v.integer_at_least("n_in", n_in, 1)
    v.integer_at_least("n_out", n_out, 1)
    W = gain * jnp.sqrt(2.0 / n_in) * jax.random.normal(key, (n_out, n_in), dtype)
    return (Dense(W, pool=pool) if pool != 1 else W), jnp.zeros(n_out, dtype)


def _sum_pool(s: jax.Array, pool: int) -> jax.Array:
    if pool == 1:
        return s
    n, c, h, w = s.shape
    hp, wp = h // pool, w // pool
    return s[:, :, :hp * pool, :wp * pool].reshape(n, c, hp, pool, wp, pool).sum(axis=(3, 5))


def project(W, s: jax.Array) -> jax.Array:
    """The synaptic sum of presynaptic values s (samples, *layer shape): (samples, *postsynaptic shape)."""
    if isinstance(W, Conv2d):
        return jax.lax.conv_general_dilated(_sum_pool(s, W.pool), W.weight, (W.stride, W.stride),
                                            [(W.padding, W.padding)] * 2, dimension_numbers=("NCHW", "OIHW", "NCHW"))
    if isinstance(W, Dense):
        s, W = _sum_pool(s, W.pool), W.weight
    return s.reshape(s.shape[0], -1) @ W.T


def _bias(W, b: jax.Array) -> jax.Array:
    return b[:, None, None] if isinstance(W, Conv2d) else b


def _synaptic(h: jax.Array, s_in: jax.Array, W, order: str) -> jax.Array:
    """h + W s_in: at once, or one presynaptic unit after another in ascending order (Brian2's order)."""
    if order == "matmul":
        return h + project(W, s_in)
    if isinstance(W, synapses.LAYERS):  # the same synapses as a (post, pre) matrix, zeros where there are none
        pre, post, kidx = W.connections(s_in.shape[1:])
        n_post = int(np.prod(h.shape[1:]))
        M = jnp.zeros((n_post, int(np.prod(s_in.shape[1:]))), h.dtype).at[post, pre].set(W.weight.ravel()[kidx])
        return _synaptic(h.reshape(h.shape[0], -1), s_in.reshape(s_in.shape[0], -1), M, order).reshape(h.shape)

    def add_one(acc, sw):  # s * w is exact (s is 0 or 1); acc + 0.0 leaves acc as it is
        s_j, w_j = sw
        return acc + s_j[:, None] * w_j[None, :], None

    return jax.lax.scan(add_one, h, (s_in.reshape(s_in.shape[0], -1).T, W.T))[0]


def _layer(vm, drive, W, s_in, config: SpikingConfig, order: str):
    h = vm + drive
    if config.neuron == "lif":
        h = h * config.beta
    s = spike(h - config.threshold, config.surrogate, config.slope)
    h_syn = _synaptic(h, s_in, W, order) if s_in is not None else h
    s_r = jax.lax.stop_gradient(s) if config.detach_reset else s
    vm = h_syn - config.threshold * s_r if config.reset == "subtract" else h_syn * (1.0 - s_r)
    return vm, s, h


def run(params, x: jax.Array, config: SpikingConfig, *, key: jax.Array | None = None,
        input_spikes: jax.Array | None = None, order: str = "matmul") -> Run:
    """Runs the network on a batch for ``config.steps`` steps (differentiable; jit with config static).

    Args:
        params: (W, b) per layer: W (out, in) and b (out,), or a Dense/Conv2d (``init_dense``, ``init_conv``)
            and its b (out channels,).
        x: inputs (samples, n_in), or (samples, channels, height, width) for a convolutional first layer; in
            [0, 1] for the spiking encoders.
        config: the SpikingConfig.
        key: JAX key of the Poisson encoder (keyword-only).
        input_spikes: a ready input raster (T, samples, n_in) instead of encoding x (spiking encoders).
        order: "matmul" or "brian2" (synaptic inputs in Brian2's order; see the module docstring).

    Returns:
        Run: input raster, every layer's spikes and the output membrane, per step.
    """
    v.one_of("order", order, ORDERS)
    x = jnp.asarray(x)
    raster = encode(x, encoder=config.encoder, steps=config.steps, key=key) if input_spikes is None else input_spikes
    current = config.encoder == "current"
    shapes = synapses.shapes([W for W, _ in params], x.shape[1:])  # raises where the layers do not chain
    drives = [_bias(W, b) for W, b in params]
    if current:
        drives[0] = project(params[0][0], x) + drives[0]  # the analog input current, constant over the steps
    v0 = tuple(jnp.zeros((x.shape[0],) + sh, x.dtype) for sh in shapes[1:])
    def step(vs, s0):
        s_in, new_vs, out, hs = s0, [], [], []
        for k, ((W, _), vm) in enumerate(zip(params, vs)):
            vm, s, h = _layer(vm, drives[k], W, None if (current and k == 0) else s_in, config, order)
            new_vs.append(vm)
            out.append(s)
            hs.append(h)
            s_in = s
        return tuple(new_vs), (tuple(out), new_vs[-1], tuple(hs))

    _, (spikes, out_v, hs) = jax.lax.scan(step, v0, raster, length=config.steps)
    return Run(raster, spikes, out_v, hs)


def output_logits(r: Run, config: SpikingConfig) -> jax.Array:
    """The training readout (samples, n_out): output spike count plus the final membrane in threshold units."""
    return jnp.sum(r.spikes[-1], axis=0) + r.out_v[-1] / config.threshold
