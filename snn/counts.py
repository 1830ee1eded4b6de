"""Exact event counts of a spiking run, as plain numbers for the energy ledger."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class EventCounts:
    """What a spiking network did (totals over all inferences of the run).

    Attributes:
        inferences: input samples simulated.
        steps: time steps simulated.
        spikes_per_layer: spikes emitted by each spiking layer (input spikes first when Poisson-encoded).
        synaptic_events: spikes x out-degree, summed over layers (= SOPs; equals an on_pre counter).
        neuron_updates: neurons x steps (every neuron integrates every step).
        input_macs: multiply-accumulates of the input layer's product W1 x (current encoding), counted
            separately and once per inference: the input is constant, so its current is computed once and
            held for all T steps.
    """

    inferences: int
    steps: int
    spikes_per_layer: tuple[int, ...]
    synaptic_events: int
    neuron_updates: int
    input_macs: int

    @property
    def spikes(self) -> int:
        """All spikes."""
        return int(sum(self.spikes_per_layer))

    def per_inference(self) -> dict[str, float]:
        """Counts divided by the number of inferences."""
        n = self.inferences
        return {"spikes": self.spikes / n, "synaptic_events": self.synaptic_events / n,
                "neuron_updates": self.neuron_updates / n, "input_macs": self.input_macs / n}

    def to_dict(self) -> dict:
        """Plain dict for JSON."""
        d = asdict(self)
        d["spikes_per_layer"] = list(self.spikes_per_layer)
        return d
