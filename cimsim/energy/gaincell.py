"""Energy and latency of gain-cell analog attention (Leroux et al., Nat. Comput. Sci. 5:813, 2025), per head
and token, from circuit parameters; the GPU running the same attention step, from the roofline.

One head holds its sliding window of ``window`` keys and values in gain-cell tiles of ``tile_keys`` rows x
``head_dim`` columns (the study: 1024 keys, 16 tiles of 64 x 64 for K and 16 for V). Per generated token:

    phi(QK^T)  each key row integrates its cells' currents during the query pulses on a capacitor sized
               for the HardSigmoid's saturation, C = S_sat I_unit T_max / V_DD, and is precharged from
               V_DD: full scale, window x S_sat I_unit T_max V_DD (no fitted parameter);
    phi(S)V    each tile's output column integrates likewise up to the output's full scale (out_scale
               units, the study's divisor 40) and is converted by a 5-bit ADC (32 output levels), component
               model hwcomponents_library.IsaacADC at ``node_m``: n_tiles x head_dim x (full-scale charge
               x V_DD + one conversion);
    DAC        the query's pulse generators, one per tile column (n_tiles x head_dim): a digital-to-time
               conversion (TimelyDTC, ``q_bits``) and the charge of a read word line across the tile's
               keys, tile_keys x c_port_F x V_DD^2;
    digital    the adder tree over tiles ((n_tiles - 1) x head_dim adds), the per-head output scaler
               (head_dim multiplies and adds), the ADC result latches (Aladdin models), and routing: the
               bits moved (query to every tile, tile outputs to the adders, K and V codes to their row)
               times ``route_mm`` of wire at c_wire_F_per_mm x V_DD^2 x activity per bit and mm;
    write      the new token's K and V row, 2 x head_dim cells: storage node plus write bit line, C V_DD^2;
    refresh    cells whose life in the window (window x token period) outlasts the refresh period are
               read back (a kv_bits conversion, IsaacADC) and rewritten floor(window x token period /
               refresh period) times: that many rows' read-backs and writes per token.

Labels: entries are "estimated" (a model of a design not built); the study's own entries are "simulated".
Two parameters were not in the sources cimsim could read and are calibrated to the study's table:
``c_port_F`` (the DAC entry) and ``route_mm`` (the digital entry); the other two entries follow from the
study's S_sat, out_scale, T_max and V_DD with no fitted parameter. docs/references.md s.15.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from . import components
from .gpu import GPU, roofline
from .ledger import Ledger, Record

SOURCE = "Leroux et al., Nat. Comput. Sci. 5:813 (2025)"
STUDY_ENTRIES_J = {"phi_qk": 1.12e-9, "phi_sv": 0.70e-9, "digital": 4.0e-9, "dac": 0.33e-9}
"""The study's ledger per head and token (code utils/plot_energy.py; simulated)."""
STUDY_LATENCY_S = 65e-9  # the study: attention latency per token (simulated)
STUDY_HEADS = 12  # GPT-2: the study's per-token totals are for 12 heads (one layer)
STUDY_GPU_MEASURED = {
    "rtx4090": {"energy_J": 7.178e-3, "latency_s": 22.37e-6},
    "jetson-nano": {"energy_J": 3.246e-3, "latency_s": 488.9e-6},
}
"""The study's GPU baselines per token (measured: NVML / jtop power above idle x time, divided by 64
sequences x 1024 steps; unfused PyTorch float32 decode with a 1024-token KV cache, 12 heads of 64)."""
STUDY_GPU_BATCH = 64
STUDY_GPU_PRECISION = "fp32"  # torch.rand's default dtype in the study's benchmark


