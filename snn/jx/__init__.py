"""Spiking networks trained directly in JAX (surrogate gradients, BPTT), exported to Brian2 spike for spike
and to NIR graphs (``snn.jx.nirgraph``), which run here too.

Import as ``snn.jx`` (JAX is imported only when this package is; ``import snn`` does not need it).
"""

from ..synapses import Conv2d, Dense
from . import export, nirgraph  # nirgraph imports nir only when called
from .encode import ENCODERS, encode
from .layers import Run, SpikingConfig, init_conv, init_dense, init_params, output_logits, project, run
from .surrogate import SURROGATES, spike, surrogate_grad
from .train import TrainState, fit, init_state, loss_fn, train_epoch, update

__all__ = ["Conv2d", "Dense", "ENCODERS", "Run", "SURROGATES", "SpikingConfig", "TrainState", "encode", "export", "fit",
           "init_conv", "init_dense", "init_params", "init_state", "loss_fn", "nirgraph", "output_logits", "project", "run", "spike", "surrogate_grad", "train_epoch", "update"]
