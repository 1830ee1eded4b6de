"""Noise-free device: programs exactly the target conductance and never drifts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from .. import _validate as v
from .._xp import is_numpy, namespace


class IdealState(NamedTuple):
    """Programmed state of ideal devices.

    Attributes:
        g_prog_S: programmed conductances (S), any shape.
    """

    g_prog_S: Any


@dataclass(frozen=True)
class IdealDevice:
    """A perfectly programmable, stable, noise-free conductance in [g_min_S, g_max_S].

    Args:
        g_max_S: largest conductance (S). 25 uS, as the PCM model of Joshi et al. 2020.
        g_min_S: smallest conductance (S).
        iv: the cell's current-voltage law I(V, G) (cimsim.circuit.SinhIV, PolyIV), None for Ohm's law;
            applied per cell to the read voltage with ideal wires (with wire resistance: the circuit-level
            cimsim.circuit.solve_ir_drop_nonlinear).
    """

    g_max_S: float = 25e-6
    g_min_S: float = 0.0

    iv: Any = None

    def __post_init__(self) -> None:
        v.positive("g_max_S", self.g_max_S)
        v.non_negative("g_min_S", self.g_min_S)
        if self.g_min_S >= self.g_max_S:
            raise ValueError(f"g_min_S must be < g_max_S={self.g_max_S}, got {self.g_min_S}")

    @property
    def stochastic(self) -> bool:
        """Whether program/read draw random numbers."""
        return False

    def program(self, g_target_S: Any, rng: Any = None) -> IdealState:
        """Programs the targets exactly. Args: g_target_S: targets (S), any shape. Returns: IdealState."""
        xp = namespace(g_target_S)
        g = v.finite_array("g_target_S", g_target_S) if is_numpy(xp) else g_target_S
        return IdealState(g_prog_S=g.copy() if is_numpy(xp) else g)

    def read(self, state: IdealState, t_s: float, rng: Any = None) -> Any:
        """Returns the programmed conductances (S) at any time t_s >= 0."""
        v.time_or_traced("t_s", t_s)
        g = state.g_prog_S
        return g.copy() if is_numpy(namespace(g)) else g
