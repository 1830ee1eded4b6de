"""Gain cell: a capacitor's voltage as the stored value, written every token, leaking with a time constant.

A gain cell (two or three transistors and a storage node) keeps a value as the charge on its storage
capacitor and reads it through a transistor whose current depends on that voltage. Leroux et al. (Nat.
Comput. Sci. 5:813, 2025; docs/references.md s.15) store an attention layer's K and V in such cells, one
row per token, and compute Q K^T and phi(S) V by applying input pulses to the read ports. The model here:

    write:      the target voltage is rounded to one of ``n_levels`` evenly spaced voltages in
                [v_min_V, v_max_V] (the study: 8 levels on [0, 0.9] V), then the sampling (kT/C) noise of
                the write transistor switching off, a normal of std sqrt(k_B T / c_store_F), is added and
                the node is held within the rails;
    retention:  the storage node leaks toward ``v_leak_V`` (the study: V_DD / 2 = 0.45 V, its K_offset and
                V_offset) as V(t) = v_leak + (V(0) - v_leak) exp(-t / tau_s);
    read:       for the crossbar protocol the read transistor is linearised: conductance
                g = g_max_S (V - v_min) / (v_max - v_min), the study's linear model; the product of a stored
                voltage with an input pulse through the cell's fitted nonlinear transfer is
                :class:`GainCellRead` (used by cimsim.jx.gaincell's attention);
    refresh:    a cell must be rewritten before its worst-case drift reaches ``tolerance_V`` (default half a
                write level): ``refresh_period_s``.

Labels: the 8 levels, the [0, 0.9] V window, the 0.45 V asymptote and the transfer coefficients are the
study's (simulated, from its SPICE fits); tau_s's default is derived from the study's per-token decay
(TAU_STUDY_S); the storage capacitance is estimated; kT/C is a formula.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from .. import _validate as v
from .._xp import namespace
from ..draws import as_draws

K_BOLTZMANN_J_PER_K = 1.380649e-23  # exact (SI 2019)
STUDY_DECAY_PER_TOKEN = 1.6e-4  # Leroux et al. 2025 code (model_gpt.py): exp(-1.6e-4 x age in tokens); simulated
STUDY_TOKEN_PERIOD_S = 65e-9  # Leroux et al. 2025: 65 ns attention latency per token (simulated)
TAU_STUDY_S = STUDY_TOKEN_PERIOD_S / STUDY_DECAY_PER_TOKEN
"""406 us: the retention time constant that gives the study's per-token decay at its 65 ns per token (derived)."""
TAU_SI_CMOS_S = 5e-3
"""Silicon CMOS gain cells: retention of the order of milliseconds (Leroux et al. 2025, Discussion; estimated)."""
TAU_OSFET_S = 400.0
"""Oxide-semiconductor (IGZO) 2T0C gain cells: retention beyond 400 s (Belmonte et al., IEDM 2020; measured)."""
STUDY_POLY = ((0, 0, 0.17393044), (0, 1, 0.15653739), (0, 2, 0.14088365), (0, 3, 0.12679529),
              (1, 0, 5.51975209), (1, 1, 4.96777688), (1, 2, 4.4709992),
              (2, 0, -1.44776001), (2, 1, -1.30298401),
              (3, 0, 46.05483778))
"""Leroux et al. 2025, Methods eq. 4 and code: the cell's output x sum_ij C_ij y^i V_in^j (i + j <= 3), y the
stored voltage minus 0.45 V, V_in = 0.9 V, x the input pulse width in units of T_max (simulated: fitted to
the cell's SPICE transfer curve, their Fig. 1e)."""
STUDY_V_IN_V = 0.9  # Leroux et al. 2025 eq. 4: the read word line's input voltage
STUDY_LINEAR_SLOPE = 19.3  # Leroux et al. 2025 code: the linear model's cell output 19.3 x y (a fit of the same curve)


class GainCellState(NamedTuple):
    """Written gain cells.

    Attributes:
        g_prog_S: read conductances (S) right after the write (the linearised read of v_prog_V).
        v_prog_V: storage-node voltages (V) right after the write.
    """

    g_prog_S: Any
    v_prog_V: Any


