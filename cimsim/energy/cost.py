"""Cost models: operation counts -> ledger records, each with the source and label of its energy.

crossbar_ledger      the per-operation (core) ledger of a CIM design (cimsim.energy.architecture): drivers,
                     ADCs, cells, shift-adds, digital post-processing, all priced by component models at the
                     design's one node
digital_ledger       a digital MAC array at a precision and node from the cited tables (Horowitz 45 nm,
                     Jouppi 7 nm), its SRAM at the same node (CACTI, or the table scaled)
digital_mac_ledger   an INT-n MAC array at any node from the component models (Aladdin multiplier and
                     adder): the per-operation comparison at a CIM design's own node
snn_ledger           a neuromorphic chip per operation: synaptic operations, neuron updates, spikes, and the
                     input layer's MACs priced by the component models at the chip's own node
snn_chip_ledger      the same chip all-in: its per-operation ledger plus its published static power x the
                     run time (a chip without a published static number raises)

Every record priced from a table looks its entries up once (user ``tables`` first, then the built-ins) and
takes both the energy it prices and the source, label and scope it cites from those entries: an override
changes the two together. Records from the component models (cimsim.energy.components: ADCs, DACs,
adders, multipliers, SRAM) are priced by the model at the design's node and name the model instead.
"""

from __future__ import annotations

from typing import Any

from . import architecture as arch
from . import components as comp
from .ledger import Ledger, Record
from .tables import energy_entry, value_entry

NODES = {"45nm": 45e-9, "7nm": 7e-9}  # the nodes of the digital table (Horowitz 2014; Jouppi et al. 2021)
PRECISIONS = ("fp32", "fp16", "int8")
SRAM_ACCESS_BYTES = 8.0  # one 64-bit access of the sram_read_64b_* entries (Horowitz 2014)
SRAM_BYTES = 32768  # the 32 KB SRAM of Horowitz's middle entry, the digital array's weight and activation store
INT_ACCUMULATE_BITS = 32  # an n-bit integer MAC accumulates in 32 bits (int8 x int8 -> int32, as TPUs do)
# Neuromorphic chips: table keys of their per-event energies, their process node (the input layer's MACs
# are priced there), and, where published, the keys of their static power and of their time per event.
SNN_PROFILES = {
    "loihi": {"sop": "loihi_sop", "neuron_update": "loihi_neuron_update", "spike": "loihi_spike_in_tile",
              "node_m": 14e-9},  # Intel 14 nm FinFET (Davies et al. 2018)
    "truenorth": {"sop": "truenorth_event_all_in", "node_m": 28e-9},  # Samsung 28 nm (Merolla et al. 2014)
    "spinnaker2": {"sop": "spinnaker2_sop", "neuron_update": "spinnaker2_neuron_update",
                   "node_m": 22e-9},  # 22 nm FDSOI prototype (Hoppner et al. 2019)
    "odin": {"sop": "odin_sop", "neuron_update": "odin_neuron_update", "node_m": 28e-9, "static": "odin_static_W",
             "event_time": "odin_event_time_s"},  # 28 nm FDSOI (Frenkel et al. 2019)
}
SNN_INPUT_MAC_BITS = 8  # the input layer's W1 x as 8-bit integer MACs (Loihi's and ODIN's weights are <= 8 bit)


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


def _counts(**counts) -> None:
    for name, value in counts.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ValueError(f"{name} must be a number >= 0, got {value!r}")


def _profile(profile: str) -> dict[str, Any]:
    if profile not in SNN_PROFILES:
        raise ValueError(f"unknown neuromorphic profile {profile!r}; known: {', '.join(SNN_PROFILES)}")
    return SNN_PROFILES[profile]


def snn_ledger(*, sops: float, neuron_updates: float, spikes: float, input_macs: float = 0.0,
               profile: str = "loihi", inferences: int = 1, tables: tuple = ()) -> Ledger:
    """A neuromorphic chip running counted events, per operation. Profiles: loihi, truenorth, spinnaker2, odin.

    The input layer's MACs (a current-encoded input's W1 x, computed once per inference) are priced as
    SNN_INPUT_MAC_BITS-bit integer MACs (Aladdin multiply + 32-bit add) at the profile's own node.
    A profile without a neuron-update or spike number contributes none (TrueNorth's is all-in per event).
    """
    keys = _profile(profile)
    _counts(sops=sops, neuron_updates=neuron_updates, spikes=spikes, input_macs=input_macs)
    records = [_rec(f"snn/{profile}", "sop", sops, keys["sop"], tables)]
    if "neuron_update" in keys:
        records.append(_rec(f"snn/{profile}", "neuron_update", neuron_updates, keys["neuron_update"], tables))
    if "spike" in keys:
        records.append(_rec(f"snn/{profile}", "spike", spikes, keys["spike"], tables))
    if input_macs > 0:
        node = keys["node_m"]
        records += [comp.multiplier(SNN_INPUT_MAC_BITS, node).record("snn/input", "input_mult", input_macs),
                    comp.adder(INT_ACCUMULATE_BITS, node).record("snn/input", "input_add", input_macs)]
    return Ledger(tuple(records), inferences)


def snn_event_time_s(*, sops: float, neuron_updates: float, profile: str, tables: tuple = ()) -> float:
    """Run time (s) of a profile that processes its events one at a time: (SOPs + neuron updates) x its
    time per event (table key SNN_PROFILES[profile]["event_time"]); ValueError for a profile without one."""
    keys = _profile(profile)
    _counts(sops=sops, neuron_updates=neuron_updates)
    if "event_time" not in keys:
        raise ValueError(f"profile {profile!r} has no time per event in the tables; pass run_time_s")
    return (sops + neuron_updates) * value_entry(keys["event_time"], *tables)["value"]


def snn_chip_ledger(*, sops: float, neuron_updates: float, spikes: float, run_time_s: float,
                    input_macs: float = 0.0, profile: str = "odin", inferences: int = 1,
                    tables: tuple = ()) -> Ledger:
    """The neuromorphic chip all-in: ``snn_ledger`` plus the chip's published static power x ``run_time_s``
    (the run's total time, all inferences). Declared "chip all-in".

    A profile whose event energy is already chip all-in (TrueNorth: chip power / event rate) adds nothing;
    a profile without a published static power raises ValueError naming the table key a user table may
    supply (``<profile>_static_W``, a "value" in W).
    """
    keys = _profile(profile)
    _counts(run_time_s=run_time_s)
    led = snn_ledger(sops=sops, neuron_updates=neuron_updates, spikes=spikes, input_macs=input_macs,
                     profile=profile, inferences=inferences, tables=tables)
    if energy_entry(keys["sop"], *tables).get("scope") in ("all-in", "chip all-in"):  # e.g. TrueNorth's events
        return Ledger(led.records, inferences, "chip all-in")
    key = keys.get("static", f"{profile}_static_W")
    try:
        e = value_entry(key, *tables)
    except (KeyError, ValueError) as exc:
        raise ValueError(f"profile {profile!r} has no published static power: add an entry {key!r} "
                         "(value in W, with source and label) in a user table") from exc
    static = Record(f"snn/{profile}/static", "static_power", run_time_s, e["value"], e["source"], e["label"],
                    "chip all-in")
    return Ledger(led.records + (static,), inferences, "chip all-in")
