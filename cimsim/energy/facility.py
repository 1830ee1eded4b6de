"""Facility layer: IT energy -> energy at the wall, carbon, water, money (The Green Grid; ISO/IEC 30134).

    wall energy = PUE x IT energy
    carbon      = wall kWh x grid intensity (gCO2e/kWh)       (CUE = PUE x grid intensity per IT kWh)
    water       = WUE x IT kWh (site water, L per IT kWh)
    cost        = wall kWh x electricity price
Defaults (REFERENCES.md s.6): PUE 1.56 (Uptime 2024 average), 480 gCO2e/kWh (Ember 2024 world),
WUE 1.1 L/kWh (implied by Google's 2025 Gemini figures, estimate), 0.127 USD/kWh (EIA 2023 US retail).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

J_PER_KWH = 3.6e6


@dataclass(frozen=True)
class Facility:
    """Where the inference runs."""

    pue: float = 1.56
    grid_gco2_per_kwh: float = 480.0
    wue_l_per_kwh: float = 1.1
    usd_per_kwh: float = 0.127

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
