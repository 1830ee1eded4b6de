"""gain-cell-attention: the char-lm with its attention on gain-cell arrays (Leroux et al., Nat. Comput. Sci.
5:813, 2025), adapted from the softmax model as the study does, and the study's "up to 100 000x" priced
scope for scope.

Accuracy. The FP char-lm (cimsim.jx.lm, cached; the same model as lm-drift) is the digital reference,
softmax attention. Its attention is replaced by cimsim.jx.gaincell's HardSigmoid attention on gain cells
(16 query levels, 8 K/V levels, 32 output levels, decay exp(-1.6e-4 x age), window = the context, tiles of
16 keys: the study's 1024 and 64 scaled to a 64-character context) and adapted:
  1. fine-tune the linear model from the FP weights;
  2. initialise the nonlinear model from it: the output scalers move (weight alpha from 1 to 0.01) until
     each head's output mean and std match the linear model's on the same inputs;
  3. fine-tune the nonlinear model.
The FP model fine-tuned with softmax for as many steps as the two stages is the fair digital reference
(in quick mode the FP model is short-trained, so any extra step helps). An arm without step 1 and 2 (the nonlinear model fine-tuned straight from FP) measures what the
initialisation buys. The adapted nonlinear model is then evaluated with parts taken away or made worse:
no quantization, no decay, a 30x and a 300x faster decay (shorter retention). Metrics on held-out windows:
perplexity and next-character accuracy, and the per-window mean NLL, which pairs arms window by window
(the only randomness is the training's, fixed by ``seed``; windows give the test-set uncertainty).

Energy and latency (cimsim.energy.gaincell): the per-head ledger at the study's GPT-2 settings from circuit
parameters, beside the study's entries; the RTX 4090 and Jetson Nano running the same decode attention by
the roofline, beside the study's measurements; the ratio by scope, and how it moves with window, batch and
retention (refresh).

Quick mode: fewer training steps and held-out windows (about 2 minutes on 2 cores with a cached FP model).

References: Leroux et al. 2025 (arXiv 2409.19315) and its code; docs/references.md s.15.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np

from cimsim.app.results import finish, provenance, pyplot, save_figure

from ._common import char_lm

NAME = "gain-cell-attention"
SETTINGS = {True: dict(fp_steps=150, hwa_steps=50, linear_steps=150, match_steps=20, nonlinear_steps=100,
                       windows=64),
            False: dict(fp_steps=1500, hwa_steps=400, linear_steps=1500, match_steps=50, nonlinear_steps=1000,
                        windows=256)}
TILE = 16
ABLATIONS = {"no quantization": dict(q_levels=None, kv_levels=None, out_levels=None),
             "no decay": dict(decay_per_token=0.0),
             "decay x30": dict(decay_per_token=30 * 1.6e-4),
             "decay x300": dict(decay_per_token=300 * 1.6e-4)}
WINDOWS = (128, 256, 512, 1024, 2048, 4096, 8192)
BATCHES = (1, 4, 16, 64, 256)
TAUS_S = (1e-6, 1e-5, 1e-4, 4.0625e-4, 1e-3, 1e-2, 1.0, 400.0)


def _attention_cfgs(context: int):
    from cimsim.jx.gaincell import GainCellAttentionConfig

    lin = GainCellAttentionConfig(model="linear", window=context, tile_keys=TILE)
    return lin, dataclasses.replace(lin, model="nonlinear")


def adapt(corpus, cfg, fp, s: dict, seed: int, progress: bool = True) -> dict:
    """The study's three-step adaptation of ``fp`` (softmax char-lm parameters), and the direct arm."""
    import jax
    import jax.numpy as jnp

    from cimsim.jx.gaincell import match_statistics
    from cimsim.jx.lm import _train, make_apply, nll_and_accuracy, with_scalers
    from cimsim.workloads.corpus import windows

    lin_cfg, nl_cfg = _attention_cfgs(cfg.context)
    ids = corpus.encode(corpus.train)

    def loss_for(att):
        apply = make_apply(cfg, att)
        return lambda p, x, y, k: nll_and_accuracy(apply(p, x), y)[0]

    lin, h_lin = _train(loss_for(lin_cfg), with_scalers(fp, cfg, lin_cfg), ids, cfg, s["linear_steps"], cfg.hwa_lr,
                        seed + 2, None, "gain-cell linear", progress)

    # step 2: output scalers of the nonlinear model matched to the linear model's per-head statistics
    def head_outputs(att):
        apply = make_apply(cfg, att, attention_outputs=True)
        return jax.jit(lambda p, x: apply(p, x)[1])

    run_lin, run_nl = head_outputs(lin_cfg), head_outputs(nl_cfg)
    init_nl = {**lin, "blocks": [{**b, "gc": {**b["gc"], "o_a": b["gc"]["o_a"] / nl_cfg.read.linear_slope}}
                                 for b in lin["blocks"]]}
    rng = np.random.default_rng(seed + 3)
    n = s["match_steps"]
    for i in range(n):
        alpha = float(np.exp(np.log(1.0) + (np.log(0.01) - np.log(1.0)) * i / max(n - 1, 1)))
        x, _ = windows(ids, cfg.context, cfg.batch, rng)
        x = jnp.asarray(x)
        targets, outs = run_lin(lin, x), run_nl(init_nl, x)
        blocks = []
        for b, t, o in zip(init_nl["blocks"], targets, outs):
            blocks.append({**b, "gc": match_statistics(b["gc"], o, t.mean(axis=(0, 1, 3)), t.std(axis=(0, 1, 3)), alpha)})
        init_nl = {**init_nl, "blocks": blocks}
    nl, h_nl = _train(loss_for(nl_cfg), init_nl, ids, cfg, s["nonlinear_steps"], cfg.hwa_lr, seed + 4, None,
                      "gain-cell nonlinear", progress)
    direct, h_direct = _train(loss_for(nl_cfg), with_scalers(fp, cfg, nl_cfg), ids, cfg, s["nonlinear_steps"],
                              cfg.hwa_lr, seed + 4, None, "gain-cell nonlinear (direct)", progress)
    steps = s["linear_steps"] + s["nonlinear_steps"]
    digital, h_digital = _train(loss_for(None), fp, ids, cfg, steps, cfg.hwa_lr, seed + 2, None,
                                "softmax, fine-tuned as long", progress)
    return {"params": {"digital fine-tuned": digital, "linear": lin, "nonlinear matched": init_nl, "nonlinear": nl, "nonlinear direct": direct},
            "history": {"digital fine-tuned": h_digital, "linear": h_lin, "nonlinear": h_nl, "nonlinear direct": h_direct}}


