"""Shared parts of the hardware-aware-training experiments: training and crossbar evaluation on digits."""

from __future__ import annotations

import numpy as np


def data():
    """Digits split as JAX-ready float32 arrays."""
    import jax.numpy as jnp

    from cimsim.workloads import load_digits_split

    x_tr, y_tr, x_te, y_te = load_digits_split()
    return x_tr, y_tr, jnp.asarray(x_te, jnp.float32), jnp.asarray(y_te)


def train(model: str, hwa, seed: int, quick: bool):
    """Trains the MLP or CNN, digitally (hwa None) or hardware-aware."""
    import jax

    from cimsim.jx import fit, models

    init, fwd = {"mlp": (models.init_mlp, models.mlp_forward), "cnn": (models.init_cnn, models.cnn_forward)}[model]
    x_tr, y_tr, _, _ = data()
    return fit(init(jax.random.PRNGKey(seed)), fwd, x_tr, y_tr, key=jax.random.PRNGKey(seed + 1), hwa=hwa,
               epochs=15 if quick else 60)


def evaluate(params, cfg, t_s: float, seeds: int, seed: int, model: str = "mlp") -> np.ndarray:
    """Per-seed test accuracy on the crossbar read t_s after programming."""
    import jax

    from cimsim.jx import models

    _, _, x_te, y_te = data()
    keys = jax.random.split(jax.random.PRNGKey(10_000 + seed), seeds)
    return np.asarray(models.crossbar_accuracy_seeds(params, x_te, y_te, cfg, float(t_s), keys, model=model))


def digital_noisy(params, eta_inf: float, seeds: int, seed: int, model: str = "mlp") -> np.ndarray:
    """Per-seed accuracy with additive Gaussian weight noise (std eta_inf x max|W| per layer), digital maths."""
    import jax
    import jax.numpy as jnp

    from cimsim.jx import models

    _, _, x_te, y_te = data()
    fwd = models.mlp_forward if model == "mlp" else models.cnn_forward
    accs = []
    for k in jax.random.split(jax.random.PRNGKey(20_000 + seed), seeds):
        ks = jax.random.split(k, len(params))
        noisy = [(W + eta_inf * jnp.max(jnp.abs(W)) * jax.random.normal(kk, W.shape), b) for (W, b), kk in zip(params, ks)]
        accs.append(models.accuracy(fwd(noisy, x_te, None, None), y_te))
    return np.asarray(accs)
