"""Current-voltage laws of one crossbar cell, written once over an array namespace (numpy or jax.numpy).

A law maps the voltage across a cell, V = V_row - V_col (V), and the cell's conductance G (S) to the cell
current I (A). G is the small-signal conductance at 0 V, so every law here has dI/dV(0) = G and reduces
to Ohm's law I = G V for |V| -> 0; a programmed conductance keeps its meaning at small read voltages.
Every law is odd (I(-V) = -I(V)), so negative inputs and the G- side of a differential pair behave
alike, and strictly increasing (dI/dV > 0), which keeps the Newton systems of the nonlinear solve
symmetric positive definite (see _nonlinear.py).

Each law is a frozen dataclass with
    current(V, G, xp=np) -> I      (A)
    slope(V, G, xp=np)   -> dI/dV  (S), the differential conductance
    spice(G, v) -> str             the same current as an ngspice B-source expression in the voltage v
vectorized over broadcastable arrays V and G.

References:
    docs/references.md s.11 (the sinh law of the Stanford-PKU RRAM model and its V0; the cubic law).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

V0_RERAM_V = 0.25  # sinh voltage scale of the Stanford-PKU RRAM model (estimated, a fit; references s.11)


def _check_finite(name: str, value: float, *, positive: bool = False) -> None:
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or (positive and value <= 0):
        raise ValueError(f"{name} must be a finite number{' > 0' if positive else ''}, got {value!r}")


@dataclass(frozen=True)
class LinearIV:
    """Ohm's law, I = G V: the identity among the laws (the linear IR-drop solve)."""

    def current(self, V: Any, G: Any, xp: Any = np) -> Any:
        """Cell current (A) for cell voltage V (V) and conductance G (S)."""
        return G * V

    def slope(self, V: Any, G: Any, xp: Any = np) -> Any:
        """dI/dV (S): G, broadcast to the shape of G * V."""
        return G + 0.0 * V

    def spice(self, G: float, v: str) -> str:
        """ngspice expression of the current for conductance G (S) and voltage expression v."""
        return f"{G:.17g}*({v})"


@dataclass(frozen=True)
class SinhIV:
    """I = G V0 sinh(V / V0): the read current of a filamentary ReRAM cell (and a common PCM fit).

    At a fixed filament gap g the Stanford-PKU RRAM model reads I = I0 exp(-g / g0) sinh(V / V0); with
    G = I0 exp(-g / g0) / V0, its small-signal conductance, this is the form here. The cell conducts
    sinh(x) / x times its small-signal current at V = x V0: +1.9 % at V0 / 3, +18 % at V0, +81 % at 2 V0.

    Attributes:
        v0_V: voltage scale V0 (V), > 0; default 0.25 V, the Stanford-PKU model's value (estimated).

    References:
        docs/references.md s.11: Guan, Yu & Wong 2012; Jiang et al. 2016 (the Stanford-PKU model).
    """

    v0_V: float = V0_RERAM_V

    def __post_init__(self):
        _check_finite("v0_V", self.v0_V, positive=True)

    def current(self, V: Any, G: Any, xp: Any = np) -> Any:
        """Cell current (A) for cell voltage V (V) and small-signal conductance G (S)."""
        return G * self.v0_V * xp.sinh(V / self.v0_V)

    def slope(self, V: Any, G: Any, xp: Any = np) -> Any:
        """dI/dV = G cosh(V / V0) (S)."""
        return G * xp.cosh(V / self.v0_V)

    def spice(self, G: float, v: str) -> str:
        """ngspice expression of the current for conductance G (S) and voltage expression v."""
        return f"{G * self.v0_V:.17g}*sinh(({v})/{self.v0_V:.17g})"


@dataclass(frozen=True)
class PolyIV:
    """I = G (V + a2 V |V| + a3 V^3): an odd polynomial law.

    The defaults (a2 = 0, a3 = 1 / (6 V0^2) with V0 = 0.25 V, so a3 = 8/3 V^-2) are the cubic Taylor
    truncation of SinhIV's default, V0 sinh(V / V0) = V + V^3 / (6 V0^2) + O(V^5): label estimated
    (derived, not fitted to a device). Fit a2, a3 to a measured I-V curve to model another cell.
    The law must increase everywhere: a3 >= 0, and a2 >= 0 or a2^2 < 3 a3 (checked).

    Attributes:
        a2_per_V: coefficient of V |V| (1/V).
        a3_per_V2: coefficient of V^3 (1/V^2), >= 0.

    References:
        docs/references.md s.11.
    """

    a2_per_V: float = 0.0
    a3_per_V2: float = 1.0 / (6.0 * V0_RERAM_V ** 2)

    def __post_init__(self):
        _check_finite("a2_per_V", self.a2_per_V)
        _check_finite("a3_per_V2", self.a3_per_V2)
        a2, a3 = self.a2_per_V, self.a3_per_V2
        if a3 < 0 or (a2 < 0 and a2 * a2 >= 3.0 * a3):
            raise ValueError(f"PolyIV must increase for every V (a3 >= 0, and a2 >= 0 or a2^2 < 3 a3), "
                             f"got a2_per_V={a2}, a3_per_V2={a3}")

    def current(self, V: Any, G: Any, xp: Any = np) -> Any:
        """Cell current (A) for cell voltage V (V) and small-signal conductance G (S)."""
        return G * (V + self.a2_per_V * V * xp.abs(V) + self.a3_per_V2 * V * V * V)

    def slope(self, V: Any, G: Any, xp: Any = np) -> Any:
        """dI/dV = G (1 + 2 a2 |V| + 3 a3 V^2) (S)."""
        return G * (1.0 + 2.0 * self.a2_per_V * xp.abs(V) + 3.0 * self.a3_per_V2 * V * V)

    def spice(self, G: float, v: str) -> str:
        """ngspice expression of the current for conductance G (S) and voltage expression v."""
        return (f"{G:.17g}*(({v})+{self.a2_per_V:.17g}*({v})*abs({v})"
                f"+{self.a3_per_V2:.17g}*({v})*({v})*({v}))")
