"""Programming and reading crossbar arrays in JAX: the same pipeline as cimsim.program / ProgrammedArray.read.

    A = program(W, cfg, key=k1, bias=b)   # mapping to differential pairs, device programming, GDC references
    R = A.read(t_s, key=k2)               # device read at t_s (drift, slow noise drawn once), IR drop, GDC
    y = R.mvm(x, key=k3)                  # per-MVM noise, DAC, ADC; x (in,) or (batch, in)
Both are pytrees whose config is static (jit, vmap and grad pass through them).

The equations are not retyped here: ``cimsim.array.program_tiles`` / ``read_tiles``, the device's own
``program`` / ``read`` and ``cimsim.mapping`` run on jax.numpy. Every device works, a user's own class
included (written over ``cimsim.namespace`` and ``cimsim.draws.as_draws``), and so does IR drop (exact:
the differentiable CG solve; first order). ``key`` may also be a ``cimsim.draws.Draws`` object: a test
replays the numpy path's recorded draws and compares the two draw by draw.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .. import _validate as v
from ..array import Programmed, program_tiles, read_tiles
from ..config import CrossbarConfig
from ..draws import as_draws
from . import tile
from .tile import Blocks


@jax.tree_util.register_pytree_node_class
class ReadArrayJ:
    """A programmed array as read at one time t (a pytree; the config is static).

    Attributes:
        blocks: per-row-block arrays (cimsim.jx.tile.Blocks). config: the CrossbarConfig.
    """

    def __init__(self, blocks: Blocks, config: CrossbarConfig):
        self.blocks, self.config = blocks, config

    def tree_flatten(self):
        return (self.blocks,), self.config

    @classmethod
    def tree_unflatten(cls, config, children):
        return cls(children[0], config)

    @property
    def shape(self) -> tuple[int, int]:
        """(out, in) of the weight matrix."""
        k = 1 if self.config.slicing is None else self.config.slicing.weight_slices
        return self.blocks.gd_T[0].shape[1], sum(g.shape[0] for g in self.blocks.gd_T[::k])

    def mvm(self, x, *, key: jax.Array | None = None) -> jax.Array:
        """y ~ W x (+ bias) for x (in,) or (batch, in), per-MVM noise drawn from ``key``."""
        return tile.mvm(self.blocks, x, self.config, key)


@jax.tree_util.register_pytree_node_class
class ProgrammedArrayJ:
    """A weight matrix programmed onto tiles at t = 0 (a pytree; the config is static).

    Attributes:
        state: the device state (a NamedTuple with g_prog_S (2, out, in) and the device's other arrays).
        scales_S: conductance per unit weight (n_row_blocks, out). gdc_ref: GDC references or None.
        bias: digital bias (out,) or None. config: the CrossbarConfig.
    """

    def __init__(self, state, scales_S, gdc_ref, bias, config: CrossbarConfig):
        self.state, self.scales_S, self.gdc_ref, self.bias, self.config = state, scales_S, gdc_ref, bias, config

    def tree_flatten(self):
        return (self.state, self.scales_S, self.gdc_ref, self.bias), self.config

    @classmethod
    def tree_unflatten(cls, config, children):
        return cls(*children, config)

    @property
    def g_prog_S(self) -> jax.Array:
        """Programmed conductances (2, out, in) = [G+, G-] (S)."""
        return self.state.g_prog_S

    @property
    def shape(self) -> tuple[int, int]:
        """(out, in) of the weight matrix."""
        return self.state.g_prog_S.shape[1], self.state.g_prog_S.shape[2]

    def read(self, t_s, *, key: Any = None) -> ReadArrayJ:
        """The array read t_s seconds after programming: the device's slow noise drawn once from ``key``."""
        cfg = self.config
        v.time_or_traced("t_s", t_s)
        T = read_tiles(Programmed(self.state, self.scales_S, self.gdc_ref), cfg, t_s, _source(key, cfg), xp=jnp)
        return ReadArrayJ(Blocks(T.gd_T, T.k_T, T.col_factor, self.bias, T.offsets), cfg)

    def mvm(self, x, *, key: jax.Array | None = None, t_s=0.0) -> jax.Array:
        """Shorthand for ``self.read(t_s, key=k1).mvm(x, key=k2)`` with (k1, k2) split from ``key``."""
        k1, k2 = (None, None) if key is None else jax.random.split(key)
        return self.read(t_s, key=k1).mvm(x, key=k2)


def _check_config(cfg) -> None:
    if not isinstance(cfg, CrossbarConfig):
        raise ValueError(f"config must be a cimsim.CrossbarConfig, got {type(cfg).__name__}")


def _check_weights(W, bias) -> None:
    """Validates concrete (non-traced) weights and bias like cimsim.program."""
    if isinstance(W, jax.core.Tracer):
        return
    Wn = v.finite_array("W", np.asarray(W), ndim=(2,))
    if bias is not None and not isinstance(bias, jax.core.Tracer):
        b = v.finite_array("bias", np.asarray(bias), ndim=(1,))
        if b.shape[0] != Wn.shape[0]:
            raise ValueError(f"bias must have shape ({Wn.shape[0]},) to match W {Wn.shape}, got {b.shape}")


def _source(key: Any, cfg) -> Any:
    """A JAX key or a Draws object; None only for noise-free devices."""
    if key is None:
        if cfg.device.stochastic:
            raise ValueError(f"key is required: {type(cfg.device).__name__} draws random numbers; "
                             "pass key=jax.random.PRNGKey(seed)")
        return None
    return as_draws(key, name="key")


def program(W, config: CrossbarConfig, *, key: Any = None, bias=None) -> ProgrammedArrayJ:
    """Maps W (out, in) onto differential pairs and programs them (t = 0), drawing from ``key``.

    Args:
        W: weights (out, in), a JAX or numpy array (float64 under ``jax.enable_x64``).
        config: a CrossbarConfig (static).
        key: a JAX PRNG key, or a cimsim.draws.Draws (None for noise-free devices).
        bias: optional digital bias (out,).
    """
    _check_config(config)
    _check_weights(W, bias)
    W = jnp.asarray(W)
    P = program_tiles(W, config, _source(key, config), xp=jnp)
    return ProgrammedArrayJ(P.state, P.scales_S, P.gdc_ref, None if bias is None else jnp.asarray(bias), config)
