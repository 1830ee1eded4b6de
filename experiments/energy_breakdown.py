"""energy-breakdown: where the energy of one digits-MLP inference goes.

Crossbar (bottom-up ledger of `cimsim compare`): ADC vs DAC vs array vs digital vs SRAM.
Spiking network (when the snn package is available): SOPs vs neuron updates vs spikes vs input MACs.
GPU (roofline, FP16, batch 1 and the data-centre batch): idle power vs busy time (compute- or
memory-bound) vs launch overhead.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cimsim.app import compare
from cimsim.app.results import finish, provenance, pyplot, save_figure

NAME = "energy-breakdown"


def _gpu_split(rf: dict) -> dict[str, float]:
    """Energy per inference of a roofline run split into idle, compute-busy, memory-busy and overhead."""
    from cimsim.energy import load_gpu

    g = next(load_gpu(k) for k in ("h100", "a100", "orin") if load_gpu(k).name == rf["gpu"])
    dyn, s, split = g.power_limit_W - g.idle_W, rf["clock_scale"], {"idle": 0.0, "compute": 0.0, "memory": 0.0}
    for layer in rf["layers"]:
        split["idle"] += g.idle_W * layer["t_s"]
        busy = dyn * layer["utilization"] * s**3 * layer["t_s"]
        split["compute" if layer["t_compute_s"] >= layer["t_memory_s"] else "memory"] += busy
    return {k: v / rf["batch"] for k, v in split.items()}


def main(seed: int = 0, out_dir: str | Path = "results", quick: bool = False) -> Path:
    """Runs compare's workload and writes the split of each system's energy."""
    from cimsim.app.snn_rows import snn_row

    res = compare.run(seed=seed, noise_seeds=2 if quick else 5, progress=False, snn_row=snn_row)
    bars = {"PCM crossbar": res["ledgers"]["crossbar_bottom_up"]["by_component_J_per_inference"]}
    if res["snn"]["available"]:
        bars["SNN"] = res["snn"]["by_component_J_per_inference"]
    for key, rf in res["gpu"].items():
        if key.startswith("fp16"):
            bars[f"GPU FP16 batch {rf['batch']}"] = _gpu_split(rf)
    payload = provenance(NAME, seed, quick, res["config"])
    payload["breakdown_J_per_inference"] = bars
    payload["snn"] = res["snn"]
    return finish(NAME, Path(out_dir), payload, plot)


def plot(data: dict, png: Path) -> None:
    """One horizontal stacked bar per system, as fractions, with the total energy printed."""
    plt = pyplot()
    bars = data["breakdown_J_per_inference"]
    fig, axes = plt.subplots(len(bars), 1, figsize=(11, 1.1 * len(bars) + 0.8))
    axes = np.atleast_1d(axes)
    for ax, (system, parts) in zip(axes, bars.items()):
        total = sum(parts.values())
        left = 0.0
        for k, val in sorted(parts.items(), key=lambda kv: -kv[1]):
            frac = val / total if total else 0.0
            ax.barh(0, frac, left=left, label=f"{k} ({100 * frac:.0f} %)")
            left += frac
        ax.set_xlim(0, 1)
        ax.set_yticks([])
        ax.set_title(f"{system}: {total:.3g} J per inference", fontsize=9, loc="left")
        ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    axes[-1].set_xlabel("fraction of the energy per inference")
    fig.tight_layout()
    save_figure(fig, png)
