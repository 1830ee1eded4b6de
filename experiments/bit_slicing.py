"""bit-slicing: accuracy and energy per inference over weight slices x bits per cell x input bits per cycle.

The digits MLP (64-32-10, numpy/numba path) and, in full mode, the digits CNN (JAX path through the same
equations) on the PCM preset read 1 h after programming, every weight stored over k slices of b-bit cells
(differential pairs, shift-and-add) and inputs applied whole (pulse width) or c bits per cycle. Energy:
the counts of the simulated reads (every slice and cycle) priced on a HERMES-like 14 nm chip
(cimsim.energy.hermes_like) per operation (core) and all-in (chip, a lower bound).
"""

from __future__ import annotations

import dataclasses
from itertools import product
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from cimsim.app.results import finish, provenance, pyplot

NAME = "bit-slicing"


def _grid(quick: bool) -> list[tuple[int, int, int | None]]:
    if quick:
        return list(product((1, 2), (1, 2), (None, 1)))
    return [g for g in product((1, 2, 4), (1, 2, 4), (None, 1, 4)) if g[0] * g[1] <= 8]


def _design(inputs: int | None):
    from cimsim.energy import hermes_like

    return hermes_like(input_scheme="pulse-width" if inputs is None else "bit-serial")


def _mlp_point(mlp, cfg, inputs, seeds, seed) -> dict:
    from cimsim.energy import price_design
    from cimsim.workloads import crossbar_accuracy

    xb = crossbar_accuracy(mlp, cfg, t_s=3600.0, seeds=seeds, seed=seed)
    r = price_design(xb.counts, _design(inputs), layers=mlp.layers, cell_read_J=xb.cell_read_J,
                     inferences=xb.inferences, counts_per_read=True)
    return {"accuracy": xb.mean, "accuracy_std": xb.std, "core_J": r.core.per_inference_J,
            "chip_J": r.chip.per_inference_J, "adc_conversions_per_inference": xb.counts.adc_conversions / xb.inferences}


def _cnn_points(grid, seeds: int, seed: int) -> list[dict]:
    """The digits CNN (3x3 conv, 8 channels; dense 72 -> 10) on crossbars through cimsim.jx."""
    import jax
    import jax.numpy as jnp

    from cimsim import presets, program
    from cimsim.energy import price_design
    from cimsim.jx import fit, models
    from cimsim.slicing import Slicing
    from cimsim.workloads import load_digits_split

    x_tr, y_tr, x_te, y_te = load_digits_split()
    params = fit(models.init_cnn(jax.random.PRNGKey(seed)), models.cnn_forward, x_tr, y_tr,
                 key=jax.random.PRNGKey(seed + 1), hwa=None, epochs=30)
    keys = jax.random.split(jax.random.PRNGKey(seed + 2), seeds)
    out = []
    for k, bpc, inputs in tqdm(grid, desc=f"{NAME} (CNN)", leave=False):
        cfg = dataclasses.replace(presets.PCM, slicing=Slicing(k, bpc, "differential", inputs))
        acc = np.asarray(models.crossbar_accuracy_seeds(params, jnp.asarray(x_te, jnp.float32), jnp.asarray(y_te),
                                                        cfg, 3600.0, keys, model="cnn"))
        n = len(y_te)
        (Wc, _), (Wd, _) = params  # conv: 36 patches of 9 inputs per image; dense: one 72-vector per image
        counts = (program(np.asarray(Wc, np.float64), cfg, rng=np.random.default_rng(0)).op_counts(36 * n)
                  + program(np.asarray(Wd, np.float64), cfg, rng=np.random.default_rng(0)).op_counts(n))
        r = price_design(counts, _design(inputs), layers=[(9, 8), (72, 10)], inferences=n, counts_per_read=True)
        out.append({"model": "CNN", "slices": k, "bits_per_cell": bpc, "input_bits_per_cycle": inputs,
                    "accuracy": float(acc.mean()), "accuracy_std": float(acc.std()), "core_J": r.core.per_inference_J,
                    "chip_J": r.chip.per_inference_J, "adc_conversions_per_inference": counts.adc_conversions / n})
    return out


def main(seed: int = 0, out_dir: str | Path = "results", quick: bool = False) -> Path:
    """Runs the grid on the MLP (and the CNN in full mode); writes bit-slicing.json, then the figure."""
    from cimsim import presets
    from cimsim.slicing import Slicing
    from cimsim.workloads import train_mlp

    seeds = 2 if quick else 10
    grid = _grid(quick)
    mlp = train_mlp((32,), seed=seed)
    points = []
    for k, bpc, inputs in tqdm(grid, desc=NAME, leave=False):
        cfg = dataclasses.replace(presets.PCM, slicing=Slicing(k, bpc, "differential", inputs))
        points.append({"model": "MLP", "slices": k, "bits_per_cell": bpc, "input_bits_per_cycle": inputs,
                       **_mlp_point(mlp, cfg, inputs, seeds, seed)})
    if not quick:
        points += _cnn_points(grid, seeds, seed)
    payload = provenance(NAME, seed, quick, {"preset": "PCM", "t_s": 3600.0, "noise_seeds": seeds,
                                             "weights": "differential, sign-magnitude",
                                             "inputs": "8-bit sign-magnitude DAC; None = whole code per read",
                                             "energy": "HERMES-like 14 nm design, counts of every simulated read"})
    payload["points"] = points
    return finish(NAME, Path(out_dir), payload, plot)


def plot(data: dict, png: Path) -> None:
    """Accuracy vs chip energy per inference, one panel per model."""
    plt = pyplot()
    models_ = sorted({p["model"] for p in data["points"]}, reverse=True)
    fig, axes = plt.subplots(1, len(models_), figsize=(6.5 * len(models_), 4.6), squeeze=False)
    colors = {1: "tab:blue", 2: "tab:orange", 4: "tab:green"}
    markers = {1: "o", 2: "s", 4: "D"}
    for ax, model in zip(axes[0], models_):
        for p in (q for q in data["points"] if q["model"] == model):
            filled = p["input_bits_per_cycle"] is None
            ax.errorbar(p["chip_J"], 100 * p["accuracy"], yerr=100 * p["accuracy_std"], fmt=markers[p["slices"]],
                        color=colors[p["bits_per_cell"]], mfc=colors[p["bits_per_cell"]] if filled else "white",
                        capsize=2, ms=7)
            ax.annotate(f"{p['slices']}x{p['bits_per_cell']}b/{p['input_bits_per_cycle'] or 'pw'}",
                        (p["chip_J"], 100 * p["accuracy"]), fontsize=7, xytext=(4, 2), textcoords="offset points")
        ax.set_xscale("log")
        ax.set_xlabel("energy per inference, chip all-in (J; HERMES-like 14 nm, lower bound)")
        ax.set_ylabel("test accuracy at 1 h (%)")
        ax.set_title(f"digits {model} on PCM: slices x bits/cell / input bits per cycle")
        ax.grid(alpha=0.3)
    handles = ([plt.Line2D([], [], color=c, marker="o", ls="", label=f"{b}-bit cells") for b, c in colors.items()]
               + [plt.Line2D([], [], color="k", marker=m, ls="", mfc="white", label=f"{k} slice(s)")
                  for k, m in markers.items()]
               + [plt.Line2D([], [], color="k", marker="o", ls="", label="pulse width (filled)"),
                  plt.Line2D([], [], color="k", marker="o", ls="", mfc="white", label="bit-serial (open)")])
    axes[0][-1].legend(handles=handles, fontsize=7, loc="lower right")
    fig.tight_layout()
    from cimsim.app.results import save_figure

    save_figure(fig, png)
