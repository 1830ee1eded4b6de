"""hwa-noise-grid: the analogue of Joshi et al. 2020 Fig. 2: test accuracy of the digits MLP over a grid of
training weight noise eta_tr x inference weight noise eta_inf (0-10 % of max |W|, additive Gaussian),
converters ideal so that only the noise acts; mean over noise seeds."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cimsim.app.results import pyplot, save_figure

from ._hwa import digital_noisy, train

NAME = "hwa-noise-grid"


def _etas(quick: bool) -> list[float]:
    return [0.0, 0.04, 0.08] if quick else [0.0, 0.02, 0.04, 0.06, 0.08, 0.10]


def points(quick: bool) -> list[dict]:
    """One point per training noise: train once, evaluate at every inference noise."""
    return [{"key": f"eta_tr={e:g}", "eta_tr": e} for e in _etas(quick)]


def run_point(point: dict, entropy: list[int], quick: bool) -> dict:
    """Accuracy of one trained MLP at every inference noise."""
    from cimsim.jx import HWAConfig

    seed = entropy[0]  # the same initialization for every row: rows differ only in training noise
    eta_tr = point["eta_tr"]
    hwa = HWAConfig(eta=eta_tr, dac_bits=None, adc_bits=None, out_noise=0.0) if eta_tr > 0 else None
    params = train("mlp", hwa, seed, quick)
    # 20 noise seeds in both modes (cheap digital passes): the paired --check needs them to resolve the effect
    accs = [digital_noisy(params, e, 20, seed) for e in _etas(quick)]  # the same noise keys in every row
    return {"accuracy": [float(a.mean()) for a in accs], "per_seed": [a.tolist() for a in accs]}


def reduce(pts: list[dict], results: list[dict], seed: int, quick: bool) -> dict:
    """The grid, rows eta_tr, columns eta_inf; per_seed (rows, columns, seeds) pairs rows for the --check."""
    from ._hwa import data

    return {"config": {"model": "MLP 64-32-10", "eta": _etas(quick), "noise_seeds": 20,
                       "test_images": len(data()[3])},
            "accuracy": [r["accuracy"] for r in results], "per_seed": [r.get("per_seed") for r in results],
            "published": {"source": "Joshi et al. 2020 Fig. 2 (trend)",
                          "trend": "training noise raises accuracy under inference noise, up to eta_tr ~ eta_inf"}}


def main(seed: int = 0, out_dir: str | Path = "results", quick: bool = False, **sweep) -> Path:
    """Runs the sweep (resumable; see experiments._sweep)."""
    import sys

    from ._sweep import run

    return run(sys.modules[__name__], seed, out_dir, quick, **sweep)


def plot(data: dict, png: Path) -> None:
    """Heat map of accuracy, rows eta_tr, columns eta_inf."""
    plt = pyplot()
    etas = 100 * np.asarray(data["config"]["eta"])
    acc = 100 * np.asarray(data["accuracy"])
    fig, ax = plt.subplots(figsize=(6, 5))
    im = ax.imshow(acc, origin="lower", cmap="viridis")
    for i in range(len(etas)):
        for j in range(len(etas)):
            bright = im.norm(acc[i, j]) > 0.6  # viridis is light above ~60 %: dark text there
            ax.text(j, i, f"{acc[i, j]:.1f}", ha="center", va="center", fontsize=7, color="k" if bright else "w")
    ax.set_xticks(range(len(etas)), [f"{e:g}" for e in etas])
    ax.set_yticks(range(len(etas)), [f"{e:g}" for e in etas])
    ax.set_xlabel("inference weight noise eta_inf (% of max|W|)")
    ax.set_ylabel("training weight noise eta_tr (%)")
    fig.colorbar(im, label="test accuracy (%)")
    ax.set_title("digits MLP: training vs inference noise")
    fig.tight_layout()
    save_figure(fig, png)
