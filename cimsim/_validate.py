"""Input checks shared by every public entry point.

Each check raises ``ValueError`` (or ``TypeError`` for a wrong kind of object) naming the parameter and
the offending value, before any work is done.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


_KINDS = {"c": "complex", "U": "string", "S": "bytes", "O": "object", "b": "boolean", "M": "datetime",
          "m": "timedelta", "V": "structured"}


def real_dtype(name: str, value: Any) -> np.ndarray:
    """``value`` as an array whose dtype is a real integer or float; complex, string, object and boolean
    arrays are rejected by name (numpy would coerce them silently or half-way)."""
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a real numeric array, got {type(value).__name__}") from exc
    if arr.dtype.kind not in "iuf":
        kind = _KINDS.get(arr.dtype.kind, str(arr.dtype))
        article = "an" if kind[0] in "aeiou" else "a"
        raise ValueError(f"{name} must be a real integer or float array, got {article} {kind} array (dtype {arr.dtype})")
    return arr


def finite_array(name: str, value: Any, *, ndim: tuple[int, ...] | None = None) -> np.ndarray:
    """Returns ``value`` as a float64 array after checking its dtype (real integer or float),
    dimensionality and finiteness."""
    arr = real_dtype(name, value).astype(np.float64, copy=False)
    if ndim is not None and arr.ndim not in ndim:
        raise ValueError(f"{name} must have ndim in {ndim}, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        bad = arr[~np.isfinite(arr)].ravel()[0]
        count = int(np.count_nonzero(~np.isfinite(arr)))
        raise ValueError(f"{name} must be finite, got {count} non-finite value(s) such as {bad}")
    return arr


def positive(name: str, value: float, *, allow_inf: bool = False) -> None:
    """Raises unless ``value`` is a real number > 0 (finite unless ``allow_inf``)."""
    if not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, bool):
        raise ValueError(f"{name} must be a number > 0, got {value!r}")
    if math.isnan(value) or value <= 0 or (math.isinf(value) and not allow_inf):
        raise ValueError(f"{name} must be > 0{'' if allow_inf else ' and finite'}, got {value}")


def non_negative(name: str, value: float) -> None:
    """Raises unless ``value`` is a finite real number >= 0."""
    if not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, bool):
        raise ValueError(f"{name} must be a number >= 0, got {value!r}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be finite and >= 0, got {value}")


def probability(name: str, value: float) -> None:
    """Raises unless ``value`` lies in [0, 1]."""
    if not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, bool):
        raise ValueError(f"{name} must be a number in [0, 1], got {value!r}")
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value}")


def integer_at_least(name: str, value: Any, minimum: int) -> None:
    """Raises unless ``value`` is an int >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")


def one_of(name: str, value: Any, allowed: tuple[str, ...]) -> None:
    """Raises unless ``value`` is one of ``allowed``."""
    if value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")


MAX_TIME_S = 1e12  # ~32,000 years: far beyond any device model's fitted range (drift fits span < 1e8 s)


def time_s(name: str, value: float) -> float:
    """Checks a time after programming: finite, >= 0 and <= MAX_TIME_S seconds."""
    non_negative(name, value)
    if value > MAX_TIME_S:
        raise ValueError(f"{name} must be <= {MAX_TIME_S:g} s (~32,000 years; device models are fitted up to years), "
                         f"got {value}")
    return float(value)


def generator(name: str, rng: Any, *, required: bool) -> np.random.Generator | None:
    """Checks that ``rng`` is a ``numpy.random.Generator`` (or None when no draw is needed).

    A cimsim.draws recording or replaying source (used by tests that compare backends draw by draw) is
    accepted too."""
    if rng is None:
        if required:
            raise ValueError(
                f"{name} is required here: this configuration draws random noise; "
                "pass rng=numpy.random.default_rng(seed)"
            )
        return None
    from .draws import RecordingDraws, ReplayDraws

    if not isinstance(rng, (np.random.Generator, RecordingDraws, ReplayDraws)):
        raise TypeError(f"{name} must be a numpy.random.Generator, got {type(rng).__name__}")
    return rng


def targets_in_window(g_target_S: Any, g_min_S: float, g_max_S: float) -> Any:
    """Checks concrete (numpy) target conductances: finite and inside [g_min_S, g_max_S] (1e-12 slack).

    JAX arrays pass through unchecked (they may be traced; cimsim.jx validates concrete inputs at its
    public entry points). Returns numpy input as float64.
    """
    from ._xp import namespace

    if namespace(g_target_S) is not np:
        return g_target_S
    g = finite_array("g_target_S", g_target_S)
    slack = 1e-12 * g_max_S
    if g.min() < g_min_S - slack or g.max() > g_max_S + slack:
        raise ValueError(f"g_target_S must lie in [g_min_S={g_min_S}, g_max_S={g_max_S}], "
                         f"got range [{g.min()}, {g.max()}]")
    return g


def time_or_traced(name: str, value: Any) -> Any:
    """time_s for concrete numbers; a traced JAX value passes (checked by the caller outside jit)."""
    from ._xp import is_concrete

    if not is_concrete(value):
        return value
    if not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, bool):
        arr = np.asarray(value)
        if arr.shape != () or not np.issubdtype(arr.dtype, np.number):
            raise ValueError(f"{name} must be a number >= 0, got {value!r}")
        value = float(arr)
    return time_s(name, value)


def training_inputs(x: Any, y: Any, *, epochs: Any, batch: Any, lr: Any,
                    ndim: tuple[int, ...] = (2,)) -> tuple[np.ndarray, np.ndarray]:
    """Checks a training loop's arguments (shared by cimsim.jx.fit and snn.jx.fit); returns x (float64) and y."""
    integer_at_least("epochs", epochs, 1)
    integer_at_least("batch", batch, 1)
    positive("lr", lr)
    x = finite_array("x", x, ndim=ndim)
    y = np.asarray(y)
    if y.shape != (x.shape[0],) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must be integer labels of shape ({x.shape[0]},) to match x {x.shape}, got {y.dtype} {y.shape}")
    return x, y
