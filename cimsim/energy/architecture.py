"""The CIM chip as an architecture: tiles from the mapping, costs per activated tile and per read cycle,
the input scheme as a choice, latency and throughput, at one process node.

The caller hands in plain numbers: the operation counts of the simulated MVMs (cimsim.OpCounts or its
dict) and the layer shapes; every action is priced by a component model (cimsim.energy.components) at
the design's one node. One MVM on one activated tile is R reads:

    input scheme    R (reads per MVM)          per read, per used row            per read, per column
    "bit-serial"    input_bits x phases        one 1-bit DAC drive (ISAAC DAC)   one ADC conversion
    "pulse-width"   phases                     one DTC conversion + one drive    one ADC conversion

so a bit-serial design converts once per input bit and column (the DAC and the ADC describe one circuit).
Counts as the simulator reports them without bit-serial slicing hold one read per MVM and are expanded R
times; counts of a simulation that already read bit-serially (cimsim.Slicing(input_bits_per_cycle=...))
hold every read and are taken as they are (``counts_per_read=True``).

    ADC reads      every column of every activated tile (power_gating=False: the periphery of a tile runs
                   as a whole), or only the used columns (power_gating=True)
    shift-adds     (R - 1) per used column and MVM: the partial results of the reads combined
    digital        the counts' multiplies and adds (input scaling, output scaling, partial sums, bias) on
                   ``accumulator_bits``-wide Aladdin units
    registers      one input code latched per used row and MVM, one result per used ADC read
    buffer         activations read (layer inputs) and written (layer outputs) through one SRAM
    leakage        the static power of every powered tile (its ADCs and post-processing units) and of the
                   buffer, times the latency; idle tiles leak too unless power_gating
    static         a design's published per-tile and per-chip power (control, buffers, links), times the
                   latency, where its paper tabulates it (ISAAC); a design without it is a lower bound

Ledgers: ``core`` holds the per-operation records (converters, drivers, cells, shift-adds, digital);
``chip`` adds the chip-level records and declares "chip all-in" (ledger.SCOPES).

References: Shafiee et al., ISCA 2016 (ISAAC); Le Gallo et al., Nat. Electron. 2023 (HERMES); Andrulis
et al., ISPASS 2024 (CiMLoop); docs/energy.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from . import components as comp
from .ledger import Ledger, Record
from .tables import energy_entry, value_entry

INPUT_SCHEMES = ("bit-serial", "pulse-width")


@dataclass(frozen=True)
class Converters:
    """How inputs enter the array and results leave it.

    Attributes:
        input_bits: bits of an input code.
        input_scheme: "bit-serial" (one read per input bit) or "pulse-width" (the code as one pulse width).
        phases: reads per MVM besides the bits (HERMES four-phase: 4), >= 1.
        adc_bits: ADC resolution.
        adc_model: "andrulis" (hwcomponents-adc) or "isaac" (ISAAC's SAR ADC, hwcomponents-library).
        columns_per_adc: columns one ADC converts in turn within a read (ISAAC: 128).
        columns_per_weight: columns holding one weight (bit-sliced weights; throughput only).
    """

    input_bits: int
    input_scheme: str
    phases: int
    adc_bits: int
    adc_model: str
    columns_per_adc: int
    columns_per_weight: int

    def __post_init__(self) -> None:
        for name in ("input_bits", "phases", "adc_bits", "columns_per_adc", "columns_per_weight"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an int >= 1, got {value!r}")
        if self.input_scheme not in INPUT_SCHEMES:
            raise ValueError(f"input_scheme must be one of {INPUT_SCHEMES}, got {self.input_scheme!r}")
        if self.adc_model not in comp.ADC_MODELS:
            raise ValueError(f"adc_model must be one of {comp.ADC_MODELS}, got {self.adc_model!r}")

    @property
    def reads_per_mvm(self) -> int:
        """R: array reads (and ADC conversions per column) per MVM."""
        return (self.input_bits if self.input_scheme == "bit-serial" else 1) * self.phases


@dataclass(frozen=True)
class Digital:
    """The digital periphery: post-processing width and clock, registers, the activation buffer.

    Attributes:
        clock_Hz: clock of the post-processing units (sets how many a tile needs).
        accumulator_bits: width of partial sums, shift-and-add and output scaling.
        buffer_bytes: activation SRAM of the chip (0: none modelled).
        sram_access_bits: bits per SRAM access.
        sram_model: "auto", "cacti" or "table" (cimsim.energy.components.sram).
        io_registers: latch input codes and ADC results in registers.
    """

    clock_Hz: float
    accumulator_bits: int
    buffer_bytes: int
    sram_access_bits: int
    sram_model: str = "auto"
    io_registers: bool = True

    def __post_init__(self) -> None:
        if not (isinstance(self.clock_Hz, (int, float)) and math.isfinite(self.clock_Hz) and self.clock_Hz > 0):
            raise ValueError(f"clock_Hz must be a finite number > 0, got {self.clock_Hz!r}")
        for name, low in (("accumulator_bits", 1), ("buffer_bytes", 0), ("sram_access_bits", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
        if self.sram_model not in comp.SRAM_MODELS:
            raise ValueError(f"sram_model must be one of {comp.SRAM_MODELS}, got {self.sram_model!r}")


@dataclass(frozen=True)
class CimDesign:
    """A CIM chip at one process node.

    Attributes:
        name: what to call it in tables.
        node_m: the process node of every component (m).
        tile_rows, tile_cols: array size of one tile (core).
        n_tiles: tiles on the chip.
        cycle_s: one read: one input bit (bit-serial) or one pulse window (pulse-width), conversion included.
        converters: the input scheme and the ADCs.
        digital: the digital periphery, or None: converters, drivers and cells only (no shift-adds,
            post-processing, registers or buffer are priced).
        power_gating: idle tiles and unused columns draw nothing.
        static_W_per_tile, static_W_chip: published continuous power per tile and per chip (W).
        static_source: where those come from ("" when there are none: the chip ledger is a lower bound).
    """

    name: str
    node_m: float
    tile_rows: int
    tile_cols: int
    n_tiles: int
    cycle_s: float
    converters: Converters
    digital: Digital | None = None
    power_gating: bool = False
    static_W_per_tile: float = 0.0
    static_W_chip: float = 0.0
    static_source: str = ""

    def __post_init__(self) -> None:
        comp._check_node(self.node_m)
        for name in ("tile_rows", "tile_cols", "n_tiles"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an int >= 1, got {value!r}")
        for name in ("cycle_s", "static_W_per_tile", "static_W_chip"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
        if not self.cycle_s > 0:
            raise ValueError(f"cycle_s must be > 0, got {self.cycle_s!r}")
        if self.tile_cols % self.converters.columns_per_adc:
            raise ValueError(f"tile_cols ({self.tile_cols}) must be a multiple of columns_per_adc "
                             f"({self.converters.columns_per_adc})")
        if (self.static_W_per_tile or self.static_W_chip) and not self.static_source:
            raise ValueError("a design with static power must cite it in static_source")

    @property
    def mvm_time_s(self) -> float:
        """One MVM on a tile: R reads of cycle_s."""
        return self.converters.reads_per_mvm * self.cycle_s

    @property
    def adc_rate_Sps(self) -> float:
        """Conversion rate one ADC needs: its columns within one read."""
        return self.converters.columns_per_adc / self.cycle_s

    @property
    def adcs_per_tile(self) -> int:
        return self.tile_cols // self.converters.columns_per_adc

    @property
    def peak_ops_per_s(self) -> float:
        """Every tile busy: 2 ops per weight and MVM (weights = rows x cols / columns_per_weight)."""
        weights = self.tile_rows * self.tile_cols / self.converters.columns_per_weight
        return self.n_tiles * 2.0 * weights / self.mvm_time_s

    @property
    def lower_bound(self) -> bool:
        """True when no published static power stands for control, clocking and interconnect."""
        return not self.static_source


def _counts(counts: Any) -> dict[str, float]:
    d = counts.to_dict() if hasattr(counts, "to_dict") else dict(counts)
    for k in ("input_vectors", "tile_mvms", "dac_conversions", "cell_reads", "adc_conversions", "digital_mults",
              "digital_adds"):
        value = d.get(k, 0)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise ValueError(f"count {k!r} must be a finite number >= 0, got {value!r}")
        d[k] = value
    return d


def activity(counts: Any, design: CimDesign, *, counts_per_read: bool = False) -> dict[str, float]:
    """The physical events behind ``counts`` on ``design`` (totals over the counted input vectors).

    Args:
        counts: OpCounts (or its dict) of the simulated MVMs.
        design: the chip.
        counts_per_read: the counts already hold every read (a bit-serial simulation): not expanded.
    """
    c = _counts(counts)
    R = design.converters.reads_per_mvm
    x = 1 if counts_per_read else R
    used_adc = c["adc_conversions"] * x
    rows = c["dac_conversions"] * x
    tile_reads = c["tile_mvms"] * x
    return {
        "reads_per_mvm": R,
        "tile_reads": tile_reads,
        "tile_mvms": tile_reads / R,
        "row_drives": rows,
        "dtc_conversions": rows if design.converters.input_scheme == "pulse-width" else 0,
        "adc_reads": used_adc if design.power_gating else tile_reads * design.tile_cols,
        "adc_reads_used": used_adc,
        "shift_adds": 0 if counts_per_read else c["adc_conversions"] * (R - 1),
        "cell_reads": c["cell_reads"] * x,
        "input_latches": rows / R,
        "output_latches": used_adc,
        "digital_mults": c["digital_mults"],
        "digital_adds": c["digital_adds"],
    }


def mapping(layers: Sequence[tuple[int, int]], design: CimDesign) -> dict[str, Any]:
    """Tiles per layer (n_in rows x n_out x columns_per_weight columns) and the share of their cells used."""
    per, used, total = [], 0, 0
    cpw = design.converters.columns_per_weight
    for n_in, n_out in layers:
        if isinstance(n_in, bool) or isinstance(n_out, bool) or int(n_in) != n_in or int(n_out) != n_out \
                or n_in < 1 or n_out < 1:
            raise ValueError(f"layers must be (n_in, n_out) pairs of ints >= 1, got {(n_in, n_out)!r}")
        tiles = math.ceil(n_in / design.tile_rows) * math.ceil(n_out * cpw / design.tile_cols)
        per.append({"n_in": int(n_in), "n_out": int(n_out), "tiles": tiles,
                    "utilization": n_in * n_out * cpw / (tiles * design.tile_rows * design.tile_cols)})
        used += n_in * n_out * cpw
        total += tiles * design.tile_rows * design.tile_cols
    if not per:
        raise ValueError("layers must not be empty")
    return {"layers": per, "tiles": sum(p["tiles"] for p in per), "utilization": used / total,
            "fits": sum(p["tiles"] for p in per) <= design.n_tiles}


@dataclass(frozen=True)
class CimResult:
    """A design priced on a workload: the two ledgers, the events, time and the components used."""

    design: CimDesign
    core: Ledger
    chip: Ledger
    activity: dict
    mapping: dict
    latency_s: float
    leak_W: float  # static power of all tiles of the chip (W), whether or not the workload keeps them powered
    components: tuple

    @property
    def lower_bound(self) -> bool:
        return self.design.lower_bound

    def to_dict(self) -> dict[str, Any]:
        d = self.design
        return {"design": {"name": d.name, "node_m": d.node_m, "tile_rows": d.tile_rows, "tile_cols": d.tile_cols,
                           "n_tiles": d.n_tiles, "cycle_s": d.cycle_s, "mvm_time_s": d.mvm_time_s,
                           "input_bits": d.converters.input_bits, "input_scheme": d.converters.input_scheme,
                           "phases": d.converters.phases, "reads_per_mvm": d.converters.reads_per_mvm,
                           "adc_bits": d.converters.adc_bits, "adc_model": d.converters.adc_model,
                           "columns_per_adc": d.converters.columns_per_adc, "adc_rate_Sps": d.adc_rate_Sps,
                           "power_gating": d.power_gating, "peak_ops_per_s": d.peak_ops_per_s,
                           "static_source": d.static_source},
                "core": self.core.to_dict(), "chip": self.chip.to_dict(), "activity": self.activity,
                "mapping": self.mapping, "latency_s": self.latency_s, "leak_W": self.leak_W,
                "lower_bound": self.lower_bound, "components": [c.to_dict() for c in self.components]}


def price(counts: Any, design: CimDesign, *, layers: Sequence[tuple[int, int]], cell_read_J: float | None = None,
          inferences: int | None = None, counts_per_read: bool = False, tables: tuple = ()) -> CimResult:
    """Prices ``counts`` on ``design``: the core (per-operation) and the chip (all-in) ledgers.

    Args:
        counts: OpCounts (or dict) of the MVMs of ``inferences`` input vectors.
        design: the chip.
        layers: (n_in, n_out) of the layers one input vector passes in turn (latency, buffer traffic).
        cell_read_J: energy of one cell read (a simulated V^2 G t); default the table's example.
        inferences: input vectors covered (default: the counts' input_vectors).
        counts_per_read: see ``activity``.
        tables: user tables overriding the built-in entries.
    """
    a = activity(counts, design, counts_per_read=counts_per_read)
    n = int(inferences if inferences is not None else max(1, _counts(counts)["input_vectors"]))
    cv, dg, node = design.converters, design.digital, design.node_m
    adc = comp.adc(cv.adc_bits, design.adc_rate_Sps, node, cv.adc_model)
    drive = comp.dac_bit(node)
    used = [adc, drive]
    core = [drive.record("crossbar/input", "row_drive", a["row_drives"]),
            adc.record("crossbar/adc", "adc_conversion", a["adc_reads"])]
    if a["dtc_conversions"]:
        dtc = comp.dtc(cv.input_bits, node)
        used.append(dtc)
        core.append(dtc.record("crossbar/input", "dtc_conversion", a["dtc_conversions"]))
    if cell_read_J is None:
        e = energy_entry("cell_read_example", *tables)
        core.append(Record("crossbar/array", "cell_read", a["cell_reads"], e["energy_J"], e["source"], e["label"]))
    else:
        core.append(Record("crossbar/array", "cell_read", a["cell_reads"], cell_read_J,
                           "V^2 G t from the simulated voltages and conductances", "simulated"))
    chip = []
    post = []
    if dg is not None:
        if a["digital_mults"] or a["digital_adds"]:  # post-processing units exist where there is work for them
            mult, add = comp.multiplier(dg.accumulator_bits, node), comp.adder(dg.accumulator_bits, node)
            post = [mult, add]
            used += post
            core += [mult.record("crossbar/digital", "multiply", a["digital_mults"]),
                     add.record("crossbar/digital", "add", a["digital_adds"])]
        if a["shift_adds"]:
            sa = comp.shift_add(dg.accumulator_bits, node)
            used.append(sa)
            core.append(sa.record("crossbar/shift_add", "shift_add", a["shift_adds"]))
        if dg.io_registers:
            r_in, r_out = comp.register(cv.input_bits, node), comp.register(cv.adc_bits, node)
            used += [r_in, r_out]
            chip += [r_in.record("chip/registers", "input_latch", a["input_latches"]),
                     r_out.record("chip/registers", "output_latch", a["output_latches"])]
    latency = len(mapping(layers, design)["layers"]) * design.mvm_time_s
    units = math.ceil(design.tile_cols / (dg.clock_Hz * design.mvm_time_s)) if post else 0
    tile_leak = design.adcs_per_tile * adc.leak_W + units * sum(p.leak_W for p in post)
    tile_time = (a["tile_mvms"] * design.mvm_time_s) if design.power_gating else design.n_tiles * latency * n
    leak = [f"{design.adcs_per_tile} ADCs x {adc.leak_W:.3g} W + {units} post-processing units per tile"]
    if dg is not None and dg.buffer_bytes:
        rd = comp.sram(dg.buffer_bytes, dg.sram_access_bits, node, "read", model=dg.sram_model, tables=tables)
        wr = comp.sram(dg.buffer_bytes, dg.sram_access_bits, node, "write", model=dg.sram_model, tables=tables)
        used += [rd, wr]
        bits_in = sum(i for i, _ in layers) * cv.input_bits * n
        bits_out = sum(o for _, o in layers) * cv.input_bits * n
        chip += [rd.record("chip/buffer", "sram_read", bits_in / dg.sram_access_bits),
                 wr.record("chip/buffer", "sram_write", bits_out / dg.sram_access_bits)]
        if rd.leak_W:
            chip.append(Record("chip/leakage", "buffer_leakage", latency * n, rd.leak_W, rd.describe(), rd.label,
                               "chip all-in"))
    leak.append("active tiles only (power gating)" if design.power_gating else f"all {design.n_tiles} tiles powered")
    chip.append(Record("chip/leakage", "tile_leakage", tile_time, tile_leak,
                       "; ".join(leak) + "; leakage powers of the component models above", "estimated", "chip all-in"))
    if design.static_W_per_tile or design.static_W_chip:
        tiles_on = a["tile_mvms"] * design.mvm_time_s if design.power_gating else design.n_tiles * latency * n
        chip += [Record("chip/static", "tile_static", tiles_on, design.static_W_per_tile, design.static_source,
                        "simulated", "chip all-in"),
                 Record("chip/static", "chip_static", latency * n, design.static_W_chip, design.static_source,
                        "simulated", "chip all-in")]
    core_ledger = Ledger(tuple(core), n)
    chip_ledger = Ledger(tuple(core) + tuple(chip), n, "chip all-in")
    leak_W = design.n_tiles * tile_leak
    return CimResult(design, core_ledger, chip_ledger, a, mapping(layers, design), latency, leak_W,
                     tuple(dict.fromkeys(used)))


# --- designs from the chips table ------------------------------------------------------------------------

def _v(key: str, tables: tuple) -> float:
    return value_entry(key, *tables)["value"]


def _i(key: str, tables: tuple) -> int:
    return int(round(_v(key, tables)))


def digital_periphery(*, sram_model: str = "auto", io_registers: bool = True, tables: tuple = ()) -> Digital:
    """The digital periphery of a modelled design from the chips table's estimates."""
    return Digital(_v("digital_clock_Hz", tables), _i("accumulator_bits", tables),
                   _i("activation_buffer_bytes", tables), _i("sram_access_bits", tables), sram_model, io_registers)


def hermes_like(*, input_scheme: str = "pulse-width", phases: int = 1, adc_model: str = "andrulis",
                power_gating: bool = False, sram_model: str = "auto", tables: tuple = ()) -> CimDesign:
    """A PCM chip with IBM HERMES's published organisation (Le Gallo et al. 2023): 64 cores of 256 x 256 in
    14 nm, 8-bit inputs, one 8-bit ADC per column, one read in 133 ns; priced by the component models (no
    published control or clocking power: a lower bound on the chip)."""
    bits = _i("hermes_input_bits", tables)
    cycle = _v("hermes_mvm_time_s", tables) / (bits if input_scheme == "bit-serial" else 1)
    return CimDesign(f"PCM, HERMES-like ({_v('hermes_node_m', tables) * 1e9:g} nm, {input_scheme})",
                     _v("hermes_node_m", tables), _i("hermes_core_rows", tables), _i("hermes_core_cols", tables),
                     _i("hermes_cores", tables), cycle,
                     Converters(bits, input_scheme, phases, _i("hermes_adc_bits", tables), adc_model, 1, 1),
                     digital_periphery(sram_model=sram_model, tables=tables), power_gating)


def isaac(*, tables: tuple = ()) -> CimDesign:
    """ISAAC (Shafiee et al., ISCA 2016, Table 1) with one 128 x 128 crossbar per tile of this model: 16-bit
    inputs bit-serially, 8-bit ADCs shared by 128 columns at 1.28 GS/s (a 100 ns read), 16-bit weights on
    8 two-bit cells. ADC, DAC and shift-and-add come from hwcomponents-library's ISAAC models; the
    components it has no model for (arrays, S+H, input/output registers; eDRAM, bus, router, sigmoid,
    max-pool and tile registers per tile; HyperTransport per chip) are ISAAC's tabulated powers."""
    cols = _i("isaac_crossbar_cols", tables)
    per_ima = ("isaac_crossbar_W_per_ima", "isaac_sample_hold_W_per_ima", "isaac_input_register_W_per_ima",
               "isaac_output_register_W_per_ima")
    per_tile = ("isaac_edram_W_per_tile", "isaac_bus_W_per_tile", "isaac_router_W_per_tile",
                "isaac_sigmoid_W_per_tile", "isaac_tile_shift_add_W_per_tile", "isaac_maxpool_W_per_tile",
                "isaac_tile_output_register_W_per_tile")
    xbars, imas = _i("isaac_crossbars_per_ima", tables), _i("isaac_imas_per_tile", tables)
    static = (sum(_v(k, tables) for k in per_ima) / xbars + sum(_v(k, tables) for k in per_tile) / (xbars * imas))
    slices = _i("isaac_weight_bits", tables) // _i("isaac_cell_bits", tables)
    digital = Digital(_v("digital_clock_Hz", tables), _i("accumulator_bits", tables), 0, _i("sram_access_bits", tables),
                      io_registers=False)
    return CimDesign("ISAAC (32 nm)", _v("isaac_node_m", tables), _i("isaac_crossbar_rows", tables), cols,
                     _i("isaac_tiles", tables) * imas * xbars, cols / _v("isaac_adc_rate_Sps", tables),
                     Converters(_i("isaac_input_bits", tables), "bit-serial", 1, _i("isaac_adc_bits", tables), "isaac",
                                cols, slices),
                     digital, False, static, _v("isaac_hypertransport_W", tables),
                     "Shafiee et al., ISCA 2016 (ISAAC) Table 1: arrays, S+H, IR, OR per IMA; eDRAM, bus, router, "
                     "sigmoid, S+A, max-pool, OR per tile; HyperTransport per chip")


def measured_chip(tile_mvms: float, *, inferences: int, mode: str = "one_phase", tables: tuple = ()) -> Ledger:
    """IBM HERMES's measured all-in efficiency charged per activated core-MVM (a core runs a whole 256 x 256
    MVM whatever share of it the workload fills): count = core-MVMs, energy = 2 x rows x cols ops at the
    measured energy per op. Idle cores are not charged: a lower bound for a workload that leaves most of
    the 64 cores idle."""
    if mode not in ("one_phase", "four_phase"):
        raise ValueError(f"mode must be 'one_phase' or 'four_phase', got {mode!r}")
    e = energy_entry(f"hermes_all_in_per_op_{mode}", *tables)
    ops = 2.0 * _v("hermes_core_rows", tables) * _v("hermes_core_cols", tables)
    source = f"{e['source']}; x {ops:.0f} ops per activated core-MVM"
    return Ledger((Record("chip/core_mvm", "core_mvm", tile_mvms, e["energy_J"] * ops, source, e["label"],
                          "chip all-in"),), inferences, "chip all-in")


def counts_of_full_mvms(design: CimDesign, tiles: int, *, cell_reads: bool = True) -> dict[str, int]:
    """OpCounts (as a dict) of one MVM on each of ``tiles`` fully used tiles, one read per MVM (no cell
    reads with ``cell_reads=False``: for a design whose array power is tabulated)."""
    return {"input_vectors": 1, "tile_mvms": tiles, "dac_conversions": tiles * design.tile_rows,
            "cell_reads": tiles * design.tile_rows * design.tile_cols if cell_reads else 0,
            "adc_conversions": tiles * design.tile_cols, "digital_mults": 0, "digital_adds": 0}


def by_scope(result: CimResult) -> Mapping[str, float]:
    """Energy per inference of the core (per-operation) and of the chip (all-in)."""
    return {"per-operation": result.core.per_inference_J, "chip all-in": result.chip.per_inference_J}
