"""snn: event-driven spiking networks on Brian2, ANN-to-SNN conversion, exact event counts.

Brian2 quantities stay inside this package; results cross the boundary as SI floats and numpy arrays.
Networks trained directly with surrogate gradients live in ``snn.jx`` (imported on its own: it needs JAX).
"""

from .convert import ConvertedSNN, convert_mlp, normalization_scales
from .counts import EventCounts
from .network import ENCODERS, NEURONS, simulate
from .result import SimResult

__all__ = ["ConvertedSNN", "ENCODERS", "EventCounts", "NEURONS", "SimResult", "convert_mlp", "normalization_scales",
           "simulate"]
