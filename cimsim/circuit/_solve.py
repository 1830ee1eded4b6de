"""Exact IR-drop solve of a crossbar: preconditioned conjugate gradients on the Schur complement.

The nodal system (see _nodal.py) has row unknowns V_r and column unknowns V_c:
    A_r V_r - D V_c = b_r,   A_c V_c - D V_r = b_c,     D = diag(G)
with A_r block-diagonal over row lines and A_c over column lines, each block tridiagonal. Eliminating
V_r = A_r^{-1} (b_r + D V_c) leaves the symmetric positive definite Schur complement
    S V_c = b_c + D A_r^{-1} b_r,    S = A_c - D A_r^{-1} D,
solved by conjugate gradients preconditioned with A_c^{-1} (exact column-line solves). Every product with
S is one batch of row-line solves; every preconditioner application one batch of column-line solves;
both O(M N). Because device conductances are small next to wire conductances, A_c^{-1} S is a small
perturbation of the identity and CG converges in a few iterations (docs/circuit.md has the counts).
Convergence: ||b_S - S V_c|| <= tol ||b_S|| for every vector of the batch; the row equations hold exactly.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import _validate as v
from ._first_order import first_order


CHUNK_MAX = 8  # right-hand sides per chunk: SIMD-wide and cache-resident (measured, docs/circuit.md)


class IRDropConvergenceError(RuntimeError):
    """The iterative solve did not reach its tolerance."""


class SolveInfo(NamedTuple):
    """Diagnostics of one exact solve.

    Attributes:
        iterations: CG iterations (max over the batch); 0 for the closed-form cases.
        rel_residual: max over the batch of ||b_S - S V_c|| / ||b_S||.
        method: "ideal", "rows", "columns" or "pcg".
    """

    iterations: int
    rel_residual: float
    method: str



def _k():
    """The numba kernels, imported (and compiled) at the first solve, not when cimsim is imported."""
    from .._parallel import ensure_threading_layer
    from . import _kernels

    ensure_threading_layer()
    return _kernels


def _check(G_S, r_row_ohm, r_col_ohm) -> np.ndarray:
    G = v.finite_array("G_S", G_S, ndim=(2,))
    if G.min() < 0:
        raise ValueError(f"G_S must be >= 0 (conductances), got min {G.min()}")
    for name, r in (("r_row_ohm", r_row_ohm), ("r_col_ohm", r_col_ohm)):
        v.non_negative(name, r)
    return np.ascontiguousarray(G)


def _check_v(v_row_V, M: int) -> tuple[np.ndarray, bool]:
    arr = v.finite_array("v_row_V", v_row_V, ndim=(1, 2))
    if arr.shape[-1] != M:
        raise ValueError(f"v_row_V must have {M} entries (one per row of G_S), got shape {arr.shape}")
    return (arr[None, :], True) if arr.ndim == 1 else (np.ascontiguousarray(arr), False)


class _Lines:
    """Factored row and column lines of one array, shared by every right-hand side and iteration.

    ``precond``: the factors (1/w, g/w) of other column chains to use as the PCG preconditioner in place of
    A_c's own (any SPD stand-in for A_c leaves the solution unchanged, only the iteration count moves).
    """

    def __init__(self, G: np.ndarray, r_row: float, r_col: float, precond: tuple | None = None):
        M, N = G.shape
        self.G, self.M, self.N = G, M, N
        self.gr = 1.0 / r_row if r_row > 0 else np.inf
        self.gc = 1.0 / r_col if r_col > 0 else np.inf
        if r_row > 0:
            self.row_inv, self.row_f = _k().factor_rows(self.gr * (1.0 + (np.arange(N) < N - 1))[None, :] + G, self.gr)
        if r_col > 0:
            self.col_diag = np.ascontiguousarray(self.gc * (1.0 + (np.arange(M) > 0))[:, None] + G)
            self.col_inv, self.col_f = precond if precond is not None else _k().factor_cols(self.col_diag, self.gc)


def _chunked(values: np.ndarray, shape: tuple[int, int], width: int) -> np.ndarray:
    """(B, M, N) right-hand sides -> zero-padded chunks (K, M, N, width), batch innermost."""
    B = values.shape[0]
    K = -(-B // width)
    out = np.zeros((K * width,) + shape)
    out[:B] = values
    return np.ascontiguousarray(out.reshape((K, width) + shape).transpose(0, 2, 3, 1))


def _unchunk(x: np.ndarray, B: int) -> np.ndarray:
    """(K, M, N, width) -> (B, M, N)."""
    K, M, N, W = x.shape
    return x.transpose(0, 3, 1, 2).reshape(K * W, M, N)[:B]


def _width(B: int) -> int:
    """Chunk width: 1 for a single vector, else CHUNK_MAX (zero-padded); see _kernels on why only two."""
    return 1 if B == 1 else CHUNK_MAX


def _currents(lines: _Lines, v2: np.ndarray, tol: float, max_iter: int) -> tuple[np.ndarray, SolveInfo]:
    """Currents (B, N) for row voltages v2 (B, M); numba's parallel launches serialized across threads."""
    from .._parallel import NUMBA_PARALLEL

    with NUMBA_PARALLEL:
        return _currents_locked(lines, v2, tol, max_iter)


