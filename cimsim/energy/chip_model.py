"""A CIM chip sized to a model: tiles for every weight, chips, area, and the energy of one inference.

The model is handed in as plain numbers: its weight x activation products (``Site``: a weight as an
n_in x n_out crossbar matrix, driven by ``vectors`` input vectors per inference) and its digital work
(``DigitalWork``: activation x activation MACs, softmax exponentials, norms, residual adds, nonlinearities,
KV-cache and activation traffic). Weights are stationary: every analog site has its own tiles,

    tiles(site) = ceil(n_in / tile_rows) * ceil(n_out * columns_per_weight / tile_cols)
    chips       = ceil(sum of tiles / tiles per chip)      (chips side by side; inter-chip links not modelled)
    area        = chips * tiles per chip * core area        (cores only: a lower bound on the die)

and one inference runs ``vectors`` MVMs on each of a site's tiles. The analog MVMs are priced by
architecture.price on the site's own counts (the same components: row drives/DTCs, ADC conversions, cell
reads, shift-adds, registers); the digital work by hwcomponents-library's Aladdin multiplier and adder at
the design's node; the activation buffer, and the KV cache where it fits on the die, as SRAM accesses
(components.sram), a KV cache of gigabytes in HBM2 off the chip (energy per bit); activations
moved between tiles as bits x hops x hop length x wire energy per bit and mm on a mesh NoC whose hop is one
core pitch, with the mean Manhattan distance between two random cores of a k x k grid, 2 (k^2 - 1) / (3 k).

Latency: layers in sequence, the sites and tiles of one layer in parallel, the vectors of a site serial on
its tiles (a convolution's output pixels and a sequence's tokens are not pipelined across layers): an
upper bound on latency, so the leakage x latency it charges is an upper bound too.

References: Le Gallo et al., Nat. Electron. 6, 680 (2023) (HERMES); Khaddam-Aljameh et al., IEEE JSSC 57
(2022) (HERMES-Core area); Park et al., DATE 2013 (NoC wire energy); docs/energy.md; docs/references.md s.13.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

from . import architecture as arch
from . import components as comp
from .ledger import Ledger, Record
from .tables import energy_entry, value_entry

CHIP = "chip all-in"


def _int(name: str, value: Any, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}")


def _num(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")


@dataclass(frozen=True)
class Site:
    """One weight x activation product of a model.

    Attributes:
        name: the product, e.g. "stage1.block0.conv1".
        layer: the layer it belongs to (breakdown and latency group by it).
        n_in: rows driven: inputs of one MVM (a convolution: c_in * kh * kw).
        n_out: outputs of one MVM (a convolution: c_out).
        vectors: input vectors per inference (dense layer: 1; convolution: output pixels; language
            model: tokens), >= 0.
        analog: on crossbar tiles (True) or left to digital units (False: counted as n_in * n_out * vectors
            MACs at the digital work's width).
    """

    name: str
    layer: str
    n_in: int
    n_out: int
    vectors: float = 1
    analog: bool = True

    def __post_init__(self) -> None:
        for f in ("name", "layer"):
            if not isinstance(getattr(self, f), str) or not getattr(self, f):
                raise ValueError(f"{f} must be a non-empty string, got {getattr(self, f)!r}")
        _int("n_in", self.n_in, 1)
        _int("n_out", self.n_out, 1)
        _num("vectors", self.vectors)
        if not isinstance(self.analog, bool):
            raise ValueError(f"analog must be a bool, got {self.analog!r}")

    @property
    def weights(self) -> int:
        return self.n_in * self.n_out


@dataclass(frozen=True)
class DigitalWork:
    """The digital work of one inference (or of one layer of it, with ``layer``).

    Attributes:
        layer: the layer it belongs to ("digital": not tied to one of the sites' layers).
        act_macs: activation x activation MACs (attention QK^T and scores x V).
        exp_elements: softmax exponentials (elements).
        norm_elements: elements normalised (layer/batch norm).
        residual_adds: residual additions (elements).
        nonlinearities: activation-function evaluations (ReLU, GELU; priced as compares).
        kv_write_bytes, kv_read_bytes: KV-cache bytes written and read.
        kv_cache_bytes: size of the KV cache (bytes; 0: none).
        kv_memory: where the KV cache lives: "sram" (on chip, priced by components.sram at its size) or
            "dram" (off chip, HBM2 at the serving table's "hbm2_J_per_bit": a cache of gigabytes does not fit
            on a die).
        moved_bytes: activation bytes moved between tiles/cores over the NoC.
        bits: width of the activation x activation multiplier and adder (8 or 16).
    """

    layer: str = "digital"
    act_macs: float = 0
    exp_elements: float = 0
    norm_elements: float = 0
    residual_adds: float = 0
    nonlinearities: float = 0
    kv_write_bytes: float = 0
    kv_read_bytes: float = 0
    kv_cache_bytes: int = 0
    moved_bytes: float = 0
    bits: int = 8
    kv_memory: str = "sram"

    def __post_init__(self) -> None:
        if not isinstance(self.layer, str) or not self.layer:
            raise ValueError(f"layer must be a non-empty string, got {self.layer!r}")
        for f in ("act_macs", "exp_elements", "norm_elements", "residual_adds", "nonlinearities",
                  "kv_write_bytes", "kv_read_bytes", "moved_bytes"):
            _num(f, getattr(self, f))
        _int("kv_cache_bytes", self.kv_cache_bytes, 0)
        if self.bits not in (8, 16) or isinstance(self.bits, bool):
            raise ValueError(f"bits must be 8 or 16, got {self.bits!r}")
        if self.kv_memory not in ("sram", "dram"):
            raise ValueError(f"kv_memory must be 'sram' or 'dram', got {self.kv_memory!r}")
        if (self.kv_write_bytes or self.kv_read_bytes) and not self.kv_cache_bytes:
            raise ValueError("kv_cache_bytes must be >= 1 where KV-cache bytes are written or read, got 0")


def _sites(sites: Sequence[Site]) -> tuple[Site, ...]:
    sites = tuple(sites)
    if not sites:
        raise ValueError("sites must not be empty")
    for s in sites:
        if not isinstance(s, Site):
            raise ValueError(f"sites must be chip_model.Site, got {s!r}")
    return sites


def site_tiles(site: Site, design: arch.CimDesign) -> tuple[int, int]:
    """(row tiles, column tiles) of one analog site, differential pairs per columns_per_weight."""
    return (math.ceil(site.n_in / design.tile_rows),
            math.ceil(site.n_out * design.converters.columns_per_weight / design.tile_cols))


def core_area_mm2(tables: tuple = ()) -> dict[str, Any]:
    """The area of one 256 x 256 core (HERMES-Core) as a table entry (value, source, label)."""
    return value_entry("hermes_core_area_mm2", *tables)


def mean_hops(tiles: int) -> float:
    """Mean Manhattan distance (hops) between two random cores of a k x k mesh, k = ceil(sqrt(tiles)):
    2 (k^2 - 1) / (3 k) (each axis: the mean |i - j| of two uniform draws from k, (k^2 - 1) / (3 k))."""
    k = math.ceil(math.sqrt(tiles))
    return 2.0 * (k * k - 1) / (3.0 * k)


def size_chip(sites: Sequence[Site], design: arch.CimDesign, *, chip_tiles: int | None = None,
              tables: tuple = ()) -> dict[str, Any]:
    """Tiles, chips, utilisation and area of ``design`` holding every analog site's weights.

    Args:
        sites: the model's weight x activation products.
        design: the chip (tile size, tiles per chip, converters.columns_per_weight).
        chip_tiles: tiles per chip (default design.n_tiles).
        tables: user tables overriding the core area.

    Returns:
        dict: "sites" (per analog site: name, layer, n_in, n_out, row_tiles, col_tiles, tiles, utilization,
        active_tile_mvms per inference), "tiles", "weights" (analog), "utilization" (used cells / cells of
        the used tiles), "chip_tiles", "chips" (ceil(tiles / chip_tiles); side by side, inter-chip links not
        modelled), "area_mm2" (chips x chip_tiles x core area), "core_area_mm2", "area_source",
        "area_label", "active_tile_mvms" (per inference), "mean_hops", "hop_mm".
    """
    sites = _sites(sites)
    n_chip = design.n_tiles if chip_tiles is None else chip_tiles
    _int("chip_tiles", n_chip, 1)
    cpw, cells = design.converters.columns_per_weight, design.tile_rows * design.tile_cols
    per = []
    for s in (s for s in sites if s.analog):
        r, c = site_tiles(s, design)
        per.append({"name": s.name, "layer": s.layer, "n_in": s.n_in, "n_out": s.n_out, "row_tiles": r,
                    "col_tiles": c, "tiles": r * c, "utilization": s.weights * cpw / (r * c * cells),
                    "active_tile_mvms": r * c * s.vectors})
    tiles = sum(p["tiles"] for p in per)
    weights = sum(p["n_in"] * p["n_out"] for p in per)
    chips = math.ceil(tiles / n_chip) if tiles else 0
    area = core_area_mm2(tables)
    return {"sites": per, "tiles": tiles, "weights": weights,
            "utilization": weights * cpw / (tiles * cells) if tiles else 0.0, "chip_tiles": n_chip, "chips": chips,
            "area_mm2": chips * n_chip * area["value"], "core_area_mm2": area["value"], "area_source": area["source"],
            "area_label": area["label"], "active_tile_mvms": sum(p["active_tile_mvms"] for p in per),
            "mean_hops": mean_hops(min(tiles, n_chip)) if tiles else 0.0, "hop_mm": math.sqrt(area["value"])}


def site_counts(site: Site, design: arch.CimDesign) -> dict[str, float]:
    """OpCounts (as a dict) of one inference of ``site``: ``vectors`` MVMs on each of its tiles, one read
    per MVM (architecture.activity expands the reads): rows driven n_in per column tile, outputs converted
    n_out * columns_per_weight per row tile, every programmed cell read."""
    r, c = site_tiles(site, design)
    cols = site.n_out * design.converters.columns_per_weight
    v = site.vectors
    return {"input_vectors": 1, "tile_mvms": r * c * v, "dac_conversions": site.n_in * c * v,
            "cell_reads": site.n_in * cols * v, "adc_conversions": cols * r * v, "digital_mults": 0,
            "digital_adds": 0}


def _check_model(sites: tuple[Site, ...], work: tuple[DigitalWork, ...]) -> list[str]:
    """The layers in order of first appearance; ValueError for a repeated site name or an unknown layer."""
    names = [s.name for s in sites]
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup is not None:
        raise ValueError(f"site names must be unique, got {dup!r} twice")
    layers = list(dict.fromkeys(s.layer for s in sites))
    for w in work:
        if not isinstance(w, DigitalWork):
            raise ValueError(f"digital_work must be chip_model.DigitalWork, got {w!r}")
        if w.layer != "digital" and w.layer not in layers:
            raise ValueError(f"digital_work layer {w.layer!r} is not a layer of the sites ({layers})")
    return layers


def _analog(site: Site, design: arch.CimDesign, tables: tuple) -> tuple[list[Record], list[Record], float]:
    """architecture.price on the site's counts: its per-operation records, its register records, and the
    leakage power of one tile (the ADCs of a tile, as price computes it)."""
    res = arch.price(site_counts(site, design), design, layers=[(site.n_in, site.n_out)], inferences=1,
                     tables=tables)
    regs = [r for r in res.chip.records if r.component == "chip/registers"]
    return list(res.core.records), regs, res.leak_W / design.n_tiles


def _buffer(sites: tuple[Site, ...], design: arch.CimDesign, chips: int, latency_s: float,
            tables: tuple) -> tuple[list[tuple[str, Record]], list]:
    """Every analog site's inputs read from and outputs written to the activation SRAM (input_bits each)."""
    dg, bits = design.digital, design.converters.input_bits
    if dg is None or not dg.buffer_bytes:
        return [], []
    rd = comp.sram(dg.buffer_bytes, dg.sram_access_bits, design.node_m, "read", model=dg.sram_model, tables=tables)
    wr = comp.sram(dg.buffer_bytes, dg.sram_access_bits, design.node_m, "write", model=dg.sram_model, tables=tables)
    out = []
    for s in (s for s in sites if s.analog):
        out += [(s.layer, rd.record("chip/buffer", "sram_read", s.n_in * s.vectors * bits / dg.sram_access_bits)),
                (s.layer, wr.record("chip/buffer", "sram_write", s.n_out * s.vectors * bits / dg.sram_access_bits))]
    if rd.leak_W:
        out.append(("chip", Record("chip/leakage", "buffer_leakage", chips * latency_s, rd.leak_W, rd.describe(),
                                   rd.label, CHIP)))
    return out, [rd, wr]


def _digital(work: DigitalWork, design: arch.CimDesign, sizing: dict, tables: tuple) -> tuple[list[Record], list]:
    """The digital work on hwcomponents-library's Aladdin units, SRAM and the NoC at the design's node."""
    node = design.node_m
    acc = design.digital.accumulator_bits if design.digital is not None else 16
    mul, add = comp.multiplier(work.bits, node), comp.adder(work.bits, node)
    mul_a, add_a = comp.multiplier(acc, node), comp.adder(acc, node)
    exp_k = value_entry("exp_mults_adds_per_element", *tables)["value"]
    norm_k = value_entry("norm_mults_adds_per_element", *tables)["value"]
    nl_k = value_entry("nonlinearity_adds_per_element", *tables)["value"]
    recs = [mul.record("digital/attention", "act_multiply", work.act_macs),
            add.record("digital/attention", "act_add", work.act_macs),
            mul_a.record("digital/softmax", "exp_multiply", work.exp_elements * exp_k),
            add_a.record("digital/softmax", "exp_add", work.exp_elements * exp_k),
            mul_a.record("digital/norm", "norm_multiply", work.norm_elements * norm_k),
            add_a.record("digital/norm", "norm_add", work.norm_elements * norm_k),
            add_a.record("digital/residual", "residual_add", work.residual_adds),
            add_a.record("digital/nonlinearity", "compare", work.nonlinearities * nl_k)]
    used = [mul, add, mul_a, add_a]
    if work.kv_cache_bytes and work.kv_memory == "dram":
        e = energy_entry("hbm2_J_per_bit", *tables)
        recs += [Record("chip/kv_cache", "dram_read_bit", work.kv_read_bytes * 8, e["energy_J"], e["source"],
                        e["label"], CHIP),
                 Record("chip/kv_cache", "dram_write_bit", work.kv_write_bytes * 8, e["energy_J"], e["source"],
                        e["label"], CHIP)]
    elif work.kv_cache_bytes:
        width = design.digital.sram_access_bits if design.digital is not None else 64
        model = design.digital.sram_model if design.digital is not None else "auto"
        rd = comp.sram(work.kv_cache_bytes, width, node, "read", model=model, tables=tables)
        wr = comp.sram(work.kv_cache_bytes, width, node, "write", model=model, tables=tables)
        used += [rd, wr]
        recs += [rd.record("chip/kv_cache", "sram_read", work.kv_read_bytes * 8 / width),
                 wr.record("chip/kv_cache", "sram_write", work.kv_write_bytes * 8 / width)]
    if work.moved_bytes:
        e = energy_entry("noc_wire_J_per_bit_mm", *tables)
        bit_mm = work.moved_bytes * 8 * sizing["mean_hops"] * sizing["hop_mm"]
        recs.append(Record("chip/noc", "bit_mm", bit_mm, e["energy_J"],
                           f"{e['source']}; {sizing['mean_hops']:.3g} mean hops x {sizing['hop_mm']:.3g} mm "
                           "per hop (core pitch)", e["label"], CHIP))
    return [r for r in recs if r.count], used


def _latency(sites: tuple[Site, ...], layers: list[str], design: arch.CimDesign) -> float:
    """Layers in sequence; a layer's sites in parallel; a site's vectors serial: max vectors x mvm_time_s."""
    per = {layer: 0.0 for layer in layers}
    for s in (s for s in sites if s.analog):
        per[s.layer] = max(per[s.layer], s.vectors * design.mvm_time_s)
    return math.fsum(per.values())


def price_model(sites: Sequence[Site], digital_work: DigitalWork | Sequence[DigitalWork], design: arch.CimDesign,
                *, chip_tiles: int | None = None, tables: tuple = ()) -> dict[str, Any]:
    """Energy and latency of one inference of a model on ``design`` sized to hold all its weights.

    Args:
        sites: the model's weight x activation products (``Site``); a non-analog site's MACs are digital.
        digital_work: one ``DigitalWork`` or one per layer.
        design: the chip at one node.
        chip_tiles: tiles per chip (default design.n_tiles).
        tables: user tables overriding built-in entries.

    Returns:
        dict: "sizing" (size_chip), "core" (Ledger, per-operation: the analog MVMs), "chip" (Ledger,
        "chip all-in": everything), "breakdown" (list of {layer, component, operation, count, energy_J,
        label, source, scope}), "by_layer_J", "by_component_J", "energy_J" (chip all-in per inference),
        "core_energy_J", "latency_s", "leak_W" (static power of the powered tiles), "lower_bound" (True:
        no control, clocking, routers or chip I/O modelled), "components".
    """
    sites = _sites(sites)
    work = (digital_work,) if isinstance(digital_work, DigitalWork) else tuple(digital_work)
    layers = _check_model(sites, work)
    sizing = size_chip(sites, design, chip_tiles=chip_tiles, tables=tables)
    latency = _latency(sites, layers, design)
    core, chip, used, tile_leak_W = [], [], [], 0.0
    for s in sites:
        if s.analog:
            recs, regs, tile_leak_W = _analog(s, design, tables)
            core += [(s.layer, r) for r in recs]
            chip += [(s.layer, r) for r in regs]
        else:
            w = DigitalWork(s.layer, act_macs=s.weights * s.vectors, bits=design.converters.input_bits)
            chip += [(s.layer, r) for r in _digital(w, design, sizing, tables)[0]]
    buf, buf_used = _buffer(sites, design, sizing["chips"], latency, tables)
    chip += buf
    for w in work:
        recs, u = _digital(w, design, sizing, tables)
        chip += [(w.layer, r) for r in recs]
        used += u + buf_used
    powered = sizing["chips"] * sizing["chip_tiles"]
    tile_s = sizing["active_tile_mvms"] * design.mvm_time_s if design.power_gating else powered * latency
    chip.append(("chip", Record("chip/leakage", "tile_leakage", tile_s, tile_leak_W,
                                "ADC leakage of architecture.price per tile x tile-seconds "
                                + ("(power gating: active tiles only)" if design.power_gating else
                                   f"({powered} tiles powered for the latency)"), "estimated", CHIP)))
    if design.static_W_per_tile or design.static_W_chip:
        chip += [("chip", Record("chip/static", "tile_static", tile_s, design.static_W_per_tile, design.static_source,
                                 "simulated", CHIP)),
                 ("chip", Record("chip/static", "chip_static", sizing["chips"] * latency, design.static_W_chip,
                                 design.static_source, "simulated", CHIP))]
    every = core + chip
    breakdown = [{"layer": lay, "component": r.component, "operation": r.operation, "count": r.count,
                  "energy_J": r.energy_J, "label": r.label, "source": r.source, "scope": r.scope} for lay, r in every]
    by_layer: dict[str, list[float]] = {}
    for lay, r in every:
        by_layer.setdefault(lay, []).append(r.energy_J)
    core_l = Ledger(tuple(r for _, r in core), 1)
    chip_l = Ledger(tuple(r for _, r in every), 1, CHIP)
    return {"sizing": sizing, "core": core_l, "chip": chip_l, "breakdown": breakdown,
            "by_layer_J": {k: math.fsum(v) for k, v in by_layer.items()}, "by_component_J": chip_l.by("component"),
            "energy_J": chip_l.per_inference_J, "core_energy_J": core_l.per_inference_J, "latency_s": latency,
            "leak_W": powered * tile_leak_W, "lower_bound": design.lower_bound,
            "components": tuple(dict.fromkeys(used))}
