"""Helpers that only the experiments use: plotting, and the char-lm that lm-drift and gain-cell-attention share.

Result writing shared with the rest of the application (provenance, atomic JSON, figure saving, JSON then
figure) lives in ``cimsim.app.results``.
"""

from __future__ import annotations


def dodge(t_s, i: int, n: int, decades: float = 0.05):
    """Times of series i of n shifted sideways on a log axis (by +-decades/2 per step), so that error bars
    of series measured at the same times do not hide each other."""
    import numpy as np

    return np.asarray(t_s) * 10.0 ** ((i - (n - 1) / 2) * decades)


def time_axis(ax, t_s, labels, ylabel: str) -> None:
    """Log time axis labelled with the times' names (1 s, 1 h, ..., 10 y), grid, y label."""
    import numpy as np

    ax.set_xscale("log")
    t = np.asarray(t_s, dtype=float)
    lifted, shown = False, []
    for i, label in enumerate(labels):  # a label closer than 0.8 decades to the previous one goes a line lower
        lifted = i > 0 and not lifted and np.log10(t[i] / t[i - 1]) < 0.8
        shown.append("\n" + label if lifted else label)
    ax.set_xticks(t_s, shown)
    ax.minorticks_off()
    ax.set_xlabel("time after programming")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)


def char_lm(data, settings: dict, seed: int):
    """The corpus (Debian's fortunes, or ``data``), the char-lm configuration of ``settings`` (fp_steps,
    hwa_steps) and its trained FP and HWA weights (cimsim.jx.lm.train_char_lm, cached): (corpus, cfg, trained)."""
    from cimsim.jx.lm import CharLMConfig, train_char_lm
    from cimsim.workloads.corpus import load_corpus, split_corpus

    text, name = load_corpus(data)
    corpus = split_corpus(text, name)
    cfg = CharLMConfig(vocab=len(corpus.vocab), fp_steps=settings["fp_steps"], hwa_steps=settings["hwa_steps"])
    return corpus, cfg, train_char_lm(corpus, cfg, seed=seed)