def _currents_locked(lines: _Lines, v2: np.ndarray, tol: float, max_iter: int) -> tuple[np.ndarray, SolveInfo]:
    G, M, N = lines.G, lines.M, lines.N
    B = v2.shape[0]
    if np.isinf(lines.gr) and np.isinf(lines.gc):
        return v2 @ G, SolveInfo(0, 0.0, "ideal")
    W = _width(B)
    width = (0.0,) * W
    if np.isinf(lines.gr):  # rows at their source voltage: independent column lines
        d = _chunked(G[None, :, :] * v2[:, :, None], (M, N), W)
        vc = np.empty_like(d)
        _k().cols_chunks(lines.col_inv, lines.col_f, d, vc, width)
        return lines.gc * _unchunk(vc, B)[:, M - 1, :], SolveInfo(0, 0.0, "columns")
    b_r = np.zeros((B, M, N))
    b_r[:, :, 0] = lines.gr * v2
    b_r = _chunked(b_r, (M, N), W)
    vr = np.empty_like(b_r)
    _k().rows_chunks(lines.row_inv, lines.row_f, np.ones_like(G), b_r, vr, width)
    if np.isinf(lines.gc):  # columns at virtual ground: independent row lines
        return np.einsum("bij,ij->bj", _unchunk(vr, B), G), SolveInfo(0, 0.0, "rows")
    x, info = _pcg_chunks(lines, vr * G[None, :, :, None], tol, max_iter)
    return lines.gc * _unchunk(x, B)[:, M - 1, :], info


def _pcg_chunks(lines: _Lines, rhs: np.ndarray, tol: float, max_iter: int) -> tuple[np.ndarray, SolveInfo]:
    """x with S x = rhs for every chunk of rhs (K, M, N, width), one compiled PCG per chunk."""
    M, N, W = rhs.shape[1], rhs.shape[2], rhs.shape[3]
    width = (0.0,) * W
    x = np.empty_like(rhs)
    K = rhs.shape[0]
    its, res, ok = np.zeros(K, dtype=np.int64), np.zeros(K), np.zeros(K, dtype=np.bool_)
    args = (lines.col_diag, lines.gc, lines.G, lines.row_inv, lines.row_f, lines.col_inv, lines.col_f)
    kern = _k()
    solver = kern.pcg_serial if M * N * W < kern.SERIAL_BELOW else kern.pcg
    for q in range(K):
        its[q], res[q], ok[q] = solver(*args, rhs[q], x[q], float(tol), int(max_iter), width)
    if not ok.all():
        raise IRDropConvergenceError(
            f"IR-drop solve did not converge: relative residual {res.max():.3e} > tol={tol} after "
            f"max_iter={max_iter} iterations")
    return x, SolveInfo(int(its.max()), float(res.max()), "pcg")


