"""The trained network on Brian2: weights on a fixed-point grid, the same inputs, the same spikes.

``to_grid`` rounds the trained weights and biases to multiples of ``lsb`` (2^-16 by default, float64).
Digits pixels are multiples of 1/16, so with grid weights every sum the IF network forms (input currents,
synaptic inputs, resets) is an exact float64 number: the order in which Brian2 and JAX add them cannot
change a bit, and both produce the same spikes. For LIF the leak product is rounded, identically on both
sides, and ``order="brian2"`` adds synaptic inputs in Brian2's order. ``run_float64`` is the JAX run of the
exported network in float64; ``run_brian2`` is snn.simulate of the same network with the same input
spikes; ``compare`` checks every neuron's spike count per sample and the output membrane.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from cimsim import _validate as v

from .. import synapses
from ..network import simulate
from ..result import SimResult
from .layers import Run, SpikingConfig, run

DEFAULT_LSB = 2.0**-16


def to_grid(params, *, lsb: float = DEFAULT_LSB) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(weights, biases) as float64 numpy arrays rounded to the nearest multiple of ``lsb`` (a power of 2)."""
    v.positive("lsb", lsb)
    if np.log2(lsb) != np.round(np.log2(lsb)):
        raise ValueError(f"lsb must be a power of 2 (so that grid values are exact binary fractions), got {lsb!r}")
    Ws = [synapses.map_weight(W, lambda a: np.round(np.asarray(a, np.float64) / lsb) * lsb) for W, _ in params]
    bs = [np.round(np.asarray(b, np.float64) / lsb) * lsb for _, b in params]
    return Ws, bs


def input_spikes(x: np.ndarray, config: SpikingConfig, *, key: jax.Array | None = None) -> np.ndarray | None:
    """The input raster (T, samples, n_in) as 0/1 float64 numpy, or None for the current encoder."""
    from .encode import encode

    with jax.enable_x64(True):
        raster = encode(jnp.asarray(x, jnp.float64), encoder=config.encoder, steps=config.steps, key=key)
        return None if raster is None else np.asarray(raster, np.float64)


def run_float64(weights, biases, x: np.ndarray, config: SpikingConfig, *, spikes_in: np.ndarray | None = None,
                order: str = "brian2") -> Run:
    """The JAX run in float64 (scoped ``jax.enable_x64``), returned as numpy arrays.

    Args:
        weights, biases: per layer (out, in) and (out,) arrays.
        x: inputs (samples, n_in).
        config: the SpikingConfig the network was trained with.
        spikes_in: the input raster of a spiking encoder (``input_spikes``).
        order: synaptic accumulation order ("brian2" or "matmul").
    """
    with jax.enable_x64(True):
        params = [(synapses.map_weight(W, lambda a: jnp.asarray(a, jnp.float64)), jnp.asarray(b, jnp.float64))
                  for W, b in zip(weights, biases)]
        raster = None if spikes_in is None else jnp.asarray(spikes_in, jnp.float64)
        r = _run64(params, jnp.asarray(x, jnp.float64), raster, config, order)
        return jax.tree_util.tree_map(np.asarray, r)


@partial(jax.jit, static_argnames=("config", "order"))
def _run64(params, x, raster, config, order):
    return run(params, x, config, input_spikes=raster, order=order)


def run_brian2(weights, biases, x: np.ndarray, config: SpikingConfig, *, spikes_in: np.ndarray | None = None,
               target: str = "numpy") -> SimResult:
    """snn.simulate of the network with the config's neuron, reset and time constant, recording spike units."""
    spiking = config.encoder != "current"
    if spiking and spikes_in is None:
        raise ValueError(f"encoder {config.encoder!r} needs spikes_in (snn.jx.export.input_spikes)")
    return simulate(weights, biases, x, steps=config.steps, encoder="poisson" if spiking else "current",
                    neuron=config.neuron, reset=config.reset, tau_s=config.tau_s, threshold=config.threshold,
                    target=target, input_spikes=spikes_in, record_units=True)