@dataclass(frozen=True)
class GainCellRead:
    """The cell's read transfer: output f(x, y) for an input pulse x (units of T_max, in [0, 1]) and a stored
    voltage y relative to the offset (V).

    f(x, y) = x sum_{i, j} C_ij y^i v_in^j: linear in the pulse width (charge = current x time) and a
    polynomial in the stored voltage (the read transistor's transfer). ``linear_slope`` is the study's linear
    model, f = slope x y, used as the surrogate gradient of the nonlinear one. Units of f: the study's
    (the current in uA of the SPICE fit at a full pulse).

    Args:
        coefficients: (i, j, C_ij) triples; default the study's (STUDY_POLY).
        v_in_V: the read word line voltage (the study: 0.9 V).
        linear_slope: the linear model's slope.
    """

    coefficients: tuple = STUDY_POLY
    v_in_V: float = STUDY_V_IN_V
    linear_slope: float = STUDY_LINEAR_SLOPE

    def __post_init__(self) -> None:
        v.positive("v_in_V", self.v_in_V)
        v.positive("linear_slope", self.linear_slope)
        if not self.coefficients:
            raise ValueError("coefficients must hold at least one (i, j, C_ij) triple, got ()")
        for c in self.coefficients:
            if (len(c) != 3 or any(isinstance(p, bool) or not isinstance(p, (int, np.integer)) or p < 0 for p in c[:2])
                    or not math.isfinite(float(c[2]))):
                raise ValueError(f"coefficients must be (i, j, C_ij) with integer powers >= 0 and a finite C_ij, got {c!r}")

    def poly(self) -> np.ndarray:
        """Coefficients p_i of the collapsed polynomial P(y) = sum_i p_i y^i (the sum over j done at v_in)."""
        n = max(int(i) for i, _, _ in self.coefficients) + 1
        p = np.zeros(n)
        for i, j, c in self.coefficients:
            p[int(i)] += float(c) * self.v_in_V ** int(j)
        return p

    def stored(self, y: Any) -> Any:
        """P(y): the output of one cell at a full pulse (x = 1)."""
        out = 0.0 * y
        for p in self.poly()[::-1]:  # Horner
            out = out * y + p
        return out

    def current(self, x: Any, y: Any) -> Any:
        """f(x, y) = x P(y)."""
        return x * self.stored(y)

    def linear(self, x: Any, y: Any) -> Any:
        """The linear model, slope x y."""
        return self.linear_slope * x * y