def evaluate(cfg, arms: dict, x: np.ndarray, y: np.ndarray) -> dict:
    """Per arm: perplexity, accuracy and the per-window mean NLL (nats)."""
    import jax
    import jax.numpy as jnp

    from cimsim.jx.lm import make_apply

    out = {}
    for name, (params, att) in arms.items():
        logits = jax.jit(make_apply(cfg, att))(params, jnp.asarray(x))
        logp = jax.nn.log_softmax(logits, axis=-1)
        nll = -np.asarray(jnp.take_along_axis(logp, jnp.asarray(y)[..., None], axis=-1))[..., 0]
        hit = np.asarray(jnp.argmax(logits, -1) == jnp.asarray(y))
        out[name] = {"perplexity": float(np.exp(nll.mean())), "accuracy": float(hit.mean()),
                     "nll_nats": float(nll.mean()), "nll_per_window": nll.mean(axis=1).tolist(),
                     "accuracy_per_window": hit.mean(axis=1).tolist()}
    return out


def energy() -> dict:
    """The ledger at the study's settings, the GPUs, the scope table and the sweeps."""
    from cimsim.devices import GainCellDevice
    from cimsim.devices._gaincell import TAU_OSFET_S, TAU_SI_CMOS_S, TAU_STUDY_S
    from cimsim.energy import load_gpu
    from cimsim.energy.gaincell import (STUDY_ENTRIES_J, STUDY_GPU_MEASURED, STUDY_HEADS, STUDY_LATENCY_S,
                                        GainCellMacro, gpu_attention)
    from cimsim.energy.gpu import KERNEL_OVERHEAD_S

    macro = GainCellMacro()
    ours = macro.entries_J()
    analog_J = macro.ledger(STUDY_HEADS).total_J
    study_J = STUDY_HEADS * sum(STUDY_ENTRIES_J.values())
    gpus = {}
    for key in STUDY_GPU_MEASURED:
        g = load_gpu(key)
        rf32 = gpu_attention(g)
        rf16 = gpu_attention(g, precision="fp16")
        rf8 = gpu_attention(g, precision="fp8")  # one byte per value (fp16 rate where no fp8 rate is tabulated)
        meas = STUDY_GPU_MEASURED[key]
        gpus[key] = {
            "name": g.name, "measured": meas, "roofline_fp32": rf32, "roofline_fp16": rf16, "roofline_8bit": rf8,
            "ratios": {
                "study: macro vs measured GPU above idle (the headline)": meas["energy_J"] / study_J,
                "ours: macro vs measured GPU above idle": meas["energy_J"] / analog_J,
                "macro vs roofline GPU fp32, board all-in": rf32["energy_J_per_token"] / analog_J,
                "macro vs roofline GPU fp32, above idle": rf32["energy_J_per_token_dynamic"] / analog_J,
                "macro vs roofline GPU fp16 KV cache, board all-in": rf16["energy_J_per_token"] / analog_J,
                "macro vs roofline GPU 8-bit KV cache, board all-in": rf8["energy_J_per_token"] / analog_J},
            "latency_ratios": {"measured": meas["latency_s"] / STUDY_LATENCY_S,
                               "roofline fp32": rf32["latency_s_per_token"] / macro.latency_s()},
        }
    g4090 = load_gpu("rtx4090")
    sweep_window = []
    for w in WINDOWS:
        m = dataclasses.replace(macro, window=w)
        a = m.ledger(STUDY_HEADS).total_J
        r = gpu_attention(g4090, window=w)["energy_J_per_token"]
        sweep_window.append({"window": w, "analog_J": a, "gpu_J": r, "ratio": r / a})
    sweep_batch = []
    for b in BATCHES:
        r = gpu_attention(g4090, batch=b, kernel_overhead_s=KERNEL_OVERHEAD_S)
        sweep_batch.append({"batch": b, "gpu_J": r["energy_J_per_token"], "ratio": r["energy_J_per_token"] / analog_J,
                            "gpu_latency_s": r["latency_s_per_token"]})
    sweep_tau = []
    for tau in TAUS_S:
        dev = GainCellDevice(tau_s=tau)
        m = dataclasses.replace(macro, refresh_period_s=dev.refresh_period_s())
        a = m.ledger(STUDY_HEADS).total_J
        sweep_tau.append({"tau_s": tau, "refresh_period_s": dev.refresh_period_s(),
                          "refreshes_per_row": m.refreshes_per_row(), "analog_J": a,
                          "refresh_J": m.entries_J(STUDY_HEADS)["refresh"],
                          "decay_per_token": dev.decay_per_token(macro.latency_s()),
                          "ratio_vs_roofline_fp32": gpus["rtx4090"]["roofline_fp32"]["energy_J_per_token"] / a})
    return {"macro": macro.to_dict(), "entries_J": ours, "study_entries_J": STUDY_ENTRIES_J,
            "entry_rel_error": {k: ours[k] / v - 1 for k, v in STUDY_ENTRIES_J.items()},
            "per_token_J": {"ours": analog_J, "study": study_J}, "heads": STUDY_HEADS,
            "latency_s": {"ours": macro.latency_s(), "study": STUDY_LATENCY_S, "parts": macro.latency_parts_s()},
            "gpus": gpus, "sweeps": {"window": sweep_window, "batch": sweep_batch, "tau": sweep_tau},
            "taus_named_s": {"study (derived)": TAU_STUDY_S, "Si CMOS": TAU_SI_CMOS_S, "IGZO 2T0C": TAU_OSFET_S},
            "scopes": {"analog": "per-operation: one attention layer's macro (12 heads), no QKV projections, "
                                 "no chip control or I/O (estimated)",
                       "gpu_measured": "board, power above idle x time (measured by the study)",
                       "gpu_roofline": "board all-in, or above idle, an ideal memory-bound GPU (estimated)"}}


