"""seed-claims: the founding report's claims recomputed with the ledger, beside what the sources say
(docs/references.md s.7).

1. Analog in-memory attention vs GPU, energy per token: Leroux et al. (Nat. Comput. Sci. 5:813, 2025)
   component energies for 12 heads, against (a) their measured GPU numbers and (b) cimsim's roofline of the
   same attention step on an H100 and a Jetson-class GPU.
2. Neuromorphic vs ANN on the digits MLP: the SNN's ledger vs the crossbar and GPU (needs the snn package).
3. DVFS / power capping: the roofline's power model against Samsi et al. 2023 (A100, 250 -> 175 W: 23 %
   energy saved for 6-7 % more latency) and the unsourced "59-66 % average dynamic energy savings".
4. Energy per chatbot query: de Vries (Joule 2023) 2.9 Wh, Google (2025) median Gemini prompt 0.24 Wh,
   against a ledger built from the ML.ENERGY measurement (Llama-3.1-8B on H100, 0.12 J per token).
5. "The PCM crossbar is ~1000x more energy-efficient than a GPU" (cimsim compare before its scopes were
   audited: a per-operation component sum against a GPU board's all-in energy): the same workload
   recomputed scope for scope with `cimsim compare`.

Every number carries its scope (docs/energy.md): Leroux et al.'s analog attention is a sum of component
energies with their digital control (per-operation, a simulated design); their GPU numbers are measured
on boards; the roofline rows are board all-in, split into static (idle) and dynamic energy.
"""

from __future__ import annotations

from pathlib import Path

from cimsim.app.results import finish, provenance, pyplot, save_figure
from cimsim.energy import Facility, Ledger, Record, load_gpu, roofline

NAME = "seed-claims"
LEROUX = {"qk_nJ": 1.12, "sv_nJ": 0.70, "dac_nJ": 0.33, "digital_nJ": 4.0, "heads": 12, "head_dim": 64,
          "window": 1024, "batch": 64, "gpu_measured_mJ_per_token": {"RTX 4090 (unfused PyTorch)": 7.18,
                                                                      "Jetson Nano": 3.25}}


def _attention_claim() -> dict:
    L = LEROUX
    src = "Leroux et al., Nat. Comput. Sci. 5:813 (2025)"
    per_head = Ledger(tuple(Record("analog-attention", op, 1, val * 1e-9, src, "simulated") for op, val in
                            (("qk", L["qk_nJ"]), ("sv", L["sv_nJ"]), ("dac", L["dac_nJ"]), ("digital", L["digital_nJ"]))))
    analog_J = per_head.total_J * L["heads"]
    # decode-style attention step per token: per head, QK^T and score*V over the window: 2 x window x d MACs,
    # reading K and V (window x d each, fp16) for every sequence of the batch (no reuse across sequences)
    gpus, split = {}, {}
    for key in ("h100", "orin"):
        g = load_gpu(key)
        rf = roofline([(L["window"], L["head_dim"])] * 2 * L["heads"], g, precision="fp16", batch=1,
                      kernel_overhead_s=0.0)
        gpus[g.name] = rf["energy_J_per_inference"]
        split[g.name] = {"static_J": rf["energy_J_per_inference_static"],
                         "dynamic_J": rf["energy_J_per_inference_dynamic"]}
    ratios_measured = {k: v * 1e-3 / analog_J for k, v in L["gpu_measured_mJ_per_token"].items()}
    return {
        "claim": "Analog in-memory attention: up to 5 orders of magnitude less energy than GPU",
        "sources_say": "Leroux et al. 2025 publish up to 2 orders in latency and 4 in energy (arXiv v1: 5); "
                       "about 320x against a fused FlashAttention baseline",
        "analog_nJ_per_token": analog_J * 1e9,
        "analog_digital_share": L["digital_nJ"] * 1e-9 / per_head.total_J,
        "gpu_roofline_J_per_token": gpus,
        "gpu_roofline_static_dynamic_J_per_token": split,
        "scopes": {"analog": "per-operation (component sum with digital control; simulated)",
                   "gpu_measured": "board all-in (measured)", "gpu_roofline": "board all-in (estimated)"},
        "ratio_vs_measured_gpu": ratios_measured,
        "ratio_vs_roofline_gpu": {k: v / analog_J for k, v in gpus.items()},
        "verdict": "4-5 orders only against unfused, measured GPU code; the roofline (an ideal memory-bound "
                   "GPU) gives the ratios above; the digital control/routing share bounds what the analog "
                   "part can gain",
    }


