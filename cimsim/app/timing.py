"""Timing helpers of the benches: interleaved rounds (each function once per round, so a slow spell of a
shared machine hits both sides of a ratio alike), medians, and the BLAS in use."""

from __future__ import annotations

import time
from typing import Any, Callable

import numpy as np


def _median_time(fn: Callable[[], Any], repeats: int, min_time_s: float) -> float:
    fn()  # warm-up (JIT compile, caches)
    times = []
    start = time.perf_counter()
    while len(times) < repeats or time.perf_counter() - start < min_time_s:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        if len(times) >= 50 * repeats:
            break
    return float(np.median(times))


def _interleaved(fns: dict[str, Callable[[], Any]], repeats: int, min_time_s: float) -> dict[str, np.ndarray]:
    """Times each function once per round, round after round, so that all see the same machine state."""
    for fn in fns.values():
        fn()  # warm-up
    times: dict[str, list[float]] = {k: [] for k in fns}
    start = time.perf_counter()
    rounds = 0
    while rounds < repeats or (time.perf_counter() - start < min_time_s and rounds < 50 * repeats):
        for key, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[key].append(time.perf_counter() - t0)
        rounds += 1
    return {k: np.asarray(v) for k, v in times.items()}


def _blas_info() -> list[dict[str, Any]]:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # pragma: no cover
        return []
    return [{k: d.get(k) for k in ("internal_api", "version", "num_threads", "architecture")} for d in threadpool_info()]
