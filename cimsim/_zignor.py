"""The numba kernels of cimsim._normals: SplitMix64 words, ziggurat (ZIGNOR) normals, parallel over elements.

Imported by cimsim._normals at the first large draw (so ``import cimsim`` does not import numba); compiled
once and cached on disk. The algorithm and its sources are in cimsim._normals' docstring; the tables
(box edges X with X[1] = r, ratios X[i + 1] / X[i]) come in as arguments.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

GAMMA = 0x9E3779B97F4A7C15  # SplitMix64's increment (the odd integer closest to 2^64 / golden ratio)
STREAM = 0xD1B54A32D192ED03  # offset that separates an element's private stream from the main sequence

_u64 = np.uint64
_GAMMA, _STREAM = _u64(GAMMA), _u64(STREAM)
_M1, _M2 = _u64(0xBF58476D1CE4E5B9), _u64(0x94D049BB133111EB)  # SplitMix64's multipliers (Vigna)
_S30, _S27, _S31, _S32, _S11, _S8 = _u64(30), _u64(27), _u64(31), _u64(32), _u64(11), _u64(8)
_LOW8, _LOW32, _ONE = _u64(0xFF), _u64(0xFFFFFFFF), _u64(1)


@nb.njit(inline="always")
def mix(z):  # pragma: no cover - compiled; SplitMix64's output function
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@nb.njit(inline="always")
def _unit(h):  # pragma: no cover - compiled; (0, 1) from the top 53 bits
    return (np.float64(np.int64(h >> _S11)) + 0.5) * 1.1102230246251565e-16  # via int64: < 2^53, a cheap convert


@nb.njit(cache=True)
def _slow(seed, i, box, x, X):  # pragma: no cover - compiled; wedges, tail, retries (~1.5 % of draws)
    r = X[1]  # the tail's start
    state = mix(seed ^ ((_u64(i) + _STREAM) * _GAMMA))
    while True:
        if box == 0:  # the tail beyond r (Marsaglia 1964)
            while True:
                state += _GAMMA
                a = math.log(_unit(mix(state))) / r
                state += _GAMMA
                b = math.log(_unit(mix(state)))
                if -2.0 * b >= a * a:
                    break
            return a - r if x < 0.0 else r - a
        f0 = math.exp(-0.5 * (X[box] * X[box] - x * x))
        f1 = math.exp(-0.5 * (X[box + 1] * X[box + 1] - x * x))
        state += _GAMMA
        if f1 + _unit(mix(state)) * (f0 - f1) < 1.0:
            return x
        state += _GAMMA
        h = mix(state)  # a fresh box and u
        box = np.int64(h & _LOW8)
        u = 2.0 * _unit(h) - 1.0
        x = u * X[box]
        if abs(u) < X[box + 1] / X[box]:
            return x


@nb.njit(inline="always")
def _z32(seed, i, b, X, ratio):  # pragma: no cover - compiled
    """float32 normal i from its 32 bits b: box from bits 0-7, u from bits 8-31."""
    box = np.int64(b & _LOW8)
    u = (np.float64(np.int64(b >> _S8)) + 0.5) * 1.1920928955078125e-07 - 1.0  # 24 bits -> (-1, 1)
    x = u * X[box]
    if abs(u) >= ratio[box]:
        x = _slow(seed, i, box, x, X)
    return np.float32(x)


@nb.njit(parallel=True, cache=True)
def fill32(out, seed, X, ratio):  # pragma: no cover - compiled
    """float32 normals, two per SplitMix64 word: normal 2k from its low 32 bits, 2k + 1 from its high 32."""
    n = out.shape[0]
    for k in nb.prange(n // 2):
        h = mix(seed + (_u64(k) + _ONE) * _GAMMA)
        out[2 * k] = _z32(seed, 2 * k, h & _LOW32, X, ratio)
        out[2 * k + 1] = _z32(seed, 2 * k + 1, h >> _S32, X, ratio)
    if n % 2:
        h = mix(seed + (_u64(n // 2) + _ONE) * _GAMMA)
        out[n - 1] = _z32(seed, n - 1, h & _LOW32, X, ratio)


@nb.njit(parallel=True, cache=True)
def fill64(out, seed, X, ratio):  # pragma: no cover - compiled
    """float64 normals, one per word: box from bits 0-7, u from the top 53 bits."""
    n = out.shape[0]
    for i in nb.prange(n):
        h = mix(seed + (_u64(i) + _ONE) * _GAMMA)
        box = np.int64(h & _LOW8)
        u = 2.0 * _unit(h) - 1.0
        x = u * X[box]
        if abs(u) >= ratio[box]:
            x = _slow(seed, i, box, x, X)
        out[i] = x
