"""hwa-noise-grid: the analogue of Joshi et al. 2020 Fig. 2: test accuracy of the digits MLP over a grid of
training weight noise eta_tr x inference weight noise eta_inf (0-10 % of max |W|, additive Gaussian),
converters ideal so that only the noise acts; mean over noise seeds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from ._common import finish, provenance, pyplot, save_figure
from ._hwa import digital_noisy, train

NAME = "hwa-noise-grid"


def main(seed: int = 0, out_dir: str | Path = "results", quick: bool = False) -> Path:
    """Trains one MLP per eta_tr, evaluates each at every eta_inf."""
    from cimsim.jx import HWAConfig

    etas = [0.0, 0.04, 0.08] if quick else [0.0, 0.02, 0.04, 0.06, 0.08, 0.10]
    seeds = 3 if quick else 10
    grid = np.zeros((len(etas), len(etas)))
    with tqdm(total=len(etas), desc=NAME, leave=False) as bar:
        for i, eta_tr in enumerate(etas):
            hwa = HWAConfig(eta=eta_tr, dac_bits=None, adc_bits=None, out_noise=0.0) if eta_tr > 0 else None
            params = train("mlp", hwa, seed, quick)
            for j, eta_inf in enumerate(etas):
                grid[i, j] = digital_noisy(params, eta_inf, seeds, seed).mean()
            bar.update()
    payload = provenance(NAME, seed, quick, {"model": "MLP 64-32-10", "eta": etas, "noise_seeds": seeds})
    payload["accuracy"] = grid
    payload["published"] = {"source": "Joshi et al. 2020 Fig. 2 (trend)",
                            "trend": "training noise raises accuracy under inference noise, up to eta_tr ~ eta_inf"}
    return finish(NAME, Path(out_dir), payload, plot)


def plot(data: dict, png: Path) -> None:
    """Heat map of accuracy, rows eta_tr, columns eta_inf."""
    plt = pyplot()
    etas = 100 * np.asarray(data["config"]["eta"])
    acc = 100 * np.asarray(data["accuracy"])
    fig, ax = plt.subplots(figsize=(6, 5))
    im = ax.imshow(acc, origin="lower", cmap="viridis")
    for i in range(len(etas)):
        for j in range(len(etas)):
            ax.text(j, i, f"{acc[i, j]:.1f}", ha="center", va="center", fontsize=7, color="w")
    ax.set_xticks(range(len(etas)), [f"{e:g}" for e in etas])
    ax.set_yticks(range(len(etas)), [f"{e:g}" for e in etas])
    ax.set_xlabel("inference weight noise eta_inf (% of max|W|)")
    ax.set_ylabel("training weight noise eta_tr (%)")
    fig.colorbar(im, label="test accuracy (%)")
    ax.set_title("digits MLP: training vs inference noise")
    fig.tight_layout()
    save_figure(fig, png)
