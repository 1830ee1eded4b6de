"""``cimsim compare --workload char-lm``: the character-level transformer trained here (cimsim.jx.lm, FP and
HWA; weights cached), its held-out perplexity and next-character accuracy digitally and on PCM, its energy
per output token on the CIM chip and the GPUs from its own shape (as the shape-only language models of
cimsim.app.workloads), and its attention alone on gain-cell arrays against the GPU.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from cimsim.energy import Facility, load_gpu, load_table

from .workloads import run_lm


CHAR_LM = {False: dict(fp_steps=1500, hwa_steps=400, seeds=5, windows=256, model={}),
           True: dict(fp_steps=60, hwa_steps=20, seeds=2, windows=8, model=dict(d_model=32, d_ff=128))}


def run_char_lm(*, data: str | None = None, seed: int = 0, gpu: str = "h100", batch: int = 64, prompt: int = 32,
                output: int = 32, t_s: float = 3600.0, quick: bool = False, facility: Facility | None = None,
                energy_table: str | None = None, progress: bool = True) -> dict[str, Any]:
    """The character-level transformer trained here (cimsim.jx.lm, FP and HWA; weights cached), its held-out
    perplexity and next-character accuracy digitally and on PCM at ``t_s``, and its energy per output token
    on the CIM chip and the GPUs from its own shape, as for the shape-only language models."""
    from cimsim.jx.lm import CharLMConfig, evaluate_arms, train_char_lm
    from cimsim.workloads.corpus import load_corpus, split_corpus, tiled_windows

    s = CHAR_LM[bool(quick)]
    text, name = load_corpus(data)
    corpus = split_corpus(text, name)
    cfg = CharLMConfig(vocab=len(corpus.vocab), fp_steps=s["fp_steps"], hwa_steps=s["hwa_steps"], **s["model"])
    if prompt + output > cfg.context:
        raise ValueError(f"char-lm: prompt + output tokens ({prompt} + {output}) exceed its context of {cfg.context}")
    trained = train_char_lm(corpus, cfg, seed=seed, progress=progress)
    x, y = tiled_windows(corpus.encode(corpus.held_out), cfg.context, s["windows"])
    ev = evaluate_arms(cfg, {"FP": trained["fp"], "HWA": trained["hwa"]}, x, y, times_s=(t_s,), seeds=s["seeds"],
                       seed=10_000 + seed, progress=progress)
    shape = cfg.shape()
    SHAPES_LOCAL = {"char-lm": shape}  # noqa: N806 - run_lm looks shapes up by key
    result = run_lm("char-lm", gpu=gpu, batch=batch, prompt=prompt, output=output, facility=facility,
                    energy_table=energy_table, progress=progress, shapes=SHAPES_LOCAL)
    pcm = ev["HWA"]["analog"][str(float(t_s))]
    for r in result["rows"]:
        if r["kind"] == "cim":
            r.update(accuracy=pcm["accuracy_mean"], accuracy_std=pcm["accuracy_std"],
                     perplexity=pcm["perplexity_mean"], perplexity_std=pcm["perplexity_std"])
            r["notes"] += f"; HWA-trained on PCM at t = {t_s:g} s"
        else:
            r.update(accuracy=ev["FP"]["digital"]["accuracy"], perplexity=ev["FP"]["digital"]["perplexity"])
    result["workload"].update(
        kind="language model", name="char-lm", corpus=corpus.name, corpus_sha256=corpus.sha256,
        accuracy={"available": True, "metric": "held-out perplexity and next-character accuracy",
                  "reason": f"held-out perplexity: FP digital {ev['FP']['digital']['perplexity']:.2f}, "
                            f"HWA on PCM at {t_s:g} s {pcm['perplexity_mean']:.2f} +- {pcm['perplexity_std']:.2f}",
                  "evaluation": ev, "eval_tokens": int(x.size)},
        trained={"cache_key": trained["cache_key"], "cached": trained["cached"], "history": trained["history"],
                 "lm": dataclasses.asdict(cfg)})
    result["config"].update(seed=seed, t_s=t_s, quick=quick, data=data)
    result["attention"] = char_lm_attention(cfg, gpu, batch, energy_table)
    return result


def char_lm_attention(cfg, gpu: str, batch: int, energy_table: str | None = None) -> dict[str, Any]:
    """The char-lm's attention alone (every layer and head, per generated token at a full window): on
    gain-cell arrays (Leroux et al. 2025's macro at the char-lm's size, cimsim.energy.gaincell) and on the
    GPU (the roofline of the same decode attention, fp16 KV cache, launches shared by the batch)."""
    from cimsim.energy.gaincell import GainCellMacro, gpu_attention
    from cimsim.energy.gpu import KERNEL_OVERHEAD_S

    tables = (load_table(energy_table),) if energy_table else ()
    heads = cfg.n_head * cfg.n_layer
    macro = GainCellMacro(window=cfg.context, head_dim=cfg.d_model // cfg.n_head, tile_keys=16)
    led = macro.ledger(heads)
    g = load_gpu(gpu, tables=tables)
    ga = gpu_attention(g, window=cfg.context, head_dim=cfg.d_model // cfg.n_head, heads=cfg.n_head,
                       layers=cfg.n_layer, precision="fp16", batch=batch, kernel_overhead_s=KERNEL_OVERHEAD_S)
    return {
        "rows": [{"system": "gain-cell analog attention (Leroux et al. 2025 macro)", "energy_J_per_token": led.total_J,
                  "latency_s_per_token": macro.latency_s(), "scope": "per-operation (attention macro)",
                  "label": "estimated", "by_entry_J": macro.entries_J(heads)},
                 {"system": f"GPU {g.name} FP16 KV cache, batch {batch}", "energy_J_per_token": ga["energy_J_per_token"],
                  "latency_s_per_token": ga["latency_s_per_token"], "scope": "board all-in", "label": "estimated"}],
        "ratio_gpu_over_analog": ga["energy_J_per_token"] / led.total_J,
        "window": cfg.context, "heads_x_layers": heads, "tile_keys": 16, "macro": macro.to_dict(),
        "notes": "attention only (q K^T and p V over the KV cache; no projections): macro per-operation against a "
                 "board; accuracy of the char-lm on gain-cell attention: cimsim reproduce gain-cell-attention",
    }