@dataclass(frozen=True)
class GainCellMacro:
    """One head's gain-cell attention macro. Defaults: the study's GPT-2 settings.

    Args:
        window: keys held (sliding window), a multiple of ``tile_keys``.
        head_dim: columns (the head dimension D).
        tile_keys: rows (keys) per tile.
        t_max_s: longest input pulse (the study: 15 ns).
        v_dd_V: supply and read voltage (the study: 0.9 V).
        i_unit_A: current of one unit of the cell transfer's output (the study's fit is in uA).
        s_sat: HardSigmoid saturation (the study: 80 units).
        out_scale: full scale of a tile output (the study divides by 40 before clamping to [-1, 1]).
        q_bits: query pulse-width resolution (16 levels: 4 bits).
        out_bits: output ADC resolution (32 levels: 5 bits).
        kv_bits: K/V write resolution (8 levels: 3 bits).
        node_m: process node of the periphery (28 nm, estimated: the node of the group's gain-cell circuit
            simulations, arXiv 2410.09755).
        c_port_F: read-port capacitance per cell on a word line (calibrated to the study's DAC entry).
        c_store_F: storage-node capacitance (estimated, as GainCellDevice).
        c_wbl_per_cell_F: write-bit-line capacitance per cell (estimated: junction and wire).
        c_wire_F_per_mm: on-chip wire capacitance (0.2 pF/mm, estimated: a typical intermediate metal).
        wire_activity: fraction of bits that toggle.
        route_mm: mean wire length per bit moved (calibrated to the study's digital entry).
        clock_Hz: digital clock (1 GHz, estimated).
        t_write_s: time to write the new token's K and V row (estimated).
        refresh_period_s: the device's refresh period (inf: never refreshed; GainCellDevice.refresh_period_s).
        token_period_s: time between tokens (None: this macro's latency).
    """

    window: int = 1024
    head_dim: int = 64
    tile_keys: int = 64
    t_max_s: float = 15e-9
    v_dd_V: float = 0.9
    i_unit_A: float = 1e-6
    s_sat: float = 80.0
    out_scale: float = 40.0
    q_bits: int = 4
    out_bits: int = 5
    kv_bits: int = 3
    node_m: float = 28e-9
    c_port_F: float = 6.0e-15
    c_store_F: float = 1e-15
    c_wbl_per_cell_F: float = 0.1e-15
    c_wire_F_per_mm: float = 0.2e-12
    wire_activity: float = 0.5
    route_mm: float = 4.9
    clock_Hz: float = 1e9
    t_write_s: float = 10e-9
    refresh_period_s: float = math.inf
    token_period_s: float | None = None

    def __post_init__(self) -> None:
        for name in ("window", "head_dim", "tile_keys", "q_bits", "out_bits", "kv_bits"):
            val = getattr(self, name)
            if isinstance(val, bool) or not isinstance(val, int) or val < 1:
                raise ValueError(f"{name} must be an int >= 1, got {val!r}")
        if self.window % self.tile_keys:
            raise ValueError(f"window ({self.window}) must be a multiple of tile_keys ({self.tile_keys})")
        for name in ("t_max_s", "v_dd_V", "i_unit_A", "s_sat", "out_scale", "node_m", "c_port_F", "c_store_F",
                     "c_wire_F_per_mm", "clock_Hz"):
            val = getattr(self, name)
            if isinstance(val, bool) or not isinstance(val, (int, float)) or not math.isfinite(val) or val <= 0:
                raise ValueError(f"{name} must be a finite number > 0, got {val!r}")
        for name in ("c_wbl_per_cell_F", "route_mm", "t_write_s"):
            val = getattr(self, name)
            if isinstance(val, bool) or not isinstance(val, (int, float)) or not math.isfinite(val) or val < 0:
                raise ValueError(f"{name} must be a finite number >= 0, got {val!r}")
        if not 0.0 <= self.wire_activity <= 1.0:
            raise ValueError(f"wire_activity must be in [0, 1], got {self.wire_activity}")
        if not (isinstance(self.refresh_period_s, (int, float)) and self.refresh_period_s > 0):
            raise ValueError(f"refresh_period_s must be > 0 (inf for never), got {self.refresh_period_s!r}")
        if self.token_period_s is not None and not (isinstance(self.token_period_s, (int, float))
                                                    and math.isfinite(self.token_period_s) and self.token_period_s > 0):
            raise ValueError(f"token_period_s must be a finite number > 0 or None, got {self.token_period_s!r}")

    @property
    def n_tiles(self) -> int:
        """Tiles of K (and as many of V) per head."""
        return self.window // self.tile_keys

    def latency_parts_s(self) -> dict[str, float]:
        """Per-token phases: write the new K/V row, the query pulses (T_max), the HardSigmoid pulses (T_max),
        the output conversion (one clock per bit, SAR) and the adder tree and scaler (one clock per level
        and two for the scaler)."""
        adder_levels = math.ceil(math.log2(self.n_tiles)) if self.n_tiles > 1 else 0
        return {"write": self.t_write_s, "qk_pulses": self.t_max_s, "phi_pulses": self.t_max_s,
                "adc": self.out_bits / self.clock_Hz, "digital": (adder_levels + 2) / self.clock_Hz}

    def latency_s(self) -> float:
        """Latency per token (s); the heads run in parallel."""
        return sum(self.latency_parts_s().values())

    def refreshes_per_row(self) -> int:
        """Rewrites of a row during its life in the window."""
        period = self.latency_s() if self.token_period_s is None else self.token_period_s
        if math.isinf(self.refresh_period_s):
            return 0
        return int(math.floor(self.window * period / self.refresh_period_s))

    def ledger(self, heads: int = 1) -> Ledger:
        """Energy per token for ``heads`` heads (the study's totals: 12), per operation."""
        if isinstance(heads, bool) or not isinstance(heads, int) or heads < 1:
            raise ValueError(f"heads must be an int >= 1, got {heads!r}")
        n, D, vdd = self.n_tiles, self.head_dim, self.v_dd_V
        unit_q = self.i_unit_A * self.t_max_s  # charge of one output unit over a full pulse (C)
        adc = components.adc(self.out_bits, self.clock_Hz / self.out_bits, self.node_m, "isaac")
        dtc = components.dtc(self.q_bits, self.node_m)
        sum_width = self.out_bits + max(1, math.ceil(math.log2(max(n, 2))))
        add = components.adder(sum_width, self.node_m)
        mul = components.multiplier(8, self.node_m)
        reg = components.register(self.out_bits, self.node_m)
        wire_J_per_bit = self.c_wire_F_per_mm * self.route_mm * vdd ** 2 * self.wire_activity
        bits = D * self.q_bits * n + n * D * self.out_bits + 2 * D * self.kv_bits
        e_write = (self.c_store_F + self.tile_keys * self.c_wbl_per_cell_F) * vdd ** 2
        est = "estimated"
        h = heads
        recs = [
            Record("gain-cell/phi_qk", "row integrate (full scale S_sat)", h * self.window, self.s_sat * unit_q * vdd,
                   f"{SOURCE}: S_sat, T_max, V_DD; C = S_sat I T_max / V_DD precharged", est),
            Record("gain-cell/phi_sv", "column integrate (full scale)", h * n * D, self.out_scale * unit_q * vdd,
                   f"{SOURCE}: output divisor, T_max, V_DD", est),
            Record("gain-cell/phi_sv", "adc_conversion", h * n * D, adc.energy_J, adc.source, adc.label),
            Record("gain-cell/dac", "query pulse (DTC)", h * n * D, dtc.energy_J, dtc.source, dtc.label),
            Record("gain-cell/dac", "word line charge", h * n * D, self.tile_keys * self.c_port_F * vdd ** 2,
                   "c_port_F calibrated to the study's DAC entry", est),
            Record("gain-cell/digital", "tile sum add", h * (n - 1) * D, add.energy_J, add.source, add.label),
            Record("gain-cell/digital", "output scaler multiply", h * D, mul.energy_J, mul.source, mul.label),
            Record("gain-cell/digital", "output scaler add", h * D, add.energy_J, add.source, add.label),
            Record("gain-cell/digital", "adc result latch", h * n * D, reg.energy_J, reg.source, reg.label),
            Record("gain-cell/digital", "routing bit", h * bits, wire_J_per_bit,
                   "route_mm calibrated to the study's digital entry; c_wire 0.2 pF/mm estimated", est),
            Record("gain-cell/write", "K/V cell write", h * 2 * D, e_write, "C V_DD^2 (formula); capacitances estimated", est),
        ]
        r = self.refreshes_per_row()
        if r:  # a refresh reads the cell back (a kv_bits conversion) and rewrites it
            sense = components.adc(self.kv_bits, self.clock_Hz / self.kv_bits, self.node_m, "isaac")
            recs.append(Record("gain-cell/refresh", "K/V cell read-back", h * 2 * D * r, sense.energy_J, sense.source,
                               sense.label))
            recs.append(Record("gain-cell/refresh", "K/V cell rewrite", h * 2 * D * r, e_write,
                               "C V_DD^2 per rewrite; refresh period from the device's retention", est))
        return Ledger(tuple(recs))

    def entries_J(self, heads: int = 1) -> dict[str, float]:
        """Energy per token by the study's entries (phi_qk, phi_sv, digital, dac) plus write and refresh."""
        out = {k: 0.0 for k in ("phi_qk", "phi_sv", "digital", "dac", "write", "refresh")}
        for rec in self.ledger(heads).records:
            out[rec.component.split("/")[1]] += rec.energy_J
        return out

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["refresh_period_s"] = None if math.isinf(self.refresh_period_s) else self.refresh_period_s
        return d


