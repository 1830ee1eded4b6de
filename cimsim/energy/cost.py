"""Cost models: operation counts -> ledger records, each with the source and label of its energy.

crossbar_ledger      the per-operation (core) ledger of a CIM design (cimsim.energy.architecture): drivers,
                     ADCs, cells, shift-adds, digital post-processing, all priced by component models at the
                     design's one node
digital_ledger       a digital MAC array at a precision and node from the cited tables (Horowitz 45 nm,
                     Jouppi 7 nm), its SRAM at the same node (CACTI, or the table scaled)
digital_mac_ledger   an INT-n MAC array at any node from the component models (Aladdin multiplier and
                     adder): the per-operation comparison at a CIM design's own node
snn_ledger           a neuromorphic chip: synaptic operations, neuron updates, spikes, input-layer MACs

Every record looks its table entries up once (user ``tables`` first, then the built-ins) and takes both the
energy it prices and the source, label and scope it cites from those entries: an override changes the two
together.
"""

from __future__ import annotations

from typing import Any

from . import architecture as arch
from . import components as comp
from .ledger import Ledger, Record
from .tables import energy_entry

NODES = {"45nm": 45e-9, "7nm": 7e-9}  # the nodes of the digital table (Horowitz 2014; Jouppi et al. 2021)
PRECISIONS = ("fp32", "fp16", "int8")
SRAM_ACCESS_BYTES = 8.0  # one 64-bit access of the sram_read_64b_* entries (Horowitz 2014)
SRAM_BYTES = 32768  # the 32 KB SRAM of Horowitz's middle entry, the digital array's weight and activation store
INT_ACCUMULATE_BITS = 32  # an n-bit integer MAC accumulates in 32 bits (int8 x int8 -> int32, as TPUs do)
SNN_PROFILES = {
    "loihi": {"sop": "loihi_sop", "neuron_update": "loihi_neuron_update", "spike": "loihi_spike_in_tile"},
    "truenorth": {"sop": "truenorth_event_all_in"},
    "spinnaker2": {"sop": "spinnaker2_sop", "neuron_update": "spinnaker2_neuron_update"},
    "odin": {"sop": "odin_sop"},
}


def _rec(component: str, operation: str, count: float, key: str, tables: tuple) -> Record:
    """One record priced from, and citing, the same table entry (looked up once, user tables first)."""
    e = energy_entry(key, *tables)
    return Record(component, operation, count, e["energy_J"], e["source"], e["label"], e.get("scope", "per-operation"))


def crossbar_ledger(counts: Any, *, design: arch.CimDesign | None = None, layers=None,
                    cell_read_J: float | None = None, inferences: int | None = None, counts_per_read: bool = False,
                    tables: tuple = ()) -> Ledger:
    """The per-operation (core) ledger of ``counts`` on a CIM design: row drives (and DTCs), ADC
    conversions, cell reads, shift-adds and digital post-processing, each priced by a component model at
    the design's node (cimsim.energy.architecture.price; its ``chip`` ledger adds the chip-level costs).

    Args:
        counts: OpCounts (or dict) of the MVMs of all layers of all inferences.
        design: the chip (default: architecture.hermes_like(), 14 nm, pulse-width inputs).
        layers: (n_in, n_out) per layer (only the chip ledger needs them; default one full tile).
        cell_read_J: energy per cell read (a simulated V^2 G t); default the table's example.
        inferences: inferences covered (default: the counts' input_vectors).
        counts_per_read: the counts already hold every read of a bit-serial simulation.
        tables: user tables overriding built-in entries.
    """
    design = design if design is not None else arch.hermes_like(tables=tables)
    layers = layers if layers is not None else [(design.tile_rows, design.tile_cols)]
    return arch.price(counts, design, layers=layers, cell_read_J=cell_read_J, inferences=inferences,
                      counts_per_read=counts_per_read, tables=tables).core


