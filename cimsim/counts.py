"""Operation counts of analog MVMs; priced in joules by the energy ledger, not here."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields


@dataclass(frozen=True)
class OpCounts:
    """Counts of the operations one or more MVMs performed.

    Attributes:
        input_vectors: input vectors processed.
        tile_mvms: analog tile operations (one tile, one input vector).
        dac_conversions: input conversions (each tile has its own DACs).
        cell_reads: device reads (two per weight: a differential pair).
        adc_conversions: output conversions (one per differential column per tile MVM).
        digital_mults: digital multiplies (input normalization, output scaling incl. GDC).
        digital_adds: digital adds and compares (abs-max search, partial-sum accumulation, bias).
    """

    input_vectors: int = 0
    tile_mvms: int = 0
    dac_conversions: int = 0
    cell_reads: int = 0
    adc_conversions: int = 0
    digital_mults: int = 0
    digital_adds: int = 0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{f.name} must be a non-negative int, got {value!r}")

    def __add__(self, other: "OpCounts") -> "OpCounts":
        if not isinstance(other, OpCounts):
            return NotImplemented
        return OpCounts(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def scaled(self, k: int) -> "OpCounts":
        """Counts of k repetitions."""
        return OpCounts(**{f.name: getattr(self, f.name) * int(k) for f in fields(self)})

    def to_dict(self) -> dict[str, int]:
        """Plain dict for JSON."""
        return asdict(self)
