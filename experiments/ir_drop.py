"""ir-drop: relative error of the column currents vs array size and wire resistance, exact solver, with
ngspice points overlaid where ngspice is installed; also the first-order model's error and the solver's
iterations (the numbers docs/circuit.md quotes).

Setup of REFERENCES.md s.3: square arrays n x n, G ~ U[1, 25] uS, v ~ U[0, 0.2] V, r_row = r_col = r.
Error = ||I - G^T v|| / ||G^T v||, mean over seeds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from cimsim.circuit import _spice, ir_drop_first_order, solve_ir_drop

from ._common import finish, provenance, pyplot, save_figure

NAME = "ir-drop"


def main(seed: int = 0, out_dir: str | Path = "results", quick: bool = False) -> Path:
    """Sweeps sizes x resistances; writes ir-drop.json then ir-drop.png."""
    sizes = [32, 64, 128] if quick else [32, 64, 128, 256, 512]
    rs = [0.1, 0.5, 1.0, 2.5] if quick else [0.1, 0.25, 0.5, 1.0, 2.5]
    n_seeds = 1 if quick else 3
    spice_sizes = [n for n in sizes if n <= (16 if quick else 48)] or [16]
    shape = (len(sizes), len(rs), n_seeds)
    err, err_fo, iters = (np.zeros(shape) for _ in range(3))
    seqs = np.random.SeedSequence(seed).spawn(len(sizes) * n_seeds)
    with tqdm(total=len(sizes) * n_seeds * len(rs), desc=NAME, leave=False) as bar:
        for a, n in enumerate(sizes):
            for s in range(n_seeds):
                rng = np.random.default_rng(seqs[a * n_seeds + s])
                G, v = rng.uniform(1e-6, 25e-6, (n, n)), rng.uniform(0.0, 0.2, n)
                ideal = v @ G
                for b, r in enumerate(rs):
                    I, info = solve_ir_drop(G, v, r, r, return_info=True)
                    err[a, b, s] = np.linalg.norm(I - ideal) / np.linalg.norm(ideal)
                    err_fo[a, b, s] = np.linalg.norm(v @ ir_drop_first_order(G, r, r) - I) / np.linalg.norm(I)
                    iters[a, b, s] = info.iterations
                    bar.update()
    spice = []
    if _spice.available():
        rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0].spawn(1)[0])
        for n in spice_sizes:
            G, v = rng.uniform(1e-6, 25e-6, (n, n)), rng.uniform(0.0, 0.2, n)
            for r in rs:
                ref = _spice.solve_ngspice(G, v, r, r)
                I = solve_ir_drop(G, v, r, r)
                spice.append({"n": n, "r_ohm": r,
                              "error_vs_ideal": float(np.linalg.norm(ref - v @ G) / np.linalg.norm(v @ G)),
                              "max_rel_diff_solver_vs_ngspice": float(np.abs(I - ref).max() / np.abs(ref).max())})
    payload = provenance(NAME, seed, quick, {"sizes": sizes, "r_ohm": rs, "n_seeds": n_seeds,
                                             "G_uS": [1, 25], "v_V": [0, 0.2], "tol": 1e-10})
    payload["relative_error"] = err.mean(axis=2)
    payload["first_order_error_vs_exact"] = err_fo.mean(axis=2)
    payload["iterations"] = iters.max(axis=2)
    payload["ngspice"] = spice
    payload["published"] = {"source": "REFERENCES.md s.3", "n64": [0.018, 0.035, 0.083],
                            "n128": [0.069, 0.129, 0.267], "n256": [0.22, 0.36, 0.57], "n512": [0.52, 0.67, 0.83],
                            "r_ohm": [0.5, 1.0, 2.5]}
    return finish(NAME, Path(out_dir), payload, plot)


def plot(data: dict, png: Path) -> None:
    """Error vs size per r (with ngspice points), first-order model error, CG iterations."""
    plt = pyplot()
    sizes, rs = data["config"]["sizes"], data["config"]["r_ohm"]
    err, fo, it = (np.asarray(data[k]) for k in ("relative_error", "first_order_error_vs_exact", "iterations"))
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    for b, r in enumerate(rs):
        line, = axes[0].loglog(sizes, err[:, b] * 100, "o-", label=f"r = {r} ohm")
        sp = [p for p in data["ngspice"] if p["r_ohm"] == r]
        if sp:
            axes[0].plot([p["n"] for p in sp], [p["error_vs_ideal"] * 100 for p in sp], "kx", ms=9)
        axes[1].loglog(sizes, fo[:, b] * 100, "o--", color=line.get_color(), label=f"r = {r} ohm")
        axes[2].plot(sizes, it[:, b], "o-", color=line.get_color(), label=f"r = {r} ohm")
    axes[0].set_title("IR-drop error vs ideal (x: ngspice)")
    axes[0].set_ylabel("relative error of column currents (%)")
    axes[1].set_title("first-order model error vs exact")
    axes[1].set_ylabel("relative error (%)")
    axes[2].set_title("CG iterations to 1e-10")
    axes[2].set_xscale("log")
    for ax in axes:
        ax.set_xticks(sizes, [str(n) for n in sizes])
        ax.minorticks_off()
        ax.set_xlabel("array size n (n x n)")
        ax.grid(alpha=0.3, which="both")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, png)
