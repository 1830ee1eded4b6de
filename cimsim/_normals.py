"""Per-MVM standard normals drawn in parallel, bitwise independent of the number of threads.

One 63-bit seed is drawn from the caller's generator. Normal i is a function of (seed, i) alone, so any
split of the indices over threads gives the same bytes on 1 thread or 16:

    bits      SplitMix64 (Steele, Lea & Flood, OOPSLA 2014; constants of Vigna's splitmix64.c) as a
              counter-based generator: word k = mix64(seed + (k + 1) * 0x9E3779B97F4A7C15), i.e. the k-th
              output of the SplitMix64 sequence started at ``seed``. float32 normals take 32 bits each (two
              per word), float64 normals a whole word.
    normals   the ziggurat method with 256 boxes (Marsaglia & Tsang, J. Stat. Softw. 5(8), 2000), in
              Doornik's ZIGNOR form (Doornik 2005: the box index and the uniform from independent bits):
              8 bits pick the box, the rest give u in (-1, 1); |u| below the box's ratio (98.5 % of draws)
              returns u x_box. The rare rest (wedges, the tail beyond r = 3.654 by Marsaglia's 1964 method,
              retries) draws from the element's own SplitMix64 stream, seeded by mix64 of the seed and i.

The kernel is numba's (parallel over elements, compiled at first use and cached). Arrays of at most BLOCK
values are drawn directly from the caller's generator (``Generator.standard_normal``): small workloads keep
numpy's own draws. docs/references.md s.9 and docs/performance.md give the measured speed.
"""

from __future__ import annotations

import math
import os

import numpy as np

BLOCK = 1 << 15  # arrays up to this size come from the caller's generator directly

ZIG_BOXES = 256
ZIG_R = 3.6541528853610088  # start of the tail, 256 boxes (Marsaglia & Tsang 2000)
ZIG_V = 4.92867323399e-3  # area of each box (Marsaglia & Tsang 2000)


def _tables() -> tuple[np.ndarray, np.ndarray]:
    """ZIGNOR tables: x (257,) box edges (x[0] = V / f(r), the bottom box with the tail; x[1] = r;
    x[256] = 0) and ratios x[i + 1] / x[i] (256,)."""
    x = np.zeros(ZIG_BOXES + 1)
    f = math.exp(-0.5 * ZIG_R * ZIG_R)
    x[0], x[1] = ZIG_V / f, ZIG_R
    for i in range(2, ZIG_BOXES):
        x[i] = math.sqrt(-2.0 * math.log(ZIG_V / x[i - 1] + f))
        f = math.exp(-0.5 * x[i] * x[i])
    return x, x[1:] / x[:-1]


ZIG_X, ZIG_RATIO = _tables()


def threads() -> int:
    """Threads used for drawing: CIMSIM_NORMAL_THREADS if set, else the CPUs this process may use."""
    env = os.environ.get("CIMSIM_NORMAL_THREADS")
    if env:
        return max(1, int(env))
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def fill_normals(out: np.ndarray, seed: int, n_threads: int | None = None) -> np.ndarray:
    """Fills the 1-D float32 or float64 array ``out`` with normal i = Z(seed, i) (see the module docstring)."""
    import numba

    from ._parallel import NUMBA_PARALLEL, ensure_threading_layer

    if out.dtype not in (np.float32, np.float64) or out.ndim != 1:
        raise ValueError(f"out must be a 1-D float32 or float64 array, got {out.dtype} with {out.ndim} dims")
    from ._zignor import fill32, fill64
    ensure_threading_layer()
    n = min(n_threads or threads(), numba.config.NUMBA_NUM_THREADS)
    fill = fill32 if out.dtype == np.float32 else fill64
    with NUMBA_PARALLEL:
        before = numba.get_num_threads()
        if before == max(1, n):  # changing the thread count costs ~0.15 ms per launch: only when asked
            fill(out, np.uint64(seed), ZIG_X, ZIG_RATIO)
            return out
        numba.set_num_threads(max(1, n))
        try:
            fill(out, np.uint64(seed), ZIG_X, ZIG_RATIO)
        finally:
            numba.set_num_threads(before)
    return out


def standard_normals(rng: np.random.Generator, shape: tuple[int, ...], dtype=np.float64,
                     n_threads: int | None = None) -> np.ndarray:
    """Standard normals of ``shape`` and ``dtype`` (float32 or float64), drawn in parallel.

    Args:
        rng: the caller's generator (one integer is drawn from it for arrays above BLOCK values).
        shape: output shape. dtype: float32 or float64.
        n_threads: threads to use (default: threads()); the result does not depend on it.
    """
    size = int(np.prod(shape, dtype=np.int64))
    if size <= BLOCK:
        return rng.standard_normal(shape, dtype=dtype)
    seed = int(rng.integers(0, 2**63))
    return fill_normals(np.empty(size, dtype=dtype), seed, n_threads).reshape(shape)
