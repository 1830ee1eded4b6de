"""Direct training of spiking networks: surrogate gradients, backpropagation through time, optax.

The loss is the softmax cross-entropy of ``output_logits`` (output spike count plus the final membrane in
threshold units: the charge the output neurons integrated). Gradients flow through ``lax.scan`` over the
time steps (BPTT) and through the spikes by their surrogate derivative. One epoch (a fresh permutation,
then every full mini-batch; the last partial one is dropped) is a single ``lax.scan`` over mini-batches,
compiled once per (config, optimizer, batch, data shape). State follows cimsim.jx: pure
``init_state``/``update`` over the NamedTuple ``TrainState``.

References:
    Neftci, Mostafa & Zenke, IEEE Signal Process. Mag. 36:51 (2019); Werbos, Proc. IEEE 78:1550 (1990) (BPTT).
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import optax

from cimsim import _validate as v
from cimsim.jx import TrainState, init_state

from .. import synapses
from .layers import SpikingConfig, init_params, output_logits, run

__all__ = ["TrainState", "fit", "init_state", "loss_fn", "train_epoch", "update"]


def loss_fn(params, x: jax.Array, y: jax.Array, config: SpikingConfig, key: jax.Array) -> jax.Array:
    """Mean softmax cross-entropy of the readout over the batch."""
    logits = output_logits(run(params, x, config, key=key), config)
    return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()


@partial(jax.jit, static_argnames=("config", "optimizer"))
def update(state: TrainState, x: jax.Array, y: jax.Array, *, config: SpikingConfig,
           optimizer: optax.GradientTransformation) -> tuple[TrainState, jax.Array]:
    """One optimizer step on a mini-batch; returns the new state and the loss."""
    return _update(state, x, y, config, optimizer)


def _update(state, x, y, config, optimizer):
    key, sub = jax.random.split(state.key)
    loss, grads = jax.value_and_grad(loss_fn)(state.params, x, y, config, sub)
    updates, opt_state = optimizer.update(grads, state.opt_state, state.params)
    return TrainState(optax.apply_updates(state.params, updates), opt_state, state.step + 1, key), loss


@partial(jax.jit, static_argnames=("config", "optimizer", "batch"))
def train_epoch(state: TrainState, x: jax.Array, y: jax.Array, *, config: SpikingConfig,
                optimizer: optax.GradientTransformation, batch: int) -> tuple[TrainState, jax.Array]:
    """One epoch as one ``lax.scan``: a permutation from the state's key, then every full mini-batch.

    Returns:
        The new state and the mean loss over the epoch's mini-batches.
    """
    key, k_perm = jax.random.split(state.key)
    n = x.shape[0] // batch
    order = jax.random.permutation(k_perm, x.shape[0])[: n * batch].reshape(n, batch)

    def one(st, idx):
        return _update(st, x[idx], y[idx], config, optimizer)

    state, losses = jax.lax.scan(one, state._replace(key=key), order)
    return state, jnp.mean(losses)


def fit(x: np.ndarray, y: np.ndarray, *, config: SpikingConfig, key: jax.Array, hidden=(32,), n_classes: int = 10,
        epochs: int = 60, batch: int = 64, lr: float = 1e-2, params=None) -> tuple[list, np.ndarray]:
    """Trains a spiking MLP n_in-hidden-n_classes, or the given network, with Adam (cosine-decayed learning
    rate), in float32.

    Args:
        x: training inputs (samples, n_in) in [0, 1], or (samples, channels, height, width) for a network
            whose first layer is convolutional; y: integer labels (samples,).
        config: neuron, encoder, surrogate and T.
        key: JAX key for the initialization, the permutations and the Poisson draws (keyword-only).
        hidden: hidden layer sizes; n_classes: output units (of the MLP made when params is None).
        params: a network to train instead ((W, b) per layer: init_params, init_conv, init_dense).
        epochs, batch, lr: Adam schedule (lr decays to lr / 10).

    Returns:
        (params, losses): trained (W, b) per layer, and the mean training loss of every epoch.
    """
    x, y = v.training_inputs(x, y, epochs=epochs, batch=batch, lr=lr, ndim=(2,) if params is None else (2, 4))
    if batch > x.shape[0]:
        raise ValueError(f"batch must be <= the number of samples ({x.shape[0]}), got {batch}")
    k_init, k_train = jax.random.split(key)
    if params is None:
        params = init_params((x.shape[1], *hidden, n_classes), key=k_init)
    else:  # checked before the compile: the layers chain for x, and every weight is finite
        synapses.shapes([W for W, _ in params], x.shape[1:])
        if not all(np.all(np.isfinite(np.asarray(a))) for a in jax.tree.leaves(params)):
            raise ValueError("params must be finite")
        params = jax.tree.map(lambda a: jnp.asarray(a, jnp.float32), params)
    optimizer = optax.adam(optax.cosine_decay_schedule(lr, epochs * (x.shape[0] // batch), alpha=0.1))
    state = init_state(params, optimizer, k_train)
    xj, yj = jnp.asarray(x, jnp.float32), jnp.asarray(y)
    losses = []
    for _ in range(epochs):
        state, loss = train_epoch(state, xj, yj, config=config, optimizer=optimizer, batch=batch)
        losses.append(loss)
    return state.params, np.asarray(jnp.stack(losses), dtype=np.float64)