def main(seed: int = 0, out_dir: str | Path = "results", quick: bool = False, data: str | Path | None = None) -> Path:
    """Trains (or loads) the FP char-lm, adapts it to gain-cell attention, evaluates, prices."""
    from cimsim.workloads.corpus import tiled_windows

    s = SETTINGS[bool(quick)]
    corpus, cfg, trained = char_lm(data, s, seed)
    adapted = adapt(corpus, cfg, trained["fp"], s, seed)
    lin_cfg, nl_cfg = _attention_cfgs(cfg.context)
    P = adapted["params"]
    arms = {"digital (softmax)": (trained["fp"], None),
            "digital, fine-tuned as long": (P["digital fine-tuned"], None), "linear": (P["linear"], lin_cfg),
            "nonlinear matched, not fine-tuned": (P["nonlinear matched"], nl_cfg),
            "nonlinear": (P["nonlinear"], nl_cfg), "nonlinear direct": (P["nonlinear direct"], nl_cfg)}
    for label, change in ABLATIONS.items():
        arms[f"nonlinear, {label}"] = (P["nonlinear"], dataclasses.replace(nl_cfg, **change))
    x, y = tiled_windows(corpus.encode(corpus.held_out), cfg.context, s["windows"])
    results = evaluate(cfg, arms, x, y)
    payload = provenance(NAME, seed, quick, {
        "model": "char-lm", "corpus": corpus.name, "corpus_sha256": corpus.sha256, "vocab": len(corpus.vocab),
        "lm": dataclasses.asdict(cfg), "eval_tokens": int(x.size), "eval_windows": int(x.shape[0]),
        "attention": {"tile_keys": TILE, "window": cfg.context, "q_levels": nl_cfg.q_levels,
                      "kv_levels": nl_cfg.kv_levels, "out_levels": nl_cfg.out_levels,
                      "decay_per_token": nl_cfg.decay_per_token, "s_sat": nl_cfg.s_sat, "out_scale": nl_cfg.out_scale},
        "steps": {k: s[k] for k in ("linear_steps", "match_steps", "nonlinear_steps")},
        "ablations": {k: {kk: vv for kk, vv in v.items()} for k, v in ABLATIONS.items()},
        "cache_key": trained["cache_key"]})
    payload["results"] = results
    payload["history"] = adapted["history"]
    payload["energy"] = energy()
    return finish(NAME, Path(out_dir), payload, plot)


