"""How ``cimsim compare --workload`` shows a result: the text table and the four-panel figure, both drawn
from the result's JSON alone (cimsim.app.workloads computes it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .results import pyplot, save_figure


def format_table(result: dict[str, Any]) -> str:
    """The comparison as text: one line per system, then the ratios."""
    w = result["workload"]
    lines = [f"workload {w['name']} ({w['kind']}); accuracy: {w['accuracy']['reason']}"]
    acc = w["accuracy"]["available"]
    if w["kind"] == "language model":
        q = w["query"]
        head = (f"{'system':<48}{'ppl':>7}{'J/out tok':>12}{'tok/s':>10}{'Wh/query':>10}{'wall Wh':>10}"
                f"{'gCO2e/q':>10}{'mL/q':>10}{'USD/Mtok':>10}  scope")
        lines += [f"query: {q['prompt_tokens']} prompt + {q['output_tokens']} output tokens", head, "-" * len(head)]
        for r in result["rows"]:
            usd = "-" if r["usd_per_million_output_tokens"] is None else f"{r['usd_per_million_output_tokens']:.3g}"
            ppl = "-" if r.get("perplexity") is None else f"{r['perplexity']:.2f}"
            lines.append(f"{r['system']:<48}{ppl:>7}{'>=' + format(r['energy_J_per_output_token'], '.3g'):>12}"
                         f"{r['tokens_per_s']:>10.3g}{r['it_wh_per_query']:>10.3g}{r['wall_wh_per_query']:>10.3g}"
                         f"{r['gco2e_per_query']:>10.3g}{r['water_mL_per_query']:>10.3g}{usd:>10}  {r['scope']}")
        c = result["chip"]["sizing"]
        lines.append(f"CIM chip: {c['tiles']} tiles of 256 x 256 on {c['chips']} chips, {c['area_mm2']:.4g} mm^2 "
                     f"of cores, {c['utilization']:.1%} of the cells used")
        if "attention" in result:
            a = result["attention"]
            lines.append(f"attention alone, per output token at a full window of {a['window']} ({a['heads_x_layers']} "
                         "heads x layers; no projections):")
            lines += [f"  {r['system']:<58}{r['energy_J_per_token']:>10.3g} J{r['latency_s_per_token']:>10.3g} s  "
                      f"{r['scope']}" for r in a["rows"]]
            lines.append(f"  GPU / gain-cell: {a['ratio_gpu_over_analog']:.3g}x (macro vs board: favours the macro; "
                         "accuracy: cimsim reproduce gain-cell-attention)")
        if "devries" in result:
            d = result["devries"]
            lines.append(f"de Vries (Joule 2023): {d['wh_per_request']:.3g} Wh per request from its inputs "
                         f"({d['servers']:g} servers x {d['server_kW']:g} kW x 24 h / {d['requests_per_day']:.3g}); "
                         "here, per query: " + "; ".join(f"{k}: {v['wall_wh_per_query']:.3g} Wh at the wall"
                                                       for k, v in d["ours"].items()))
    else:
        head = (f"{'system':<52}{'accuracy':>10}{'J/inference':>13}{'latency':>11}{'TOPS/W':>9}{'gCO2e/M':>10}"
                "  scope")
        lines += [head, "-" * len(head)]
        for r in result["rows"]:
            mark = ">=" if r.get("lower_bound") else ""
            a = "-" if not acc or r["accuracy"] is None else f"{100 * r['accuracy']:.1f}%"
            lines.append(f"{r['system']:<52}{a:>10}{mark + format(r['energy_J_per_inference'], '.3g'):>13}"
                         f"{r['latency_s']:>11.3g}{r['tops_per_w']:>9.3g}{r['gco2e_per_million']:>10.3g}  {r['scope']}")
        c = result["chip"]["sizing"]
        lines.append(f"CIM chip: {c['tiles']} tiles of 256 x 256 on {c['chips']} chip(s), "
                     f"{c['utilization']:.1%} of the cells used")
    if "snn" in result and not result["snn"]["available"]:
        lines.append(f"SNN row: not shown ({result['snn']['reason'].removeprefix('no spiking row: ')})")
    lines.append("ratios (chip vs board favours the chip; every CIM row is a lower bound):")
    lines += [f"  {q['numerator']} / {q['denominator']}: {q['ratio']:.3g}x" for q in result["ratios"]]
    return "\n".join(lines)


def plot(result: dict[str, Any], png: Path) -> None:
    """Per system energy (static part darker); the CIM chip by component and by layer; the GPU over batch
    (and, for a language model, over context) with the CIM chip beside it."""
    plt = pyplot()
    w = result["workload"]
    lm = w["kind"] == "language model"
    fig, axes = plt.subplots(1, 4, figsize=(22, 5.6), gridspec_kw={"width_ratios": [1.2, 1, 1.1, 1]})
    key = "energy_J_per_output_token" if lm else "energy_J_per_inference"
    unit = "output token (query / O)" if lm else "inference"
    ax = axes[0]
    for i, r in enumerate(result["rows"]):
        ax.bar(i, r[key], color="tab:green" if r["kind"] == "cim" else "0.7", edgecolor="k", lw=0.5,
               hatch="//" if r.get("lower_bound") else None)
        if r.get("static_J_per_inference") is not None:
            ax.bar(i, r["static_J_per_inference"], color="k", alpha=0.35, width=0.8)
        ax.annotate(f"{r[key]:.2g} J", (i, r[key]), ha="center", va="bottom", fontsize=7)
    ax.set_xticks(range(len(result["rows"])), [r["system"].replace("NVIDIA ", "").replace(", ", "\n", 1)
                                               for r in result["rows"]], fontsize=6, rotation=30, ha="right")
    ax.set_yscale("log")
    ax.set_ylabel(f"IT energy per {unit} (J)")
    ax.set_title("energy (hatched: lower bound; dark: static part)", fontsize=9)
    ax.grid(alpha=0.3, axis="y")
    ax = axes[1]
    comp = sorted(result["chip"]["by_component_J"].items(), key=lambda kv: -kv[1])
    ax.barh([k for k, _ in comp], [v for _, v in comp], color="tab:green")
    ax.set_xscale("log")
    ax.invert_yaxis()
    ax.tick_params(labelsize=7)
    ax.set_xlabel(f"CIM chip energy per {'token' if lm else 'inference'} (J)")
    ax.set_title("CIM chip by component", fontsize=9)
    ax = axes[2]
    layers = list(result["chip"]["by_layer_J"].items())
    ax.bar(range(len(layers)), [v for _, v in layers], color="tab:green")
    step = max(1, len(layers) // 12)
    ax.set_xticks(range(0, len(layers), step), [layers[i][0] for i in range(0, len(layers), step)], fontsize=6,
                  rotation=45, ha="right")
    ax.set_yscale("log")
    ax.set_ylabel("J per " + ("token" if lm else "inference"))
    ax.set_title("CIM chip by layer (analog and digital work; 'chip': leakage)", fontsize=9)
    ax = axes[3]
    if lm:
        for b, pts in result["gpu"]["context_sweep"].items():
            ax.plot([p["context"] for p in pts], [p["energy_J_per_output_token_with_prefill"] for p in pts], "o-",
                    ms=3, color="0.4" if b == "1" else "0.7", label=f"GPU, batch {b}")
        cc = result["chip"]["context_sweep"]
        ax.plot([p["context"] for p in cc], [p["energy_J_per_token"] for p in cc], "s-", color="tab:green",
                label="CIM chip (>=)")
        ax.plot([p["context"] for p in cc], [p["kv_J_per_token"] for p in cc], ":", color="tab:green",
                label="  its KV cache")
        ax.set_xlabel("context (tokens)")
        ax.set_ylabel("J per output token")
        ax.set_title(f"over context ({result['gpu']['gpu'].replace('NVIDIA ', '')})", fontsize=9)
    else:
        sw = result["gpu_sweep"]
        for p, ls in (("fp16", "-"), ("int8", "--")):
            ax.plot(sw["batches"], [q["energy_J_per_inference"] for q in sw[p]], ls, marker="o", ms=3, color="0.4",
                    label=f"GPU {p.upper()}")
        for r in (r for r in result["rows"] if r["kind"] == "cim"):
            ax.axhline(r["energy_J_per_inference"], color="tab:green", ls="-" if "model" in r["system"] else "--",
                       label=r["system"] + " (>=)")
        ax.set_xlabel("GPU batch size")
        ax.set_ylabel("J per inference")
        ax.set_title("the GPU over batch; the chip rows as lines", fontsize=9)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=6)
    fac = result["config"]["facility"]
    what = w["accuracy"]["reason"] if w["accuracy"]["available"] else "energy from the shapes, no accuracy"
    fig.suptitle(f"{w['name']}: PCM CIM chip vs GPU, scope for scope ({what}; PUE {fac['pue']})", fontsize=10)
    fig.tight_layout()
    save_figure(fig, png)
