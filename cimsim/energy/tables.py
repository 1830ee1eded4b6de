"""Energy tables as data: JSON files with an energy (or value), a source and a label per entry.

Built-in tables live in cimsim/energy/data/ (digital, analog, chips, neuromorphic, gpus, facility). A user
adds a table without editing code: ``load_table("path/to/mine.json")`` (same format), or pass it where a table
is accepted (``cimsim compare --energy-table mine.json`` overrides entries of the built-in tables).

Format: {"name": ..., "description": ..., "entries": {KEY: {"energy_J" | "value": number, "source": str,
"label": "measured" | "simulated" | "estimated", ["scope": one of ledger.SCOPES], ["unit": str]}}}
"""

from __future__ import annotations

import difflib
import json
import math
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from .ledger import LABELS, SCOPES, scope_name

BUILTIN = ("digital", "analog", "chips", "neuromorphic", "gpus", "facility", "chip_model", "serving")


TABLE_KEYS = ("name", "description", "entries")
NUMBER_KEYS = ("energy_J", "value", "power_limit_W", "idle_W", "bandwidth_B_per_s", "memory_B")
TEXT_KEYS = ("source", "name", "unit")
ENTRY_KEYS = NUMBER_KEYS + TEXT_KEYS + ("label", "scope", "idle_label", "peak_ops_per_s")
PRECISIONS = ("fp32", "fp16", "fp8", "int8", "int4")


def _unknown(kind: str, key: str, allowed: tuple[str, ...], where: str) -> ValueError:
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f"; valid keys: {', '.join(allowed)}"
    return ValueError(f"energy table {where}: unknown {kind} key {key!r}{hint}")


def _number(value: Any, what: str, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError(f"energy table {where}: {what} must be a finite number >= 0, got {value!r}")


def _check(table: dict[str, Any], where: str) -> dict[str, Any]:
    """Validates a table against the schema: known keys only (a typo names the closest valid key),
    finite non-negative numbers (no booleans, NaN or Infinity), a source and a label on every entry."""
    if not isinstance(table, dict) or not isinstance(table.get("entries"), dict):
        raise ValueError(f"energy table {where} must be a JSON object with an 'entries' object")
    for key in table:
        if key not in TABLE_KEYS:
            raise _unknown("table", key, TABLE_KEYS, where)
    for key, e in table["entries"].items():
        if not isinstance(e, dict):
            raise ValueError(f"energy table {where}: entry {key!r} must be an object, got {e!r}")
        for k in e:
            if k not in ENTRY_KEYS:
                raise _unknown(f"entry {key!r}", k, ENTRY_KEYS, where)
        if not isinstance(e.get("source"), str) or not e["source"].strip():
            raise ValueError(f"energy table {where}: entry {key!r} needs a 'source' (text naming where the number comes from)")
        for k in ("label", "idle_label"):
            if (k == "label" or k in e) and e.get(k) not in LABELS:
                raise ValueError(f"energy table {where}: entry {key!r} needs {k!r} in {LABELS}, got {e.get(k)!r}")
        try:
            scope_name(e.get("scope", "per-operation"))
        except ValueError:
            raise ValueError(f"energy table {where}: entry {key!r} has scope {e.get('scope')!r}, "
                             f"not one of {SCOPES}") from None
        for k in NUMBER_KEYS:
            if k in e:
                _number(e[k], f"entry {key!r} {k}", where)
        for k in ("name", "unit"):
            if k in e and not isinstance(e[k], str):
                raise ValueError(f"energy table {where}: entry {key!r} {k} must be text, got {e[k]!r}")
        if "peak_ops_per_s" in e:
            peaks = e["peak_ops_per_s"]
            if not isinstance(peaks, dict):
                raise ValueError(f"energy table {where}: entry {key!r} peak_ops_per_s must be an object")
            for p, val in peaks.items():
                if p not in PRECISIONS:
                    raise _unknown(f"entry {key!r} peak_ops_per_s", p, PRECISIONS, where)
                _number(val, f"entry {key!r} peak_ops_per_s[{p!r}]", where)
    return table


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number a table may hold")


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
        table = json.loads(path.read_text(), parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ValueError(f"energy table {str(path)!r} is not valid JSON: {exc}") from exc
    except ValueError as exc:  # NaN, Infinity, -Infinity
        raise ValueError(f"energy table {str(path)!r}: {exc} (JSON numbers must be finite)") from exc
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


def value_entry(key: str, *tables: dict[str, Any]) -> dict[str, Any]:
    """The entry ``key`` (as ``entry``), checked to carry a ``value`` number (a parameter, not an energy)."""
    e = entry(key, *tables)
    if not isinstance(e.get("value"), (int, float)) or isinstance(e.get("value"), bool):
        raise ValueError(f"energy table entry {key!r} must have a 'value' number, got {e.get('value')!r}")
    return e
