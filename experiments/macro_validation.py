"""macro-validation: cimsim's architecture model with the field's component models against published chips.

1. ISAAC (Shafiee et al., ISCA 2016, Table 1; 32 nm, 1.2 GHz). Every crossbar of the chip busy with one
   MVM: 16 input bits read one per 100 ns cycle, each of 128 columns converted once per bit by an ADC
   shared across the 128 columns at 1.28 GS/s. ADC, 1-bit DAC and shift-and-add are priced by
   hwcomponents-library's ISAAC models with cimsim's bit-serial counts; the components the library has no
   model for (arrays, S+H, IR, OR; eDRAM, bus, router, sigmoid, max-pool, tile OR; HyperTransport) at the
   power Table 1 gives them. Reproduced: the power of one IMA (published 24.09 mW), one tile (330 mW) and
   the chip (65.8 W), the peak throughput per area (479.0 GOPs/s/mm^2 on 85.4 mm^2) and the energy per
   16-bit op (65.8 W over that throughput). Again with the Andrulis et al. ADC model (hwcomponents-adc) in
   place of ISAAC's own ADC: a different model of the same converter.
   Counterfactual: one ADC read per column and MVM (not per input bit), as cimsim's earlier ledger
   charged, must NOT reproduce the published power.
2. IBM HERMES (Le Gallo et al., Nat. Electron. 2023; 14 nm): the four-phase efficiency predicted from the
   one-phase measurement, the chip's power (63.1 TOPS / 9.76 TOPS/W) spent over four reads per MVM
   (published 2.48 TOPS/W): a chip's all-in energy is power x time.
3. Shown, not checked: the HERMES-like design priced by the component models (no control or clocking:
   a lower bound) against HERMES's measured energy per core-MVM; the ratio is what the component sum
   leaves out.

Published numbers: docs/references.md s.10. Runs in about a second; quick mode is the same.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from cimsim.app.results import finish, provenance, pyplot, save_figure
from cimsim.energy import architecture as arch
from cimsim.energy.tables import energy_entry, value_entry

NAME = "macro-validation"
TOLERANCE = 0.20
PUBLISHED = {  # Shafiee et al. 2016, Table 1 and Table 6 (ISAAC-CE); Le Gallo et al. 2023
    "isaac_ima_W": 24.09e-3, "isaac_tile_W": 330e-3, "isaac_chip_W": 65.8, "isaac_area_mm2": 85.4,
    "isaac_ce_ops_per_s_mm2": 479.0e9, "hermes_tops_per_w_four_phase": 2.48e12,
}


def _isaac(adc_model: str = "isaac", per_bit: bool = True) -> dict:
    """Powers of the ISAAC design with every crossbar busy: per crossbar, IMA, tile and chip."""
    d = arch.isaac()
    if adc_model != "isaac":
        d = dataclasses.replace(d, converters=dataclasses.replace(d.converters, adc_model=adc_model))
    counts = arch.counts_of_full_mvms(d, d.n_tiles, cell_reads=False)  # array power is in Table 1
    r = arch.price(counts, d, layers=[(d.tile_rows, d.tile_cols)])
    by = r.chip.by("operation")
    if not per_bit:  # the old charge: one conversion per column and MVM
        by["adc_conversion"] /= d.converters.reads_per_mvm
    t = d.mvm_time_s
    xbar_dyn_W = sum(by[k] for k in ("row_drive", "adc_conversion", "shift_add")) / t / d.n_tiles
    xbars, imas = value_entry("isaac_crossbars_per_ima")["value"], value_entry("isaac_imas_per_tile")["value"]
    ima_static = sum(value_entry(k)["value"] for k in ("isaac_crossbar_W_per_ima", "isaac_sample_hold_W_per_ima",
                                                      "isaac_input_register_W_per_ima",
                                                      "isaac_output_register_W_per_ima"))
    tile_static = d.static_W_per_tile * xbars * imas - ima_static * imas
    ima_W = xbars * xbar_dyn_W + ima_static
    tile_W = imas * ima_W + tile_static
    chip_W = sum(by.values()) / t
    ops_per_s = d.peak_ops_per_s
    return {"adc_model": adc_model, "adc_reads_per_column_per_mvm": d.converters.reads_per_mvm if per_bit else 1,
            "ima_W": ima_W, "tile_W": tile_W, "chip_W": chip_W, "ops_per_s": ops_per_s,
            "energy_per_op_J": chip_W / ops_per_s, "ima_breakdown_W": {
                "ADC (model)": xbars * by["adc_conversion"] / t / d.n_tiles,
                "DAC (model)": xbars * by["row_drive"] / t / d.n_tiles,
                "shift-and-add (model)": xbars * by["shift_add"] / t / d.n_tiles,
                "arrays, S+H, IR, OR (Table 1)": ima_static},
            "components": [c.to_dict() for c in r.components], "mvm_time_s": t, "crossbars": d.n_tiles}


def _hermes() -> dict:
    """Four-phase energy per op from the one-phase power and four reads per MVM; the component model."""
    one = energy_entry("hermes_all_in_per_op_one_phase")["energy_J"]
    ops = 2.0 * value_entry("hermes_core_rows")["value"] * value_entry("hermes_core_cols")["value"]
    t1 = value_entry("hermes_mvm_time_s")["value"]
    core_W = one * ops / t1  # one core's share of the chip's power in one-phase operation
    phases = value_entry("hermes_phases_four_phase")["value"]
    four = core_W * phases * t1 / ops
    model = arch.price(arch.counts_of_full_mvms(arch.hermes_like(), 1), arch.hermes_like(power_gating=True),
                       layers=[(256, 256)])
    return {"chip_power_W": core_W * value_entry("hermes_cores")["value"], "phases": phases,
            "energy_per_op_four_phase_J": four, "tops_per_w_four_phase": 1.0 / four,
            "measured_core_mvm_J": one * ops, "model_core_mvm_J": {"per-operation": model.core.total_J,
                                                                   "chip all-in": model.chip.total_J},
            "model_breakdown_J": model.chip.by("operation")}


def main(seed: int = 0, out_dir: str | Path = "results", quick: bool = False) -> Path:
    """Prices the published designs; writes macro-validation.json then macro-validation.png."""
    payload = provenance(NAME, seed, quick, {"tolerance": TOLERANCE})
    payload["published"] = PUBLISHED
    payload["isaac"] = _isaac()
    payload["isaac_andrulis_adc"] = _isaac("andrulis")
    payload["isaac_per_mvm_adc"] = _isaac(per_bit=False)
    payload["hermes"] = _hermes()
    payload["comparisons"] = [{"what": w, "reproduced": r, "published": p} for w, r, p in comparisons(payload)]
    return finish(NAME, Path(out_dir), payload, plot)


def comparisons(d: dict) -> list[tuple[str, float, float]]:
    """(what, reproduced, published) for every checked number."""
    p, i, a, h = d["published"], d["isaac"], d["isaac_andrulis_adc"], d["hermes"]
    ops = p["isaac_ce_ops_per_s_mm2"] * p["isaac_area_mm2"]
    return [("ISAAC IMA power (W)", i["ima_W"], p["isaac_ima_W"]),
            ("ISAAC tile power (W)", i["tile_W"], p["isaac_tile_W"]),
            ("ISAAC chip power (W)", i["chip_W"], p["isaac_chip_W"]),
            ("ISAAC throughput per area (op/s/mm^2)", i["ops_per_s"] / p["isaac_area_mm2"], p["isaac_ce_ops_per_s_mm2"]),
            ("ISAAC energy per 16-bit op (J)", i["energy_per_op_J"], p["isaac_chip_W"] / ops),
            ("ISAAC chip power, Andrulis ADC model (W)", a["chip_W"], p["isaac_chip_W"]),
            ("HERMES four-phase TOPS/W", h["tops_per_w_four_phase"] / 1e12, p["hermes_tops_per_w_four_phase"] / 1e12)]


def plot(data: dict, png: Path) -> None:
    """Left: reproduced / published for every check, the +-20 % band shaded, the old per-MVM ADC charge
    for contrast. Right: one ISAAC IMA's power by component, model-priced vs tabulated."""
    plt = pyplot()
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(13, 4.8), gridspec_kw={"width_ratios": [1.5, 1]})
    rows = [(c["what"], c["reproduced"], c["published"]) for c in data["comparisons"]]
    old = data["isaac_per_mvm_adc"]["chip_W"] / data["published"]["isaac_chip_W"]
    h = data["hermes"]
    lower = h["model_core_mvm_J"]["chip all-in"] / h["measured_core_mvm_J"]
    names = [r[0] for r in rows] + ["ISAAC chip power, 1 ADC read per MVM (old ledger)",
                                    "HERMES-like component model / measured core-MVM (lower bound, not a check)"]
    ratios = [r[1] / r[2] for r in rows] + [old, lower]
    y = range(len(names))
    ax.axvspan(1 - TOLERANCE, 1 + TOLERANCE, color="tab:green", alpha=0.15, label="+-20 %")
    ax.barh(list(y), ratios, color=["tab:green"] * len(rows) + ["tab:red", "0.6"], height=0.6, left=0)
    for k, r in zip(y, ratios):
        ax.annotate(f"{r:.3f}", (r, k), xytext=(3, 0), textcoords="offset points", va="center", fontsize=7)
    ax.axvline(1.0, color="k", lw=0.8)
    ax.set_yticks(list(y), names, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.6)
    ax.set_xlabel("reproduced / published")
    ax.set_title("published chips reproduced by the architecture model", fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    parts = data["isaac"]["ima_breakdown_W"]
    left = 0.0
    for k, w in parts.items():
        bx.barh(0, w * 1e3, left=left, label=f"{k}: {w * 1e3:.2f} mW")
        left += w * 1e3
    bx.barh(1, data["published"]["isaac_ima_W"] * 1e3, color="0.6", label="published IMA total (Table 1)")
    bx.set_yticks([0, 1], ["reproduced", "published"], fontsize=8)
    bx.set_xlabel("power of one ISAAC IMA at full rate (mW)")
    bx.set_title("ISAAC IMA: component models x bit-serial counts", fontsize=9)
    bx.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=1, frameon=False)
    fig.suptitle("macro-validation: ISAAC (Shafiee et al. 2016) and HERMES (Le Gallo et al. 2023)")
    fig.tight_layout()
    save_figure(fig, png)
