"""``cimsim compare``: one workload (the digits MLP) on an analog PCM crossbar, on a digital GPU (roofline),
and as a spiking network (snn package, Loihi profile); priced by one ledger and shown from the chip up to
the facility.

Rows (each with its label: measured / simulated / estimated, and scope: per-operation / all-in):
  PCM crossbar, bottom-up   OpCounts of the simulated MVMs priced per operation (ADC survey fit, bit-serial
                            DAC, simulated cell-read energy, 7 nm FP16 post-processing); latency: one
                            HERMES 256 x 256 MVM time (133 ns, from Le Gallo et al. 2023) per layer.
  PCM crossbar, chip-level  the same operations at IBM HERMES's measured 9.76 TOPS/W (all-in).
  GPU rows                  roofline at FP16 and INT8, batch 1 (edge view) and a large batch (data-centre
                            view); accuracy measured by running the MLP digitally at that precision.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from cimsim import _validate as v
from cimsim.energy import Facility, Ledger, Record, crossbar_ledger, load_gpu, load_table, roofline
from cimsim.energy.tables import entry

from .results import provenance, pyplot, save_figure, write_json_atomic
from .rows import make_row

__all__ = ["format_table", "main", "make_row", "plot", "run"]


def run(*, seed: int = 0, gpu: str = "h100", facility: Facility | None = None, t_s: float = 3600.0,
        noise_seeds: int = 5, batch: int = 1024, energy_table: str | None = None, progress: bool = True,
        snn_row=None) -> dict[str, Any]:
    """Runs the comparison and returns a JSON-ready dict (rows, ledgers, details).

    ``snn_row(mlp, facility=, seed=, tables=) -> (row, info)`` adds the spiking network's row; the command
    line passes ``cimsim.app.snn_rows.snn_row``. Without it, nothing here needs Brian2.
    """
    from tqdm.auto import tqdm

    from cimsim import presets
    from cimsim.workloads import crossbar_accuracy, digital_accuracy, train_mlp

    facility = facility or Facility()
    tables = (load_table(energy_table),) if energy_table else ()
    g = load_gpu(gpu, tables=tables)  # validates the name before any work; a user table may add a GPU
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise ValueError(f"batch must be an int >= 1, got {batch!r}")
    v.integer_at_least("seed", seed, 0)  # every argument checked before training
    v.integer_at_least("noise_seeds", noise_seeds, 1)
    t_s = v.time_s("t_s", t_s)
    steps = tqdm(total=5, desc="compare", disable=not progress, leave=False)
    mlp = train_mlp(seed=seed)
    steps.update()
    digital = {p: digital_accuracy(mlp, p) for p in ("fp32", "fp16", "int8", "int4")}
    steps.update()
    cfg = presets.PCM
    xb = crossbar_accuracy(mlp, cfg, t_s=t_s, seeds=noise_seeds, seed=seed)
    steps.update()
    n_test = xb.inferences
    ops = 2.0 * mlp.macs
    act_bytes = float(sum(i + o for i, o in mlp.layers))  # int8 activations in and out of every layer
    bottom_up = crossbar_ledger(xb.counts, dac_bits=cfg.dac.bits, adc_bits=cfg.adc.bits, cell_read_J=xb.cell_read_J,
                                activation_bytes=act_bytes * n_test, inferences=n_test, tables=tables)
    herm = entry("hermes_all_in_per_op_one_phase", *tables)
    chip = Ledger((Record("crossbar/chip", "op", ops, herm["energy_J"], herm["source"], herm["label"], "all-in"),), 1)
    t_mvm = entry("hermes_mvm_time_s", *tables)["value"]
    latency_xb = t_mvm * len(mlp.layers)
    rows = [
        make_row("PCM crossbar (bottom-up)", xb.mean, xb.std, bottom_up.per_inference_J, latency_xb, ops,
             bottom_up.label, bottom_up.scope, facility,
             f"t = {t_s:g} s after programming, GDC on, {noise_seeds} noise seeds; latency: {len(mlp.layers)} x 133 ns"),
        make_row("PCM crossbar (HERMES chip, all-in)", xb.mean, xb.std, chip.per_inference_J, latency_xb, ops,
             chip.label, chip.scope, facility, "9.76 TOPS/W measured (Le Gallo et al. 2023)"),
    ]
    gpu_runs = {}
    for precision, b in (("fp16", 1), ("fp16", batch), ("int8", batch)):
        rf = roofline(mlp.layers, g, precision=precision, batch=b)
        gpu_runs[f"{precision}_b{b}"] = rf
        rows.append(make_row(f"GPU {g.name} {precision.upper()}, batch {b}", digital[precision], None,
                         rf["energy_J_per_inference"], rf["latency_s"], ops, "estimated", "all-in", facility,
                         f"roofline; {rf['layers'][0]['bound']}-bound; without idle power "
                         f"{rf['energy_J_per_inference_without_idle']:.3g} J"))
    steps.update()
    snn_info = {"available": False, "reason": "no SNN row requested"}
    if snn_row is not None:
        row, snn_info = snn_row(mlp, facility=facility, seed=seed, tables=tables)
        rows.append(row)
    steps.update()
    steps.close()
    return {
        "workload": {"name": "digits MLP", "layers": mlp.layers, "macs_per_inference": mlp.macs,
                     "ops_per_inference": ops, "test_images": n_test},
        "config": {"seed": seed, "gpu": gpu, "t_s": t_s, "noise_seeds": noise_seeds, "batch": batch,
                   "energy_table": energy_table, "facility": dataclasses.asdict(facility), "crossbar_preset": "PCM"},
        "digital_accuracy": digital,
        "crossbar": {"accuracy_per_seed": xb.per_seed, "cell_read_J": xb.cell_read_J,
                     "counts_per_test_pass": xb.counts.to_dict()},
        "ledgers": {"crossbar_bottom_up": bottom_up.to_dict(), "crossbar_chip": chip.to_dict()},
        "gpu": gpu_runs,
        "snn": snn_info,
        "rows": rows,
    }


def format_table(result: dict[str, Any]) -> str:
    """The comparison as a fixed-width text table."""
    head = (f"{'system':<40}{'accuracy':>10}{'J/inference':>13}{'latency':>11}{'TOPS/W':>9}{'inf/s/W':>10}"
            f"{'inf/kWh':>10}{'gCO2e/M':>10}  label")
    lines = [head, "-" * len(head)]
    for r in result["rows"]:
        acc = f"{100 * r['accuracy']:.1f}%" + (f"+-{100 * r['accuracy_std']:.1f}" if r["accuracy_std"] else "")
        lines.append(f"{r['system']:<40}{acc:>10}{r['energy_J_per_inference']:>13.3g}{r['latency_s']:>11.3g}"
                     f"{r['tops_per_w']:>9.3g}{r['inferences_per_s_per_w']:>10.3g}{r['inferences_per_kwh_wall']:>10.3g}"
                     f"{r['gco2e_per_million']:>10.3g}"
                     f"  {r['label']}, {r['scope']}")
    fac = result["config"]["facility"]
    lines.append(f"facility: PUE {fac['pue']}, {fac['grid_gco2_per_kwh']} gCO2e/kWh, {fac['wue_l_per_kwh']} L/kWh, "
                 f"{fac['usd_per_kwh']} USD/kWh; J/inference (edge view) and inf/s/W (data-centre view) are IT energy,"
                 " inf/kWh and gCO2e at the wall")
    if not result["snn"]["available"]:
        lines.append(f"SNN row: not shown ({result['snn']['reason']})")
    else:
        lines.append("SNN latency: T steps x 1 us per step (estimate: the simulation's 1 ms step is a time base)")
    return "\n".join(lines)


def _short(system: str) -> str:
    return system.replace("NVIDIA ", "").replace(" SXM", "").replace(", ", "\n").replace(" (", "\n(")


def _color(system: str) -> str:
    return "tab:green" if "crossbar" in system else "tab:purple" if "SNN" in system else "tab:gray"


def _energy_panel(ax, result: dict[str, Any]) -> None:
    """Bars of IT energy per inference (log) with accuracy and label; gCO2e per million on the right axis."""
    rows = result["rows"]
    bars = ax.bar(range(len(rows)), [r["energy_J_per_inference"] for r in rows],
                  color=[_color(r["system"]) for r in rows])
    ax.set_yscale("log")
    ax.set_ylim(top=10 * max(r["energy_J_per_inference"] for r in rows))  # room for the labels
    ax.set_ylabel("IT energy per inference (J)")
    for b, r in zip(bars, rows):
        ax.annotate(f"{100 * r['accuracy']:.1f}%\n{r['label']}", (b.get_x() + b.get_width() / 2, b.get_height()),
                    ha="center", va="bottom", fontsize=7)
    # every facility column is IT energy x a constant of the facility: one axis shows them (here carbon)
    k = rows[0]["gco2e_per_million"] / rows[0]["energy_J_per_inference"]
    sec = ax.secondary_yaxis("right", functions=(lambda e: e * k, lambda g: g / k))
    sec.set_ylabel("gCO2e per million inferences (at the wall)")
    ax.set_xticks(range(len(rows)), [_short(r["system"]) for r in rows], fontsize=7)
    ax.grid(alpha=0.3, axis="y")
    ax.set_title("energy per inference (labels: accuracy, source)", fontsize=10)


def _latency_panel(ax, result: dict[str, Any]) -> None:
    """Latency vs energy per inference, one point per row: all-in rows filled, per-operation rows hollow
    (they leave out the chip's overheads), the label (measured / simulated / estimated) beside the name."""
    from matplotlib.lines import Line2D

    notes = []
    for r in sorted(result["rows"], key=lambda r: -r["energy_J_per_inference"]):
        x, y, c = r["latency_s"], r["energy_J_per_inference"], _color(r["system"])
        ax.plot(x, y, "o", ms=9, mew=1.5, color=c, mfc=c if r["scope"] == "all-in" else "white")
        notes.append(ax.annotate(f"{_short(r['system']).replace(chr(10), ' ')}: {r['label']}", (x, y), xytext=(8, 0),
                                 textcoords="offset points", fontsize=7, va="center"))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.margins(0.12)
    lo, hi = ax.get_xlim()
    ax.set_xlim(lo, hi * 100)  # room for the names right of the points
    ax.set_xlabel("latency to a result (s; GPU: the whole batch)")
    ax.set_ylabel("IT energy per inference (J)")
    ax.set_title("latency vs energy", fontsize=10)
    ax.grid(alpha=0.3, which="major")
    ax.legend(handles=[Line2D([], [], ls="none", marker="o", color="k", label="all-in"),
                       Line2D([], [], ls="none", marker="o", color="k", mfc="white",
                              label="per-operation (no chip overheads)")], fontsize=7, loc="lower right")
    return notes


def _unclutter(fig, notes) -> None:
    """Moves annotations (highest point first) down in 2-point steps until none overlaps one placed before."""
    renderer = fig.canvas.get_renderer()
    placed = []
    for note in notes:
        for _ in range(40):
            box = note.get_window_extent(renderer).expanded(1.0, 1.15)
            if not any(box.overlaps(b) for b in placed):
                break
            dx, dy = note.xyann
            note.xyann = (dx, dy - 2)
        placed.append(note.get_window_extent(renderer))


def plot(result: dict[str, Any], png: Path) -> None:
    """Left: energy per inference (log bars, accuracy and label on each; gCO2e per million inferences on
    the right axis, since every facility column is energy times a constant). Right: latency vs energy per
    inference, the one column of the table that energy does not determine."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(14, 5.5))
    _energy_panel(axes[0], result)
    notes = _latency_panel(axes[1], result)
    fac = result["config"]["facility"]
    others = "GPU" + (" and SNN" if result["snn"]["available"] else "")
    fig.suptitle(f"digits MLP {result['workload']['layers']}: PCM crossbar vs {others} "
                 f"(PUE {fac['pue']}, {fac['grid_gco2_per_kwh']:g} gCO2e/kWh)")
    fig.tight_layout()
    _unclutter(fig, notes)
    save_figure(fig, png)


def main(args) -> dict[str, Any]:
    """Entry point of ``cimsim compare``: JSON first, then the PNG from it, then the table."""
    from .snn_rows import snn_row

    facility = Facility(pue=args.pue, grid_gco2_per_kwh=args.grid_gco2_per_kwh)
    result = run(seed=args.seed, gpu=args.gpu, facility=facility, t_s=args.t_s, batch=args.batch,
                 energy_table=args.energy_table, snn_row=None if args.no_snn else snn_row)
    payload = {**provenance("compare", args.seed, False, result["config"]), **result}
    json_path = write_json_atomic(Path(args.json), payload)
    if args.plot:
        plot(json.loads(json_path.read_text()), Path(args.plot))
    print(format_table(result))
    print(f"wrote {json_path}" + (f" and {args.plot}" if args.plot else ""))
    if args.measure_gpu:
        from cimsim.energy.gpu import measure_nvml
        from cimsim.workloads import train_mlp
        from cimsim.workloads.jax_mlp import nvml_runner

        m = measure_nvml(nvml_runner(train_mlp(seed=args.seed), args.batch))
        print("measured GPU:", m if m.get("available") else f"unavailable: {m['reason']}")
    return payload