def to_sim_result(r: Run, *, n_in, weights=None) -> SimResult:
    """The JAX run as a SimResult, so that its counts and predictions come from the same code as Brian2's.

    Args:
        r: a Run (numpy or JAX arrays).
        n_in: input features (the input layer's size), or the input's shape (channels, height, width).
        weights: the layers' weights; needed for convolutional or pooled synapses (snn.synapses), whose
            spikes are priced by their unit's out-degree.
    """
    spiking = r.input_spikes is not None
    T, samples = r.out_v.shape[:2]
    layers = [np.asarray(s).reshape(T, samples, -1) for s in ([r.input_spikes] if spiking else []) + list(r.spikes)]
    where = [np.nonzero(s) for s in layers]  # (step, sample, unit) of every spike
    in_shape = tuple(np.atleast_1d(n_in).astype(int))
    sizes = (int(np.prod(in_shape)),) + tuple(s.shape[2] for s in layers[int(spiking):])
    fanout, input_syn = None, None
    if weights is not None and any(isinstance(W, synapses.LAYERS) for W in weights):
        fanout, first_synapses = synapses.spike_fanout(weights, in_shape, [w[2] for w in where], spiking_input=spiking)
        input_syn = None if spiking else first_synapses
    out = where[-1]
    return SimResult(out_spike_steps=np.stack([out[1], out[2], out[0]]).astype(np.int64),
                     out_v=np.asarray(r.out_v).reshape(T, samples, -1),
                     layer_spike_steps=tuple((w[0].astype(np.int64), w[1].astype(np.int64)) for w in where),
                     sizes=sizes, steps=int(T), samples=int(samples), encoder="poisson" if spiking else "current",
                     wall_s=0.0, spike_fanout=fanout, input_synapses=input_syn)


def brian2_counts(res: SimResult, T: int | None = None) -> list[np.ndarray]:
    """Per spiking layer, spike counts (samples, n_k) within the first T steps, of a run with record_units."""
    T = res.steps if T is None else T
    sizes = res.sizes if res.encoder == "poisson" else res.sizes[1:]
    out = []
    for (t, s), u, n in zip(res.layer_spike_steps, res.layer_spike_units, sizes):
        c = np.zeros((res.samples, n), np.int64)
        np.add.at(c, (s[t < T], u[t < T]), 1)
        out.append(c)
    return out


def jax_counts(r: Run) -> list[np.ndarray]:
    """Per spiking layer (the input raster first when there is one), spike counts (samples, n_k)."""
    layers = ([r.input_spikes] if r.input_spikes is not None else []) + list(r.spikes)
    return [np.asarray(s).sum(axis=0).astype(np.int64).reshape(np.shape(s)[1], -1) for s in layers]


def compare(r: Run, res: SimResult, *, eps: float = 1e-12, threshold: float = 1.0) -> dict:
    """Spike counts of every neuron and sample, JAX (float64) against Brian2; the output membrane too.

    Args:
        r: the JAX run (``run_float64``); res: the Brian2 run of the same network (``run_brian2``).
        eps: margin around the threshold reported as ``near_threshold``.
        threshold: the network's threshold.

    Returns:
        dict: ``equal`` (all counts equal), ``mismatched`` (neuron-sample pairs whose counts differ, per
        spiking layer), ``pairs`` (pairs compared), ``spikes_jax``/``spikes_brian2`` (per layer),
        ``max_abs_out_v_diff``; ``near_threshold``: threshold tests of the JAX run with 0 < |h - threshold|
        < eps, the only decisions a rounding difference of the two simulators could flip (a value exactly
        at the threshold, ``at_threshold``, flips only if one side rounds it and the other does not).
    """
    a, b = jax_counts(r), brian2_counts(res)
    mism = [int(np.count_nonzero(x != y)) for x, y in zip(a, b)]
    dist = [np.abs(np.asarray(h) - threshold) for h in r.h]
    return {"equal": all(m == 0 for m in mism) and len(a) == len(b), "mismatched": mism,
            "pairs": [int(x.size) for x in a], "spikes_jax": [int(x.sum()) for x in a],
            "spikes_brian2": [int(x.sum()) for x in b],
            "max_abs_out_v_diff": float(np.max(np.abs(np.asarray(r.out_v).reshape(res.out_v.shape) - res.out_v))),
            "near_threshold": int(sum(np.count_nonzero((d > 0) & (d < eps)) for d in dist)),
            "at_threshold": int(sum(np.count_nonzero(d == 0) for d in dist)), "eps": eps}
