"""hwa-drift: test accuracy of the digits MLP on PCM crossbars at t = 1 s, 1 h, 1 d, 1 y, 10 y after
programming, for {FP-trained, HWA-trained} x {no GDC, GDC}, mean and std over noise seeds (20 in full mode,
10 in quick mode). Every arm and every time is evaluated with the SAME noise keys (programming, read and
per-MVM draws; GDC draws nothing), and the per-seed accuracies are kept, so that the --check compares arms
by paired differences (experiments/_checks.py).
docs/references.md s.2 pilot: FP at 1 y 94.2 +- 1.8 % (no GDC), 95.2 +- 1.2 % (GDC); HWA (eta 8 %) 96.6 / 96.8 %."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from cimsim.app.results import finish, provenance, pyplot, save_figure

from ._common import dodge, time_axis
from ._hwa import data, evaluate, train

NAME = "hwa-drift"
YEAR = 365.25 * 86400
TIMES = {"1 s": 1.0, "1 h": 3600.0, "1 d": 86400.0, "1 y": YEAR, "10 y": 10 * YEAR}


def main(seed: int = 0, out_dir: str | Path = "results", quick: bool = False) -> Path:
    """Trains FP and HWA MLPs, evaluates on PCM at five times with/without GDC."""
    from cimsim import presets
    from cimsim.jx import HWAConfig

    seeds = 10 if quick else 20  # evaluation is one vmapped pass: seeds are cheap, training is not
    times = {k: TIMES[k] for k in (("1 s", "1 y") if quick else TIMES)}
    trained = {"FP": train("mlp", None, seed, quick), "HWA": train("mlp", HWAConfig(eta=0.08), seed, quick)}
    results = {}
    with tqdm(total=4 * len(times), desc=NAME, leave=False) as bar:
        for tname, params in trained.items():
            for gdc in (False, True):
                cfg = dataclasses.replace(presets.PCM, gdc=gdc)
                accs = []
                for t_s in times.values():
                    accs.append(evaluate(params, cfg, t_s, seeds, seed))
                    bar.update()
                accs = np.asarray(accs)
                results[f"{tname}, {'GDC' if gdc else 'no GDC'}"] = {"mean": accs.mean(axis=1), "std": accs.std(axis=1),
                                                                      "per_seed": accs}  # (times, seeds)
    payload = provenance(NAME, seed, quick, {"model": "MLP 64-32-10", "preset": "PCM", "noise_seeds": seeds,
                                             "hwa_eta": 0.08, "times": list(times), "test_images": len(data()[3])})
    payload["times_s"] = list(times.values())
    payload["accuracy"] = results
    payload["published"] = {"source": "docs/references.md s.2 pilot (1 y)", "FP, no GDC": 0.942, "FP, GDC": 0.952,
                            "HWA, no GDC": 0.966, "HWA, GDC": 0.968}
    return finish(NAME, Path(out_dir), payload, plot)


def plot(data: dict, png: Path) -> None:
    """Accuracy vs time after programming, four curves with std bands."""
    plt = pyplot()
    t = np.asarray(data["times_s"])
    fig, ax = plt.subplots(figsize=(7, 4))
    for i, (name, r) in enumerate(data["accuracy"].items()):
        m, s = 100 * np.asarray(r["mean"]), 100 * np.asarray(r["std"])
        ax.errorbar(dodge(t, i, len(data["accuracy"])), m, yerr=s, marker="o", capsize=3, label=name,
                    ls="-" if "HWA" in name else "--")
    time_axis(ax, t, data["config"]["times"], "test accuracy (%)")
    ax.set_title(f"digits MLP on PCM, {data['config']['noise_seeds']} noise seeds")
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, png)
