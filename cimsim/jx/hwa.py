"""Hardware-aware (HWA) training in JAX (Joshi et al. 2020; Rasch et al., Nat. Commun. 14:5282, 2023).

The analog forward used in training, in aihwkit's normalized units (weights per output column divided by
their max |W|, inputs per vector by their max |x|):
    W~ = W + eta * max|W| * N(0, 1)               weight noise, redrawn every mini-batch (sigma = eta max|W|)
    x~ = DAC(x / max|x|)                          8-bit, straight-through rounding (or x / r for a fixed
                                                  input range r, HWAConfig.input_range: inputs clip at r)
    y~ = x~ @ (W~ / colmax)^T + out_noise N(0,1)  output noise in units of one full-scale device
    y  = ADC(y~, out_bound) * colmax * max|x| + b straight-through rounding, clipping not straight-through
After every optimizer step the weights are clipped at clip_sigma standard deviations of each layer.
Training state is a NamedTuple updated by pure functions (optax GradientTransformation).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any, Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .. import _validate as v
from .._threefry import normal
from .ste import quantize_ste


@dataclass(frozen=True)
class HWAConfig:
    """Noise and converters in the training forward pass (docs/references.md s.2; aihwkit standard HWA preset).

    Args:
        eta: weight-noise std as a fraction of the layer's max |W| (3-8 % in Joshi et al. 2020).
        dac_bits, adc_bits: converter resolutions (None: ideal).
        out_noise: output noise std (normalized units).
        out_bound: ADC range (normalized units).
        clip_sigma: clip weights at this many standard deviations after each step (None: no clipping).
        input_range: None scales each input vector by its own max |x| (aihwkit's ABS_MAX noise management);
            a number r is a fixed DAC range (inputs clip at +-r), as in a chip's DAC and in the learned input
            ranges of aihwkit-lightning. Each input value is then converted alone, so a convolution trains as
            one convolution without patches (cimsim.jx.conv.hwa_conv), the same numbers draw by draw.
    """

    eta: float = 0.08
    dac_bits: int | None = 8
    adc_bits: int | None = 8
    out_noise: float = 0.04
    out_bound: float = 10.0
    clip_sigma: float | None = 2.5
    input_range: float | None = None

    def __post_init__(self) -> None:
        v.non_negative("eta", self.eta)
        for name in ("dac_bits", "adc_bits"):
            bits = getattr(self, name)
            if bits is not None:
                v.integer_at_least(name, bits, 1)
        v.non_negative("out_noise", self.out_noise)
        v.positive("out_bound", self.out_bound)
        if self.clip_sigma is not None:
            v.positive("clip_sigma", self.clip_sigma)
        if self.input_range is not None:
            v.positive("input_range", self.input_range)


def noisy_weights(W: jax.Array, key: jax.Array, hwa: HWAConfig) -> tuple[jax.Array, jax.Array, jax.Array]:
    """The training forward's weights: W + eta max|W| N(0, 1), each output column's max |W~| (its
    normalization), and the key left for the output noise."""
    k_w, k_o = jax.random.split(key)
    w_max = jax.lax.stop_gradient(jnp.max(jnp.abs(W)))
    Wn = W + hwa.eta * w_max * jax.lax.optimization_barrier(normal(k_w, W.shape, W.dtype))  # drawn once
    colmax = jax.lax.stop_gradient(jnp.maximum(jnp.max(jnp.abs(Wn), axis=1), 1e-12))
    return Wn, colmax, k_o


def hwa_matmul(W: jax.Array, x: jax.Array, key: jax.Array, hwa: HWAConfig) -> jax.Array:
    """The noisy, quantized analog product x @ W^T used in HWA training (W (out, in), x (batch, in))."""
    Wn, colmax, k_o = noisy_weights(W, key, hwa)
    if hwa.input_range is None:
        xs = jax.lax.stop_gradient(jnp.maximum(jnp.max(jnp.abs(x), axis=1, keepdims=True), 1e-12))
    else:
        xs = jnp.full((x.shape[0], 1), hwa.input_range, x.dtype)
    xq = quantize_ste(x / xs, hwa.dac_bits, 1.0)
    z = jax.lax.optimization_barrier(normal(k_o, (x.shape[0], W.shape[0]), x.dtype))  # drawn once
    y = xq @ (Wn / colmax[:, None]).T + hwa.out_noise * z
    return quantize_ste(y, hwa.adc_bits, hwa.out_bound) * colmax[None, :] * xs


def analog_dense(W: jax.Array, b: jax.Array, x: jax.Array, key: jax.Array | None, hwa: HWAConfig | None) -> jax.Array:
    """A dense layer y = W x + b: digital when hwa is None, else the noisy quantized analog forward."""
    if hwa is None:
        return x @ W.T + b
    if key is None:
        raise ValueError("key is required for the hardware-aware forward (weight and output noise): "
                         "pass key=jax.random.PRNGKey(seed)")
    return hwa_matmul(W, x, key, hwa) + b


def clip_weights(params, clip_sigma: float | None):
    """Clips every weight matrix at clip_sigma standard deviations (biases untouched)."""
    if clip_sigma is None:
        return params
    return [(jnp.clip(W, -clip_sigma * jnp.std(W), clip_sigma * jnp.std(W)), b) for W, b in params]


class TrainState(NamedTuple):
    """Everything training carries from step to step (a pytree)."""

    params: Any
    opt_state: Any
    step: jax.Array
    key: jax.Array


def init_state(params, optimizer: optax.GradientTransformation, key: jax.Array) -> TrainState:
    """The initial training state."""
    return TrainState(params, optimizer.init(params), jnp.zeros((), jnp.int32), key)


def _step(state: TrainState, x: jax.Array, y: jax.Array, mask: jax.Array | None, forward: Callable, optimizer,
          hwa, clip: Callable | None = None) -> tuple[TrainState, jax.Array]:
    key, sub = jax.random.split(state.key)

    def loss_fn(params):
        ce = optax.softmax_cross_entropy_with_integer_labels(forward(params, x, sub, hwa), y)
        return ce.mean() if mask is None else jnp.sum(ce * mask) / jnp.sum(mask)

    loss, grads = jax.value_and_grad(loss_fn)(state.params)
    updates, opt_state = optimizer.update(grads, state.opt_state, state.params)
    params = optax.apply_updates(state.params, updates)
    params = (clip_weights if clip is None else clip)(params, None if hwa is None else hwa.clip_sigma)
    return TrainState(params, opt_state, state.step + 1, key), loss


@partial(jax.jit, static_argnames=("forward", "optimizer", "hwa", "clip"))
def update(state: TrainState, x: jax.Array, y: jax.Array, *, forward: Callable, optimizer, hwa,
           clip: Callable | None = None) -> tuple[TrainState, jax.Array]:
    """One optimizer step on a mini-batch; returns the new state and the loss.

    ``forward(params, x, key, hwa)`` gives the logits; ``clip(params, clip_sigma)`` clips the weights after
    the step (default: ``clip_weights`` of a (W, b) list; ``model.clip_weights`` for an AnalogModel)."""
    return _step(state, x, y, None, forward, optimizer, hwa, clip)


@partial(jax.jit, static_argnames=("forward", "optimizer", "hwa", "batch", "clip"))
def train_epoch(state: TrainState, x: jax.Array, y: jax.Array, key: jax.Array, *, forward: Callable, optimizer, hwa,
                batch: int, clip: Callable | None = None) -> tuple[TrainState, jax.Array]:
    """One epoch compiled as a single ``lax.scan`` over shuffled mini-batches (no per-step Python dispatch).

    ``forward`` and ``clip`` as in ``update``.

    The last, partial mini-batch is padded and masked out of the loss, so every step is the mean loss over
    the real samples of its batch, as in a step-by-step loop. Returns the new state and the step losses.
    """
    n = x.shape[0]
    steps = -(-n // batch)
    order = jnp.concatenate([jax.random.permutation(key, n), jnp.zeros(steps * batch - n, jnp.int32)])
    mask = (jnp.arange(steps * batch) < n).astype(x.dtype).reshape(steps, batch)

    def body(state, inputs):
        idx, m = inputs
        return _step(state, x[idx], y[idx], m, forward, optimizer, hwa, clip)

    return jax.lax.scan(body, state, (order.reshape(steps, batch), mask))


@lru_cache(maxsize=64)
def _adam_cosine(lr: float, total_steps: int):
    """fit's optimizer, one object per (lr, steps): train_epoch's static argument, so a second fit of the same
    shapes reuses its compiled epoch instead of compiling a new one."""
    return optax.adam(optax.cosine_decay_schedule(lr, total_steps, alpha=0.1))


def fit(params, forward: Callable, x: np.ndarray, y: np.ndarray, *, key: jax.Array, hwa: HWAConfig | None,
        epochs: int = 60, batch: int = 64, lr: float = 1e-2) -> Any:
    """Trains with Adam (cosine-decayed learning rate) on mini-batches; returns the trained params.

    Each epoch is one compiled ``lax.scan`` (train_epoch)."""
    x, y = v.training_inputs(x, y, epochs=epochs, batch=batch, lr=lr)
    for k, (W, b) in enumerate(params):
        v.finite_array(f"params[{k}] W", np.asarray(W), ndim=(2,))
    optimizer = _adam_cosine(float(lr), epochs * -(-len(x) // batch))
    key, k_init = jax.random.split(key)
    state = init_state(params, optimizer, k_init)
    xj, yj = jnp.asarray(x, jnp.float32), jnp.asarray(y)
    for epoch in range(epochs):
        key, k_perm = jax.random.split(key)
        state, _ = train_epoch(state, xj, yj, k_perm, forward=forward, optimizer=optimizer, hwa=hwa, batch=batch)
    return state.params
