"""ngspice ground truth: write the crossbar of docs/references.md s.3 as a netlist, run ``ngspice -b``, parse.

Nodes: r{i}_{j} (row node of cell i,j), c{i}_{j} (column node), in{i} (row driver), sa{j} (sense node).
Each sense amplifier is a 0 V source from sa{j} to ground, so its branch current is the column current.
Used by the tests and the ir-drop experiment; ngspice 39+ (Debian package ``ngspice``).

Nonlinear cells (a ``law`` of _iv.py) are behavioural current sources, B{i}_{j} r{i}_{j} c{i}_{j}
I=<law.spice(G, "V(r{i}_{j},c{i}_{j})")>, and the deck tightens ngspice's Newton tolerances
(SPICE_TOLERANCES) so that its operating point is exact to well below the 1e-6 the tests ask.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import numpy as np


def available() -> bool:
    """Whether an ngspice executable is on PATH."""
    return shutil.which("ngspice") is not None


# ngspice's default Newton tolerances (reltol 1e-3, vntol 1 uV) bound its last step, not its error; tightened
# so the reference does not rest on quadratic convergence (a linear deck converges in one step anyway).
SPICE_TOLERANCES = ".options reltol=1e-12 vntol=1e-15 abstol=1e-18"


def netlist(G_S: np.ndarray, v_row_V: np.ndarray, r_row_ohm: float, r_col_ohm: float, out_file: str,
            law: Any = None) -> str:
    """The SPICE deck of one crossbar operating point; the .control block writes column currents.

    law: None for resistors (linear cells), else a cell I-V law with a ``spice(G, v)`` expression.
    """
    M, N = G_S.shape
    lines = ["* cimsim crossbar IR-drop netlist"]
    for i in range(M):
        lines.append(f"Vin{i} in{i} 0 DC {v_row_V[i]:.17g}")
        lines.append(f"Rr{i}_0 in{i} r{i}_0 {r_row_ohm:.17g}")
        for j in range(1, N):
            lines.append(f"Rr{i}_{j} r{i}_{j - 1} r{i}_{j} {r_row_ohm:.17g}")
    for j in range(N):
        for i in range(M - 1):
            lines.append(f"Rc{i}_{j} c{i}_{j} c{i + 1}_{j} {r_col_ohm:.17g}")
        lines.append(f"Rc{M - 1}_{j} c{M - 1}_{j} sa{j} {r_col_ohm:.17g}")
        lines.append(f"Vsa{j} sa{j} 0 DC 0")
    for i in range(M):
        for j in range(N):
            if law is None:
                lines.append(f"Rg{i}_{j} r{i}_{j} c{i}_{j} {1.0 / G_S[i, j]:.17g}")
            else:
                lines.append(f"B{i}_{j} r{i}_{j} c{i}_{j} I={law.spice(float(G_S[i, j]), f'V(r{i}_{j},c{i}_{j})')}")
    currents = " ".join(f"i(Vsa{j})" for j in range(N))
    lines += [".options noacct"] + ([] if law is None else [SPICE_TOLERANCES])
    lines += [".control", "op", "set wr_singlescale", "set numdgt=16", f"wrdata {out_file} {currents}", "quit", ".endc",
              ".end"]
    return "\n".join(lines) + "\n"


def solve_ngspice(G_S: np.ndarray, v_row_V: np.ndarray, r_row_ohm: float, r_col_ohm: float,
                  timeout_s: float = 600.0, law: Any = None) -> np.ndarray:
    """Column currents (N,) in A computed by ngspice's operating-point analysis.

    law: None for linear cells (resistors), else a cell I-V law of _iv.py (behavioural sources).

    Raises RuntimeError naming ngspice when it is missing or fails.
    """
    exe = shutil.which("ngspice")
    if exe is None:
        raise RuntimeError("ngspice is not installed (Debian: apt-get install ngspice)")
    G = np.asarray(G_S, dtype=np.float64)
    if np.any(G <= 0) or r_row_ohm <= 0 or r_col_ohm <= 0:
        raise ValueError("the SPICE netlist needs G_S > 0 and r_row_ohm, r_col_ohm > 0")
    with tempfile.TemporaryDirectory(prefix="cimsim-spice-") as tmp:
        out = Path(tmp) / "currents.txt"
        deck = Path(tmp) / "xbar.cir"
        deck.write_text(netlist(G, np.asarray(v_row_V, dtype=np.float64), r_row_ohm, r_col_ohm, str(out), law))
        proc = subprocess.run([exe, "-b", str(deck)], capture_output=True, text=True, timeout=timeout_s)
        if proc.returncode != 0 or not out.exists():
            raise RuntimeError(f"ngspice failed (exit {proc.returncode}): {proc.stderr[-2000:]}")
        values = np.array(out.read_text().split(), dtype=np.float64)
    # wr_singlescale: one scale column then the N currents; a 0 V source's current flows from + to -
    # through the source, i.e. into the sense node from the column: SPICE reports it as positive into +.
    return values[1:1 + G.shape[1]]
