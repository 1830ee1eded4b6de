"""cimsim: analog compute-in-memory crossbar emulator (devices, converters, tiling, MVM, counts).

Importing cimsim imports numpy only (and scipy where a module needs it): numba is imported at the first
numba kernel launch, JAX with ``cimsim.jx``, Brian2 with ``snn``. The subpackages ``cimsim.jx``,
``cimsim.energy`` and ``cimsim.workloads`` are attributes of ``cimsim`` that import on first access
(PEP 562), so ``import cimsim; cimsim.jx.analog_model`` works as written without making ``import cimsim``
load JAX."""

from importlib.metadata import PackageNotFoundError, version as _version

from . import circuit, devices, draws, presets
from ._xp import namespace
from .array import ProgrammedArray, ReadArray, program
from .backends import available_backends, register_backend
from .circuit import ir_drop_first_order, ir_drop_matrix, solve_ir_drop
from .config import CrossbarConfig
from .converters import ADC, DAC, quantize
from .counts import OpCounts
from .slicing import Slicing
from .devices import Device, IdealDevice, PCMDevice, ReRAMDevice

_LAZY_SUBPACKAGES = ("energy", "jx", "workloads")


def __getattr__(name: str):
    """Imports a documented subpackage on first access (``cimsim.jx`` loads JAX only then)."""
    if name in _LAZY_SUBPACKAGES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")  # also binds it as an attribute of cimsim
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY_SUBPACKAGES))


try:
    __version__ = _version("cimsim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = [
    "ADC", "DAC", "CrossbarConfig", "Device", "IdealDevice", "available_backends", "draws", "namespace",
    "Slicing", "register_backend", "OpCounts", "PCMDevice", "ProgrammedArray", "ReRAMDevice",
    "ReadArray", "circuit", "devices", "ir_drop_first_order", "ir_drop_matrix", "presets", "program", "quantize",
    "solve_ir_drop", "__version__",
]