def digital_ledger(macs: float, *, precision: str = "int8", node: str = "7nm", weight_bytes: float = 0.0,
                   activation_bytes: float = 0.0, inferences: int = 1, sram_model: str = "auto",
                   tables: tuple = ()) -> Ledger:
    """A digital MAC array: one multiply and one add per MAC from the digital table (Horowitz 45 nm or
    Jouppi 7 nm), weights and activations from a 32 KB SRAM at the same node (components.sram)."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    if node not in NODES:
        raise ValueError(f"node must be one of {tuple(NODES)}, got {node!r}")
    records = [_rec("digital/compute", f"{precision}_mult", macs, f"{precision}_mult_{node}", tables),
               _rec("digital/compute", f"{precision}_add", macs, f"{precision}_add_{node}", tables)]
    if weight_bytes + activation_bytes > 0:
        sram = comp.sram(SRAM_BYTES, int(8 * SRAM_ACCESS_BYTES), NODES[node], "read", model=sram_model, tables=tables)
        accesses = (weight_bytes + activation_bytes) / SRAM_ACCESS_BYTES
        records.append(sram.record("digital/sram", "sram_64b_access", accesses))
    return Ledger(tuple(records), inferences)


def digital_mac_ledger(macs: float, *, bits: int = 8, node_m: float, weight_bytes: float = 0.0,
                       activation_bytes: float = 0.0, inferences: int = 1, sram_model: str = "auto",
                       tables: tuple = ()) -> Ledger:
    """An integer MAC array at ``node_m`` from the component models: per MAC one ``bits`` x ``bits``
    multiply (Aladdin multiplier) and one 32-bit accumulate (Aladdin adder); weights and activations from
    a 32 KB SRAM at the same node (components.sram), 64-bit accesses."""
    mult, add = comp.multiplier(bits, node_m), comp.adder(INT_ACCUMULATE_BITS, node_m)
    records = [mult.record("digital/compute", f"int{bits}_mult", macs),
               add.record("digital/compute", f"int{INT_ACCUMULATE_BITS}_add", macs)]
    if weight_bytes + activation_bytes > 0:
        sram = comp.sram(SRAM_BYTES, int(8 * SRAM_ACCESS_BYTES), node_m, "read", model=sram_model, tables=tables)
        accesses = (weight_bytes + activation_bytes) / SRAM_ACCESS_BYTES
        records.append(sram.record("digital/sram", "sram_64b_access", accesses))
    return Ledger(tuple(records), inferences)


def snn_ledger(*, sops: float, neuron_updates: float, spikes: float, input_macs: float = 0.0,
               profile: str = "loihi", inferences: int = 1, tables: tuple = ()) -> Ledger:
    """A neuromorphic chip running counted events. Profiles: loihi, truenorth, spinnaker2, odin.

    Input-layer analog MACs (rate-coded inputs injected as currents) are priced as 45 nm MACs.
    A profile without a neuron-update or spike number contributes none (TrueNorth's is all-in per event).
    """
    if profile not in SNN_PROFILES:
        raise ValueError(f"unknown neuromorphic profile {profile!r}; known: {', '.join(SNN_PROFILES)}")
    for name, value in (("sops", sops), ("neuron_updates", neuron_updates), ("spikes", spikes),
                        ("input_macs", input_macs)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ValueError(f"{name} must be a number >= 0, got {value!r}")
    keys = SNN_PROFILES[profile]
    records = [_rec(f"snn/{profile}", "sop", sops, keys["sop"], tables)]
    if "neuron_update" in keys:
        records.append(_rec(f"snn/{profile}", "neuron_update", neuron_updates, keys["neuron_update"], tables))
    if "spike" in keys:
        records.append(_rec(f"snn/{profile}", "spike", spikes, keys["spike"], tables))
    if input_macs > 0:
        records.append(_rec("snn/input", "input_mac", input_macs, "snn_mac_45nm", tables))
    return Ledger(tuple(records), inferences)
