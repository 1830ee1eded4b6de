"""One row of the ``cimsim compare`` table: a system's numbers and their facility-level consequences."""

from __future__ import annotations

from typing import Any

from cimsim.energy import Facility


def make_row(name: str, accuracy: float, accuracy_std: float | None, energy_J: float, latency_s: float, ops: float,
             label: str, scope: str, facility: Facility, notes: str) -> dict[str, Any]:
    """One row of the comparison table: the system's numbers and their facility-level consequences."""
    fac = facility.report(energy_J)
    return {"system": name, "accuracy": accuracy, "accuracy_std": accuracy_std, "energy_J_per_inference": energy_J,
            "latency_s": latency_s, "tops_per_w": ops / energy_J / 1e12, "inferences_per_s_per_w": 1.0 / energy_J,
            "inferences_per_kwh_wall": fac["inferences_per_kwh"], "gco2e_per_million": fac["gco2e_per_million"],
            "water_mL_per_million": fac["water_mL_per_million"], "usd_per_million": fac["usd_per_million"],
            "wall_J_per_inference": fac["wall_J_per_inference"], "label": label, "scope": scope, "notes": notes}
