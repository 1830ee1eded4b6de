"""snn: event-driven spiking networks on Brian2, ANN-to-SNN conversion, exact event counts.

Brian2 quantities stay inside this package; results cross the boundary as SI floats and numpy arrays.
Networks trained directly with surrogate gradients live in ``snn.jx`` (it needs JAX): an attribute of ``snn``
that imports on first access, so ``import snn; snn.jx.fit`` works and ``import snn`` loads no JAX.
"""

from .convert import ConvertedSNN, convert_mlp, normalization_scales
from .counts import EventCounts
from .network import ENCODERS, NEURONS, simulate
from .result import SimResult
from .synapses import Conv2d, Dense

__all__ = ["Conv2d", "ConvertedSNN", "Dense", "ENCODERS", "EventCounts", "NEURONS", "SimResult", "convert_mlp",
           "normalization_scales", "simulate"]


def __getattr__(name: str):
    """Imports ``snn.jx`` on first access (JAX is loaded only then)."""
    if name == "jx":
        import importlib

        return importlib.import_module(f"{__name__}.jx")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
