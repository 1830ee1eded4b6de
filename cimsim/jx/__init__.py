"""JAX backend: crossbars under jit, grad and vmap; any JAX model on crossbars; hardware-aware training.

Import as ``cimsim.jx`` (JAX is imported only when this package is).

    A = cimsim.jx.program(W, config, key=k1)            # a pytree; config static
    y = A.read(t_s, key=k2).mvm(x, key=k3)              # x (in,) or (batch, in)
    model = cimsim.jx.analog_model(apply_fn, params, x, config=cimsim.presets.PCM)   # any JAX model
    model, params = cimsim.jx.from_torch(torch_module, x, config=cimsim.presets.PCM)  # a PyTorch model
    I = cimsim.jx.solve_ir_drop(G_S, v_row_V, r_row_ohm, r_col_ohm)                # differentiable
"""

from ..circuit._jax import ir_drop_first_order_jax as ir_drop_first_order
from ..circuit._jax import ir_drop_matrix_jax as ir_drop_matrix
from ..circuit._jax import solve_ir_drop_jax as solve_ir_drop
from . import array, hwa, models, tile, transform
from .array import ProgrammedArrayJ, ReadArrayJ, program
from .hwa import HWAConfig, TrainState, analog_dense, fit, hwa_matmul, init_state, train_epoch, update
from .ste import quantize, quantize_ste
from .transform import AnalogModel, Site, analog_model
from .torch_bridge import from_torch, torch_apply, torch_state_dict  # imports torch only when called

__all__ = ["AnalogModel", "HWAConfig", "ProgrammedArrayJ", "ReadArrayJ", "Site", "TrainState", "analog_dense",
           "analog_model", "array", "fit", "from_torch", "hwa", "hwa_matmul", "init_state", "ir_drop_first_order",
           "ir_drop_matrix", "models", "program", "quantize", "quantize_ste", "solve_ir_drop", "tile", "torch_apply",
           "torch_state_dict", "train_epoch", "transform", "update"]
