"""Layered spiking networks on Brian2 for a batch of inputs, simulated as independent copies.

Every input sample gets its own copy of the network (neuron index = sample * layer size + unit), so one
Brian2 run classifies a whole batch. Time is discrete: dt = 1 ms, one step per dt; a neuron's membrane
integrates its bias and input once per step; a spike at step t reaches the next layer in the same step and
is seen by that layer's threshold at step t + 1.

Neurons: "if" (non-leaky integrate-and-fire) or "lif" (leak dv/dt = -v / tau between steps).
Reset: "subtract" (v -= threshold; Rueckauer et al. 2017) or "zero" (v = 0; Diehl et al. 2015).
Encoders: "current" (analog: the first layer receives W1 x + b1 as a current every step; the product is
computed once per input and held, so its MACs are counted once per inference as input_macs) or "poisson"
(each input emits a spike per step with probability x, drawn from the caller's numpy generator and fed as explicit spike times, so Brian2's own random state is never used; or,
given ``input_spikes``, exactly the spikes of that raster: a latency code, or another simulator's draws).
Synapses: current-based, instantaneous (v_post += w on a presynaptic spike); all-to-all, or convolutional
and pooled (snn.synapses), where a spike is priced by its unit's out-degree.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from cimsim import _validate as v

from . import _brian, synapses
from .result import SimResult

ENCODERS = ("current", "poisson")
NEURONS = ("if", "lif")
RESETS = ("subtract", "zero")
TARGETS = ("numpy", "cython", "cpp_standalone")
DT_S = 1e-3  # one time step, seconds (the SI boundary)


def simulate(weights, biases, x, *, steps: int, encoder: str = "current", neuron: str = "if",
             reset: str = "subtract", tau_s: float = 20e-3, threshold: float = 1.0,
             rng: np.random.Generator | None = None, target: str = "numpy", count_on_pre: bool = False,
             input_spikes: np.ndarray | None = None, record_units: bool = False) -> SimResult:
    """Runs a converted network on a batch of inputs for ``steps`` time steps.

    Args:
        weights: per layer (out, in) arrays, already normalized (threshold = 1), or convolutional and pooled
            layers (``snn.Conv2d``, ``snn.Dense``: snn.synapses), run as one Brian2 synapse per connection.
        biases: per layer (out,) arrays (a Conv2d's: one per output channel), added to the membrane every step.
        x: inputs (samples, n_in), or (samples, channels, height, width) before a convolution; in [0, 1]
            for the Poisson encoder; for a converted network, the input divided by lambda_0
            (``ConvertedSNN.encode``, or run ``ConvertedSNN.simulate``).
        steps: time steps T (>= 1).
        encoder: "current" or "poisson"; neuron: "if" or "lif"; reset: "subtract" or "zero".
        tau_s: membrane time constant of "lif" (s).
        rng: generator for the Poisson encoder.
        target: Brian2 code-generation target, "numpy" (no compile) or "cython"; or "cpp_standalone" (the
            whole run compiled to C++ in a temporary folder: a compile of seconds per call).
        count_on_pre: also count synaptic events with an on_pre counter (for tests: costs time).
        input_spikes: with encoder "poisson", the input spikes themselves, (steps, samples, n_in) of 0/1 (a
            spike of input unit u of sample s at step t); replaces the draws, so rng is not needed.
        record_units: also return which neuron fired each spike (``SimResult.layer_spike_units``).

    Returns:
        SimResult; with count_on_pre, ``SimResult.on_pre_events`` is set; with record_units,
        ``SimResult.layer_spike_units`` holds per spiking layer the unit index of every spike, aligned with
        ``layer_spike_steps``.
    """
    weights, biases, x = _validate(weights, biases, x, steps, encoder, neuron, reset, tau_s, threshold, target)
    input_spikes = _validate_raster(input_spikes, encoder, steps, x.shape)
    v.generator("rng", rng, required=encoder == "poisson" and input_spikes is None)
    return _brian.run(weights, biases, x, steps=steps, encoder=encoder, neuron=neuron, reset=reset, tau_s=tau_s,
                      threshold=threshold, rng=rng, target=target, count_on_pre=count_on_pre,
                      input_spikes=input_spikes, record_units=record_units)


def _validate_raster(input_spikes, encoder, steps, x_shape):
    if input_spikes is None:
        return None
    if encoder != "poisson":
        raise ValueError(f"input_spikes needs encoder 'poisson' (spiking input), got encoder {encoder!r}")
    raster = np.asarray(input_spikes)
    if raster.shape != (steps, *x_shape):
        raise ValueError(f"input_spikes must have shape (steps, samples, n_in) = {(steps, *x_shape)}, "
                         f"got {raster.shape}")
    if not np.all((raster == 0) | (raster == 1)):
        raise ValueError("input_spikes must hold only 0 and 1 (one spike at most per input, sample and step)")
    return raster.astype(bool)


def _validate(weights, biases, x, steps, encoder, neuron, reset, tau_s, threshold, target):
    v.one_of("encoder", encoder, ENCODERS)
    v.one_of("neuron", neuron, NEURONS)
    v.one_of("reset", reset, RESETS)
    v.one_of("target", target, TARGETS)
    v.integer_at_least("steps", steps, 1)
    v.positive("tau_s", tau_s)
    v.positive("threshold", threshold)
    if len(weights) < 1 or len(weights) != len(biases):
        raise ValueError(f"weights and biases must be non-empty lists of equal length, got {len(weights)} and {len(biases)}")
    Ws = [_weight(k, W) for k, W in enumerate(weights)]
    x = v.finite_array("x", x, ndim=(2, 4))
    first = synapses.as_synapse(Ws[0])
    if isinstance(first, synapses.Dense) and first.pool == 1 and x.ndim == 2 and x.shape[1] != np.shape(first.weight)[1]:
        raise ValueError(f"x must have {np.shape(first.weight)[1]} features (weights[0] is {np.shape(first.weight)}), "
                         f"got shape {x.shape}")
    synapses.shapes(Ws, x.shape[1:])  # raises, naming the layer, where they do not chain
    bs = []
    for k, (W, b) in enumerate(zip(Ws, biases)):
        b = v.finite_array(f"biases[{k}]", b, ndim=(1,))
        n = synapses.as_synapse(W).out_channels
        if b.shape[0] != n:
            per = " (one per output channel)" if isinstance(W, synapses.Conv2d) else ""
            raise ValueError(f"biases[{k}] must have {n} entries{per} to match weights[{k}], got {b.shape[0]}")
        bs.append(b)
    if encoder == "poisson" and (x.min() < 0 or x.max() > 1):
        raise ValueError(f"x must lie in [0, 1] for the poisson encoder (spike probability per step), "
                         f"got range [{x.min()}, {x.max()}]")
    return Ws, bs, x


def _weight(k: int, W):
    """A layer's weight: a finite 2-D array, or a Dense/Conv2d whose weight is one (snn.synapses)."""
    if isinstance(W, synapses.LAYERS):
        arr = v.finite_array(f"weights[{k}].weight", W.weight, ndim=(2,) if isinstance(W, synapses.Dense) else (4,))
        return dataclasses.replace(W, weight=arr)
    return v.finite_array(f"weights[{k}]", W, ndim=(2,))