@dataclass(frozen=True)
class GainCellDevice:
    """Capacitive gain cell as a crossbar device (Device protocol) and as attention's K/V store.

    Args:
        v_min_V, v_max_V: the write window (V); the study's [0, 0.9].
        n_levels: write levels, evenly spaced over the window (the study: 8).
        v_leak_V: the voltage the storage node leaks toward (the study: 0.45 V = V_DD / 2).
        tau_s: retention time constant (s); default TAU_STUDY_S (406 us, derived); Si CMOS TAU_SI_CMOS_S,
            oxide-semiconductor TAU_OSFET_S.
        c_store_F: storage-node capacitance (F), setting the kT/C write noise; 1 fF (estimated, the gate and
            junction capacitance of a minimum-size read transistor's storage node).
        temperature_K: for kT/C.
        write_noise: whether the write draws kT/C noise.
        sigma_read_V: std (V) of a read noise referred to the storage node, drawn once per read (default 0).
        g_max_S: read conductance at v_max_V (S); default STUDY_LINEAR_SLOPE uA/V x 0.9 V = 17.4 uS, the
            study's linear model (g_min_S is 0 at v_min_V).
    """

    v_min_V: float = 0.0
    v_max_V: float = 0.9
    n_levels: int = 8
    v_leak_V: float = 0.45
    tau_s: float = TAU_STUDY_S
    c_store_F: float = 1e-15
    temperature_K: float = 300.0
    write_noise: bool = True
    sigma_read_V: float = 0.0
    g_max_S: float = STUDY_LINEAR_SLOPE * 1e-6 * 0.9
    g_min_S: float = 0.0

    def __post_init__(self) -> None:
        v.non_negative("v_min_V", self.v_min_V)
        v.positive("v_max_V", self.v_max_V)
        if self.v_min_V >= self.v_max_V:
            raise ValueError(f"v_min_V must be < v_max_V={self.v_max_V}, got {self.v_min_V}")
        v.integer_at_least("n_levels", self.n_levels, 2)
        v.non_negative("v_leak_V", self.v_leak_V)
        if not self.v_min_V <= self.v_leak_V <= self.v_max_V:
            raise ValueError(f"v_leak_V must lie in [v_min_V, v_max_V] = [{self.v_min_V}, {self.v_max_V}], got {self.v_leak_V}")
        v.positive("tau_s", self.tau_s, allow_inf=True)
        v.positive("c_store_F", self.c_store_F)
        v.positive("temperature_K", self.temperature_K)
        if not isinstance(self.write_noise, bool):
            raise ValueError(f"write_noise must be True or False, got {self.write_noise!r}")
        v.non_negative("sigma_read_V", self.sigma_read_V)
        v.positive("g_max_S", self.g_max_S)
        if self.g_min_S != 0.0:
            raise ValueError(f"g_min_S must be 0 (the linearised read conducts nothing at v_min_V), got {self.g_min_S}")

    @property
    def stochastic(self) -> bool:
        """Whether program/read draw random numbers."""
        return self.write_noise or self.sigma_read_V > 0.0

    @property
    def sigma_write_V(self) -> float:
        """The kT/C write noise, sqrt(k_B T / C) (V): 2.0 mV at 1 fF and 300 K."""
        return math.sqrt(K_BOLTZMANN_J_PER_K * self.temperature_K / self.c_store_F)

    @property
    def level_step_V(self) -> float:
        """Spacing of the write levels (V)."""
        return (self.v_max_V - self.v_min_V) / (self.n_levels - 1)

    def levels_V(self) -> np.ndarray:
        """The write levels (V), ascending."""
        return np.linspace(self.v_min_V, self.v_max_V, self.n_levels)

    def to_voltage(self, g_S: Any) -> Any:
        """The storage voltage whose linearised read is g_S."""
        return self.v_min_V + g_S / self.g_max_S * (self.v_max_V - self.v_min_V)

    def to_conductance(self, v_V: Any) -> Any:
        """The linearised read conductance of a storage voltage."""
        return (v_V - self.v_min_V) / (self.v_max_V - self.v_min_V) * self.g_max_S

    def write(self, v_target_V: Any, rng: Any) -> Any:
        """Writes target voltages: nearest level, plus kT/C noise, held within the rails."""
        xp = namespace(v_target_V)
        level = xp.clip(xp.round((v_target_V - self.v_min_V) / self.level_step_V), 0, self.n_levels - 1)
        volts = self.v_min_V + level * self.level_step_V
        if self.write_noise:
            volts = volts + self.sigma_write_V * as_draws(rng).normal(volts.shape, volts.dtype)
        return xp.clip(volts, self.v_min_V, self.v_max_V)

    def retained(self, v0_V: Any, t_s: Any) -> Any:
        """The storage voltage t_s after the write: v_leak + (v0 - v_leak) exp(-t / tau)."""
        xp = namespace(v0_V)
        return self.v_leak_V + (v0_V - self.v_leak_V) * xp.exp(-xp.asarray(t_s, dtype=v0_V.dtype) / self.tau_s)

    def decay_per_token(self, token_period_s: float) -> float:
        """The fraction lambda in exp(-lambda x age in tokens) at one token every ``token_period_s``."""
        v.positive("token_period_s", token_period_s)
        return token_period_s / self.tau_s

    def refresh_period_s(self, tolerance_V: float | None = None) -> float:
        """Longest time between rewrites keeping every cell within ``tolerance_V`` of its written value
        (default half a level step): the worst cell, at the rail farthest from v_leak, drifts
        d (1 - exp(-t / tau)), so t = -tau ln(1 - tolerance / d). Infinite if the drift never reaches it."""
        tol = 0.5 * self.level_step_V if tolerance_V is None else tolerance_V
        v.positive("tolerance_V", tol)
        d = max(self.v_max_V - self.v_leak_V, self.v_leak_V - self.v_min_V)
        if tol >= d or math.isinf(self.tau_s):
            return math.inf
        return -self.tau_s * math.log1p(-tol / d)

    def program(self, g_target_S: Any, rng: Any) -> GainCellState:
        """Writes conductance targets (S) in [0, g_max_S] as voltages; see ``write``."""
        g_t = v.targets_in_window(g_target_S, self.g_min_S, self.g_max_S)
        volts = self.write(self.to_voltage(g_t), rng)
        return GainCellState(g_prog_S=self.to_conductance(volts), v_prog_V=volts)

    def read(self, state: GainCellState, t_s: Any, rng: Any) -> Any:
        """Linearised read conductances (S) at t_s >= 0 after the write: retention, then read noise."""
        v.time_or_traced("t_s", t_s)
        volts = self.retained(state.v_prog_V, t_s)
        if self.sigma_read_V > 0.0:
            volts = volts + self.sigma_read_V * as_draws(rng).normal(volts.shape, volts.dtype)
        xp = namespace(volts)
        return xp.maximum(self.to_conductance(volts), 0.0)
