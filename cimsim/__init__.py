"""cimsim: analog compute-in-memory crossbar emulator (devices, converters, tiling, MVM, counts)."""

from importlib.metadata import PackageNotFoundError, version as _version

from . import circuit, devices, presets
from .array import ProgrammedArray, ReadArray, program
from .circuit import ir_drop_first_order, ir_drop_matrix, solve_ir_drop
from .config import CrossbarConfig
from .converters import ADC, DAC, quantize
from .counts import OpCounts
from .devices import IdealDevice, PCMDevice, ReRAMDevice

try:
    __version__ = _version("cimsim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = [
    "ADC", "DAC", "CrossbarConfig", "IdealDevice", "OpCounts", "PCMDevice", "ProgrammedArray", "ReRAMDevice",
    "ReadArray", "circuit", "devices", "ir_drop_first_order", "ir_drop_matrix", "presets", "program", "quantize",
    "solve_ir_drop", "__version__",
]
