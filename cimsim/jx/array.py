"""Programming and reading crossbar arrays in JAX: the same pipeline as cimsim.program / ProgrammedArray.read.

    A = program(W, cfg, key, bias=b)      # mapping to differential pairs, device programming, GDC references
    blocks = read(A, t_s, cfg, key)       # device read at t_s (drift, slow noise drawn once), IR drop, GDC
    y = tile.mvm(blocks, x, cfg, key)     # per-MVM noise, DAC, ADC

The equations are not retyped here: ``cimsim.array.program_tiles`` / ``read_tiles``, the device's own
``program`` / ``read`` and ``cimsim.mapping`` run on jax.numpy. Every device works, a user's own class
included (written over ``cimsim.namespace`` and ``cimsim.draws.as_draws``), and so does IR drop (exact:
the differentiable CG solve; first order). ``key`` may also be a ``cimsim.draws.Draws`` object: a test
replays the numpy path's recorded draws and compares the two draw by draw.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .. import _validate as v
from ..array import Programmed, program_tiles, read_tiles
from ..config import CrossbarConfig
from ..draws import as_draws
from .tile import Blocks


class ProgrammedJ(NamedTuple):
    """A programmed array in JAX (a pytree).

    Attributes:
        state: the device state (a NamedTuple with g_prog_S (2, out, in) and the device's other arrays).
        scales_S: conductance per unit weight (n_row_blocks, out).
        gdc_ref: per-tile GDC readout at programming, or None.
        bias: digital bias (out,) or None.
    """

    state: Any
    scales_S: jax.Array
    gdc_ref: jax.Array | None
    bias: jax.Array | None

    @property
    def g_prog_S(self) -> jax.Array:
        """Programmed conductances (2, out, in) = [G+, G-] (S)."""
        return self.state.g_prog_S


def _check_config(cfg) -> None:
    if not isinstance(cfg, CrossbarConfig):
        raise ValueError(f"cfg must be a cimsim.CrossbarConfig, got {type(cfg).__name__}")


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


def program(W, cfg, key: Any, bias=None) -> ProgrammedJ:
    """Maps W (out, in) onto differential pairs and programs them (t = 0), drawing from ``key``.

    Args:
        W: weights (out, in), a JAX or numpy array (float64 under ``jax.enable_x64``).
        cfg: a CrossbarConfig (static).
        key: a JAX PRNG key, or a cimsim.draws.Draws (None for noise-free devices).
        bias: optional digital bias (out,).
    """
    _check_config(cfg)
    _check_weights(W, bias)
    W = jnp.asarray(W)
    P = program_tiles(W, cfg, _source(key, cfg), xp=jnp)
    return ProgrammedJ(P.state, P.scales_S, P.gdc_ref, None if bias is None else jnp.asarray(bias))


def read(A: ProgrammedJ, t_s, cfg, key: Any) -> Blocks:
    """The array read t_s seconds after programming: the device's slow noise drawn once from ``key``."""
    _check_config(cfg)
    v.time_or_traced("t_s", t_s)
    T = read_tiles(Programmed(A.state, A.scales_S, A.gdc_ref), cfg, t_s, _source(key, cfg), xp=jnp)
    return Blocks(T.gd_T, T.k_T, T.col_factor, A.bias)