def _snn_claim(seed: int, quick: bool) -> dict:
    try:
        from cimsim.app.snn_rows import digits_snn_ledger
    except ImportError:
        return {"claim": "Neuromorphic hardware: up to 1000x more efficient",
                "sources_say": "Intel 2019: 1000x faster, 10000x more efficient than CPUs on sparse coding, search, "
                               "constraint satisfaction; Davies et al. 2021: 'modest if any' gains on feed-forward DNNs",
                "recomputed": None, "verdict": "not recomputed: the snn package is not installed"}
    return digits_snn_ledger(seed=seed, quick=quick)


def _dvfs_claim() -> dict:
    g = load_gpu("a100")
    layers = [(8192, 8192)] * 4  # memory-bound decode of a large layer stack
    base, cap = (roofline(layers, g, precision="fp16", batch=16, power_cap_W=c) for c in (250.0, 175.0))
    comp = [roofline([(8192, 8192)] * 4, g, precision="fp16", batch=4096, power_cap_W=c) for c in (250.0, 175.0)]
    return {
        "claim": "DVFS: 59-66 % average dynamic energy savings",
        "sources_say": "no source found; published: 42 % (LLM inference, arXiv 2501.08219), 23 % for 6-7 % "
                       "latency (A100 power cap 250 -> 175 W, Samsi et al. HPEC 2023)",
        "model_memory_bound": {"energy_saving": 1 - cap["energy_J_per_inference"] / base["energy_J_per_inference"],
                               "latency_increase": cap["latency_s"] / base["latency_s"] - 1},
        "model_compute_bound": {"energy_saving": 1 - comp[1]["energy_J_per_inference"] / comp[0]["energy_J_per_inference"],
                                "latency_increase": comp[1]["latency_s"] / comp[0]["latency_s"] - 1},
        "verdict": "the cubic-DVFS roofline gives a saving of the published size with little slowdown when "
                   "memory-bound; nothing near 59-66 % of total energy",
    }


def _query_claim() -> dict:
    tokens = 500  # a long chatbot answer
    it_J = 0.12 * tokens  # ML.ENERGY v3: Llama-3.1-8B on H100, batch 64, 0.12 J per token (measured)
    fac = Facility(pue=1.10)
    wall_Wh = fac.report(it_J)["wall_J_per_inference"] / 3600
    return {
        "claim": "A ChatGPT query takes 2.9 Wh, a web search 0.3 Wh",
        "sources_say": "de Vries, Joule 2023 (peak power assumed around the clock); Google 2025: median Gemini "
                       "text prompt 0.24 Wh, 0.03 gCO2e, 0.26 mL water",
        "recomputed_Wh_8B_model_500_tokens_PUE_1.1": wall_Wh,
        "verdict": "a measured small-model answer is ~0.02 Wh at the wall; 2.9 Wh is an upper-bound estimate "
                   "for a much larger model at low utilization, 0.24 Wh a measured fleet median",
    }


def _crossbar_claim(seed: int, quick: bool) -> dict:
    from cimsim.app import compare

    res = compare.run(seed=seed, noise_seeds=2 if quick else 5, progress=False)
    rows = {r["system"]: r for r in res["rows"]}
    gpu = next(r for r in res["rows"] if r["scope"] == "board all-in" and r["system"].endswith(
        f"FP16, batch {res['config']['batch']}"))
    core = next(r for r in res["rows"] if r["scope"] == "per-operation" and r["system"].startswith("PCM"))
    mixed = gpu["energy_J_per_inference"] / core["energy_J_per_inference"]
    return {
        "claim": "The PCM crossbar is ~1000x more energy-efficient than a GPU (cimsim compare before the scope audit)",
        "sources_say": "the ratio set a per-operation component sum (no control, clocking or leakage) against a GPU "
                       "board's all-in energy, 93 % of it idle power during kernel launches",
        "mixed_scope_ratio": mixed,
        "ratios": res["ratios"],
        "rows": {k: {"energy_J_per_inference": r["energy_J_per_inference"], "scope": r["scope"],
                     "lower_bound": r.get("lower_bound", False), "label": r["label"]} for k, r in rows.items()},
        "verdict": "like with like the factor shrinks: per operation the CIM core and a digital INT8 MAC array at "
                   "the same node are within a small factor; chip against board the GPU's idle power dominates, and "
                   "the bound is set by what the CIM chip model leaves out (HERMES's measured energy per core-MVM is "
                   "~10x the component sum)",
    }


