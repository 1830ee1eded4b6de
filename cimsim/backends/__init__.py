"""Backends of the tile forward pass: a small protocol, registered by name, imported lazily.

A backend provides three functions with the semantics of the numpy reference (``_numpy.py``):
    zeros(shape, like) -> y                      the accumulator
    dac(x, bits, fixed, x_range, v_read_V, need_sq) -> (v_V, v_sq | None, scale)
    adc_accumulate(y, current_A, var_A2 | None, z | None, out_var_A2, bits, bound_A, col_factor, scale) -> y
The matrix products between them are shared by every backend (cimsim.forward), so given the same noise
draws all backends agree to float rounding (tests/test_backends.py holds every registered backend to the
numpy reference). Register your own with ``register_backend("name", "package.module")`` (imported at
first use) or with an object; nothing is imported or bound when cimsim is imported.
"""

from __future__ import annotations

import importlib
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Backend(Protocol):
    """What the forward pass needs from a backend."""

    def zeros(self, shape: tuple[int, int], like: Any) -> Any: ...

    def dac(self, x: Any, bits: int | None, fixed: bool, x_range: float, v_read_V: float,
            need_sq: bool) -> tuple[Any, Any, Any]: ...

    def adc_accumulate(self, y: Any, current_A: Any, var_A2: Any, z: Any, out_var_A2: float,
                       bits: int | None, bound_A: float | None, col_factor: Any, scale: Any) -> Any: ...


_REGISTRY: dict[str, Any] = {"numpy": "cimsim.backends._numpy", "numba": "cimsim.backends._numba"}


def register_backend(name: str, backend: Any) -> None:
    """Registers a backend under ``name``: a module path (imported at first use) or a Backend object.

    Raises:
        ValueError: the name is not a non-empty string, or an object lacks zeros/dac/adc_accumulate.
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"backend name must be a non-empty string, got {name!r}")
    if not isinstance(backend, str) and not isinstance(backend, Backend):
        raise ValueError(f"backend {name!r} must be a module path or provide zeros, dac and adc_accumulate, "
                         f"got {type(backend).__name__}")
    _REGISTRY[name] = backend


def available_backends() -> tuple[str, ...]:
    """Names of the registered backends (none is imported by this call)."""
    return tuple(_REGISTRY)


def get_backend(name: str) -> Any:
    """The backend registered as ``name``, importing its module on first use."""
    if name not in _REGISTRY:
        raise ValueError(f"backend must be one of {available_backends()}, got {name!r}")
    entry = _REGISTRY[name]
    if isinstance(entry, str):
        entry = importlib.import_module(entry)
        if not isinstance(entry, Backend):
            raise ValueError(f"backend module {_REGISTRY[name]!r} lacks zeros, dac or adc_accumulate")
        _REGISTRY[name] = entry
    return entry
