"""pareto: accuracy vs energy per inference for the digits MLP, like with like: two panels, two scopes.

per-operation   the PCM CIM core across ADC bits (4..10) and tile sizes, priced by the component models at
                14 nm (HERMES-like, pulse-width inputs); the digital arithmetic of the same MLP: INT8 and
                INT4 MACs at 14 nm (Aladdin models), FP16 and FP32 at 7 nm (Jouppi et al. table); the SNN
                across time steps when the snn package is available.
all-in          the PCM CIM chip (the same model with registers, buffer and leakage of every tile: a lower
                bound) with the same total array (64 tiles of 256 x 256, or more smaller tiles); IBM HERMES
                measured per activated core (a lower bound); the H100 roofline (board) at each precision,
                batch 1 and 1024.
The Pareto front is marked within each panel."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from tqdm.auto import tqdm

from cimsim import ADC, presets
from cimsim.app.results import finish, provenance, pyplot, save_figure
from cimsim.energy import (digital_ledger, digital_mac_ledger, hermes_like, load_gpu, measured_chip, price_design,
                           roofline)
from cimsim.workloads import crossbar_accuracy, digital_accuracy, train_mlp

NAME = "pareto"
SCOPES = ("per-operation", "all-in")


def _front(points: list[dict]) -> list[int]:
    """Indices of points no other point beats in both accuracy (higher) and energy (lower)."""
    idx = []
    for i, p in enumerate(points):
        if not any(q["energy_J"] <= p["energy_J"] and q["accuracy"] >= p["accuracy"] and
                   (q["energy_J"] < p["energy_J"] or q["accuracy"] > p["accuracy"]) for q in points):
            idx.append(i)
    return idx


def _crossbar_points(mlp, bits, tiles, seeds, seed) -> list[dict]:
    base = hermes_like()
    area = base.n_tiles * base.tile_rows * base.tile_cols  # the same total array whatever the tile size
    points = []
    with tqdm(total=len(bits) * len(tiles), desc=NAME, leave=False) as bar:
        for tile in tiles:
            for b in bits:
                cfg = dataclasses.replace(presets.PCM, adc=ADC(bits=b, out_bound=10.0, out_noise=0.04),
                                          tile_rows=tile, tile_cols=tile)
                xb = crossbar_accuracy(mlp, cfg, t_s=3600.0, seeds=seeds, seed=seed)
                d = dataclasses.replace(base, tile_rows=tile, tile_cols=tile, n_tiles=area // (tile * tile),
                                        converters=dataclasses.replace(base.converters, adc_bits=b))
                r = price_design(xb.counts, d, layers=mlp.layers, cell_read_J=xb.cell_read_J, inferences=xb.inferences)
                common = {"knob": f"ADC {b} b, tile {tile}", "adc_bits": b, "tile": tile, "accuracy": xb.mean,
                          "accuracy_std": xb.std}
                points += [{"system": "PCM CIM core (14 nm model)", "scope": "per-operation",
                            "energy_J": r.core.per_inference_J, "label": r.core.label, "lower_bound": False, **common},
                           {"system": "PCM CIM chip (14 nm model)", "scope": "all-in", "energy_J": r.chip.per_inference_J,
                            "label": r.chip.label, "lower_bound": True, **common}]
                if (b, tile) == (8, 256):
                    m = measured_chip(xb.counts.tile_mvms, inferences=xb.inferences)
                    points.append({**common, "system": "PCM chip HERMES, measured per core", "scope": "all-in",
                                   "energy_J": m.per_inference_J, "label": m.label, "lower_bound": True})
                bar.update()
    return points


def main(seed: int = 0, out_dir: str | Path = "results", quick: bool = False) -> Path:
    """Sweeps the systems' knobs; writes pareto.json then pareto.png."""
    mlp = train_mlp(seed=seed)
    bits = [4, 6, 8] if quick else [4, 5, 6, 7, 8, 9, 10]
    tiles = [32, 256] if quick else [16, 32, 64, 256]
    seeds = 2 if quick else 5
    node = hermes_like().node_m
    points = _crossbar_points(mlp, bits, tiles, seeds, seed)
    for p, w in (("int8", 8), ("int4", 4)):
        led = digital_mac_ledger(mlp.macs, bits=w, node_m=node)
        points.append({"system": "digital MAC arithmetic", "knob": f"{p}, {node * 1e9:g} nm", "scope": "per-operation",
                       "accuracy": digital_accuracy(mlp, p), "energy_J": led.per_inference_J, "label": led.label,
                       "lower_bound": False})
    for p in ("fp16", "fp32"):
        led = digital_ledger(mlp.macs, precision=p, node="7nm")
        points.append({"system": "digital MAC arithmetic", "knob": f"{p}, 7 nm", "scope": "per-operation",
                       "accuracy": digital_accuracy(mlp, p), "energy_J": led.per_inference_J, "label": led.label,
                       "lower_bound": False})
    for p in ("fp32", "fp16", "int8"):
        for b in (1, 1024):
            rf = roofline(mlp.layers, load_gpu("h100"), precision=p, batch=b)
            points.append({"system": "GPU H100 roofline (board)", "knob": f"{p}, batch {b}", "scope": "all-in",
                           "accuracy": digital_accuracy(mlp, p), "energy_J": rf["energy_J_per_inference"],
                           "label": rf["label"], "lower_bound": False})
    try:
        from cimsim.app.snn_rows import pareto_points
    except ImportError:
        snn_note = "the snn package is not installed: no SNN points"
    else:  # pragma: no cover - exercised once snn exists
        for q in pareto_points(mlp, seed=seed, quick=quick):
            points.append({"scope": "per-operation", "lower_bound": False, **q})
        snn_note = "SNN points across time steps T (Loihi profile, per-operation)"
    payload = provenance(NAME, seed, quick, {"adc_bits": bits, "tiles": tiles, "noise_seeds": seeds, "t_s": 3600.0,
                                             "node_m": node})
    payload["points"] = points
    payload["pareto_front"] = {s: _front_of(points, s) for s in SCOPES}
    payload["snn_note"] = snn_note
    return finish(NAME, Path(out_dir), payload, plot)


