"""JAX backend: the crossbar forward pass (jit, keys, vmap), programming/reading in JAX, HWA training.

Import as ``cimsim.jx`` (JAX is imported only when this package is)."""

from . import array, hwa, models, tile
from .hwa import HWAConfig, TrainState, analog_dense, fit, init_state, update
from .ste import quantize, quantize_ste

__all__ = ["HWAConfig", "TrainState", "analog_dense", "array", "fit", "hwa", "init_state", "models", "quantize",
           "quantize_ste", "tile", "update"]
