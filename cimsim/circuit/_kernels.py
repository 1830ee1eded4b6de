"""Numba kernels of the IR-drop solver: line factorizations and a fused, batched PCG.

Every row line and every column line of the crossbar is a symmetric tridiagonal chain with a constant
off-diagonal -g (the wire conductance) and a diagonal of wire plus device conductances. A chain is
factored once (LDL^T, Thomas algorithm): w_0 = a_0, w_k = a_k - g^2 / w_{k-1}; a solve is then
    forward  y_k = d_k + (g / w_{k-1}) y_{k-1};  backward  x_k = y_k / w_k + (g / w_k) x_{k+1}.

Layout: vectors are (M, N, C) with C right-hand sides innermost, so each step of a recurrence updates
C independent chains (SIMD); row recurrences also interleave ROW_BLOCK rows, so even C = 1 has 8
independent chains per step. ``pcg`` runs a whole preconditioned CG for one chunk in one compiled call
(no Python between iterations), splitting row blocks and column blocks across threads: the line kernels
are inlined, so their prange loops become parallel loops of ``pcg`` (and plain loops of
``pcg_serial``, used for small problems). Chunks run one after the other.
(Measured alternative: one serial PCG per chunk with chunks in parallel was 1.6x slower at 64 x 256^2.)
The chunk width C reaches every kernel as ``width``, a tuple of C zeros: a tuple's length is part of its
numba type, so C is a compile-time constant and the innermost loops vectorize (runtime C = 1 loops ran
4x slower). Widths are 1 or 8, so at most two specializations compile.
"""

from __future__ import annotations

import numba as nb
import numpy as np

ROW_BLOCK = 8


@nb.njit(cache=True)
def factor_rows(diag, g):  # pragma: no cover - compiled
    """LDL^T of every row chain (along N): returns 1/w and g/w, both (M, N)."""
    M, N = diag.shape
    inv_w = np.empty((M, N))
    f = np.empty((M, N))
    for i in range(M):
        w = diag[i, 0]
        inv_w[i, 0] = 1.0 / w
        f[i, 0] = g / w
        for j in range(1, N):
            w = diag[i, j] - g * f[i, j - 1]
            inv_w[i, j] = 1.0 / w
            f[i, j] = g / w
    return inv_w, f


def factor_cols(diag, g):
    """LDL^T of every column chain (along M): factor_rows of the transposed chains, returned (M, N)."""
    inv_w, f = factor_rows(np.ascontiguousarray(diag.T), g)
    return np.ascontiguousarray(inv_w.T), np.ascontiguousarray(f.T)


COL_BLOCKS = 16  # column blocks of the column-line kernels (units of parallel work)


