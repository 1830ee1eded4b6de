"""cimsim: analog compute-in-memory crossbar emulator (devices, converters, tiling, MVM, counts)."""

from importlib.metadata import PackageNotFoundError, version as _version

from . import devices, presets
from .array import ProgrammedArray, ReadArray, program
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
    "ReadArray", "devices", "presets", "program", "quantize", "__version__",
]
