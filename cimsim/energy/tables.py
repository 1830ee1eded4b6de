"""Energy tables as data: JSON files with an energy (or value), a source and a label per entry.

Built-in tables live in cimsim/energy/data/ (digital, analog, neuromorphic, gpus, facility). A user adds a
table without editing code: ``load_table("path/to/mine.json")`` (same format), or pass it where a table
is accepted (``cimsim compare --energy-table mine.json`` overrides entries of the built-in tables).

Format: {"name": ..., "description": ..., "entries": {KEY: {"energy_J" | "value": number, "source": str,
"label": "measured" | "simulated" | "estimated", ["scope": "per-operation" | "all-in"]}}}
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from .ledger import LABELS, SCOPES

BUILTIN = ("digital", "analog", "neuromorphic", "gpus", "facility")


def _check(table: dict[str, Any], where: str) -> dict[str, Any]:
    if not isinstance(table, dict) or "entries" not in table or not isinstance(table["entries"], dict):
        raise ValueError(f"energy table {where} must be a JSON object with an 'entries' object")
    for key, e in table["entries"].items():
        if not isinstance(e, dict) or "source" not in e or e.get("label") not in LABELS:
            raise ValueError(f"energy table {where}: entry {key!r} needs a 'source' and a label in {LABELS}")
        if e.get("scope", "per-operation") not in SCOPES:
            raise ValueError(f"energy table {where}: entry {key!r} has scope {e.get('scope')!r}, not one of {SCOPES}")
        value = e.get("energy_J", e.get("value"))
        if value is not None and (not isinstance(value, (int, float)) or value < 0):
            raise ValueError(f"energy table {where}: entry {key!r} must have a number >= 0, got {value!r}")
    return table


@lru_cache(maxsize=None)
def _builtin(name: str) -> dict[str, Any]:
    text = resources.files("cimsim.energy").joinpath("data", f"{name}.json").read_text()
    return _check(json.loads(text), name)


def load_table(name_or_path: str | Path) -> dict[str, Any]:
    """A built-in table by name, or a user's table from a JSON file."""
    if str(name_or_path) in BUILTIN:
        return _builtin(str(name_or_path))
    path = Path(name_or_path)
    if not path.is_file():
        raise ValueError(f"unknown energy table {str(name_or_path)!r}: not one of {BUILTIN} and not a file")
    try:
        table = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"energy table {str(path)!r} is not valid JSON: {exc}") from exc
    return _check(table, str(path))


def entry(key: str, *tables: dict[str, Any]) -> dict[str, Any]:
    """The entry ``key`` from the first table that has it (user tables first, then built-ins)."""
    for table in tables:
        if key in table["entries"]:
            return table["entries"][key]
    for name in BUILTIN:
        if key in _builtin(name)["entries"]:
            return _builtin(name)["entries"][key]
    raise ValueError(f"no energy table has an entry {key!r}")


def energy_entry(key: str, *tables: dict[str, Any]) -> dict[str, Any]:
    """The entry ``key`` (as ``entry``), checked to carry an ``energy_J`` number.

    Cost models look an entry up once and take both the priced number and its citation (source, label,
    scope) from it, so a user's override changes the two together.
    """
    e = entry(key, *tables)
    if not isinstance(e.get("energy_J"), (int, float)) or isinstance(e.get("energy_J"), bool):
        raise ValueError(f"energy table entry {key!r} must have an 'energy_J' number, got {e.get('energy_J')!r}")
    return e