@nb.njit(inline="always")
def rows_of(inv_w, f, w, x, out, width):  # pragma: no cover - compiled
    """out = A_r^{-1} (w * x) for x (M, N, C), row blocks in parallel."""
    M = x.shape[0]
    for blk in nb.prange((M + ROW_BLOCK - 1) // ROW_BLOCK):
        _rows_block(inv_w, f, w, x, out, blk * ROW_BLOCK, min(blk * ROW_BLOCK + ROW_BLOCK, M), width)


@nb.njit(inline="always")
def solve_cols(inv_w, f, d, out, width):  # pragma: no cover - compiled
    """out = A_c^{-1} d for d (M, N, C), column blocks in parallel."""
    N, C = d.shape[1], len(width)
    n_blk = min(N, COL_BLOCKS)
    scratch = np.empty((n_blk, C))
    for blk in nb.prange(n_blk):
        _cols_block(inv_w, f, d, out, blk * N // n_blk, (blk + 1) * N // n_blk, scratch, blk, width)


@nb.njit(inline="always")
def _rows_block(inv_w, f, w, x, out, i0, i1, width):  # pragma: no cover - compiled
    """out[i0:i1] = A_r^{-1} (w * x)[i0:i1]: the rows of one block, interleaved."""
    N, C = x.shape[1], len(width)
    for i in range(i0, i1):
        for c in range(C):
            out[i, 0, c] = w[i, 0] * x[i, 0, c]
    for j in range(1, N):
        for i in range(i0, i1):
            fj, wj = f[i, j - 1], w[i, j]
            for c in range(C):
                out[i, j, c] = wj * x[i, j, c] + fj * out[i, j - 1, c]
    for i in range(i0, i1):
        for c in range(C):
            out[i, N - 1, c] *= inv_w[i, N - 1]
    for j in range(N - 2, -1, -1):
        for i in range(i0, i1):
            iw, fj = inv_w[i, j], f[i, j]
            for c in range(C):
                out[i, j, c] = out[i, j, c] * iw + fj * out[i, j + 1, c]


@nb.njit(inline="always")
def _cols_block(inv_w, f, d, out, j0, j1, rz, blk, width):  # pragma: no cover - compiled
    """out[:, j0:j1] = A_c^{-1} d[:, j0:j1]; rz[blk, c] = sum over the block of d * out."""
    M, C = d.shape[0], len(width)
    for j in range(j0, j1):
        for c in range(C):
            out[0, j, c] = d[0, j, c]
    for i in range(1, M):
        for j in range(j0, j1):
            fj = f[i - 1, j]
            for c in range(C):
                out[i, j, c] = d[i, j, c] + fj * out[i - 1, j, c]
    for c in range(C):
        rz[blk, c] = 0.0
    for j in range(j0, j1):
        for c in range(C):
            out[M - 1, j, c] *= inv_w[M - 1, j]
            rz[blk, c] += d[M - 1, j, c] * out[M - 1, j, c]
    for i in range(M - 2, -1, -1):
        for j in range(j0, j1):
            iw, fj = inv_w[i, j], f[i, j]
            for c in range(C):
                z = out[i, j, c] * iw + fj * out[i + 1, j, c]
                out[i, j, c] = z
                rz[blk, c] += d[i, j, c] * z


@nb.njit(inline="always")
def _pcg(col_diag, gc, G, row_inv, row_f, col_inv, col_f, rhs, x, tol, max_iter, width):  # pragma: no cover
    """Preconditioned CG on S x = rhs (M, N, C), S = A_c - G A_r^{-1} G, preconditioner A_c^{-1}.

    x is overwritten with the solution. Returns (iterations, max relative residual, converged).
    Three parallel regions per iteration: (A) row blocks: p = z + beta p, t = A_r^{-1} (G p);
    (B) rows: s = A_c p - G t and p^T s; (C) column blocks: x += alpha p, r -= alpha s, r^T r,
    z = A_c^{-1} r and r^T z (a column chain never leaves its block).
    """
    M, N = rhs.shape[0], rhs.shape[1]
    C = len(width)
    n_rb = (M + ROW_BLOCK - 1) // ROW_BLOCK
    n_cb = min(N, COL_BLOCKS)
    r = rhs.copy()
    z = np.empty_like(rhs)
    p = np.zeros_like(rhs)
    sp = np.empty_like(rhs)
    t = np.empty_like(rhs)
    part_rows = np.zeros((M, C))
    part_cols = np.zeros((n_cb, C))
    part_rr = np.zeros((n_cb, C))
    x[:] = 0.0
    nb2 = np.zeros(C)
    for i in range(M):
        for j in range(N):
            for c in range(C):
                nb2[c] += rhs[i, j, c] * rhs[i, j, c]
    # x0 = 0, r0 = rhs: z0 = A_c^{-1} r0 (its first CG step reproduces the x0 = A_c^{-1} b start)
    for blk in nb.prange(n_cb):
        _cols_block(col_inv, col_f, r, z, blk * N // n_cb, (blk + 1) * N // n_cb, part_cols, blk, width)
    rz = part_cols.sum(axis=0)
    rr = nb2.copy()
    beta = np.zeros(C)
    it = 0
    while True:
        worst = 0.0
        done = True
        for c in range(C):
            rel = np.sqrt(rr[c] / nb2[c]) if nb2[c] > 0 else 0.0
            worst = max(worst, rel)
            if rel > tol:
                done = False
        if done:
            return it, worst, True
        if it >= max_iter:
            return it, worst, False
        for blk in nb.prange(n_rb):  # (A)
            i0 = blk * ROW_BLOCK
            i1 = min(i0 + ROW_BLOCK, M)
            for i in range(i0, i1):
                for j in range(N):
                    for c in range(C):
                        p[i, j, c] = z[i, j, c] + beta[c] * p[i, j, c]
            _rows_block(row_inv, row_f, G, p, t, i0, i1, width)
        for i in nb.prange(M):  # (B)
            for c in range(C):
                part_rows[i, c] = 0.0
            for j in range(N):
                d, gij = col_diag[i, j], G[i, j]
                for c in range(C):
                    acc = d * p[i, j, c] - gij * t[i, j, c]
                    if i > 0:
                        acc -= gc * p[i - 1, j, c]
                    if i < M - 1:
                        acc -= gc * p[i + 1, j, c]
                    sp[i, j, c] = acc
                    part_rows[i, c] += p[i, j, c] * acc
        psp = part_rows.sum(axis=0)
        alpha = np.zeros(C)
        for c in range(C):
            if nb2[c] > 0 and rr[c] > tol * tol * nb2[c] and psp[c] > 0:
                alpha[c] = rz[c] / psp[c]
        for blk in nb.prange(n_cb):  # (C)
            j0 = blk * N // n_cb
            j1 = (blk + 1) * N // n_cb
            for c in range(C):
                part_rr[blk, c] = 0.0
            for i in range(M):
                for j in range(j0, j1):
                    for c in range(C):
                        x[i, j, c] += alpha[c] * p[i, j, c]
                        rv = r[i, j, c] - alpha[c] * sp[i, j, c]
                        r[i, j, c] = rv
                        part_rr[blk, c] += rv * rv
            _cols_block(col_inv, col_f, r, z, j0, j1, part_cols, blk, width)
        rr = part_rr.sum(axis=0)
        rz_new = part_cols.sum(axis=0)
        for c in range(C):
            beta[c] = rz_new[c] / rz[c] if (alpha[c] != 0.0 and rz[c] > 0) else 0.0
        rz = rz_new
        it += 1


@nb.njit(parallel=True, cache=True)
def pcg(col_diag, gc, G, row_inv, row_f, col_inv, col_f, rhs, x, tol, max_iter, width):  # pragma: no cover
    """_pcg with its row/column blocks across threads."""
    return _pcg(col_diag, gc, G, row_inv, row_f, col_inv, col_f, rhs, x, tol, max_iter, width)


@nb.njit(cache=True)
def pcg_serial(col_diag, gc, G, row_inv, row_f, col_inv, col_f, rhs, x, tol, max_iter, width):  # pragma: no cover
    """_pcg on one thread: faster below ~2^17 node-vectors, where thread wake-ups dominate."""
    return _pcg(col_diag, gc, G, row_inv, row_f, col_inv, col_f, rhs, x, tol, max_iter, width)


SERIAL_BELOW = 1 << 17  # M * N * chunk width under which pcg_serial is used (measured, docs/circuit.md)


@nb.njit(parallel=True, cache=True)
def rows_chunks(inv_w, f, w, x_chunks, out_chunks, width):  # pragma: no cover - compiled
    """A_r^{-1} (w * x) for every chunk (K, M, N, C)."""
    for q in range(x_chunks.shape[0]):
        rows_of(inv_w, f, w, x_chunks[q], out_chunks[q], width)


@nb.njit(parallel=True, cache=True)
def cols_chunks(inv_w, f, d_chunks, out_chunks, width):  # pragma: no cover - compiled
    """A_c^{-1} d for every chunk (K, M, N, C)."""
    for q in range(d_chunks.shape[0]):
        solve_cols(inv_w, f, d_chunks[q], out_chunks[q], width)
