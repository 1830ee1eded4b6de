"""Crossbar configuration: one frozen dataclass composed of a device, a DAC and an ADC."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import _validate as v
from .backends import available_backends
from .converters import ADC, DAC
from .devices import IdealDevice, check_device
from .slicing import Slicing


@dataclass(frozen=True)
class CrossbarConfig:
    """Everything that defines an analog tile and how a matrix is laid onto tiles.

    Args:
        device: the conductance model: IdealDevice, PCMDevice, ReRAMDevice, or any object satisfying the
            cimsim.devices.Device protocol (a user's own FeFET or ECRAM class).
        dac: input converter of every tile.
        adc: output converter of every tile column.
        tile_rows: rows (inputs) per tile.
        tile_cols: columns (outputs) per tile.
        weight_scaling: "tile" maps max|W| of each tile to g_max; "column" does so per output column of a
            tile (aihwkit weight_scaling_columnwise).
        w_noise: per-MVM conductance noise (normalized units: fraction of g_max), drawn on every MVM,
            applied output-referred (docs/references.md s.9).
        w_noise_type: "pcm_read": device std = w_noise * sqrt(g * g_max), i.e. output variance
            w_noise^2 g_max sum_j (G+ + G-) v_j^2 (aihwkit PCM_READ form); "constant": device std =
            w_noise * g_max.
        v_read_V: full-scale read voltage of the DAC (V).
        r_row_ohm: wire resistance of one row segment between cells (ohm); 0 = ideal wires.
        r_col_ohm: wire resistance of one column segment between cells (ohm); 0 = ideal wires.
        ir_drop: "exact" (nodal solve of every tile at read time) or "first_order" (closed-form
            linearization, for training loops); used when a wire resistance is non-zero (docs/circuit.md).
        gdc: global drift compensation per tile (docs/references.md s.1).
        backend: "numba" (default, fused kernels), "numpy" (reference), or a name registered with
            cimsim.backends.register_backend.
        dtype: the float type of the MVM ("float32", the default where device noise dwarfs float32
            rounding, or "float64": the reference, and the IDEAL preset's). Programming, reading, GDC and
            the noise coefficients are always computed in float64; the read conductances, the DAC/ADC
            arithmetic, the products and the per-MVM normals are in dtype. docs/performance.md has the
            error of float32 against float64 relative to the device noise.
        slicing: bit-sliced weights and bit-serial inputs (cimsim.slicing.Slicing), or None: one
            differential pair per weight holding an analog level, the whole input code in one read.
    """

    device: Any = field(default_factory=IdealDevice)
    dac: DAC = field(default_factory=DAC)
    adc: ADC = field(default_factory=ADC)
    tile_rows: int = 256
    tile_cols: int = 256
    weight_scaling: str = "tile"
    w_noise: float = 0.0
    w_noise_type: str = "pcm_read"
    v_read_V: float = 0.2
    r_row_ohm: float = 0.0
    r_col_ohm: float = 0.0
    ir_drop: str = "exact"
    gdc: bool = False
    backend: str = "numba"
    dtype: str = "float32"
    slicing: Slicing | None = None

    def __post_init__(self) -> None:
        check_device(self.device)
        if not isinstance(self.dac, DAC):
            raise ValueError(f"dac must be a cimsim.DAC, got {type(self.dac).__name__}")
        if not isinstance(self.adc, ADC):
            raise ValueError(f"adc must be a cimsim.ADC, got {type(self.adc).__name__}")
        v.integer_at_least("tile_rows", self.tile_rows, 1)
        v.integer_at_least("tile_cols", self.tile_cols, 1)
        v.one_of("weight_scaling", self.weight_scaling, ("tile", "column"))
        v.non_negative("w_noise", self.w_noise)
        v.one_of("w_noise_type", self.w_noise_type, ("pcm_read", "constant"))
        v.positive("v_read_V", self.v_read_V)
        v.non_negative("r_row_ohm", self.r_row_ohm)
        v.non_negative("r_col_ohm", self.r_col_ohm)
        v.one_of("ir_drop", self.ir_drop, ("exact", "first_order"))
        if not isinstance(self.gdc, bool):
            raise ValueError(f"gdc must be True or False, got {self.gdc!r}")
        v.one_of("backend", self.backend, available_backends())
        v.one_of("dtype", self.dtype, ("float32", "float64"))
        law = getattr(self.device, "iv", None)
        if law is not None and type(law).__name__ != "LinearIV" and self.has_wire_resistance:
            raise NotImplementedError(
                "a nonlinear cell law with wire resistance has no effective matrix: the crossbar MVM does not "
                "implement it; solve the circuit per input with cimsim.circuit.solve_ir_drop_nonlinear")
        if self.slicing is not None:
            if not isinstance(self.slicing, Slicing):
                raise ValueError(f"slicing must be a cimsim.Slicing or None, got {type(self.slicing).__name__}")
            if self.slicing.input_bits_per_cycle is not None and (self.dac.bits is None or self.dac.bits < 2):
                raise ValueError("slicing.input_bits_per_cycle needs a DAC of >= 2 bits (sign + magnitude), got "
                                 f"dac.bits={self.dac.bits}")

    @property
    def per_mvm_noise(self) -> bool:
        """Whether an MVM draws random numbers."""
        return self.w_noise > 0.0 or self.adc.out_noise > 0.0

    @property
    def has_wire_resistance(self) -> bool:
        """Whether the tiles' wires have resistance (IR drop)."""
        return self.r_row_ohm > 0.0 or self.r_col_ohm > 0.0

    @property
    def unit_A(self) -> float:
        """Normalized current unit g_max * v_read (A): one fully-on device at full-scale input."""
        return self.device.g_max_S * self.v_read_V
