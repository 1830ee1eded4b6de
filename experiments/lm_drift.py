"""lm-drift: a character-level transformer language model on PCM crossbars, from 1 s to 1 year after
programming, trained in floating point (FP) and hardware-aware (HWA): held-out perplexity and
next-character accuracy, beside the digital model. The language-model counterpart of resnet-drift.

Model and training: cimsim.jx.lm (a GPT-2-style decoder, 2 blocks of d 96, 4 heads, context 64, trained
here with Adam on Debian's ``fortunes`` corpus; HWA fine-tunes the FP weights with cimsim.jx.HWAConfig
defaults and weight clipping). Every weight x activation product (q, k, v, o, the MLP, the head) is on PCM
tiles (preset PCM, GDC on); the embeddings, attention's q.k and p.v, softmax and LayerNorm are digital.

Pairing: noise seed s gives one key; both arms and every time use it the same way
(``AnalogModel.inference``), so per-seed values pair across arms and times.

Data: Debian's fortunes (``apt-get install fortunes``), every 10th fortune held out; ``data=PATH`` takes
any text file instead. Quick mode: fewer training steps and seeds (about a minute).

References: Radford et al. 2019 (GPT-2); Rasch et al., Nat. Commun. 14:5282 (2023) (HWA training);
Joshi et al., Nat. Commun. 11:2473 (2020) (PCM); docs/references.md s.14.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from cimsim.app.results import finish, provenance, pyplot, save_figure

from ._common import char_lm, time_axis

NAME = "lm-drift"
YEAR = 365.25 * 86400
TIMES = {"1 s": 1.0, "1 h": 3600.0, "1 d": 86400.0, "1 y": YEAR}
SETTINGS = {True: dict(fp_steps=150, hwa_steps=50, seeds=3, windows=64),
            False: dict(fp_steps=1500, hwa_steps=400, seeds=8, windows=256)}


def main(seed: int = 0, out_dir: str | Path = "results", quick: bool = False, data: str | Path | None = None) -> Path:
    """Trains (or loads from the cache) the FP and HWA char-lm, evaluates both on PCM at four times."""
    from cimsim.jx.lm import evaluate_arms
    from cimsim.workloads.corpus import tiled_windows

    s = SETTINGS[bool(quick)]
    corpus, cfg, trained = char_lm(data, s, seed)
    x, y = tiled_windows(corpus.encode(corpus.held_out), cfg.context, s["windows"])
    results = evaluate_arms(cfg, {"FP": trained["fp"], "HWA": trained["hwa"]}, x, y, times_s=tuple(TIMES.values()),
                            seeds=s["seeds"], seed=10_000 + seed, progress=True)
    payload = provenance(NAME, seed, quick, {
        "model": "char-lm", "corpus": corpus.name, "corpus_sha256": corpus.sha256, "vocab": len(corpus.vocab),
        "train_chars": len(corpus.train), "held_out_chars": len(corpus.held_out),
        "eval_tokens": int(x.size), "lm": dataclasses.asdict(cfg), "preset": "PCM", "noise_seeds": s["seeds"],
        "times": list(TIMES), "hwa_start": "fine-tuned from the FP weights", "cache_key": trained["cache_key"]})
    payload["times_s"] = list(TIMES.values())
    payload["history"] = trained["history"]
    payload["results"] = results
    return finish(NAME, Path(out_dir), payload, plot)


def plot(data: dict, png: Path) -> None:
    """Held-out perplexity (left) and next-character accuracy (right) against time after programming, mean
    and std over noise seeds, FP and HWA, with each arm's digital value as a dashed line."""
    plt = pyplot()
    t = np.asarray(data["times_s"])
    c = data["config"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    colors = {"FP": "tab:blue", "HWA": "tab:red"}
    for ax, metric, label, scale in ((axes[0], "perplexity", "held-out perplexity (lower is better)", 1.0),
                                     (axes[1], "accuracy", "next-character accuracy (%)", 100.0)):
        for arm, r in data["results"].items():
            pts = [r["analog"][str(float(tt))] for tt in t]
            m = scale * np.asarray([p[f"{metric}_mean"] for p in pts])
            sd = scale * np.asarray([p[f"{metric}_std"] for p in pts])
            ax.errorbar(t, m, yerr=sd, marker="o", capsize=3, color=colors[arm], label=f"{arm} on PCM")
            ax.axhline(scale * r["digital"][metric], color=colors[arm], ls="--", lw=0.8, label=f"{arm}, digital")
        time_axis(ax, t, c["times"], label)
        ax.legend(fontsize=8)
    lm = c["lm"]
    fig.suptitle(f"char-lm ({lm['n_layer']} blocks, d {lm['d_model']}, {lm['n_head']} heads, context "
                 f"{lm['context']}) on PCM: {c['corpus'].split(' (')[0]}, {c['eval_tokens']} held-out characters, "
                 f"{c['noise_seeds']} noise seeds")
    fig.tight_layout()
    save_figure(fig, png)
