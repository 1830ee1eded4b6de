"""snn-crossbar: the digits SNN (64-32-10, 99.9th-percentile conversion, T = 20) with its synapses stored
on PCM crossbars: accuracy from 1 s to 10 years after programming, with and without global drift
compensation, beside the digital SNN. One point per noise seed."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from cimsim.app.results import pyplot, save_figure

from ._common import dodge, time_axis

NAME = "snn-crossbar"
YEAR = 365.25 * 86400
TIMES = {"1 s": 1.0, "1 h": 3600.0, "1 d": 86400.0, "1 y": YEAR, "10 y": 10 * YEAR}
T_STEPS = 20


def _setup(seed: int, quick: bool):
    from cimsim.workloads import load_digits_split, train_mlp
    from snn import convert_mlp

    x_tr, _, x_te, y_te = load_digits_split()
    if quick:
        x_te, y_te = x_te[:150], y_te[:150]
    return convert_mlp(train_mlp(seed=seed), x_tr), x_te, y_te


def points(quick: bool) -> list[dict]:
    """One point per noise seed (programming and read noise of every layer)."""
    return [{"key": f"seed-{s}"} for s in range(2 if quick else 5)]


def run_point(point: dict, entropy: list[int], quick: bool) -> dict:
    """Accuracy at every time, with and without GDC, for one programming of the synapses."""
    from cimsim import presets
    from snn import simulate
    from snn.crossbar import crossbar_weights

    snn, x, y = _setup(entropy[0], quick)
    times = list(TIMES.values())[:: 2 if quick else 1]
    out = {}
    for gdc in (False, True):
        cfg = dataclasses.replace(presets.PCM, gdc=gdc)
        accs = []
        for i, t_s in enumerate(times):
            rng = np.random.default_rng([*entropy, i])  # same programming and read draws for both arms
            Ws = crossbar_weights(snn.weights, cfg, t_s=t_s, rng=rng)
            accs.append(float(np.mean(simulate(Ws, snn.biases, snn.encode(x), steps=T_STEPS).predict(T_STEPS) == y)))
        out["gdc" if gdc else "no_gdc"] = accs
    return out


def reduce(pts: list[dict], results: list[dict], seed: int, quick: bool) -> dict:
    """Mean and std over seeds; the digital SNN for reference."""
    snn, x, y = _setup(seed, quick)
    digital = float(np.mean(snn.simulate(x, steps=T_STEPS).predict(T_STEPS) == y))
    labels = list(TIMES)[:: 2 if quick else 1]
    res = {k: {"mean": np.mean([r[k] for r in results], axis=0), "std": np.std([r[k] for r in results], axis=0)}
           for k in ("no_gdc", "gdc")}
    return {"config": {"model": "MLP 64-32-10 as SNN", "T": T_STEPS, "normalization": "percentile 99.9",
                       "preset": "PCM", "noise_seeds": len(pts), "times": labels},
            "times_s": [TIMES[k] for k in labels], "accuracy": res, "digital_snn_accuracy": digital}


def main(seed: int = 0, out_dir: str | Path = "results", quick: bool = False, **sweep) -> Path:
    """Runs the sweep (resumable; see experiments._sweep)."""
    import sys

    from ._sweep import run

    return run(sys.modules[__name__], seed, out_dir, quick, **sweep)


def plot(data: dict, png: Path) -> None:
    """Accuracy vs time, with and without GDC, and the digital SNN line."""
    plt = pyplot()
    t = np.asarray(data["times_s"])
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for i, (key, label) in enumerate((("no_gdc", "synapses on PCM, no GDC"), ("gdc", "synapses on PCM, GDC"))):
        m, s = 100 * np.asarray(data["accuracy"][key]["mean"]), 100 * np.asarray(data["accuracy"][key]["std"])
        ax.errorbar(dodge(t, i, 2), m, yerr=s, marker="o", capsize=3, label=label)
    ax.axhline(100 * data["digital_snn_accuracy"], color="k", ls="--", label="digital SNN")
    time_axis(ax, t, data["config"]["times"], "test accuracy (%)")
    ax.set_title(f"digits SNN (T = {data['config']['T']}) with PCM synapses")
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, png)
