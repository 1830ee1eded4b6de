"""tile-drift: relative MVM error of one 512 x 512 PCM tile from 1 s to 10 years, with and without GDC.

W ~ N(0, 1) (512 x 512) is programmed once per seed on a single 512 x 512 tile with the PCM preset
(8-bit DAC/ADC, output noise, per-MVM PCM read noise); at each time t the array is read once (drift and
1/f noise frozen for that t) and a batch of inputs x ~ U[-1, 1] is multiplied. Error = ||y - W x||_F /
||W x||_F. The same programming and read draws are used with and without GDC, so the two curves differ
only by the compensation.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

import cimsim
from cimsim.app.results import pyplot, save_figure

from ._common import time_axis

NAME = "tile-drift"
YEAR_S = 365.25 * 86400.0
TIMES_S = {"1 s": 1.0, "1 min": 60.0, "1 h": 3600.0, "1 d": 86400.0, "1 w": 7 * 86400.0,
           "1 mo": YEAR_S / 12, "1 y": YEAR_S, "10 y": 10 * YEAR_S}


def _rel_err(y: np.ndarray, ref: np.ndarray) -> float:
    return float(np.linalg.norm(y - ref) / np.linalg.norm(ref))


N = 512


def points(quick: bool) -> list[dict]:
    """One point per noise seed: program once, read at every time, with and without GDC."""
    return [{"key": f"seed-{s}", "seed_index": s} for s in range(3 if quick else 10)]  # >= 3: the paired check


def run_point(point: dict, entropy: list[int], quick: bool) -> dict:
    """Relative errors over time for one programmed tile (same draws with and without GDC)."""
    batch = 32 if quick else 128
    base = dataclasses.replace(cimsim.presets.PCM, tile_rows=N, tile_cols=N)
    ss = np.random.SeedSequence(entropy)
    data_ss, prog_ss, read_ss = ss.spawn(3)
    drng = np.random.default_rng(data_ss)
    W = drng.standard_normal((N, N))
    x = drng.uniform(-1.0, 1.0, (batch, N))
    ref = x @ W.T
    out = {}
    for gdc in (False, True):
        A = cimsim.program(W, dataclasses.replace(base, gdc=gdc), rng=np.random.default_rng(prog_ss))
        errs = []
        for t_s, t_ss in zip(TIMES_S.values(), read_ss.spawn(len(TIMES_S))):
            rrng = np.random.default_rng(t_ss)  # same read and MVM draws for both arms
            errs.append(_rel_err(A.read(t_s, rng=rrng).mvm(x, rng=rrng), ref))
        out["gdc" if gdc else "no_gdc"] = errs
    return out


def reduce(pts: list[dict], results: list[dict], seed: int, quick: bool) -> dict:
    """Mean and std over seeds."""
    payload = {"config": {"preset": "PCM", "tile": [N, N], "n_seeds": len(pts), "batch": 32 if quick else 128,
                          "weights": "N(0,1)", "inputs": "U[-1,1]"},
               "times": {"labels": list(TIMES_S), "t_s": list(TIMES_S.values())}, "relative_error": {}}
    for k in ("no_gdc", "gdc"):
        e = np.array([r[k] for r in results])
        payload["relative_error"][k] = {"mean": e.mean(axis=0), "std": e.std(axis=0), "per_seed": e}
    return payload


def main(seed: int = 0, out_dir: str | Path = "results", quick: bool = False, **sweep) -> Path:
    """Runs the sweep (resumable; see experiments._sweep); writes tile-drift.json then tile-drift.png."""
    import sys

    from ._sweep import run

    return run(sys.modules[__name__], seed, out_dir, quick, **sweep)


def plot(data: dict, png: Path) -> None:
    """Relative error vs time (log axis), mean +- std over seeds, with and without GDC."""
    plt = pyplot()
    t = np.asarray(data["times"]["t_s"])
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for key, label in (("no_gdc", "no drift compensation"), ("gdc", "global drift compensation")):
        m = np.asarray(data["relative_error"][key]["mean"]) * 100
        s = np.asarray(data["relative_error"][key]["std"]) * 100
        ax.errorbar(t, m, yerr=s, marker="o", capsize=3, label=label)
    time_axis(ax, t, data["times"]["labels"], "relative MVM error (%)")
    ax.set_title(f"512x512 PCM tile, {data['config']['n_seeds']} seeds")
    ax.legend()
    save_figure(fig, png)
