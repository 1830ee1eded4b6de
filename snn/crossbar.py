"""The spiking network's synapses on a cimsim crossbar.

Each layer's converted weight matrix is programmed onto analog tiles (differential conductance pairs with
device noise) and read back t_s seconds after programming: the synaptic weights the spiking chip would
realize at that time (drift, 1/f read noise, global drift compensation), in weight units. An event-driven
synapse adds its weight once per presynaptic spike, so the converters of an MVM do not apply; the biases
stay digital. The SNN then runs on Brian2 with those weights.
"""

from __future__ import annotations

import numpy as np

from cimsim import program


def crossbar_weights(weights, config, *, t_s: float, rng: np.random.Generator) -> list[np.ndarray]:
    """Per layer, the weights realized by conductances programmed with ``config`` and read at ``t_s``."""
    return [program(W, config, rng=rng).read(t_s, rng=rng).weights() for W in weights]
