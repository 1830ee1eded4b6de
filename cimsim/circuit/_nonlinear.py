"""Exact IR-drop solve of a crossbar whose cells follow a nonlinear I-V law: Newton's method on the nodal
equations, every step one linear solve with the PCG machinery of _solve.py.

Topology and unknowns as in _nodal.py. With the cell currents I = law.current(V_r - V_c, G), Kirchhoff's
current law at every node reads
    F_r = L_r V_r - b_r + I = 0,        F_c = L_c V_c - I = 0,
L_r, L_c the wire-only chain operators (A_r, A_c of _solve.py without the devices), b_r = g_r v at each
row's first node. The Jacobian is the linear nodal matrix with every device conductance replaced by its
differential conductance D = law.slope(V_r - V_c, G) > 0, so every Newton step
    A_r' dV_r - D dV_c = -F_r,   A_c' dV_c - D dV_r = -F_c
is solve_ir_drop's linear problem with a general right-hand side, solved the same way: PCG on
S' dV_c = b_S := -F_c - D A_r'^{-1} F_r, then dV_r = A_r'^{-1} (-F_r + D dV_c).

Start: V = 0, where D = G for every law, so the first Newton step is exactly the linear solution.
Convergence: ||b_S|| <= tol ||I_ideal|| (I_ideal = law.current(v_i, G_ij), the cells' ideal-wire currents),
checked before every step: b_S is the current imbalance left at the column nodes once the row lines are
relaxed (the linear solver's measure, with rows solved exactly). Inexact Newton: step k solves its
linear system only to the relative residual eta_k = min(0.1, rel_k), floored at 0.1 tol / rel_k
(Dembo, Eisenstat & Steihaug 1982: eta_k = O(||F_k||) keeps Newton quadratic), so the early steps cost
one or two PCG iterations. The PCG preconditioner is the column lines of the first step (device
conductances G); D changes them by ~1e-5 of the wire conductance, so it stays as good.
Each input vector has its own Jacobian: a batch is solved vector by vector.

References:
    docs/circuit.md "Nonlinear cells"; docs/references.md s.3 (topology), s.11 (laws, inexact Newton).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .. import _validate as v
from ._iv import LinearIV
from ._solve import (IRDropConvergenceError, _check, _check_v, _Lines, col_solve, row_solve, schur_solve)

ETA_MAX = 0.1  # loosest relative residual of a Newton step's linear solve (Dembo et al. 1982; docs/circuit.md)


class NewtonInfo(NamedTuple):
    """Diagnostics of one nonlinear solve (max over the vectors of a batch).

    Attributes:
        newton_iterations: Newton steps taken (the first is the linear solution); 0 for closed forms.
        cg_iterations: PCG iterations summed over the Newton steps of one vector.
        rel_residual: ||b_S|| / ||I_ideal|| at the returned voltages.
        method: "ideal", "rows", "columns" or "newton-pcg".
    """

    newton_iterations: int
    cg_iterations: int
    rel_residual: float
    method: str


def _row_kcl(Vr: np.ndarray, v: np.ndarray, gr: float) -> np.ndarray:
    """L_r V_r - b_r (M, N), A: net wire current leaving each row node, from the segment currents."""
    M, N = Vr.shape
    s = np.empty((M, N + 1))
    s[:, 0] = gr * (v - Vr[:, 0])
    s[:, 1:N] = gr * (Vr[:, :-1] - Vr[:, 1:])
    s[:, N] = 0.0
    return s[:, 1:] - s[:, :-1]


def _col_kcl(Vc: np.ndarray, gc: float) -> np.ndarray:
    """L_c V_c (M, N), A: net wire current leaving each column node (sense amplifier at 0 V below)."""
    M, N = Vc.shape
    c = np.empty((M + 1, N))
    c[0] = 0.0
    c[1:M] = gc * (Vc[:-1] - Vc[1:])
    c[M] = gc * Vc[M - 1]
    return c[1:] - c[:-1]


def _forcing(rel: float, tol: float) -> float:
    return max(min(ETA_MAX, rel), 0.1 * tol / rel)


def _not_converged(rel: float, tol: float, max_newton: int) -> IRDropConvergenceError:
    return IRDropConvergenceError(f"nonlinear IR-drop solve did not converge: relative residual {rel:.3e} > "
                                  f"tol={tol} after max_newton={max_newton} Newton steps")


def _coupled(G, v, r_row, r_col, law, tol, max_newton, max_iter, ref):
    """Wires on both sides: Newton with PCG on the Schur complement. Returns currents (N,), its, cg, rel."""
    M = G.shape[0]
    gc = 1.0 / r_col
    Vr, Vc = np.zeros_like(G), np.zeros_like(G)
    precond, cg = None, 0
    for k in range(max_newton + 1):
        dv = Vr - Vc
        cur, D = law.current(dv, G), law.slope(dv, G)
        F_r = _row_kcl(Vr, v, 1.0 / r_row) + cur
        F_c = _col_kcl(Vc, gc) - cur
        lines = _Lines(D, r_row, r_col, precond)
        precond = precond or (lines.col_inv, lines.col_f)
        t = row_solve(lines, -F_r)
        b_S = D * t - F_c
        rel = float(np.linalg.norm(b_S)) / ref
        if rel <= tol:
            return gc * Vc[M - 1], k, cg, rel
        if k == max_newton:
            raise _not_converged(rel, tol, max_newton)
        dVc, info = schur_solve(lines, b_S, _forcing(rel, tol), max_iter)
        cg += info.iterations
        Vr += t + row_solve(lines, dVc, D)
        Vc += dVc
    raise AssertionError("unreachable")  # pragma: no cover


def _rows(G, v, r_row, law, tol, max_newton, ref):
    """Columns at virtual ground (r_col = 0): independent row lines, each Newton step a row-line solve."""
    Vr = np.zeros_like(G)
    for k in range(max_newton + 1):
        cur, D = law.current(Vr, G), law.slope(Vr, G)
        dVr = row_solve(_Lines(D, r_row, 0.0), -(_row_kcl(Vr, v, 1.0 / r_row) + cur))
        rel = float(np.linalg.norm(D * dVr)) / ref  # the change of the cell currents the step would make
        if rel <= tol:
            return cur.sum(axis=0), k, 0, rel
        if k == max_newton:
            raise _not_converged(rel, tol, max_newton)
        Vr += dVr
    raise AssertionError("unreachable")  # pragma: no cover


def _columns(G, v, r_col, law, tol, max_newton, ref):
    """Rows at their source voltage (r_row = 0): independent column lines, each step a column-line solve."""
    M = G.shape[0]
    gc = 1.0 / r_col
    Vc = np.zeros_like(G)
    for k in range(max_newton + 1):
        dv = v[:, None] - Vc
        cur, D = law.current(dv, G), law.slope(dv, G)
        F_c = _col_kcl(Vc, gc) - cur
        rel = float(np.linalg.norm(F_c)) / ref
        if rel <= tol:
            return gc * Vc[M - 1], k, 0, rel
        if k == max_newton:
            raise _not_converged(rel, tol, max_newton)
        Vc += col_solve(_Lines(D, 0.0, r_col), -F_c)
    raise AssertionError("unreachable")  # pragma: no cover


def solve_ir_drop_nonlinear(G_S, v_row_V, r_row_ohm: float, r_col_ohm: float, law: Any = LinearIV(), *,
                            tol: float = 1e-10, max_newton: int = 50, max_iter: int = 500,
                            return_info: bool = False):
    """Column currents of a crossbar with wire resistance and nonlinear cells, by Newton's method.

    Same circuit as solve_ir_drop (docs/references.md s.3) with each cell's current law.current(V, G_ij)
    for the voltage V across it in place of G_ij V.

    Args:
        G_S: small-signal cell conductances (M rows/inputs, N columns/outputs), S, >= 0.
        v_row_V: row driver voltages (M,) or (batch, M), V.
        r_row_ohm: resistance of one row-wire segment (ohm), >= 0.
        r_col_ohm: resistance of one column-wire segment (ohm), >= 0.
        law: the cell I-V law (LinearIV, SinhIV, PolyIV or any object with current(V, G) and slope(V, G)
            that is odd and increasing with slope(0, G) = G).
        tol: relative residual ||b_S|| / ||I_ideal|| at which Newton stops (see the module docstring).
        max_newton: Newton steps before IRDropConvergenceError.
        max_iter: PCG iterations of one Newton step before IRDropConvergenceError.
        return_info: also return a NewtonInfo.

    Returns:
        Currents into the sense amplifiers (N,) or (batch, N), A; with r_row = r_col = 0 exactly
        sum_i law.current(v_i, G_ij).

    Raises:
        IRDropConvergenceError: Newton or one of its linear solves did not reach its tolerance.

    References:
        docs/circuit.md "Nonlinear cells"; validated against ngspice (tests/test_ir_drop_nonlinear.py).
    """
    G = _check(G_S, r_row_ohm, r_col_ohm)
    v2, single = _check_v(v_row_V, G.shape[0])
    if not (callable(getattr(law, "current", None)) and callable(getattr(law, "slope", None))):
        raise TypeError(f"law must have current(V, G) and slope(V, G) methods, got {type(law).__name__}")
    v.positive("tol", tol)
    v.integer_at_least("max_newton", max_newton, 1)
    v.integer_at_least("max_iter", max_iter, 1)
    if r_row_ohm == 0 and r_col_ohm == 0:
        out = np.stack([law.current(x[:, None], G).sum(axis=0) for x in v2])
        info = NewtonInfo(0, 0, 0.0, "ideal")
    else:
        rows = []
        for x in v2:
            ref = float(np.linalg.norm(law.current(x[:, None], G)))
            if ref == 0.0:
                rows.append((np.zeros(G.shape[1]), 0, 0, 0.0))
            elif r_col_ohm == 0:
                rows.append(_rows(G, x, r_row_ohm, law, tol, max_newton, ref))
            elif r_row_ohm == 0:
                rows.append(_columns(G, x, r_col_ohm, law, tol, max_newton, ref))
            else:
                rows.append(_coupled(G, x, r_row_ohm, r_col_ohm, law, tol, max_newton, max_iter, ref))
        out = np.stack([r[0] for r in rows])
        method = "rows" if r_col_ohm == 0 else "columns" if r_row_ohm == 0 else "newton-pcg"
        info = NewtonInfo(max(r[1] for r in rows), max(r[2] for r in rows), max(r[3] for r in rows), method)
    out = out[0] if single else out
    return (out, info) if return_info else out