def gpu_attention(gpu: GPU, *, window: int = 1024, head_dim: int = 64, heads: int = STUDY_HEADS, layers: int = 1,
                  precision: str = STUDY_GPU_PRECISION, batch: int = STUDY_GPU_BATCH,
                  kernel_overhead_s: float = 0.0, kernels_per_step: int = 4) -> dict[str, Any]:
    """Roofline of one decode step of attention per token and sequence: q K^T and p V over a ``window``-token
    KV cache of ``heads`` heads in each of ``layers`` layers (2 x window x head_dim MACs per head; K and V
    read once per sequence, no reuse across the batch: each sequence has its own cache).
    ``kernel_overhead_s`` per kernel launch is shared by the ``batch`` sequences of one step
    (``kernels_per_step`` launches per layer: two cache writes, two matmuls in the study's benchmark). Returns energy per token with and without idle power, latency per
    token, and the roofline's detail."""
    for name, val in (("batch", batch), ("layers", layers), ("heads", heads)):
        if isinstance(val, bool) or not isinstance(val, int) or val < 1:
            raise ValueError(f"{name} must be an int >= 1, got {val!r}")
    rf = roofline([(window, head_dim)] * 2 * heads * layers, gpu, precision=precision, batch=1, kernel_overhead_s=0.0)
    t_over = kernel_overhead_s * kernels_per_step * layers / batch
    e_over = gpu.idle_W * t_over
    return {"gpu": gpu.name, "precision": precision, "batch": batch, "window": window, "heads": heads, "layers": layers,
            "latency_s_per_token": rf["latency_s"] + t_over,
            "energy_J_per_token": rf["energy_J_per_inference"] + e_over,
            "energy_J_per_token_dynamic": rf["energy_J_per_inference_dynamic"],
            "energy_J_per_token_static": rf["energy_J_per_inference_static"] + e_over,
            "bound": rf["layers"][0]["bound"], "bytes_per_token": sum(x["bytes"] for x in rf["layers"]),
            "label": "estimated", "scope": "board all-in", "source": gpu.source}
