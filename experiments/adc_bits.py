"""adc-bits: test accuracy of the digits MLP on PCM crossbars (read 1 h after programming, GDC) vs ADC
resolution (4-10 bits), FP-trained vs HWA-trained with the same ADC resolution in the loop."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from cimsim.app.results import pyplot, save_figure

from ._hwa import evaluate, train

NAME = "adc-bits"


def _bits(quick: bool) -> list[int]:
    return [4, 8] if quick else [4, 5, 6, 7, 8, 9, 10]


def points(quick: bool) -> list[dict]:
    """The FP-trained MLP evaluated at every resolution; one HWA training per resolution."""
    return [{"key": "fp", "kind": "fp"}] + [{"key": f"hwa-{b}", "kind": "hwa", "bits": b} for b in _bits(quick)]


def _cfg(b):
    from cimsim import ADC, presets

    return dataclasses.replace(presets.PCM, adc=ADC(bits=b, out_bound=10.0, out_noise=0.04))


def run_point(point: dict, entropy: list[int], quick: bool) -> dict:
    """[mean, std] accuracies of the point's model(s)."""
    from cimsim.jx import HWAConfig

    seeds = 3 if quick else 10
    seed = entropy[0]  # the same training and noise seeds for FP and HWA: only the training differs
    if point["kind"] == "fp":
        params = train("mlp", None, seed, quick)
        return {"acc": [[float(a.mean()), float(a.std())] for a in
                        (evaluate(params, _cfg(b), 3600.0, seeds, seed) for b in _bits(quick))]}
    params = train("mlp", HWAConfig(eta=0.08, adc_bits=point["bits"]), seed, quick)
    a = evaluate(params, _cfg(point["bits"]), 3600.0, seeds, seed)
    return {"acc": [float(a.mean()), float(a.std())]}


def reduce(pts: list[dict], results: list[dict], seed: int, quick: bool) -> dict:
    """FP and HWA curves over the resolutions."""
    by = {p["key"]: r for p, r in zip(pts, results)}
    return {"config": {"model": "MLP 64-32-10", "adc_bits": _bits(quick), "noise_seeds": 3 if quick else 10,
                       "t_s": 3600.0, "preset": "PCM"},
            "accuracy": {"FP": by["fp"]["acc"], "HWA": [by[f"hwa-{b}"]["acc"] for b in _bits(quick)]}}


def main(seed: int = 0, out_dir: str | Path = "results", quick: bool = False, **sweep) -> Path:
    """Runs the sweep (resumable; see experiments._sweep)."""
    import sys

    from ._sweep import run

    return run(sys.modules[__name__], seed, out_dir, quick, **sweep)


def plot(data: dict, png: Path) -> None:
    """Accuracy vs ADC bits for FP and HWA training."""
    plt = pyplot()
    bits = data["config"]["adc_bits"]
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, vals in data["accuracy"].items():
        v = 100 * np.asarray(vals)
        ax.errorbar(bits, v[:, 0], yerr=v[:, 1], marker="o", capsize=3, label=f"{name}-trained")
    ax.set_xlabel("ADC bits")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title("digits MLP on PCM (1 h, GDC)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    save_figure(fig, png)