def _front_of(points: list[dict], scope: str) -> list[int]:
    """Indices (into ``points``) of the Pareto front of one scope's points."""
    sel = [i for i, p in enumerate(points) if p["scope"] == scope]
    return [sel[j] for j in _front([points[i] for i in sel])]


MARKERS = {"PCM CIM core": "o", "PCM CIM chip": "o", "PCM chip HERMES": "*", "digital": "s", "GPU": "^", "SNN": "D"}


def plot(data: dict, png: Path) -> None:
    """Accuracy vs energy (log) per scope: crossbar points coloured by ADC bits (small: tiles < 64; hollow:
    lower bounds), the other systems by marker, the front joined."""
    plt = pyplot()
    pts = data["points"]
    fig, axes = plt.subplots(1, 2, figsize=(14, 5.2), sharey=True)
    for ax, scope in zip(axes, SCOPES):
        sel = [p for p in pts if p["scope"] == scope]
        xb = [p for p in sel if "adc_bits" in p and "HERMES" not in p["system"]]
        sc = ax.scatter([p["energy_J"] for p in xb], [100 * p["accuracy"] for p in xb], c=[p["adc_bits"] for p in xb],
                        s=[12 + 40 * (p["tile"] >= 64) for p in xb], cmap="viridis", marker="o",
                        label=xb[0]["system"] + (" (lower bound)" if xb[0]["lower_bound"] else "") if xb else None)
        for system in sorted({p["system"] for p in sel} - {p["system"] for p in xb}):
            group = [p for p in sel if p["system"] == system]
            marker = next((m for k, m in MARKERS.items() if system.startswith(k)), "x")
            ax.scatter([p["energy_J"] for p in group], [100 * p["accuracy"] for p in group], marker=marker, s=50,
                       label=system + (" (lower bound)" if group[0]["lower_bound"] else ""),
                       facecolors="none" if group[0]["lower_bound"] else None,
                       edgecolors="k" if group[0]["lower_bound"] else None)
            for p in group:
                ax.annotate(p["knob"].split(" (")[0], (p["energy_J"], 100 * p["accuracy"]), fontsize=6,
                            xytext=(0, 5), textcoords="offset points", ha="center")
        front = sorted((pts[i] for i in data["pareto_front"][scope]), key=lambda p: p["energy_J"])
        ax.plot([p["energy_J"] for p in front], [100 * p["accuracy"] for p in front], "k--", lw=1, label="Pareto front")
        ax.set_xscale("log")
        ax.set_xlabel("energy per inference (J)")
        ax.set_title("per-operation scope" if scope == "per-operation" else
                     "all-in scope: chip (CIM) or board (GPU); the chip is favoured", fontsize=10)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=7, loc="lower right")
    fig.colorbar(sc, ax=axes, label="ADC bits")
    axes[0].set_ylabel("test accuracy (%)")
    fig.suptitle("digits MLP: accuracy vs energy, like with like")
    save_figure(fig, png)
