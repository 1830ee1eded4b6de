"""``cimsim compare``: one workload (the digits MLP) on an analog PCM chip, on a digital GPU (roofline) and
as a spiking network (snn package, Loihi profile), compared scope for scope.

Every row carries its scope (cimsim.energy.SCOPES) and is compared only with rows of the same scope:
  per-operation   PCM CIM core: the simulated MVMs' drivers, ADCs, cells and post-processing, priced by the
                  component models at 14 nm (cimsim.energy.architecture, HERMES-like: pulse-width inputs,
                  one ADC read per column and MVM); against an INT8 MAC array's arithmetic at the same node.
  chip all-in     PCM CIM chip (the same model plus registers, the activation buffer and the leakage of all
                  64 tiles for the latency: a lower bound, no control or clocking is modelled); and IBM
                  HERMES's measured 9.76 TOPS/W charged per activated core-MVM (a lower bound: its idle
                  cores are not charged).
  board all-in    GPU roofline rows (idle power x time + dynamic power), batch 1 and the data-centre batch,
                  with the static and dynamic parts; the figure sweeps the batch.
  wall            every row's IT energy x PUE (the facility columns).
Comparing a chip with a board favours the chip (a CIM board adds memory, I/O and regulators): the
all-in ratios are upper bounds on a CIM board's advantage.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from cimsim import _validate as v
from cimsim.energy import (Facility, batch_sweep, digital_mac_ledger, gpu_ledger, hermes_like, load_gpu, load_table,
                           measured_chip, price_design, roofline)

from .results import provenance, pyplot, save_figure, write_json_atomic
from .rows import make_row

__all__ = ["SCOPE_ORDER", "format_table", "main", "make_row", "plot", "ratios", "run"]

SCOPE_ORDER = ("per-operation", "chip all-in", "board all-in")
SWEEP = (1, 4, 16, 64, 256, 1024, 4096, 16384)


def _row(name, accuracy, std, energy_J, latency_s, ops, label, scope, facility, notes, *, lower_bound=False,
         static_J=None, dynamic_J=None, kind="cim") -> dict[str, Any]:
    row = make_row(name, accuracy, std, energy_J, latency_s, ops, label, scope, facility, notes)
    row.update(lower_bound=lower_bound, static_J_per_inference=static_J, dynamic_J_per_inference=dynamic_J, kind=kind)
    return row


def run(*, seed: int = 0, gpu: str = "h100", facility: Facility | None = None, t_s: float = 3600.0,
        noise_seeds: int = 5, batch: int = 1024, energy_table: str | None = None, progress: bool = True,
        snn_row=None) -> dict[str, Any]:
    """Runs the comparison and returns a JSON-ready dict (rows by scope, ledgers, the GPU batch sweep).

    ``snn_row(mlp, facility=, seed=, tables=) -> (row or rows, info)`` adds the spiking network's rows; the command
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
    xb = crossbar_accuracy(mlp, presets.PCM, t_s=t_s, seeds=noise_seeds, seed=seed)
    steps.update()
    n, ops = xb.inferences, 2.0 * mlp.macs
    design = hermes_like(tables=tables)
    cim = price_design(xb.counts, design, layers=mlp.layers, cell_read_J=xb.cell_read_J, inferences=n, tables=tables)
    herm = measured_chip(xb.counts.tile_mvms, inferences=n, tables=tables)
    mac = digital_mac_ledger(mlp.macs, bits=8, node_m=design.node_m, tables=tables)
    leak = sum(r.energy_J for r in cim.chip.records if r.component in ("chip/leakage", "chip/static")) / n
    acc = (xb.mean, xb.std)
    node = f"{design.node_m * 1e9:g} nm"
    rows = [
        _row(f"PCM CIM core, per-op ({node} model)", *acc, cim.core.per_inference_J, cim.latency_s, ops,
             cim.core.label, "per-operation", facility,
             f"{design.converters.input_scheme} inputs, {cim.activity['reads_per_mvm']} read(s) per MVM, "
             f"{cim.mapping['utilization']:.1%} of {cim.mapping['tiles']} activated tiles used; t = {t_s:g} s, GDC"),
        _row(f"Digital INT8 MAC, per-op ({node} model)", digital["int8"], None, mac.per_inference_J, None, ops,
             mac.label, "per-operation", facility, "Aladdin 8-bit multiply + 32-bit add per MAC; no weight fetch",
             kind="digital"),
        _row(f"PCM CIM chip, all-in ({node} model)", *acc, cim.chip.per_inference_J, cim.latency_s, ops,
             cim.chip.label, "chip all-in", facility,
             f"+ registers, buffer, leakage of all {design.n_tiles} tiles x {cim.latency_s * 1e9:.0f} ns; "
             "lower bound: no control or clocking modelled", lower_bound=True, static_J=leak,
             dynamic_J=cim.chip.per_inference_J - leak),
        _row("PCM chip HERMES, measured per activated core", *acc, herm.per_inference_J, cim.latency_s, ops,
             herm.label, "chip all-in", facility,
             f"{xb.counts.tile_mvms / n:g} core-MVMs x 131072 ops at 9.76 TOPS/W (Le Gallo et al. 2023); "
             "lower bound: idle cores not charged", lower_bound=True),
    ]
    gpu_runs, gpu_ledgers = {}, {}
    for precision, b in (("fp16", 1), ("fp16", batch), ("int8", batch)):
        rf = roofline(mlp.layers, g, precision=precision, batch=b)
        key = f"{precision}_b{b}"
        gpu_runs[key], gpu_ledgers[key] = rf, gpu_ledger(rf).to_dict()
        rows.append(_row(f"GPU {g.name} {precision.upper()}, batch {b}", digital[precision], None,
                         rf["energy_J_per_inference"], rf["latency_s"], ops, rf["label"], "board all-in", facility,
                         f"roofline, {rf['layers'][0]['bound']}-bound; static (idle {g.idle_W:g} W x time) "
                         f"{rf['energy_J_per_inference_static']:.3g} J + dynamic "
                         f"{rf['energy_J_per_inference_dynamic']:.3g} J",
                         static_J=rf["energy_J_per_inference_static"], dynamic_J=rf["energy_J_per_inference_dynamic"],
                         kind="gpu"))
    sweep = {p: batch_sweep(mlp.layers, g, precision=p, batches=SWEEP) for p in ("fp16", "int8")}
    steps.update()
    snn_info = {"available": False, "reason": "no SNN row requested"}
    if snn_row is not None:
        snn_rows, snn_info = snn_row(mlp, facility=facility, seed=seed, tables=tables)
        for row in ([snn_rows] if isinstance(snn_rows, dict) else snn_rows):
            row.setdefault("lower_bound", False)
            row.setdefault("kind", "snn")
            rows.append(row)
    steps.update()
    steps.close()
    result = {
        "workload": {"name": "digits MLP", "layers": mlp.layers, "macs_per_inference": mlp.macs,
                     "ops_per_inference": ops, "test_images": n},
        "config": {"seed": seed, "gpu": gpu, "t_s": t_s, "noise_seeds": noise_seeds, "batch": batch,
                   "energy_table": energy_table, "facility": dataclasses.asdict(facility), "crossbar_preset": "PCM",
                   "cim_design": cim.to_dict()["design"]},
        "digital_accuracy": digital,
        "crossbar": {"accuracy_per_seed": xb.per_seed, "cell_read_J": xb.cell_read_J,
                     "counts_per_test_pass": xb.counts.to_dict()},
        "cim": {k: val for k, val in cim.to_dict().items() if k not in ("core", "chip")},
        "ledgers": {"cim_core": cim.core.to_dict(), "cim_chip": cim.chip.to_dict(), "hermes_measured": herm.to_dict(),
                    "digital_mac": mac.to_dict(), **{f"gpu_{k}": val for k, val in gpu_ledgers.items()}},
        "gpu": gpu_runs,
        "gpu_sweep": {"gpu": g.name, "batches": list(SWEEP), **sweep},
        "snn": snn_info,
        "rows": rows,
    }
    result["ratios"] = ratios(result)
    return result


