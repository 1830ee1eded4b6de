"""Layered spiking networks on Brian2 for a batch of inputs, simulated as independent copies.

Every input sample gets its own copy of the network (neuron index = sample * layer size + unit), so one
Brian2 run classifies a whole batch. Time is discrete: dt = 1 ms, one step per dt; a neuron's membrane
integrates its bias and input once per step; a spike at step t reaches the next layer in the same step and
is seen by that layer's threshold at step t + 1.

Neurons: "if" (non-leaky integrate-and-fire) or "lif" (leak dv/dt = -v / tau between steps).
Reset: "subtract" (v -= threshold; Rueckauer et al. 2017) or "zero" (v = 0; Diehl et al. 2015).
Encoders: "current" (analog: the first layer receives W1 x + b1 as a current every step; those MACs are
counted as input_macs) or "poisson" (each input emits a spike per step with probability x, drawn from the
caller's numpy generator and fed as explicit spike times, so Brian2's own random state is never used).
Synapses: current-based, instantaneous (v_post += w on a presynaptic spike).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cimsim import _validate as v

from .counts import EventCounts

ENCODERS = ("current", "poisson")
NEURONS = ("if", "lif")
RESETS = ("subtract", "zero")
DT_S = 1e-3  # one time step, seconds (the SI boundary)


@dataclass(frozen=True, eq=False)
class SimResult:
    """What a run returns, in plain numpy (no Brian2 quantities).

    Attributes:
        out_spike_steps: for each output spike, (sample, unit, step).
        out_v: output membrane potential after each step, (steps, samples, units).
        layer_spike_steps: per spiking layer, the step index of every spike and the sample it belongs to,
            as (steps, samples) arrays, for event counts at any T <= steps.
        sizes: neuron count of each layer, input first.
        steps, samples, encoder: run settings.
        wall_s: wall time of the Brian2 run (s).
    """

    out_spike_steps: np.ndarray
    out_v: np.ndarray
    layer_spike_steps: tuple
    sizes: tuple
    steps: int
    samples: int
    encoder: str
    wall_s: float

    def output_counts(self, T: int) -> np.ndarray:
        """Spike counts (samples, units) of the output layer within the first T steps."""
        counts = np.zeros((self.samples, self.sizes[-1]), dtype=np.int64)
        s, u, t = self.out_spike_steps
        sel = t < T
        np.add.at(counts, (s[sel], u[sel]), 1)
        return counts

    def predict(self, T: int) -> np.ndarray:
        """Class of each sample after T steps: most output spikes, ties broken by the membrane potential."""
        _check_T(T, self.steps)
        counts = self.output_counts(T).astype(np.float64)
        v_T = self.out_v[T - 1]
        span = np.abs(v_T).max() + 1.0
        return np.argmax(counts + 0.5 * (v_T / span + 1.0) / 2.0, axis=1)

    def counts(self, T: int) -> EventCounts:
        """Exact event counts of the first T steps."""
        _check_T(T, self.steps)
        spikes = [int(np.count_nonzero(steps[0] < T)) for steps in self.layer_spike_steps]
        syn = 0
        # out-degree of a spike of layer k (the input layer too when Poisson-encoded) is the next layer's size
        first = 0 if self.encoder == "poisson" else 1
        for k, n in enumerate(spikes):
            layer = first + k
            if layer < len(self.sizes) - 1:
                syn += n * self.sizes[layer + 1]
        neurons = sum(self.sizes[1:])
        input_macs = self.sizes[0] * self.sizes[1] * T * self.samples if self.encoder == "current" else 0
        return EventCounts(self.samples, T, tuple(spikes), int(syn), neurons * T * self.samples, int(input_macs))


def _check_T(T: int, steps: int) -> None:
    v.integer_at_least("T", T, 1)
    if T > steps:
        raise ValueError(f"T must be <= the simulated steps ({steps}), got {T}")


def simulate(weights, biases, x, *, steps: int, encoder: str = "current", neuron: str = "if",
             reset: str = "subtract", tau_s: float = 20e-3, threshold: float = 1.0,
             rng: np.random.Generator | None = None, target: str = "numpy", count_on_pre: bool = False) -> SimResult:
    """Runs a converted network on a batch of inputs for ``steps`` time steps.

    Args:
        weights: per layer (out, in) arrays, already normalized (threshold = 1).
        biases: per layer (out,) arrays, added to the membrane every step.
        x: inputs (samples, n_in), in [0, 1] for the Poisson encoder.
        steps: time steps T (>= 1).
        encoder: "current" or "poisson"; neuron: "if" or "lif"; reset: "subtract" or "zero".
        tau_s: membrane time constant of "lif" (s).
        rng: generator for the Poisson encoder.
        target: Brian2 code-generation target, "numpy" (no compile) or "cython".
        count_on_pre: also count synaptic events with an on_pre counter (for tests: costs time).

    Returns:
        SimResult; with count_on_pre, ``SimResult.on_pre_events`` is set.
    """
    weights, biases, x = _validate(weights, biases, x, steps, encoder, neuron, reset, tau_s, threshold, target)
    v.generator("rng", rng, required=encoder == "poisson")
    from . import _brian

    return _brian.run(weights, biases, x, steps=steps, encoder=encoder, neuron=neuron, reset=reset, tau_s=tau_s,
                      threshold=threshold, rng=rng, target=target, count_on_pre=count_on_pre)


def _validate(weights, biases, x, steps, encoder, neuron, reset, tau_s, threshold, target):
    v.one_of("encoder", encoder, ENCODERS)
    v.one_of("neuron", neuron, NEURONS)
    v.one_of("reset", reset, RESETS)
    v.one_of("target", target, ("numpy", "cython"))
    v.integer_at_least("steps", steps, 1)
    v.positive("tau_s", tau_s)
    v.positive("threshold", threshold)
    if len(weights) < 1 or len(weights) != len(biases):
        raise ValueError(f"weights and biases must be non-empty lists of equal length, got {len(weights)} and {len(biases)}")
    Ws = [v.finite_array(f"weights[{k}]", W, ndim=(2,)) for k, W in enumerate(weights)]
    bs = [v.finite_array(f"biases[{k}]", b, ndim=(1,)) for k, b in enumerate(biases)]
    for k, (W, b) in enumerate(zip(Ws, bs)):
        if b.shape[0] != W.shape[0]:
            raise ValueError(f"biases[{k}] must have {W.shape[0]} entries to match weights[{k}] {W.shape}, got {b.shape[0]}")
        if k and W.shape[1] != Ws[k - 1].shape[0]:
            raise ValueError(f"layer sizes do not chain: weights[{k - 1}] has {Ws[k - 1].shape[0]} outputs, "
                             f"weights[{k}] expects {W.shape[1]} inputs")
    x = v.finite_array("x", x, ndim=(2,))
    if x.shape[1] != Ws[0].shape[1]:
        raise ValueError(f"x must have {Ws[0].shape[1]} features (weights[0] is {Ws[0].shape}), got shape {x.shape}")
    if encoder == "poisson" and (x.min() < 0 or x.max() > 1):
        raise ValueError(f"x must lie in [0, 1] for the poisson encoder (spike probability per step), "
                         f"got range [{x.min()}, {x.max()}]")
    return Ws, bs, x
