"""ReRAM-like device: finite conductance levels, programming and read noise, stuck-at faults.

A generic multi-level resistive cell. The model is deliberately simple and every default is labelled:
    programming: the target is rounded to the nearest of ``n_levels`` evenly spaced conductances in
                 [g_min, g_max] (write-verify to a level), then Gaussian programming error with std
                 ``sigma_prog_rel * (g_max - g_min)``; result clipped to >= 0;
    faults:      each device is independently stuck ON (reads g_max) with probability ``p_stuck_on`` or
                 stuck OFF (reads g_min) with probability ``p_stuck_off``, fixed at programming;
    read:        each read at time t multiplies the conductance by (1 + sigma_read_rel N(0,1)), drawn once
                 per read; no drift (ReRAM retention loss is not modelled; see docs/devices.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from typing import Any

import numpy as np

from .. import _validate as v
from .._xp import is_numpy, namespace
from ..draws import as_draws

STUCK_NONE, STUCK_ON, STUCK_OFF = 0, 1, 2


class ReRAMState(NamedTuple):
    """Programmed ReRAM state.

    Attributes:
        g_prog_S: programmed conductances (S), stuck devices already at their stuck value.
        stuck: int8 array, 0 healthy, 1 stuck ON (g_max), 2 stuck OFF (g_min).
    """

    g_prog_S: Any
    stuck: Any


@dataclass(frozen=True)
class ReRAMDevice:
    """Multi-level ReRAM-like cell.

    Args:
        g_min_S: high-resistance-state conductance (S).
        g_max_S: low-resistance-state conductance (S).
        n_levels: number of programmable conductance levels (>= 2).
        sigma_prog_rel: programming error std as a fraction of (g_max - g_min).
        sigma_read_rel: read noise std as a fraction of the conductance, drawn once per read.
        p_stuck_on: probability a device is stuck at g_max.
        p_stuck_off: probability a device is stuck at g_min.
        iv: the cell's current-voltage law I(V, G) (cimsim.circuit.SinhIV, PolyIV), None for Ohm's law;
            applied per cell to the read voltage with ideal wires (with wire resistance: the circuit-level
            cimsim.circuit.solve_ir_drop_nonlinear).
    """

    g_min_S: float = 1e-6
    g_max_S: float = 40e-6
    n_levels: int = 16
    sigma_prog_rel: float = 0.01
    sigma_read_rel: float = 0.01
    p_stuck_on: float = 0.0
    p_stuck_off: float = 0.0

    iv: Any = None

    def __post_init__(self) -> None:
        v.positive("g_max_S", self.g_max_S)
        v.non_negative("g_min_S", self.g_min_S)
        if self.g_min_S >= self.g_max_S:
            raise ValueError(f"g_min_S must be < g_max_S={self.g_max_S}, got {self.g_min_S}")
        v.integer_at_least("n_levels", self.n_levels, 2)
        v.non_negative("sigma_prog_rel", self.sigma_prog_rel)
        v.non_negative("sigma_read_rel", self.sigma_read_rel)
        v.probability("p_stuck_on", self.p_stuck_on)
        v.probability("p_stuck_off", self.p_stuck_off)
        if self.p_stuck_on + self.p_stuck_off > 1.0:
            raise ValueError("p_stuck_on + p_stuck_off must be <= 1, got "
                             f"{self.p_stuck_on} + {self.p_stuck_off}")

    @property
    def stochastic(self) -> bool:
        """Whether program/read draw random numbers."""
        return True

    def levels_S(self) -> np.ndarray:
        """The programmable conductance levels (S), ascending."""
        return np.linspace(self.g_min_S, self.g_max_S, self.n_levels)

    def program(self, g_target_S: Any, rng: Any) -> ReRAMState:
        """Programs targets to the nearest level with noise and draws stuck-at faults.

        Args:
            g_target_S: targets (S) in [g_min_S, g_max_S], any shape (numpy or JAX array).
            rng: numpy Generator, JAX key or cimsim.draws.Draws.

        Returns:
            ReRAMState shaped like the targets.
        """
        g_t = v.targets_in_window(g_target_S, self.g_min_S, self.g_max_S)
        xp = namespace(g_t)
        draws = as_draws(rng)
        span = self.g_max_S - self.g_min_S
        step = span / (self.n_levels - 1)
        level = xp.clip(xp.round((g_t - self.g_min_S) / step), 0, self.n_levels - 1)
        g = self.g_min_S + level * step
        g = xp.maximum(g + self.sigma_prog_rel * span * draws.normal(g_t.shape, g_t.dtype), 0.0)
        u = draws.uniform(g_t.shape, g_t.dtype)
        p_on, p_any = self.p_stuck_on, self.p_stuck_on + self.p_stuck_off
        stuck = xp.where(u < p_on, STUCK_ON, xp.where(u < p_any, STUCK_OFF, STUCK_NONE)).astype(xp.int8)
        g = xp.where(stuck == STUCK_ON, self.g_max_S, xp.where(stuck == STUCK_OFF, self.g_min_S, g))
        return ReRAMState(g_prog_S=g, stuck=stuck)

    def read(self, state: ReRAMState, t_s: Any, rng: Any) -> Any:
        """Conductances (S) at t_s >= 0: programmed value with multiplicative read noise (no drift)."""
        v.time_or_traced("t_s", t_s)
        g0 = state.g_prog_S
        xp = namespace(g0)
        if self.sigma_read_rel == 0.0:
            return g0.copy() if is_numpy(xp) else g0
        z = as_draws(rng).normal(g0.shape, g0.dtype)
        g = xp.maximum(g0 * (1.0 + self.sigma_read_rel * z), 0.0)
        return xp.where(state.stuck == STUCK_NONE, g, g0)
