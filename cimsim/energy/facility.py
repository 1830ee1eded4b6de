"""Facility layer: IT energy -> energy at the wall, carbon, water, money (The Green Grid; ISO/IEC 30134).

    wall energy = PUE x IT energy
    carbon      = wall kWh x grid intensity (gCO2e/kWh)       (CUE = PUE x grid intensity per IT kWh)
    water       = WUE x IT kWh (site water, L per IT kWh)
    cost        = wall kWh x electricity price
Defaults (docs/references.md s.6), read from the facility table (cimsim/energy/data/facility.json), the one place
these numbers live: PUE 1.56 (Uptime 2024 average), 480 gCO2e/kWh (Ember 2024 world), WUE 1.1 L/kWh (implied
by Google's 2025 Gemini figures, estimate), 0.127 USD/kWh (EIA 2023 US retail). ``Facility.from_tables``
takes them from user tables first (or from other entries, e.g. pue="pue_google_2023").
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .tables import entry

J_PER_KWH = 3.6e6
DEFAULT_KEYS = {"pue": "pue_industry_2024", "grid_gco2_per_kwh": "grid_world_gco2_per_kwh",
                "wue_l_per_kwh": "wue_l_per_kwh", "usd_per_kwh": "usd_per_kwh"}


def _value(key: str, *tables: dict[str, Any]) -> float:
    value = entry(key, *tables).get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"facility entry {key!r} must have a 'value' number, got {value!r}")
    return float(value)


def _default(name: str) -> Any:
    return field(default_factory=lambda: _value(DEFAULT_KEYS[name]))


@dataclass(frozen=True)
class Facility:
    """Where the inference runs. Defaults: the built-in facility table's entries named in DEFAULT_KEYS."""

    pue: float = _default("pue")
    grid_gco2_per_kwh: float = _default("grid_gco2_per_kwh")
    wue_l_per_kwh: float = _default("wue_l_per_kwh")
    usd_per_kwh: float = _default("usd_per_kwh")

    @classmethod
    def from_tables(cls, *tables: dict[str, Any], **keys: str) -> "Facility":
        """A facility whose every factor is the entry of DEFAULT_KEYS (or ``keys``, field -> entry key) from
        the first table that has it: user tables first, then the built-in facility table."""
        unknown = set(keys) - set(DEFAULT_KEYS)
        if unknown:
            raise ValueError(f"unknown facility fields {sorted(unknown)}; known: {', '.join(DEFAULT_KEYS)}")
        return cls(**{name: _value(keys.get(name, key), *tables) for name, key in DEFAULT_KEYS.items()})

    def __post_init__(self) -> None:
        if not (isinstance(self.pue, (int, float)) and math.isfinite(self.pue) and self.pue >= 1.0):
            raise ValueError(f"pue must be >= 1 (facility energy / IT energy), got {self.pue}")
        for name in ("grid_gco2_per_kwh", "wue_l_per_kwh", "usd_per_kwh"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number >= 0, got {value}")

    @property
    def cue_kg_per_kwh(self) -> float:
        """Carbon usage effectiveness: kgCO2e per IT kWh."""
        return self.pue * self.grid_gco2_per_kwh / 1000.0

    def report(self, it_J_per_inference: float) -> dict[str, float]:
        """Per-inference wall energy, carbon, water, cost, and inferences per wall kWh."""
        if not (math.isfinite(it_J_per_inference) and it_J_per_inference >= 0):
            raise ValueError(f"it_J_per_inference must be finite and >= 0, got {it_J_per_inference}")
        it_kwh = it_J_per_inference / J_PER_KWH
        wall_kwh = self.pue * it_kwh
        return {
            "it_J_per_inference": it_J_per_inference,
            "wall_J_per_inference": wall_kwh * J_PER_KWH,
            "gco2e_per_million": wall_kwh * self.grid_gco2_per_kwh * 1e6,
            "water_mL_per_million": self.wue_l_per_kwh * it_kwh * 1e3 * 1e6,
            "usd_per_million": wall_kwh * self.usd_per_kwh * 1e6,
            "inferences_per_kwh": (1.0 / wall_kwh) if wall_kwh > 0 else None,
        }
