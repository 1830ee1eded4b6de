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
from tqdm.auto import tqdm

import cimsim

from ._common import finish, provenance, pyplot, save_figure

NAME = "tile-drift"
YEAR_S = 365.25 * 86400.0
TIMES_S = {"1 s": 1.0, "1 min": 60.0, "1 h": 3600.0, "1 d": 86400.0, "1 w": 7 * 86400.0,
           "1 mo": YEAR_S / 12, "1 y": YEAR_S, "10 y": 10 * YEAR_S}


def _rel_err(y: np.ndarray, ref: np.ndarray) -> float:
    return float(np.linalg.norm(y - ref) / np.linalg.norm(ref))


def main(seed: int = 0, out_dir: str | Path = "results", quick: bool = False) -> Path:
    """Sweeps time after programming for n seeds; writes tile-drift.json then tile-drift.png."""
    n = 512
    n_seeds, batch = (2, 32) if quick else (10, 128)
    base = dataclasses.replace(cimsim.presets.PCM, tile_rows=n, tile_cols=n)
    configs = {"gdc": dataclasses.replace(base, gdc=True), "no_gdc": dataclasses.replace(base, gdc=False)}
    errors = {k: np.zeros((n_seeds, len(TIMES_S))) for k in configs}
    seeds = np.random.SeedSequence(seed).spawn(n_seeds)
    with tqdm(total=n_seeds * len(TIMES_S), desc=NAME, leave=False) as bar:
        for s, ss in enumerate(seeds):
            data_ss, prog_ss, read_ss = ss.spawn(3)
            drng = np.random.default_rng(data_ss)
            W = drng.standard_normal((n, n))
            x = drng.uniform(-1.0, 1.0, (batch, n))
            ref = x @ W.T
            arrays = {k: cimsim.program(W, cfg, rng=np.random.default_rng(prog_ss)) for k, cfg in configs.items()}
            for i, (t_s, t_ss) in enumerate(zip(TIMES_S.values(), read_ss.spawn(len(TIMES_S)))):
                for k, A in arrays.items():
                    rrng = np.random.default_rng(t_ss)  # same read and MVM draws for both arms
                    errors[k][s, i] = _rel_err(A.read(t_s, rng=rrng).mvm(x, rng=rrng), ref)
                bar.update()
    payload = provenance(NAME, seed, quick, {"preset": "PCM", "tile": [n, n], "n_seeds": n_seeds,
                                             "batch": batch, "weights": "N(0,1)", "inputs": "U[-1,1]"})
    payload["times"] = {"labels": list(TIMES_S), "t_s": list(TIMES_S.values())}
    payload["relative_error"] = {k: {"mean": e.mean(axis=0), "std": e.std(axis=0), "per_seed": e}
                                 for k, e in errors.items()}
    return finish(NAME, Path(out_dir), payload, plot)


def plot(data: dict, png: Path) -> None:
    """Relative error vs time (log axis), mean +- std over seeds, with and without GDC."""
    plt = pyplot()
    t = np.asarray(data["times"]["t_s"])
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for key, label in (("no_gdc", "no drift compensation"), ("gdc", "global drift compensation")):
        m = np.asarray(data["relative_error"][key]["mean"]) * 100
        s = np.asarray(data["relative_error"][key]["std"]) * 100
        ax.errorbar(t, m, yerr=s, marker="o", capsize=3, label=label)
    ax.set_xscale("log")
    ax.set_xticks(t, data["times"]["labels"])
    ax.set_xlabel("time after programming")
    ax.set_ylabel("relative MVM error (%)")
    ax.set_title(f"512x512 PCM tile, {data['config']['n_seeds']} seeds")
    ax.grid(alpha=0.3)
    ax.legend()
    save_figure(fig, png)