def main(seed: int = 0, out_dir: str | Path = "results", quick: bool = False) -> Path:
    """Recomputes each claim; writes seed-claims.json then seed-claims.png."""
    payload = provenance(NAME, seed, quick, {"leroux": LEROUX})
    payload["claims"] = [_attention_claim(), _snn_claim(seed, quick), _dvfs_claim(), _query_claim(),
                         _crossbar_claim(seed, quick)]
    return finish(NAME, Path(out_dir), payload, plot)


def plot(data: dict, png: Path) -> None:
    """Left: attention energy per token on a log scale, analog vs measured GPUs vs roofline GPUs (the static
    part of each roofline bar darker). Right: the crossbar-vs-GPU factor, mixed scopes vs scope for scope."""
    plt = pyplot()
    c = data["claims"][0]
    names = ["analog (Leroux 2025)\nper-op"] + [f"{k}\nmeasured, board" for k in c["ratio_vs_measured_gpu"]] + \
        [f"{k.replace('NVIDIA ', '')}\nroofline, board" for k in c["gpu_roofline_J_per_token"]]
    vals = [c["analog_nJ_per_token"] * 1e-9] + [v * 1e-3 for v in data["config"]["leroux"]["gpu_measured_mJ_per_token"].values()] + \
        list(c["gpu_roofline_J_per_token"].values())
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(14, 4.5), gridspec_kw={"width_ratios": [1.1, 1]})
    ax.bar(range(len(vals)), vals, color=["tab:green"] + ["tab:gray"] * (len(vals) - 1))
    static = c.get("gpu_roofline_static_dynamic_J_per_token", {})
    for i, k in enumerate(c["gpu_roofline_J_per_token"], len(vals) - len(c["gpu_roofline_J_per_token"])):
        if k in static:
            ax.bar(i, static[k]["static_J"], color="k", alpha=0.3, width=0.8)
    ax.set_yscale("log")
    ax.set_xticks(range(len(vals)), names, fontsize=7)
    ax.set_ylabel("attention energy per token (J), 12 heads")
    for i, val in enumerate(vals[1:], 1):
        ax.annotate(f"{val / vals[0]:.2g}x", (i, val), ha="center", va="bottom", fontsize=8)
    ax.set_title("Claim: analog attention up to 5 orders below GPU (dark: idle part)", fontsize=9)
    ax.grid(alpha=0.3, axis="y")
    x = next((q for q in data["claims"] if q["claim"].startswith("The PCM crossbar")), None)
    if x is not None:
        labels = ["GPU board /\nCIM core per-op\n(mixed scopes,\nas before the audit)"]
        vals = [x["mixed_scope_ratio"]]
        colors = ["tab:red"]
        for q in x["ratios"]:
            if q["scope"] in ("per-operation", "chip vs board") and ("batch 1" not in q["numerator"]
                                                                   or "batch 10" in q["numerator"]):
                if "SNN" in q["numerator"] or "INT8, batch" in q["numerator"]:
                    continue
                what = "INT8 MAC /\nCIM core" if q["scope"] == "per-operation" else \
                    ("GPU board /\nHERMES measured" if "HERMES" in q["denominator"] else "GPU board /\nCIM chip model")
                labels.append(f"{what}\n[{q['scope']}]" + ("\n(upper bound)" if q["lower_bound_denominator"] else ""))
                vals.append(q["ratio"])
                colors.append("tab:green")
        bx.bar(range(len(vals)), vals, color=colors)
        for i, val in enumerate(vals):
            bx.annotate(f"{val:.3g}x", (i, val), ha="center", va="bottom", fontsize=8)
        bx.set_yscale("log")
        bx.set_xticks(range(len(vals)), labels, fontsize=7)
        bx.set_ylabel("energy ratio (other / PCM)")
        bx.set_title("Claim: the PCM crossbar ~1000x below a GPU (digits MLP)", fontsize=9)
        bx.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    save_figure(fig, png)
