"""What a spiking run returns, in plain numpy: output spikes and membrane, per-layer spike steps, counts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cimsim import _validate as v

from .counts import EventCounts


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
        spike_fanout: for networks with convolutional or pooled synapses (snn.synapses), per spiking layer
            that feeds a synapse layer, the out-degree of each spike (aligned with layer_spike_steps); None
            when every layer is all-to-all (the out-degree is then the next layer's size).
        input_synapses: synapses per sample of the first layer (its MACs per inference under current
            encoding); None for all-to-all (n_in x n_1).
    """

    out_spike_steps: np.ndarray
    out_v: np.ndarray
    layer_spike_steps: tuple
    sizes: tuple
    steps: int
    samples: int
    encoder: str
    wall_s: float
    spike_fanout: tuple | None = None
    input_synapses: int | None = None

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
        # out-degree of a spike of layer k (the input layer too when Poisson-encoded) is the next layer's size,
        # or, with convolutional synapses, the spiking unit's own out-degree
        first = 0 if self.encoder == "poisson" else 1
        for k, n in enumerate(spikes):
            layer = first + k
            if layer < len(self.sizes) - 1:
                if self.spike_fanout is None:
                    syn += n * self.sizes[layer + 1]
                else:
                    syn += int(np.sum(self.spike_fanout[k][self.layer_spike_steps[k][0] < T]))
        neurons = sum(self.sizes[1:])
        # a constant input current W1 x + b1 is computed once per inference and held, not once per step
        per_sample = self.sizes[0] * self.sizes[1] if self.input_synapses is None else self.input_synapses
        input_macs = per_sample * self.samples if self.encoder == "current" else 0
        return EventCounts(self.samples, T, tuple(spikes), int(syn), neurons * T * self.samples, int(input_macs))


def _check_T(T: int, steps: int) -> None:
    v.integer_at_least("T", T, 1)
    if T > steps:
        raise ValueError(f"T must be <= the simulated steps ({steps}), got {T}")