def plot(data: dict, png: Path) -> None:
    """Left: held-out perplexity per arm (softmax fine-tuned as long dashed). Middle: the per-head ledger, ours beside the
    study's. Right: the energy ratio against an RTX 4090 (roofline fp32, board all-in) as the window, the
    batch (kernel overhead shared) and the retention time (refresh) change."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    res = data["results"]
    names = list(res)
    ppl = [res[n]["perplexity"] for n in names]
    ax = axes[0]
    ax.barh(range(len(names)), ppl, color=["tab:gray" if n.startswith("digital") else "tab:purple" for n in names])
    ref = res.get("digital, fine-tuned as long", res["digital (softmax)"])["perplexity"]
    ax.axvline(ref, color="k", ls="--", lw=0.8)
    ax.set_xlim(0.9 * min(ppl), 1.02 * max(ppl))
    ax.set_yticks(range(len(names)), names, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("held-out perplexity (lower is better)")
    ax.set_title("char-lm, attention on gain cells", fontsize=9)
    e = data["energy"]
    ax = axes[1]
    keys = ["phi_qk", "phi_sv", "dac", "digital"]
    w = 0.38
    xs = np.arange(len(keys))
    ax.bar(xs - w / 2, [1e9 * e["study_entries_J"][k] for k in keys], w, label="study (simulated)", color="tab:gray")
    ax.bar(xs + w / 2, [1e9 * e["entries_J"][k] for k in keys], w, label="cimsim, from parameters", color="tab:purple")
    ax.set_xticks(xs, ["phi(QK^T)", "phi(S)V", "DAC", "digital &\nrouting"])
    ax.set_ylabel("energy per head and token (nJ)")
    ax.legend(fontsize=8)
    ax.set_title("ledger at GPT-2 settings (window 1024, 16 tiles of 64)", fontsize=9)
    ax = axes[2]
    sw = e["sweeps"]
    ax.loglog([p["window"] for p in sw["window"]], [p["ratio"] for p in sw["window"]], "o-", label="window (tokens)")
    ax.loglog([p["batch"] for p in sw["batch"]], [p["ratio"] for p in sw["batch"]], "s-", label="batch (5 us per launch)")
    ax.set_xlabel("window or batch")
    ax.set_ylabel("GPU / analog energy per token")
    ax2 = ax.twiny()
    ax2.semilogx([p["tau_s"] for p in sw["tau"]], [p["ratio_vs_roofline_fp32"] for p in sw["tau"]], "^-",
                 color="tab:red", label="retention tau (s, top axis)")
    ax2.set_xlabel("retention time constant tau (s)", color="tab:red")
    meas = e["gpus"]["rtx4090"]["ratios"]["study: macro vs measured GPU above idle (the headline)"]
    ax.axhline(meas, color="k", ls=":", lw=0.8)
    ax.text(1, meas, " study's headline (measured GPU)", fontsize=7, va="bottom")
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.set_ylim(min(p["ratio"] for p in sw["window"]) / 2, 2 * meas)
    ax.legend(h1 + h2, l1 + l2, fontsize=7, loc="lower center")
    ax.set_title("vs RTX 4090 roofline (fp32, board all-in)", fontsize=9)
    fig.suptitle(f"gain-cell attention: {data['config']['corpus'].split(' (')[0]}, "
                 f"{data['config']['eval_tokens']} held-out characters; energy: Leroux et al. 2025 settings")
    fig.tight_layout()
    save_figure(fig, png)
