"""The energy ledger: what happened (counts), what each operation costs, and where that number comes from.

Imports nothing of the project (numpy and the standard library only), so every part can feed it. A record
is (component, operation, count, energy per operation, source, label, scope):
    label  "measured" (silicon), "simulated" (circuit/architecture simulation), "estimated" (models,
           extrapolations, unverified numbers);
    scope  what the energy covers, narrowest first (SCOPES):
           "per-operation"  that operation's own energy (a conversion, a cell read, a MAC), nothing around it;
           "chip all-in"    at the chip's boundary: the energy a whole chip draws for the work, periphery,
                            control, clocking and leakage x time included (a measured chip's power / rate,
                            or an architecture model's complete sum);
           "board all-in"   at the board's boundary: memory, idle power and voltage regulation too (a GPU
                            board's power x time);
           "wall"           at the wall socket of a facility (board energy x PUE).
           "all-in" (the name of earlier versions) is read as "chip all-in".
A ledger may declare the scope its total stands for (``declared_scope``): an architecture model's chip
ledger holds per-operation records and chip-level overheads, and its total is "chip all-in". No record may
be broader than the ledger's declared scope.
Totals use math.fsum over the records, so a sum of ledgers is exact: no record is merged or rounded.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

LABELS = ("measured", "simulated", "estimated")
SCOPES = ("per-operation", "chip all-in", "board all-in", "wall")
SCOPE_ALIASES = {"all-in": "chip all-in"}  # the name of earlier versions


def scope_name(scope: str) -> str:
    """The scope in SCOPES that ``scope`` names (aliases resolved); ValueError for anything else."""
    name = SCOPE_ALIASES.get(scope, scope) if isinstance(scope, str) else scope
    if name not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}, got {scope!r}")
    return name


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return float(value)


@dataclass(frozen=True)
class Record:
    """One line of the ledger.

    Attributes:
        component: where the energy goes, e.g. "crossbar/adc" or "gpu/compute".
        operation: what is counted, e.g. "adc_conversion" or "mac".
        count: how many operations (may be fractional, e.g. an average per inference), >= 0.
        energy_per_op_J: joules per operation, >= 0.
        source: the citation of the energy number.
        label: "measured", "simulated" or "estimated".
        scope: one of SCOPES ("per-operation", "chip all-in", "board all-in", "wall"); "all-in" is read
            as "chip all-in".
    """

    component: str
    operation: str
    count: float
    energy_per_op_J: float
    source: str
    label: str
    scope: str = "per-operation"

    def __post_init__(self) -> None:
        object.__setattr__(self, "count", _number("count", self.count))
        object.__setattr__(self, "energy_per_op_J", _number("energy_per_op_J", self.energy_per_op_J))
        for name in ("component", "operation", "source"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise ValueError(f"{name} must be a non-empty string, got {getattr(self, name)!r}")
        if self.label not in LABELS:
            raise ValueError(f"label must be one of {LABELS}, got {self.label!r}")
        object.__setattr__(self, "scope", scope_name(self.scope))

    @property
    def energy_J(self) -> float:
        """count x energy per operation."""
        return self.count * self.energy_per_op_J


@dataclass(frozen=True)
class Ledger:
    """An immutable list of records covering ``inferences`` inferences (or input vectors).

    ``declared_scope`` (optional): the scope the total stands for, e.g. "chip all-in" for an architecture
    model's complete chip; every record must be of that scope or a narrower one.
    """

    records: tuple[Record, ...] = field(default_factory=tuple)
    inferences: int = 1
    declared_scope: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "records", tuple(self.records))
        if not all(isinstance(r, Record) for r in self.records):
            raise ValueError("records must all be cimsim.energy.Record")
        if isinstance(self.inferences, bool) or not isinstance(self.inferences, int) or self.inferences < 1:
            raise ValueError(f"inferences must be an int >= 1, got {self.inferences!r}")
        if self.declared_scope is not None:
            declared = scope_name(self.declared_scope)
            object.__setattr__(self, "declared_scope", declared)
            broader = [r for r in self.records if SCOPES.index(r.scope) > SCOPES.index(declared)]
            if broader:
                raise ValueError(f"a ledger declared {declared!r} cannot hold a {broader[0].scope!r} record "
                                 f"({broader[0].component}/{broader[0].operation})")

    def with_records(self, records: Iterable[Record]) -> "Ledger":
        """A ledger with more records appended (same declared scope)."""
        return Ledger(self.records + tuple(records), self.inferences, self.declared_scope)

    def __add__(self, other: "Ledger") -> "Ledger":
        if not isinstance(other, Ledger):
            return NotImplemented
        if other.inferences != self.inferences:
            raise ValueError(f"cannot add ledgers of {self.inferences} and {other.inferences} inferences")
        declared = self.declared_scope if self.declared_scope == other.declared_scope else None
        return Ledger(self.records + other.records, self.inferences, declared)

    @property
    def total_J(self) -> float:
        """Total energy (J), exactly rounded sum of the records."""
        return math.fsum(r.energy_J for r in self.records)

    @property
    def per_inference_J(self) -> float:
        """Total energy per inference (J)."""
        return self.total_J / self.inferences

    def by(self, key: str) -> dict[str, float]:
        """Energy per inference (J) grouped by a record field ("component", "operation", "label", ...)."""
        groups: dict[str, list[float]] = {}
        for r in self.records:
            groups.setdefault(getattr(r, key), []).append(r.energy_J)
        return {k: math.fsum(v) / self.inferences for k, v in groups.items()}

    @property
    def label(self) -> str:
        """The weakest label present: estimated < simulated < measured."""
        present = {r.label for r in self.records}
        for lab in ("estimated", "simulated", "measured"):
            if lab in present:
                return lab
        return "estimated"

    @property
    def scope(self) -> str:
        """The declared scope if there is one; else the records' one scope, or "mixed" when they differ."""
        if self.declared_scope is not None:
            return self.declared_scope
        scopes = {r.scope for r in self.records}
        return scopes.pop() if len(scopes) == 1 else ("mixed" if scopes else "per-operation")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict, with totals for readers that do not recompute them."""
        return {"inferences": self.inferences, "records": [asdict(r) for r in self.records],
                "total_J": self.total_J, "per_inference_J": self.per_inference_J,
                "by_component_J_per_inference": self.by("component"), "label": self.label, "scope": self.scope,
                "declared_scope": self.declared_scope}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Ledger":
        """Inverse of to_dict (totals are recomputed, not trusted)."""
        return cls(tuple(Record(**r) for r in data["records"]), int(data["inferences"]), data.get("declared_scope"))

    def to_json(self, path: str | Path) -> None:
        """Writes the ledger as JSON."""
        Path(path).write_text(json.dumps(self.to_dict(), indent=1, sort_keys=True) + "\n")

    @classmethod
    def from_json(cls, path: str | Path) -> "Ledger":
        """Reads a ledger written by to_json."""
        return cls.from_dict(json.loads(Path(path).read_text()))