def ratios(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Energy ratios of like with like: within a scope, every row over the scope's first PCM row; and
    "chip vs board": every board all-in row over each chip all-in row (favours the chip)."""
    rows, out = result["rows"], []

    def add(scope, base, others):
        for o in others:
            out.append({"scope": scope, "numerator": o["system"], "denominator": base["system"],
                        "ratio": o["energy_J_per_inference"] / base["energy_J_per_inference"],
                        "lower_bound_denominator": bool(base.get("lower_bound")),
                        "lower_bound_numerator": bool(o.get("lower_bound"))})

    for scope in SCOPE_ORDER:
        same = [r for r in rows if r["scope"] == scope]
        base = next((r for r in same if "PCM" in r["system"]), None)
        if base is not None:
            add(scope, base, [r for r in same if r is not base])
    for base in (r for r in rows if r["scope"] == "chip all-in"):
        add("chip vs board", base, [r for r in rows if r["scope"] == "board all-in"])
    return out


def format_table(result: dict[str, Any]) -> str:
    """The comparison as a fixed-width text table, one block per scope, with the ratios within it."""
    head = (f"{'system':<48}{'accuracy':>10}{'J/inference':>13}{'latency':>11}{'TOPS/W':>9}{'inf/kWh':>10}"
            f"{'gCO2e/M':>10}  label")
    lines = [head, "-" * len(head)]
    scopes = list(SCOPE_ORDER) + sorted({r["scope"] for r in result["rows"]} - set(SCOPE_ORDER))
    for scope in scopes:
        rows = [r for r in result["rows"] if r["scope"] == scope]
        if not rows:
            continue
        lines.append(f"[{scope}]")
        for r in rows:
            acc = f"{100 * r['accuracy']:.1f}%" + (f"+-{100 * r['accuracy_std']:.1f}" if r["accuracy_std"] else "")
            lat = "-" if r["latency_s"] is None else f"{r['latency_s']:.3g}"
            mark = ">=" if r.get("lower_bound") else ""
            lines.append(f"{r['system']:<48}{acc:>10}{mark + format(r['energy_J_per_inference'], '.3g'):>13}{lat:>11}"
                         f"{r['tops_per_w']:>9.3g}{r['inferences_per_kwh_wall']:>10.3g}{r['gco2e_per_million']:>10.3g}"
                         f"  {r['label']}")
            if r.get("static_J_per_inference") is not None:
                lines.append(f"{'':<4}static {r['static_J_per_inference']:.3g} J + dynamic "
                             f"{r['dynamic_J_per_inference']:.3g} J")
    lines.append("ratios (same scope; chip vs board favours the chip; <= an upper bound, ~ both lower bounds):")
    for q in result["ratios"]:
        mark = {(True, False): "<=", (False, True): ">=", (True, True): "~"}.get(
            (q["lower_bound_denominator"], q.get("lower_bound_numerator", False)), "")
        lines.append(f"  [{q['scope']}] {q['numerator']} / {q['denominator']}: {mark}{q['ratio']:.3g}x")
    fac = result["config"]["facility"]
    lines.append(f"facility: PUE {fac['pue']}, {fac['grid_gco2_per_kwh']} gCO2e/kWh, {fac['wue_l_per_kwh']} L/kWh, "
                 f"{fac['usd_per_kwh']} USD/kWh; J/inference is IT energy, inf/kWh and gCO2e at the wall; "
                 ">= marks lower bounds")
    if not result["snn"]["available"]:
        lines.append(f"SNN row: not shown ({result['snn']['reason']})")
    else:
        lines.append("SNN per-op latency: T steps x 1 us per step (estimate: the simulation's 1 ms step is a time "
                     "base); the SNN chip row's latency: its events processed one at a time")
    return "\n".join(lines)


def _short(system: str) -> str:
    return system.replace("NVIDIA ", "").replace(" SXM", "").replace(", ", "\n").replace(" (", "\n(")


COLORS = {"cim": "tab:green", "digital": "tab:blue", "gpu": "0.7", "snn": "tab:purple"}


def _color(row: dict[str, Any]) -> str:
    return COLORS.get(row.get("kind"), "tab:purple" if "SNN" in row["system"] else "tab:gray")


def _energy_panel(ax, result: dict[str, Any]) -> None:
    """Bars of IT energy per inference (log), grouped by scope; lower bounds hatched, the label on each."""
    x, ticks, names = 0.0, [], []
    for scope in SCOPE_ORDER + tuple(sorted({r["scope"] for r in result["rows"]} - set(SCOPE_ORDER))):
        rows = [r for r in result["rows"] if r["scope"] == scope]
        if not rows:
            continue
        start = x
        for r in rows:
            e = r["energy_J_per_inference"]
            bar = ax.bar(x, e, color=_color(r), hatch="//" if r.get("lower_bound") else None, edgecolor="k", lw=0.5)
            if r.get("static_J_per_inference") is not None:  # the static part as a darker base
                ax.bar(x, r["static_J_per_inference"], color="k", alpha=0.35, width=0.8)
            ax.annotate(f"{'>= ' if r.get('lower_bound') else ''}{e:.2g} J\n{r['label']}",
                        (bar[0].get_x() + bar[0].get_width() / 2, e), ha="center", va="bottom", fontsize=6)
            ticks.append(x)
            names.append(_short(r["system"]))
            x += 1
        ax.axvspan(start - 0.5, x - 0.5, color="0.93" if len(ticks) % 2 else "0.97", zorder=-1)
        ax.text((start + x - 1) / 2, 1.02, scope, transform=ax.get_xaxis_transform(), ha="center", fontsize=8)
        x += 0.6
    ax.set_yscale("log")
    ax.set_ylim(top=30 * max(r["energy_J_per_inference"] for r in result["rows"]))
    ax.set_ylabel("IT energy per inference (J)")
    ax.set_xticks(ticks, [n.replace("\n", " ") for n in names], fontsize=6, rotation=35, ha="right",
                  rotation_mode="anchor")
    ax.grid(alpha=0.3, axis="y")
    ax.set_title("energy per inference by scope (hatched: lower bound; dark base: static part)", fontsize=9, pad=16)
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color="k", alpha=0.35, label="static: idle power / leakage x time"),
                       Patch(facecolor="white", edgecolor="k", hatch="//", label="lower bound")],
              fontsize=7, loc="upper left")


def _latency_panel(ax, result: dict[str, Any]) -> list:
    """Latency vs energy per inference: the GPU roofline swept over batch size (total and its dynamic part),
    the chip rows as points (hollow: lower bounds). Per-operation rows have no latency of their own."""
    from matplotlib.lines import Line2D

    notes = []
    sw = result["gpu_sweep"]
    for p, ls in (("fp16", "-"), ("int8", "--")):
        pts = sw[p]
        ax.plot([q["latency_s"] for q in pts], [q["energy_J_per_inference"] for q in pts], ls, marker="o", ms=3,
                color="tab:gray", label=f"GPU {sw['gpu'].replace('NVIDIA ', '')} {p.upper()}, batch sweep")
        ax.plot([q["latency_s"] for q in pts], [q["dynamic_J_per_inference"] for q in pts], ls, color="tab:gray",
                alpha=0.4, lw=1, label=f"  its dynamic part (no idle power)")
    for q in sw["fp16"]:
        notes.append(ax.annotate(f"B={q['batch']}", (q["latency_s"], q["energy_J_per_inference"]), xytext=(4, 3),
                                 textcoords="offset points", fontsize=6, color="0.3"))
    for r in result["rows"]:
        if r["latency_s"] is None or r.get("kind") == "gpu":
            continue
        c = _color(r)
        ax.plot(r["latency_s"], r["energy_J_per_inference"], "s" if r["scope"] == "chip all-in" else "o", ms=8,
                mew=1.5, color=c, mfc="white" if r.get("lower_bound") else c, ls="none")
        notes.append(ax.annotate(f"{_short(r['system']).replace(chr(10), ' ')} [{r['scope']}]",
                                 (r["latency_s"], r["energy_J_per_inference"]), xytext=(8, 0),
                                 textcoords="offset points", fontsize=6, va="center"))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.margins(0.1)
    lo, hi = ax.get_xlim()
    ax.set_xlim(lo, hi * 30)
    ax.set_xlabel("latency to a result (s; GPU: the whole batch)")
    ax.set_ylabel("IT energy per inference (J)")
    ax.set_title("latency vs energy; GPU swept over batch size", fontsize=9)
    ax.grid(alpha=0.3, which="major")
    handles, _ = ax.get_legend_handles_labels()
    handles += [Line2D([], [], ls="none", marker="s", color="k", label="chip all-in"),
                Line2D([], [], ls="none", marker="s", color="k", mfc="white", label="lower bound")]
    ax.legend(handles=handles, fontsize=6, loc="upper right")
    return notes


def _batch_panel(ax, result: dict[str, Any]) -> None:
    """Energy per inference against the GPU batch size: the roofline's total, static and dynamic parts, and
    the chip rows as horizontal lines (their energy per inference does not depend on the GPU's batch)."""
    sw = result["gpu_sweep"]
    b = sw["batches"]
    for p, ls in (("fp16", "-"), ("int8", "--")):
        ax.plot(b, [q["energy_J_per_inference"] for q in sw[p]], ls, marker="o", ms=3, color="0.4",
                label=f"GPU {p.upper()}: board all-in")
    ax.plot(b, [q["static_J_per_inference"] for q in sw["fp16"]], ":", color="k", lw=1, label="  FP16 static (idle)")
    ax.plot(b, [q["dynamic_J_per_inference"] for q in sw["fp16"]], "-.", color="0.5", lw=1, label="  FP16 dynamic")
    for r in result["rows"]:
        if r["scope"] == "chip all-in":
            ax.axhline(r["energy_J_per_inference"], color=_color(r), ls="--" if "HERMES" in r["system"] else "-",
                       lw=1.2,
                       label=_short(r["system"]).replace(chr(10), " ") + (" (>=)" if r.get("lower_bound") else ""))
    ax.axvline(result["config"]["batch"], color="0.8", lw=0.8)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("GPU batch size")
    ax.set_ylabel("IT energy per inference (J)")
    ax.set_title("the GPU's batch as a sweep (chip rows: lines)", fontsize=9)
    ax.grid(alpha=0.3, which="major")
    ax.legend(fontsize=6, loc="upper right")


def _unclutter(fig, notes) -> None:
    """Moves annotations (in drawing order) down in 2-point steps until none overlaps one placed before."""
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
    """Left: energy per inference by scope (per-op, chip all-in, board all-in), lower bounds hatched, the
    static part of each all-in bar darker. Middle: latency vs energy, the GPU as a batch sweep. Right: energy
    per inference against the GPU's batch size, static and dynamic parts, the chip rows as lines."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(20, 6.2), gridspec_kw={"width_ratios": [1.3, 1, 0.85]})
    _energy_panel(axes[0], result)
    notes = _latency_panel(axes[1], result)
    _batch_panel(axes[2], result)
    fac = result["config"]["facility"]
    fig.suptitle(f"digits MLP {result['workload']['layers']}: PCM CIM vs GPU"
                 f"{' and SNN' if result['snn']['available'] else ''}, scope for scope "
                 f"(PUE {fac['pue']}, {fac['grid_gco2_per_kwh']:g} gCO2e/kWh)")
    fig.tight_layout()
    _unclutter(fig, notes)
    save_figure(fig, png)


def main(args) -> dict[str, Any]:
    """Entry point of ``cimsim compare``: JSON first, then the PNG from it, then the table."""
    from .snn_rows import snn_row

    facility = Facility(pue=args.pue, grid_gco2_per_kwh=args.grid_gco2_per_kwh)
    result = run(seed=args.seed, gpu=args.gpu, facility=facility, t_s=args.t_s,
                 batch=1024 if args.batch is None else args.batch,
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

        m = measure_nvml(nvml_runner(train_mlp(seed=args.seed), 1024 if args.batch is None else args.batch))
        print("measured GPU:", m if m.get("available") else f"unavailable: {m['reason']}")
    return payload
