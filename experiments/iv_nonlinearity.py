"""iv-nonlinearity: MVM error of a crossbar whose cells follow the sinh I-V law, against read voltage and
wire resistance, with and without the nonlinearity and the wires; ngspice checks one point.

Setup: n x n arrays (n = 128), G ~ U[1, 25] uS, inputs x ~ U[-1, 1] applied as v = v_read x (V); cells
SinhIV(V0 = 0.25 V) (docs/references.md s.11), r_row = r_col = r per segment. Error = ||I - G^T v||_F /
||G^T v||_F over a batch of inputs (the ideal linear MVM as reference), mean over seeds. Curves:
    nonlinear, ideal wires    the cells alone (closed form sum_i law.current(v_i, G_ij))
    linear, with wires        IR drop alone (solve_ir_drop)
    nonlinear, with wires     both (solve_ir_drop_nonlinear)
"Gain-corrected" errors remove the best single output gain (least squares over the batch): what a
global calibration such as GDC could undo.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cimsim.app.results import finish, provenance, pyplot, save_figure
from cimsim.circuit import LinearIV, PolyIV, SinhIV, _spice, solve_ir_drop, solve_ir_drop_nonlinear

NAME = "iv-nonlinearity"
LAW = SinhIV(0.25)
ARMS = ("nonlinear_ideal_wires", "linear_wires", "nonlinear_wires")


def _grid(quick: bool) -> dict:
    return {"n": 128, "batch": 4 if quick else 16, "seeds": 1 if quick else 3,
            "v_read_V": [0.05, 0.2, 0.35, 0.5] if quick else [0.05, 0.1, 0.2, 0.3, 0.4, 0.5],
            "r_ohm": [0.1, 0.5, 1.0, 2.5] if quick else [0.1, 0.25, 0.5, 1.0, 2.5],
            "r_fixed_ohm": 1.0, "v_fixed_V": 0.3}


def _errors(G: np.ndarray, V: np.ndarray, r: float) -> dict[str, list[float]]:
    """Raw and gain-corrected relative errors of the three arms for inputs V (batch, n) at wire r."""
    ideal = V @ G
    arms = {"nonlinear_ideal_wires": solve_ir_drop_nonlinear(G, V, 0.0, 0.0, LAW),
            "linear_wires": solve_ir_drop(G, V, r, r),
            "nonlinear_wires": solve_ir_drop_nonlinear(G, V, r, r, LAW)}
    out = {}
    for k, I in arms.items():
        gain = float(np.sum(I * ideal) / np.sum(I * I))
        out[k] = [float(np.linalg.norm(I - ideal) / np.linalg.norm(ideal)),
                  float(np.linalg.norm(gain * I - ideal) / np.linalg.norm(ideal))]
    return out


def _ngspice_check(rng: np.random.Generator) -> dict:
    """Solver vs ngspice on a 32 x 32 sinh array at v_read = 0.5 V, r = 1 ohm."""
    if not _spice.available():
        return {"available": False}
    G, v = rng.uniform(1e-6, 25e-6, (32, 32)), 0.5 * rng.uniform(-1, 1, 32)
    ref = _spice.solve_ngspice(G, v, 1.0, 1.0, law=LAW)
    I = solve_ir_drop_nonlinear(G, v, 1.0, 1.0, LAW)
    return {"available": True, "n": 32, "v_read_V": 0.5, "r_ohm": 1.0,
            "max_rel_diff": float(np.abs(I - ref).max() / np.abs(ref).max())}


def main(seed: int = 0, out_dir: str | Path = "results", quick: bool = False) -> Path:
    """Runs the two sweeps (read voltage at r_fixed, wire resistance at v_fixed); writes JSON then PNG."""
    g = _grid(quick)
    n = g["n"]
    vs, rs = g["v_read_V"], g["r_ohm"]
    by_v = np.zeros((g["seeds"], len(vs), len(ARMS), 2))
    by_r = np.zeros((g["seeds"], len(rs), len(ARMS), 2))
    iters = []
    for s, ss in enumerate(np.random.SeedSequence(seed).spawn(g["seeds"])):
        rng = np.random.default_rng(ss)
        G, X = rng.uniform(1e-6, 25e-6, (n, n)), rng.uniform(-1.0, 1.0, (g["batch"], n))
        for a, v_read in enumerate(vs):
            e = _errors(G, v_read * X, g["r_fixed_ohm"])
            by_v[s, a] = [e[k] for k in ARMS]
        for b, r in enumerate(rs):
            e = _errors(G, g["v_fixed_V"] * X, r)
            by_r[s, b] = [e[k] for k in ARMS]
        _, info = solve_ir_drop_nonlinear(G, vs[-1] * X, rs[-1], rs[-1], LAW, return_info=True)
        iters.append({"newton": info.newton_iterations, "cg": info.cg_iterations})
    V = np.linspace(-0.5, 0.5, 101)
    payload = provenance(NAME, seed, quick, {**g, "G_uS": [1, 25], "x": [-1, 1], "law": repr(LAW),
                                             "reference": "ideal linear MVM G^T v"})
    payload["vs_read_voltage"] = {k: by_v[:, :, i, 0].mean(axis=0) for i, k in enumerate(ARMS)}
    payload["vs_read_voltage_gain_corrected"] = {k: by_v[:, :, i, 1].mean(axis=0) for i, k in enumerate(ARMS)}
    payload["vs_wire_resistance"] = {k: by_r[:, :, i, 0].mean(axis=0) for i, k in enumerate(ARMS)}
    payload["vs_wire_resistance_gain_corrected"] = {k: by_r[:, :, i, 1].mean(axis=0) for i, k in enumerate(ARMS)}
    payload["newton_at_largest_v_and_r"] = iters
    payload["iv_curves_uA_at_10uS"] = {"V": V, "sinh": LAW.current(V, 10.0), "poly": PolyIV().current(V, 10.0),
                                       "linear": LinearIV().current(V, 10.0)}  # G in uS: I in uA
    payload["ngspice"] = _ngspice_check(np.random.default_rng(np.random.SeedSequence([seed, 1])))
    return finish(NAME, Path(out_dir), payload, plot)


LABELS = {"nonlinear_ideal_wires": "nonlinear cells, ideal wires", "linear_wires": "linear cells, with wires",
          "nonlinear_wires": "nonlinear cells, with wires"}


def plot(data: dict, png: Path) -> None:
    """I-V laws; error vs read voltage; error vs wire resistance (dotted: after the best global gain)."""
    plt = pyplot()
    c = data["config"]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    iv = data["iv_curves_uA_at_10uS"]
    names = {"linear": "I = G V", "poly": "PolyIV (cubic)", "sinh": "SinhIV, V0 = 0.25 V"}
    for k, style in (("linear", "k--"), ("poly", "C1-"), ("sinh", "C0-")):
        axes[0].plot(iv["V"], iv[k], style, label=names[k])
    axes[0].set_xlabel("cell voltage V (V)")
    axes[0].set_ylabel("cell current at G = 10 uS (uA)")
    axes[0].set_title("cell I-V laws")
    axes[0].legend(fontsize=8)
    for ax, key, x, xlabel, title in (
            (axes[1], "vs_read_voltage", c["v_read_V"], "read voltage v_read (V)",
             f"{c['n']} x {c['n']}, r = {c['r_fixed_ohm']} ohm"),
            (axes[2], "vs_wire_resistance", c["r_ohm"], "wire resistance per segment (ohm)",
             f"{c['n']} x {c['n']}, v_read = {c['v_fixed_V']} V")):
        for i, arm in enumerate(ARMS):
            ax.plot(x, np.asarray(data[key][arm]) * 100, "o-", color=f"C{i}", label=LABELS[arm])
            ax.plot(x, np.asarray(data[f"{key}_gain_corrected"][arm]) * 100, ":", color=f"C{i}")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("MVM error vs ideal G^T v (%)")
        ax.set_title(title)
        ax.grid(alpha=0.3)
    axes[2].set_xscale("log")
    axes[2].set_xticks(c["r_ohm"], [str(r) for r in c["r_ohm"]])
    axes[2].minorticks_off()
    axes[1].legend(fontsize=8, title="dotted: after best global gain", title_fontsize=7)
    fig.tight_layout()
    save_figure(fig, png)
