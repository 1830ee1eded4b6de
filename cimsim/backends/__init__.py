"""Backends of the tile forward pass, picked by name and imported lazily.

A backend module provides two kernels with identical semantics (the numpy module is the reference):
    dac(x, bits, fixed, x_range, v_read_V, need_sq) -> (v_V, v_sq_f32 | None, scale)
    adc_accumulate(y, current_A, var_A2 | None, z | None, out_var_A2, bits, bound_A, col_factor, scale)
The matrix products between them are BLAS calls shared by every backend (cimsim.forward), so given the
same noise draws all backends agree to float rounding.
"""

from __future__ import annotations

import importlib
from types import ModuleType

_MODULES = {"numpy": "cimsim.backends._numpy", "numba": "cimsim.backends._numba"}


def get_backend(name: str) -> ModuleType:
    """Imports and returns the backend module called ``name`` ("numpy" or "numba")."""
    if name not in _MODULES:
        raise ValueError(f"backend must be one of {tuple(_MODULES)}, got {name!r}")
    return importlib.import_module(_MODULES[name])
