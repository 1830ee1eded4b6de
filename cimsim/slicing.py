"""Bit-sliced weights and bit-serial inputs (as in ISAAC, NeuroSim and CrossSim).

Weights. A weight's magnitude is an integer q in [0, Q], Q = B^k - 1, stored over k cells ("slices") of
significance B^i (B = 2^bits_per_cell; each cell holds one base-B digit d_i as one of B conductance
levels g_min + d_i / (B - 1) (g_max - g_min)); each slice has its own columns and ADC reads, and the
periphery combines the slices by shift-and-add: y = sum_i B^i y_i. Signs: "differential" stores the
digits of |W| on the G+ or the G- cell of a pair (sign-magnitude); "offset" stores the digits of the
offset-binary q' = round((u + 1) / 2 Q) on one cell per slice (against a reference at g_min) and
subtracts the offset digitally (y = (2 / Q) sum_j q'_j x_j m - m sum_j x_j, m the tile's max |W|).
Programming, drift and read noise act on every cell; the per-MVM noise is drawn output-referred per
slice (exact in distribution per slice, docs/references.md s.9).

Inputs. With ``input_bits_per_cycle`` = c, the DAC's b-bit sign-magnitude code (b - 1 magnitude bits) is
applied c bits per cycle: ceil((b - 1) / c) cycles of voltages sign(x) m_j / (2^c - 1) v_read, one ADC read
per cycle and column, partial sums weighted 2^(c j) (2^c - 1) / n digitally (n = 2^(b-1) - 1).
None applies the whole code in one read (multi-level or pulse-width inputs).

References: Shafiee et al., ISCA 2016 (ISAAC: 2-bit cells, 1-bit inputs per cycle, shift-and-add);
Peng et al., NeuroSim (IEDM 2019); docs/references.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _validate as v


@dataclass(frozen=True)
class Slicing:
    """How weights are split over cells and inputs over cycles.

    Args:
        weight_slices: cells (or differential pairs) per weight, k >= 1.
        bits_per_cell: bits per cell (B = 2^bits_per_cell levels), 1..8.
        signed: "differential" (a pair per slice, sign-magnitude) or "offset" (one cell per slice,
            offset-binary weights, digital offset subtraction).
        input_bits_per_cycle: input bits applied per read cycle (bit-serial with 1), or None for the whole
            DAC code in one read.
    """

    weight_slices: int = 1
    bits_per_cell: int = 1
    signed: str = "differential"
    input_bits_per_cycle: int | None = None

    def __post_init__(self) -> None:
        v.integer_at_least("slicing.weight_slices", self.weight_slices, 1)
        v.integer_at_least("slicing.bits_per_cell", self.bits_per_cell, 1)
        if self.bits_per_cell > 8:
            raise ValueError(f"slicing.bits_per_cell must be <= 8, got {self.bits_per_cell}")
        if self.weight_slices * self.bits_per_cell > 32:
            raise ValueError("slicing.weight_slices * bits_per_cell must be <= 32 (weights as exact integers), got "
                             f"{self.weight_slices} x {self.bits_per_cell}")
        v.one_of("slicing.signed", self.signed, ("differential", "offset"))
        if self.input_bits_per_cycle is not None:
            v.integer_at_least("slicing.input_bits_per_cycle", self.input_bits_per_cycle, 1)

    @property
    def base(self) -> int:
        """B = 2^bits_per_cell."""
        return 1 << self.bits_per_cell

    @property
    def q_max(self) -> int:
        """Q = B^k - 1, the largest stored integer."""
        return self.base ** self.weight_slices - 1

    @property
    def cells_per_slice(self) -> int:
        """2 for differential pairs, 1 for offset cells."""
        return 2 if self.signed == "differential" else 1

    def slice_weights(self) -> list[float]:
        """Digital weight of slice i relative to an unsliced pair: B^i (B - 1) / Q (twice that for offset)."""
        f = 2.0 if self.signed == "offset" else 1.0
        return [f * self.base**i * (self.base - 1) / self.q_max for i in range(self.weight_slices)]

    def cycles(self, dac_bits: int | None) -> int:
        """Input read cycles per MVM."""
        if self.input_bits_per_cycle is None:
            return 1
        return -(-(dac_bits - 1) // self.input_bits_per_cycle)


def slice_targets(u: Any, sl: Slicing, g_min_S: float, g_max_S: float, *, xp: Any = np) -> Any:
    """Target conductances (k, cells_per_slice, out, in) for normalized weights u = W s / span in [-1, 1]."""
    span, B, Q = g_max_S - g_min_S, float(sl.base), float(sl.q_max)
    if sl.signed == "differential":
        q = xp.round(xp.abs(u) * Q)
    else:
        q = xp.round((xp.clip(u, -1.0, 1.0) + 1.0) / 2.0 * Q)
    slices = []
    for i in range(sl.weight_slices):
        d = xp.floor(q / B**i) % B  # exact: q < 2^53
        g = g_min_S + d / (B - 1.0) * span
        if sl.signed == "differential":
            slices.append(xp.stack([xp.where(u > 0, g, g_min_S), xp.where(u > 0, g_min_S, g)]))
        else:
            slices.append(g[None])
    return xp.stack(slices)


def input_cycles(v_V: Any, dac_bits: int, bits_per_cycle: int, v_read_V: float, *, xp: Any = np) -> list[tuple[Any, float]]:
    """Splits DAC voltages (mid-tread codes k / n of v_read) into bit-serial cycles: [(voltages, weight)].

    sum_j weight_j v_j = v exactly (in units of v_read): the partial sums are shifted and added digitally.
    """
    n = (1 << (dac_bits - 1)) - 1
    c = (1 << bits_per_cycle) - 1
    m = xp.round(xp.abs(v_V) / v_read_V * n)
    sign = xp.sign(v_V)
    out = []
    for j in range(-(-(dac_bits - 1) // bits_per_cycle)):
        digit = xp.floor(m / float(1 << (bits_per_cycle * j))) % float(c + 1)
        out.append(((sign * digit / c * v_read_V).astype(v_V.dtype), float((1 << (bits_per_cycle * j)) * c / n)))
    return out