# ---- a general right-hand side, one vector (M, N): the linear step of the nonlinear solve -------------

def row_solve(lines: _Lines, x: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    """A_r^{-1} (w * x) for one vector x (M, N) (w = 1 when None); needs r_row > 0."""
    from .._parallel import NUMBA_PARALLEL

    M, N = x.shape
    xk = np.ascontiguousarray(x).reshape(1, M, N, 1)
    out = np.empty_like(xk)
    with NUMBA_PARALLEL:
        _k().rows_chunks(lines.row_inv, lines.row_f, np.ones((M, N)) if w is None else np.ascontiguousarray(w),
                         xk, out, (0.0,))
    return out.reshape(M, N)


def col_solve(lines: _Lines, d: np.ndarray) -> np.ndarray:
    """A_c^{-1} d for one vector d (M, N) with the column factors of ``lines``; needs r_col > 0."""
    from .._parallel import NUMBA_PARALLEL

    M, N = d.shape
    dk = np.ascontiguousarray(d).reshape(1, M, N, 1)
    out = np.empty_like(dk)
    with NUMBA_PARALLEL:
        _k().cols_chunks(lines.col_inv, lines.col_f, dk, out, (0.0,))
    return out.reshape(M, N)


def schur_solve(lines: _Lines, b_S: np.ndarray, tol: float, max_iter: int) -> tuple[np.ndarray, SolveInfo]:
    """x_c (M, N) with S x_c = b_S, S = A_c - D A_r^{-1} D, to the relative residual tol; needs r_row, r_col > 0.

    Raises:
        IRDropConvergenceError: PCG did not reach tol in max_iter iterations.
    """
    from .._parallel import NUMBA_PARALLEL

    M, N = b_S.shape
    with NUMBA_PARALLEL:
        x, info = _pcg_chunks(lines, np.ascontiguousarray(b_S).reshape(1, M, N, 1), tol, max_iter)
    return x.reshape(M, N), info


def solve_nodal(lines: _Lines, f_r: np.ndarray, f_c: np.ndarray, tol: float = 1e-10,
                max_iter: int = 500) -> tuple[np.ndarray, np.ndarray, SolveInfo]:
    """Row and column node voltages (M, N) each for arbitrary currents f_r, f_c (A) injected at the nodes:

        A_r x_r - D x_c = f_r,   A_c x_c - D x_r = f_c
    (D = diag(lines.G)) by PCG on S x_c = f_c + D A_r^{-1} f_r, then x_r = A_r^{-1} (f_r + D x_c).
    The source-driven system of solve_ir_drop is f_r = g_r v at each row's first node, f_c = 0.
    Needs r_row, r_col > 0. Returns x_r, x_c and the PCG's SolveInfo.
    """
    t = row_solve(lines, f_r)
    x_c, info = schur_solve(lines, f_c + lines.G * t, tol, max_iter)
    return t + row_solve(lines, x_c, lines.G), x_c, info


def solve_ir_drop(G_S, v_row_V, r_row_ohm: float, r_col_ohm: float, *, tol: float = 1e-10,
                  max_iter: int = 500, return_info: bool = False):
    """Column currents of a crossbar with wire resistance, by an exact nodal solve.

    Args:
        G_S: device conductances (M rows/inputs, N columns/outputs), S, >= 0.
        v_row_V: row driver voltages (M,) or (batch, M), V.
        r_row_ohm: resistance of one row-wire segment (ohm), >= 0.
        r_col_ohm: resistance of one column-wire segment (ohm), >= 0.
        tol: relative residual of the Schur-complement system at which CG stops.
        max_iter: CG iterations before IRDropConvergenceError.
        return_info: also return a SolveInfo.

    Returns:
        Currents into the sense amplifiers (N,) or (batch, N), A; with zero wire resistance exactly G^T v.

    References:
        Topology of docs/references.md s.3; validated against ngspice (tests/test_ir_drop_spice.py).
    """
    G = _check(G_S, r_row_ohm, r_col_ohm)
    v2, single = _check_v(v_row_V, G.shape[0])
    v.positive("tol", tol)
    v.integer_at_least("max_iter", max_iter, 1)
    currents, info = _currents(_Lines(G, r_row_ohm, r_col_ohm), v2, tol, max_iter)
    currents = currents[0] if single else currents
    return (currents, info) if return_info else currents


def ir_drop_matrix(G_S, r_row_ohm: float, r_col_ohm: float, *, tol: float = 1e-10,
                   max_iter: int = 500) -> np.ndarray:
    """Effective conductance matrix G_eff (M, N) with I = v @ G_eff exactly (the circuit is linear in v).

    Computed by solving for every unit input (M right-hand sides in one batch). With it, any number of
    MVMs on the same conductances cost one matrix product each.
    """
    G = _check(G_S, r_row_ohm, r_col_ohm)
    v.positive("tol", tol)
    currents, _ = _currents(_Lines(G, r_row_ohm, r_col_ohm), np.eye(G.shape[0]), tol, max_iter)
    return currents


def ir_drop_first_order(G_S, r_row_ohm: float, r_col_ohm: float) -> np.ndarray:
    """First-order (linearized) effective conductance matrix (M, N): I ~= v @ G_eff1.

    The row and column wire currents are taken from the ideal circuit; each cell then sees its row
    voltage lowered by the drop along its row and its column raised by the drop along its column:
        G_eff1[i, j] = G_ij (1 - r_row sum_{k<=j} S_ik - r_col sum_{k>=i} C_kj),
        S_ik = sum_{l>=k} G_il (current through row segment k per volt),
        C_kj = sum_{l<=k} G_lj (current through column segment k, weighted by each row's voltage).
    Exact to first order in r; its error grows as (G r N^2)^2 (docs/circuit.md has the table).
    The column term is linear in v only row by row; this form keeps v_l's own weight G_lj, which is the
    first-order term exactly.
    """
    G = _check(G_S, r_row_ohm, r_col_ohm)
    G_eff = first_order(G, r_row_ohm, r_col_ohm, xp=np)
    check_first_order_range(G, G_eff)
    return G_eff


FIRST_ORDER_MAX_CORRECTION = 0.25


class IRDropValidityWarning(RuntimeWarning):
    """The first-order IR-drop model was used outside its range of validity."""


def check_first_order_range(G: np.ndarray, G_eff: np.ndarray) -> float:
    """Warns (IRDropValidityWarning) when the first-order model leaves its range of validity.

    The model multiplies each conductance by (1 - c_ij), c_ij the relative drop it linearizes; its own
    error grows as c^2. Measured on U[1, 25] uS arrays (docs/circuit.md): largest c = 0.15 -> 1 % model
    error (64 x 64, 2.5 ohm), 0.24 -> 2.4 % (128, 1 ohm), 0.46 -> 9 % (256, 0.5 ohm). Above
    FIRST_ORDER_MAX_CORRECTION = 0.25 it warns; at c >= 1 conductances turn negative (said in the warning).

    Returns:
        The largest relative correction c.
    """
    nz = G > 0
    c = float(np.max(1.0 - G_eff[nz] / G[nz])) if nz.any() else 0.0
    if c > FIRST_ORDER_MAX_CORRECTION:
        import warnings

        extra = " and gives negative conductances" if c >= 1.0 else ""
        warnings.warn(f"first-order IR-drop model outside its range: largest relative correction {c:.3g} > "
                      f"{FIRST_ORDER_MAX_CORRECTION} (its error then exceeds ~3 %{extra}); use the exact solve "
                      "(ir_drop='exact', ir_drop_matrix, solve_ir_drop)", IRDropValidityWarning, stacklevel=3)
    return c
