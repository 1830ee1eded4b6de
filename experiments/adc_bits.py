"""adc-bits: test accuracy of the digits MLP on PCM crossbars (read 1 h after programming, GDC) vs ADC
resolution (4-10 bits), FP-trained vs HWA-trained with the same ADC resolution in the loop."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from ._common import finish, provenance, pyplot, save_figure
from ._hwa import evaluate, train

NAME = "adc-bits"


def main(seed: int = 0, out_dir: str | Path = "results", quick: bool = False) -> Path:
    """Evaluates FP and per-bits HWA MLPs at every ADC resolution."""
    from cimsim import ADC, presets
    from cimsim.jx import HWAConfig

    bits = [4, 6, 8] if quick else [4, 5, 6, 7, 8, 9, 10]
    seeds = 3 if quick else 10
    fp = train("mlp", None, seed, quick)
    res = {"FP": [], "HWA": []}
    with tqdm(total=len(bits), desc=NAME, leave=False) as bar:
        for b in bits:
            cfg = dataclasses.replace(presets.PCM, adc=ADC(bits=b, out_bound=10.0, out_noise=0.04))
            hwa = train("mlp", HWAConfig(eta=0.08, adc_bits=b), seed, quick)
            for name, params in (("FP", fp), ("HWA", hwa)):
                a = evaluate(params, cfg, 3600.0, seeds, seed)
                res[name].append([float(a.mean()), float(a.std())])
            bar.update()
    payload = provenance(NAME, seed, quick, {"model": "MLP 64-32-10", "adc_bits": bits, "noise_seeds": seeds,
                                             "t_s": 3600.0, "preset": "PCM"})
    payload["accuracy"] = res
    return finish(NAME, Path(out_dir), payload, plot)


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
