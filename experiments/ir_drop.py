"""ir-drop: relative error of the column currents vs array size and wire resistance, exact solver, with
ngspice points overlaid where ngspice is installed; also the first-order model's error and the solver's
iterations (the numbers docs/circuit.md quotes).

Setup of docs/references.md s.3: square arrays n x n, G ~ U[1, 25] uS, v ~ U[0, 0.2] V, r_row = r_col = r.
Error = ||I - G^T v|| / ||G^T v||, mean over seeds.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from cimsim.app.results import pyplot, save_figure
from cimsim.circuit import IRDropValidityWarning, _spice, ir_drop_first_order, solve_ir_drop

NAME = "ir-drop"


def _grid(quick: bool):
    sizes = [32, 64, 128] if quick else [32, 64, 128, 256, 512]
    rs = [0.1, 0.5, 1.0, 2.5] if quick else [0.1, 0.25, 0.5, 1.0, 2.5]
    return sizes, rs, (1 if quick else 3), [n for n in sizes if n <= (16 if quick else 48)] or [16]


def points(quick: bool) -> list[dict]:
    """(size, seed) points for the exact solve; one point per size for the ngspice overlay."""
    sizes, _, n_seeds, spice_sizes = _grid(quick)
    pts = [{"key": f"n{n}-s{s}", "kind": "solve", "n": n} for n in sizes for s in range(n_seeds)]
    return pts + [{"key": f"spice-n{n}", "kind": "spice", "n": n} for n in spice_sizes]


def run_point(point: dict, entropy: list[int], quick: bool) -> dict:
    """Errors vs ideal, first-order errors and iterations for every r; or ngspice agreement."""
    _, rs, _, _ = _grid(quick)
    rng = np.random.default_rng(entropy)
    n = point["n"]
    G, v = rng.uniform(1e-6, 25e-6, (n, n)), rng.uniform(0.0, 0.2, n)
    ideal = v @ G
    if point["kind"] == "spice":
        if not _spice.available():
            return {"available": False}
        out = []
        for r in rs:
            ref = _spice.solve_ngspice(G, v, r, r)
            I = solve_ir_drop(G, v, r, r)
            out.append({"n": n, "r_ohm": r, "error_vs_ideal": float(np.linalg.norm(ref - ideal) / np.linalg.norm(ideal)),
                        "max_rel_diff_solver_vs_ngspice": float(np.abs(I - ref).max() / np.abs(ref).max())})
        return {"available": True, "points": out}
    res = {"error": [], "first_order": [], "iterations": []}
    for r in rs:
        I, info = solve_ir_drop(G, v, r, r, return_info=True)
        res["error"].append(float(np.linalg.norm(I - ideal) / np.linalg.norm(ideal)))
        with warnings.catch_warnings():  # this figure measures the model where it fails, on purpose
            warnings.simplefilter("ignore", IRDropValidityWarning)
            G1 = ir_drop_first_order(G, r, r)
        res["first_order"].append(float(np.linalg.norm(v @ G1 - I) / np.linalg.norm(I)))
        res["iterations"].append(info.iterations)
    return res


def reduce(pts: list[dict], results: list[dict], seed: int, quick: bool) -> dict:
    """Means over seeds per size; ngspice points where ngspice ran."""
    sizes, rs, n_seeds, _ = _grid(quick)
    by = {p["key"]: r for p, r in zip(pts, results)}
    err = np.array([[by[f"n{n}-s{s}"]["error"] for s in range(n_seeds)] for n in sizes])
    fo = np.array([[by[f"n{n}-s{s}"]["first_order"] for s in range(n_seeds)] for n in sizes])
    it = np.array([[by[f"n{n}-s{s}"]["iterations"] for s in range(n_seeds)] for n in sizes])
    spice = [q for p, r in zip(pts, results) if p["kind"] == "spice" and r["available"] for q in r["points"]]
    return {"config": {"sizes": sizes, "r_ohm": rs, "n_seeds": n_seeds, "G_uS": [1, 25], "v_V": [0, 0.2], "tol": 1e-10},
            "relative_error": err.mean(axis=1), "first_order_error_vs_exact": fo.mean(axis=1),
            "iterations": it.max(axis=1), "ngspice": spice,
            "published": {"source": "docs/references.md s.3", "n64": [0.018, 0.035, 0.083], "n128": [0.069, 0.129, 0.267],
                          "n256": [0.22, 0.36, 0.57], "n512": [0.52, 0.67, 0.83], "r_ohm": [0.5, 1.0, 2.5]}}


def main(seed: int = 0, out_dir: str | Path = "results", quick: bool = False, **sweep) -> Path:
    """Runs the sweep (resumable; see experiments._sweep); writes ir-drop.json then ir-drop.png."""
    import sys

    from ._sweep import run

    return run(sys.modules[__name__], seed, out_dir, quick, **sweep)


def plot(data: dict, png: Path) -> None:
    """Error vs size per r (with ngspice points and the published table), first-order model error, CG
    iterations. Every marker takes the colour of its wire resistance."""
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    plt = pyplot()
    sizes, rs = data["config"]["sizes"], data["config"]["r_ohm"]
    err, fo, it = (np.asarray(data[k]) for k in ("relative_error", "first_order_error_vs_exact", "iterations"))
    pub = data["published"]
    pub_n = [n for n in sizes if f"n{n}" in pub]
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    for b, r in enumerate(rs):
        line, = axes[0].loglog(sizes, err[:, b] * 100, "o-", label=f"r = {r} ohm")
        color = line.get_color()
        sp = [p for p in data["ngspice"] if p["r_ohm"] == r]
        if sp:
            axes[0].plot([p["n"] for p in sp], [p["error_vs_ideal"] * 100 for p in sp], "x", color=color, ms=10,
                         mew=2, zorder=3)
        if r in pub["r_ohm"] and pub_n:
            k = pub["r_ohm"].index(r)
            axes[0].plot(pub_n, [pub[f"n{n}"][k] * 100 for n in pub_n], "s", color=color, mfc="none", ms=10, zorder=3)
        axes[1].loglog(sizes, fo[:, b] * 100, "o--", color=color, label=f"r = {r} ohm")
        axes[2].plot(sizes, it[:, b], "o-", color=color, label=f"r = {r} ohm")
    spice_n = sorted({p["n"] for p in data["ngspice"]})
    axes[0].set_title("IR-drop error vs ideal" + ("" if spice_n else " (no ngspice in this run)"))
    axes[0].set_ylabel("relative error of column currents (%)")
    axes[1].set_title("first-order model error vs exact")
    axes[1].set_ylabel("relative error (%)")
    axes[2].set_title("CG iterations to 1e-10")
    axes[2].set_ylabel("iterations (max over seeds)")
    axes[2].set_xscale("log")
    axes[2].yaxis.set_major_locator(MaxNLocator(integer=True))
    for ax, ticks in zip(axes, (sorted(set(sizes) | set(spice_n)), sizes, sizes)):
        ax.set_xticks(ticks, [str(n) for n in ticks])
        ax.minorticks_off()
        ax.set_xlabel("array size n (n x n)")
        ax.grid(alpha=0.3, which="both")
    marks = [Line2D([], [], color="gray", marker="o", label="cimsim solver")]
    if spice_n:
        marks.append(Line2D([], [], color="gray", marker="x", ls="none", ms=9, mew=2, label="ngspice"))
    if pub_n:
        marks.append(Line2D([], [], color="gray", marker="s", mfc="none", ls="none", ms=9,
                            label=f"published ({pub['source']})"))
    axes[2].legend(handles=axes[0].get_legend_handles_labels()[0] + marks, fontsize=8, loc="upper left",
                   bbox_to_anchor=(1.02, 1.0))
    fig.tight_layout()
    save_figure(fig, png)
