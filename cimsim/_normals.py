"""Per-MVM standard normals drawn in parallel, bitwise independent of the number of threads.

One 63-bit seed is drawn from the caller's generator; the normals are cut into fixed blocks of
BLOCK values, and block i comes from its own stream (PCG64 of SeedSequence([seed, i])). The blocks are
generated on a thread pool (numpy's generators release the GIL while filling arrays), but which stream
fills which block depends only on the shape, never on the thread count, so the same seed gives the same
bytes on 1 thread or 16. Arrays of at most BLOCK values are drawn directly from the caller's generator.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

BLOCK = 1 << 15  # values per stream; ~0.25 ms of float32 normals on one core
_POOL: ThreadPoolExecutor | None = None
_LOCK = threading.Lock()


def threads() -> int:
    """Threads used for drawing: CIMSIM_NORMAL_THREADS if set, else the CPUs this process may use."""
    env = os.environ.get("CIMSIM_NORMAL_THREADS")
    if env:
        return max(1, int(env))
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _pool(n: int) -> ThreadPoolExecutor:
    global _POOL
    with _LOCK:
        if _POOL is None or _POOL._max_workers != n:
            if _POOL is not None:
                _POOL.shutdown(wait=False)
            _POOL = ThreadPoolExecutor(max_workers=n, thread_name_prefix="cimsim-normals")
        return _POOL


def standard_normals(rng: np.random.Generator, shape: tuple[int, ...], dtype=np.float64,
                     n_threads: int | None = None) -> np.ndarray:
    """Standard normals of ``shape`` and ``dtype`` (float32 or float64), drawn block-parallel.

    Args:
        rng: the caller's generator (one integer is drawn from it for arrays above BLOCK values).
        shape: output shape. dtype: float32 or float64.
        n_threads: threads to use (default: threads()); the result does not depend on it.
    """
    size = int(np.prod(shape, dtype=np.int64))
    if size <= BLOCK:
        return rng.standard_normal(shape, dtype=dtype)
    seed = int(rng.integers(0, 2**63))
    out = np.empty(size, dtype=dtype)
    starts = range(0, size, BLOCK)

    def fill(i: int) -> None:
        a = i * BLOCK
        gen = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, i])))
        gen.standard_normal(out=out[a:a + BLOCK], dtype=dtype)

    n = n_threads or threads()
    if n <= 1:
        for i in range(len(starts)):
            fill(i)
    else:
        list(_pool(n).map(fill, range(len(starts))))
    return out.reshape(shape)
