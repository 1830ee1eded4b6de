"""energy-breakdown: where the energy of one digits-MLP inference goes, scope by scope.

PCM CIM (the 14 nm HERMES-like design of `cimsim compare`, component models at one node):
  core, per-operation     row drives and pulse widths (DTC), ADC conversions, cell reads, post-processing
  chip, all-in            the core plus registers, the activation buffer and the leakage of every tile for
                          the latency (a lower bound: no control or clocking)
  chip, bit-serial        the same chip reading its 8-bit inputs one bit per read: 8 ADC conversions per
                          column and MVM, the DAC and the ADC one circuit
Spiking network (when the snn package is available): SOPs vs neuron updates vs spikes vs input MACs.
GPU (roofline, board all-in, FP16, batch 1 and the data-centre batch): static (idle power x time) vs
dynamic (compute- or memory-busy) vs launch overhead.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cimsim.app import compare
from cimsim.app.results import finish, provenance, pyplot, save_figure
from cimsim.energy import hermes_like, load_gpu, price_design

NAME = "energy-breakdown"


def _gpu_split(rf: dict) -> dict[str, float]:
    """Energy per inference of a roofline run split into static (idle power x time) and the dynamic energy
    of compute-bound and memory-bound busy time."""
    g = next(load_gpu(k) for k in ("h100", "a100", "orin") if load_gpu(k).name == rf["gpu"])
    dyn, s = g.power_limit_W - g.idle_W, rf["clock_scale"]
    split = {"static: idle power x time": 0.0, "dynamic: compute-bound": 0.0, "dynamic: memory-bound": 0.0}
    for layer in rf["layers"]:
        split["static: idle power x time"] += g.idle_W * layer["t_s"]
        busy = dyn * layer["utilization"] * s**3 * layer["t_s"]
        split["dynamic: compute-bound" if layer["t_compute_s"] >= layer["t_memory_s"] else "dynamic: memory-bound"] += busy
    return {k: val / rf["batch"] for k, val in split.items()}


def main(seed: int = 0, out_dir: str | Path = "results", quick: bool = False) -> Path:
    """Runs compare's workload and writes the split of each system's energy, with its scope."""
    from cimsim.app.snn_rows import snn_row

    res = compare.run(seed=seed, noise_seeds=2 if quick else 5, progress=False, snn_row=snn_row)
    lg = res["ledgers"]
    serial = price_design(res["crossbar"]["counts_per_test_pass"], hermes_like(input_scheme="bit-serial"),
                          layers=res["workload"]["layers"], cell_read_J=res["crossbar"]["cell_read_J"],
                          inferences=res["workload"]["test_images"])
    bars = [("PCM CIM core, pulse-width", "per-operation", lg["cim_core"]["by_component_J_per_inference"])]
    if res["snn"]["available"]:
        bars.append(("SNN", "per-operation", res["snn"]["by_component_J_per_inference"]))
    bars += [("PCM CIM chip, pulse-width", "chip all-in, lower bound", lg["cim_chip"]["by_component_J_per_inference"]),
             ("PCM CIM chip, bit-serial", "chip all-in, lower bound", serial.chip.by("component"))]
    if res["snn"]["available"]:
        chip = res["snn"]["chip"]
        bars.append((f"SNN on {chip['profile']} chip", "chip all-in", chip["ledger"]["by_component_J_per_inference"]))
    bars += [(f"GPU FP16 batch {rf['batch']}", "board all-in", _gpu_split(rf)) for key, rf in res["gpu"].items()
             if key.startswith("fp16")]
    payload = provenance(NAME, seed, quick, res["config"])
    payload["breakdown"] = [{"system": s, "scope": sc, "J_per_inference": parts} for s, sc, parts in bars]
    payload["bit_serial_activity"] = serial.activity
    payload["pulse_width_activity"] = res["cim"]["activity"]
    payload["snn"] = res["snn"]
    return finish(NAME, Path(out_dir), payload, plot)


def plot(data: dict, png: Path) -> None:
    """One horizontal stacked bar per system, as fractions, with the total energy and the scope printed."""
    plt = pyplot()
    bars = data["breakdown"]
    fig, axes = plt.subplots(len(bars), 1, figsize=(11, 1.45 * len(bars) + 0.8))
    axes = np.atleast_1d(axes)
    for ax, bar in zip(axes, bars):
        system, parts = f"{bar['system']} [{bar['scope']}]", bar["J_per_inference"]
        total = sum(parts.values())
        left = 0.0
        for k, val in sorted(parts.items(), key=lambda kv: -kv[1]):
            frac = val / total if total else 0.0
            ax.barh(0, frac, left=left, label=f"{k} ({100 * frac:.0f} %)")
            left += frac
        ax.set_xlim(0, 1)
        ax.set_yticks([])
        ax.set_title(f"{system}: {total:.3g} J per inference", fontsize=9, loc="left")
        top = sorted(parts.items(), key=lambda kv: -kv[1])
        handles, labels = ax.get_legend_handles_labels()
        shown = [(h, lab) for (h, lab), (_, val) in zip(zip(handles, labels), top) if total and val >= 0.005 * total]
        ax.legend(*zip(*shown), fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False,
                  title=f"(+{len(top) - len(shown)} below 0.5 %)" if len(shown) < len(top) else None,
                  title_fontsize=6)
    axes[-1].set_xlabel("fraction of the energy per inference")
    fig.tight_layout()
    save_figure(fig, png)
