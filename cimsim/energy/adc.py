"""ADC and DAC energy per conversion from resolution and sample rate.

Two ADC models (REFERENCES.md s.4):
  * Walden figure of merit: E = FoM * 2^ENOB (P = FoM * f_s * 2^ENOB), with FoM in J per conversion step.
  * the best-case fit of Andrulis et al. (arXiv 2404.06553, 2024) to the Murmann ADC survey, which the
    data table gives at 4, 6 and 8 bits: 0.2 / 3 / 48 fJ below ~175 MS/s and 2.5 / 40 / 640 fJ at 1 GS/s.
    These grow 16x per 2 bits (4^ENOB, the thermal-noise-limited regime), not 2x per bit as Walden's FoM
    assumes, and ~13.3x from 175 MS/s to 1 GS/s (f_s^1.48). cimsim interpolates in log space between the
    tabulated points: E(b, f_s) = E_8b,low * 4^(b - 8) * max(1, f_s / 175 MS/s)^k, k = ln(640/48) / ln(1e9/175e6).
    Outside 4-8 bits this is an extrapolation (label "estimated" either way).
DAC: ISAAC's 1-bit DAC energy per conversion (REFERENCES.md s.4), applied bit-serially: an n-bit input is
n one-bit conversions (ISAAC streams inputs one bit per cycle).
"""

from __future__ import annotations

import math

from .tables import entry

KNEE_SPS = 175e6


def adc_energy_survey_J(bits: int, sample_rate_Sps: float = 100e6) -> float:
    """Best-case ADC energy per conversion (J) from the Andrulis et al. 2024 survey fit."""
    if isinstance(bits, bool) or not isinstance(bits, int) or bits < 1:
        raise ValueError(f"bits must be an int >= 1, got {bits!r}")
    if not sample_rate_Sps > 0:
        raise ValueError(f"sample_rate_Sps must be > 0, got {sample_rate_Sps}")
    low = entry("adc_8b_lowrate")["energy_J"]
    high = entry("adc_8b_1GSps")["energy_J"]
    k = math.log(high / low) / math.log(1e9 / KNEE_SPS)
    return low * 4.0 ** (bits - 8) * max(1.0, sample_rate_Sps / KNEE_SPS) ** k


def adc_energy_walden_J(bits: int, fom_J_per_step: float) -> float:
    """Walden: E = FoM * 2^bits (ENOB taken as the nominal bits)."""
    if isinstance(bits, bool) or not isinstance(bits, int) or bits < 1:
        raise ValueError(f"bits must be an int >= 1, got {bits!r}")
    if not fom_J_per_step > 0:
        raise ValueError(f"fom_J_per_step must be > 0, got {fom_J_per_step}")
    return fom_J_per_step * 2.0**bits


def dac_energy_J(bits: int) -> float:
    """Bit-serial DAC: bits x ISAAC's 1-bit conversion energy."""
    if isinstance(bits, bool) or not isinstance(bits, int) or bits < 1:
        raise ValueError(f"bits must be an int >= 1, got {bits!r}")
    return bits * entry("dac_1b_isaac")["energy_J"]
