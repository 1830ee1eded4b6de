"""DAC and ADC models: symmetric uniform mid-tread quantizers with saturation.

A signed ``bits``-bit converter on the range [-bound, bound] has the 2^bits - 1 levels k * bound / n,
k = -n..n, n = 2^(bits-1) - 1 (zero is exact, as in sign-magnitude converters and aihwkit's inp_res /
out_res = 1 / (2^(bits-1) - 1) convention); a 1-bit converter has the two levels {-bound, +bound}.
Values beyond the range saturate. Rounding is round-half-to-even (numpy ``rint``) in every backend.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _validate as v
from ._xp import namespace


def half_levels(bits: int) -> int:
    """n = 2^(bits-1) - 1: the number of positive levels of a signed mid-tread converter (bits >= 2)."""
    return (1 << (bits - 1)) - 1


def quantize(u: Any, bits: int | None, bound: Any, *, xp: Any = None) -> Any:
    """Quantizes and saturates ``u`` on [-bound, bound].

    The one definition of the converters' transfer function: the numpy reference, the numba kernels'
    twin (backends/_numba.py) and JAX (cimsim.jx, with a straight-through gradient) all use it.

    Args:
        u: values in the same unit as bound (numpy or JAX array).
        bits: converter resolution, or None for no quantization.
        bound: full-scale magnitude, or None for no saturation (only with bits None).
        xp: array namespace; defaults to the namespace of ``u``.

    Returns:
        Array like u holding at most 2^bits - 1 (bits >= 2) or 2 (bits == 1) distinct values.
    """
    xp = namespace(u) if xp is None else xp
    if bits is None:
        return u if bound is None else xp.clip(u, -bound, bound)
    if bits == 1:
        out = xp.where(u >= 0.0, bound, -bound)
        return out.astype(u.dtype) if xp is np and isinstance(u, np.ndarray) else out
    n = half_levels(bits)
    step = bound / n
    return xp.clip(xp.round(u / step), -n, n) * step  # round half to even, as numpy.rint


def _check_bits(name: str, bits: int | None) -> None:
    if bits is not None:
        v.integer_at_least(name, bits, 1)
        if bits > 24:
            raise ValueError(f"{name} must be <= 24 (use None for an ideal converter), got {bits}")


@dataclass(frozen=True)
class DAC:
    """Input digital-to-analog converter of a tile.

    The digital input x is divided by an input scale (``input_scaling``), converted on [-1, 1] and applied
    as a voltage v = q(x / scale) * v_read_V. The scale is multiplied back digitally after the ADC.

    Args:
        bits: resolution; None for an ideal (unquantized) DAC.
        input_scaling: "abs_max" divides each input vector (per tile) by its max |x|, so nothing clips
            (aihwkit's default noise management, ABS_MAX); "fixed" divides by ``x_range`` and saturates.
        x_range: input full scale for "fixed" scaling.
    """

    bits: int | None = 8
    input_scaling: str = "abs_max"
    x_range: float = 1.0

    def __post_init__(self) -> None:
        _check_bits("dac.bits", self.bits)
        v.one_of("dac.input_scaling", self.input_scaling, ("abs_max", "fixed"))
        v.positive("dac.x_range", self.x_range)

    def convert(self, x_normalized: np.ndarray) -> np.ndarray:
        """Quantizes normalized inputs on [-1, 1] (saturating)."""
        return quantize(x_normalized, self.bits, 1.0)


@dataclass(frozen=True)
class ADC:
    """Column analog-to-digital converter, with additive Gaussian output noise before conversion.

    Units follow aihwkit's normalization: a current of g_max * v_read (one fully-on device at full input)
    is 1. The converter saturates at ``out_bound`` of those units; ``out_noise`` is the std of the additive
    output noise in the same units.

    Args:
        bits: resolution; None for an ideal converter.
        out_bound: full scale; None for no saturation (allowed only with bits None).
        out_noise: std of the additive output noise (normalized units), drawn per MVM.
    """

    bits: int | None = 8
    out_bound: float | None = 10.0
    out_noise: float = 0.0

    def __post_init__(self) -> None:
        _check_bits("adc.bits", self.bits)
        if self.out_bound is None:
            if self.bits is not None:
                raise ValueError(f"adc.out_bound must be set when adc.bits is {self.bits} (a quantizer needs a range)")
        else:
            v.positive("adc.out_bound", self.out_bound)
        v.non_negative("adc.out_noise", self.out_noise)

    def convert(self, current_A: np.ndarray, unit_A: float) -> np.ndarray:
        """Quantizes currents (A); ``unit_A`` = g_max * v_read is the normalized unit."""
        bound = None if self.out_bound is None else self.out_bound * unit_A
        return quantize(current_A, self.bits, bound)
