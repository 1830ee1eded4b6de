"""pareto: accuracy vs energy per inference for the digits MLP: the analog crossbar across ADC bits (4..10)
and tile sizes, the digital baseline across precisions (bottom-up 7 nm MAC array, and the GPU roofline),
the SNN across time steps when the snn package is available; the Pareto front marked.

Edge view (batch 1): the digital MAC array fetches every weight from SRAM for every inference (64-bit
reads of a 32 KB SRAM, the only SRAM energy in docs/references.md s.4, a 45 nm number beside 7 nm arithmetic);
the crossbar and the digital array both move their activations through the same SRAM."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from tqdm.auto import tqdm

from cimsim import ADC, presets
from cimsim.app.results import finish, provenance, pyplot, save_figure
from cimsim.energy import crossbar_ledger, digital_ledger, load_gpu, roofline
from cimsim.workloads import crossbar_accuracy, digital_accuracy, train_mlp

NAME = "pareto"


def _front(points: list[dict]) -> list[int]:
    """Indices of points no other point beats in both accuracy (higher) and energy (lower)."""
    idx = []
    for i, p in enumerate(points):
        if not any(q["energy_J"] <= p["energy_J"] and q["accuracy"] >= p["accuracy"] and
                   (q["energy_J"] < p["energy_J"] or q["accuracy"] > p["accuracy"]) for q in points):
            idx.append(i)
    return idx


def main(seed: int = 0, out_dir: str | Path = "results", quick: bool = False) -> Path:
    """Sweeps the systems' knobs; writes pareto.json then pareto.png."""
    mlp = train_mlp(seed=seed)
    bits = [4, 6, 8] if quick else [4, 5, 6, 7, 8, 9, 10]
    tiles = [32, 256] if quick else [16, 32, 64, 256]
    seeds = 2 if quick else 5
    act_bytes = float(sum(i + o for i, o in mlp.layers))  # int8 activations in and out of every layer
    points = []
    with tqdm(total=len(bits) * len(tiles), desc=NAME, leave=False) as bar:
        for tile in tiles:
            for b in bits:
                cfg = dataclasses.replace(presets.PCM, adc=ADC(bits=b, out_bound=10.0, out_noise=0.04),
                                          tile_rows=tile, tile_cols=tile)
                xb = crossbar_accuracy(mlp, cfg, t_s=3600.0, seeds=seeds, seed=seed)
                led = crossbar_ledger(xb.counts, adc_bits=b, cell_read_J=xb.cell_read_J, inferences=xb.inferences,
                                      activation_bytes=act_bytes * xb.inferences)
                points.append({"system": "crossbar", "knob": f"ADC {b} b, tile {tile}", "adc_bits": b, "tile": tile,
                               "accuracy": xb.mean, "accuracy_std": xb.std, "energy_J": led.per_inference_J,
                               "label": led.label})
                bar.update()
    width = {"fp32": 4, "fp16": 2, "int8": 1}
    for p in ("fp32", "fp16", "int8"):
        acc = digital_accuracy(mlp, p)
        # batch 1 (edge view): every inference fetches all weights and moves its activations through SRAM
        led = digital_ledger(mlp.macs, precision=p, node="7nm", weight_bytes=mlp.macs * width[p],
                             activation_bytes=act_bytes * width[p])
        points.append({"system": "digital MAC array 7 nm", "knob": p, "accuracy": acc, "energy_J": led.per_inference_J,
                       "label": led.label})
        rf = roofline(mlp.layers, load_gpu("h100"), precision=p, batch=1024)
        points.append({"system": "GPU H100 roofline", "knob": f"{p}, batch 1024", "accuracy": acc,
                       "energy_J": rf["energy_J_per_inference"], "label": "estimated"})
    int4 = digital_ledger(mlp.macs, precision="int8", node="7nm", weight_bytes=mlp.macs * 0.5, activation_bytes=act_bytes * 0.5)
    points.append({"system": "digital MAC array 7 nm", "knob": "int4 (int8 arithmetic, 4-bit storage)",
                   "accuracy": digital_accuracy(mlp, "int4"), "energy_J": int4.per_inference_J, "label": "estimated"})
    try:
        from cimsim.app.snn_rows import pareto_points
    except ImportError:
        snn_note = "the snn package is not installed: no SNN points"
    else:  # pragma: no cover - exercised once snn exists
        points += pareto_points(mlp, seed=seed, quick=quick)
        snn_note = "SNN points across time steps T"
    payload = provenance(NAME, seed, quick, {"adc_bits": bits, "tiles": tiles, "noise_seeds": seeds, "t_s": 3600.0})
    payload["points"] = points
    payload["pareto_front"] = _front(points)
    payload["snn_note"] = snn_note
    return finish(NAME, Path(out_dir), payload, plot)


def plot(data: dict, png: Path) -> None:
    """Accuracy vs energy (log), one marker per system, front joined."""
    plt = pyplot()
    pts = data["points"]
    fig, ax = plt.subplots(figsize=(9, 5))
    xb = [p for p in pts if p["system"] == "crossbar"]
    sc = ax.scatter([p["energy_J"] for p in xb], [100 * p["accuracy"] for p in xb], c=[p["adc_bits"] for p in xb],
                    s=[12 + 40 * (p["tile"] >= 64) for p in xb], cmap="viridis", marker="o",
                    label="PCM crossbar (colour: ADC bits; small: tiles < 64)")
    fig.colorbar(sc, ax=ax, label="ADC bits")
    for system, marker in (("digital MAC array 7 nm", "s"), ("GPU H100 roofline", "^"), ("SNN", "D")):
        sel = [p for p in pts if p["system"].startswith(system)]
        if sel:
            ax.scatter([p["energy_J"] for p in sel], [100 * p["accuracy"] for p in sel], marker=marker, label=system)
            for p in sel if system != "GPU H100 roofline" else ():
                ax.annotate(p["knob"].split(" (")[0], (p["energy_J"], 100 * p["accuracy"]), fontsize=6,
                            xytext=(0, 5), textcoords="offset points", ha="center")
    front = sorted((pts[i] for i in data["pareto_front"]), key=lambda p: p["energy_J"])
    ax.plot([p["energy_J"] for p in front], [100 * p["accuracy"] for p in front], "k--", lw=1, label="Pareto front")
    ax.set_xscale("log")
    ax.set_xlabel("energy per inference (J)")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title("digits MLP: accuracy vs energy")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, png)
