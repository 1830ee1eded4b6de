"""Noise-free device: programs exactly the target conductance and never drifts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .. import _validate as v


class IdealState(NamedTuple):
    """Programmed state of ideal devices.

    Attributes:
        g_prog_S: programmed conductances (S), any shape.
    """

    g_prog_S: np.ndarray


@dataclass(frozen=True)
class IdealDevice:
    """A perfectly programmable, stable, noise-free conductance in [g_min_S, g_max_S].

    Args:
        g_max_S: largest conductance (S). 25 uS, as the PCM model of Joshi et al. 2020.
        g_min_S: smallest conductance (S).
    """

    g_max_S: float = 25e-6
    g_min_S: float = 0.0

    def __post_init__(self) -> None:
        v.positive("g_max_S", self.g_max_S)
        v.non_negative("g_min_S", self.g_min_S)
        if self.g_min_S >= self.g_max_S:
            raise ValueError(f"g_min_S must be < g_max_S={self.g_max_S}, got {self.g_min_S}")

    @property
    def stochastic(self) -> bool:
        """Whether program/read draw random numbers."""
        return False

    def program(self, g_target_S: np.ndarray, rng: np.random.Generator | None = None) -> IdealState:
        """Programs the targets exactly. Args: g_target_S: targets (S), any shape. Returns: IdealState."""
        g = v.finite_array("g_target_S", g_target_S)
        return IdealState(g_prog_S=g.copy())

    def read(self, state: IdealState, t_s: float, rng: np.random.Generator | None = None) -> np.ndarray:
        """Returns the programmed conductances (S) at any time t_s >= 0."""
        v.time_s("t_s", t_s)
        return state.g_prog_S.copy()
