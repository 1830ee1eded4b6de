"""Numba kernels of the IR-drop solver: line factorizations and a fused, batched PCG.

Every row line and every column line of the crossbar is a symmetric tridiagonal chain with a constant
off-diagonal -g (the wire conductance) and a diagonal of wire plus device conductances. A chain is
factored once (LDL^T, Thomas algorithm): w_0 = a_0, w_k = a_k - g^2 / w_{k-1}; a solve is then
    forward  y_k = d_k + (g / w_{k-1}) y_{k-1};  backward  x_k = y_k / w_k + (g / w_k) x_{k+1}.

Layout: vectors are (M, N, C) with C right-hand sides innermost, so each step of a recurrence updates
C independent chains (SIMD); row recurrences also interleave ROW_BLOCK rows, so even C = 1 has 8
independent chains per step. One call of ``pcg_chunks`` runs a whole preconditioned CG per chunk of
right-hand sides, chunks in parallel (one prange, no per-iteration thread launches).
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


@nb.njit(cache=True)
def factor_cols(diag, g):  # pragma: no cover - compiled
    """LDL^T of every column chain (along M): returns 1/w and g/w, both (M, N)."""
    M, N = diag.shape
    inv_w = np.empty((M, N))
    f = np.empty((M, N))
    for j in range(N):
        inv_w[0, j] = 1.0 / diag[0, j]
        f[0, j] = g * inv_w[0, j]
    for i in range(1, M):
        for j in range(N):
            w = diag[i, j] - g * f[i - 1, j]
            inv_w[i, j] = 1.0 / w
            f[i, j] = g / w
    return inv_w, f


@nb.njit(cache=True)
def rows_of(inv_w, f, w, x, out):  # pragma: no cover - compiled
    """out = A_r^{-1} (w * x) for x (M, N, C); rows in interleaved blocks."""
    M, N, C = x.shape
    for i0 in range(0, M, ROW_BLOCK):
        i1 = min(i0 + ROW_BLOCK, M)
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


@nb.njit(cache=True)
def solve_cols(inv_w, f, d, out):  # pragma: no cover - compiled
    """out = A_c^{-1} d for d (M, N, C): column chains along M, vectorized over (N, C)."""
    M, N, C = d.shape
    for j in range(N):
        for c in range(C):
            out[0, j, c] = d[0, j, c]
    for i in range(1, M):
        for j in range(N):
            fj = f[i - 1, j]
            for c in range(C):
                out[i, j, c] = d[i, j, c] + fj * out[i - 1, j, c]
    for j in range(N):
        for c in range(C):
            out[M - 1, j, c] *= inv_w[M - 1, j]
    for i in range(M - 2, -1, -1):
        for j in range(N):
            iw, fj = inv_w[i, j], f[i, j]
            for c in range(C):
                out[i, j, c] = out[i, j, c] * iw + fj * out[i + 1, j, c]


@nb.njit(cache=True)
def schur(col_diag, gc, G, row_inv, row_f, x, t, out, xo):  # pragma: no cover - compiled
    """out = S x = A_c x - G * A_r^{-1} (G * x); xo[c] = x^T S x. t is scratch."""
    M, N, C = x.shape
    rows_of(row_inv, row_f, G, x, t)
    xo[:] = 0.0
    for i in range(M):
        for j in range(N):
            d, gij = col_diag[i, j], G[i, j]
            for c in range(C):
                acc = d * x[i, j, c] - gij * t[i, j, c]
                if i > 0:
                    acc -= gc * x[i - 1, j, c]
                if i < M - 1:
                    acc -= gc * x[i + 1, j, c]
                out[i, j, c] = acc
                xo[c] += x[i, j, c] * acc


@nb.njit(cache=True)
def _dot(a, b, out):  # pragma: no cover - compiled
    M, N, C = a.shape
    out[:] = 0.0
    for i in range(M):
        for j in range(N):
            for c in range(C):
                out[c] += a[i, j, c] * b[i, j, c]


@nb.njit(cache=True)
def pcg(col_diag, gc, G, row_inv, row_f, col_inv, col_f, rhs, x, tol, max_iter):  # pragma: no cover
    """Preconditioned CG on S x = rhs (M, N, C), preconditioner A_c^{-1}; x is overwritten.

    Returns (iterations, max relative residual, converged).
    """
    M, N, C = rhs.shape
    r = np.empty_like(rhs)
    z = np.empty_like(rhs)
    p = np.empty_like(rhs)
    sp = np.empty_like(rhs)
    t = np.empty_like(rhs)
    nb2 = np.empty(C)
    rz = np.empty(C)
    rr = np.empty(C)
    psp = np.empty(C)
    _dot(rhs, rhs, nb2)
    solve_cols(col_inv, col_f, rhs, x)  # initial guess A_c^{-1} b
    schur(col_diag, gc, G, row_inv, row_f, x, t, sp, psp)
    for i in range(M):
        for j in range(N):
            for c in range(C):
                r[i, j, c] = rhs[i, j, c] - sp[i, j, c]
    solve_cols(col_inv, col_f, r, z)
    p[:] = z
    _dot(r, z, rz)
    _dot(r, r, rr)
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
        schur(col_diag, gc, G, row_inv, row_f, p, t, sp, psp)
        alpha = np.zeros(C)
        for c in range(C):
            if nb2[c] > 0 and rr[c] > tol * tol * nb2[c] and psp[c] > 0:
                alpha[c] = rz[c] / psp[c]
        rr[:] = 0.0
        for i in range(M):
            for j in range(N):
                for c in range(C):
                    x[i, j, c] += alpha[c] * p[i, j, c]
                    rv = r[i, j, c] - alpha[c] * sp[i, j, c]
                    r[i, j, c] = rv
                    rr[c] += rv * rv
        solve_cols(col_inv, col_f, r, z)
        rz_old = rz.copy()
        _dot(r, z, rz)
        for i in range(M):
            for j in range(N):
                for c in range(C):
                    beta = rz[c] / rz_old[c] if (alpha[c] != 0.0 and rz_old[c] > 0) else 0.0
                    p[i, j, c] = z[i, j, c] + beta * p[i, j, c]
        it += 1


@nb.njit(parallel=True, cache=True)
def pcg_chunks(col_diag, gc, G, row_inv, row_f, col_inv, col_f, rhs_chunks, x_chunks, tol, max_iter,
               its, res, ok):  # pragma: no cover - compiled
    """Runs pcg on every chunk (K, M, N, C) in parallel; per-chunk diagnostics into its, res, ok."""
    for q in nb.prange(rhs_chunks.shape[0]):
        it, rel, conv = pcg(col_diag, gc, G, row_inv, row_f, col_inv, col_f, rhs_chunks[q], x_chunks[q],
                            tol, max_iter)
        its[q] = it
        res[q] = rel
        ok[q] = conv


@nb.njit(parallel=True, cache=True)
def rows_chunks(inv_w, f, w, x_chunks, out_chunks):  # pragma: no cover - compiled
    """rows_of on every chunk in parallel."""
    for q in nb.prange(x_chunks.shape[0]):
        rows_of(inv_w, f, w, x_chunks[q], out_chunks[q])


@nb.njit(parallel=True, cache=True)
def cols_chunks(inv_w, f, d_chunks, out_chunks):  # pragma: no cover - compiled
    """solve_cols on every chunk in parallel."""
    for q in nb.prange(d_chunks.shape[0]):
        solve_cols(inv_w, f, d_chunks[q], out_chunks[q])
