"""Spiking networks trained directly in JAX (surrogate gradients, BPTT), exported to Brian2 spike for spike
and to NIR graphs (``snn.jx.nirgraph``), which run here too.

Import as ``snn.jx`` (JAX is imported only when this package is; ``import snn`` does not need it).
"""

from . import export, nirgraph  # nirgraph imports nir only when called
from .encode import ENCODERS, encode
from .layers import Run, SpikingConfig, init_params, output_logits, run
from .surrogate import SURROGATES, spike, surrogate_grad
from .train import TrainState, fit, init_state, loss_fn, train_epoch, update

__all__ = ["ENCODERS", "Run", "SURROGATES", "SpikingConfig", "TrainState", "encode", "export", "fit", "nirgraph", "init_params",
           "init_state", "loss_fn", "output_logits", "run", "spike", "surrogate_grad", "train_epoch", "update"]
