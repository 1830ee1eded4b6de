"""ADC and DAC energy per conversion from resolution and sample rate.

The ledger prices ADCs with the released model of the Murmann-survey study, the PyPI package
hwcomponents-adc (Andrulis et al., arXiv 2404.06553, 2024): ``adc_energy_J(bits, rate, node_m)`` (and
cimsim.energy.components.adc). It depends on the process node, grows ~1.85x from 4 to 8 bits and is flat up
to ~1 GS/s (8 bit, 100 MS/s: 98 fJ at 7 nm, 1.7 pJ at 32 nm, as the model's total energy per conversion).

Two closed forms remain for comparison and envelopes (docs/references.md s.4), not used by the ledger:
  * Walden figure of merit: E = FoM * 2^ENOB (P = FoM * f_s * 2^ENOB), with FoM in J per conversion step.
  * the best-case fit of Andrulis et al. (arXiv 2404.06553, 2024) to the Murmann ADC survey, which the
    data table gives at 4, 6 and 8 bits: 0.2 / 3 / 48 fJ below ~175 MS/s and 2.5 / 40 / 640 fJ at 1 GS/s.
    These grow 16x per 2 bits (4^ENOB, the thermal-noise-limited regime), not 2x per bit as Walden's FoM
    assumes, and ~13.3x from 175 MS/s to 1 GS/s (f_s^1.48). cimsim interpolates in log space from the two
    8-bit entries: E(b, f_s) = E_8b,low * 4^(b - 8) * max(1, f_s / 175 MS/s)^k, k = ln(E_8b,1G / E_8b,low) /
    ln(1e9/175e6) (= ln(640/48) / ln(1e9/175e6) with the built-in table). The 4- and 6-bit entries are not
    inputs; the tests check the fit against them. Outside 4-8 bits this is an extrapolation (label
    "estimated" either way).
DAC: ISAAC's 1-bit DAC energy per conversion (docs/references.md s.4), applied bit-serially: an n-bit input is
n one-bit conversions (ISAAC streams inputs one bit per cycle), and then the ADC converts once per input bit
too (cimsim.energy.architecture prices the two as one circuit).
Every entry is looked up with the user's tables first (``tables=``), so an override changes the energy.
"""

from __future__ import annotations

import math

from . import components
from .tables import energy_entry

KNEE_SPS = 175e6  # Andrulis et al. 2024: the best-case energy is flat in f_s below ~175 MS/s
HIGH_RATE_SPS = 1e9  # the sample rate of the fit's high-rate point (entry adc_8b_1GSps)
REF_BITS = 8  # the resolution of the two tabulated points the fit is anchored on (adc_8b_*)
GROWTH_PER_BIT = 4.0  # Andrulis et al. 2024 tabulated points: 16x per 2 bits (4^ENOB)
SURVEY_KEYS = ("adc_8b_lowrate", "adc_8b_1GSps")
DAC_KEY = "dac_1b_isaac"


def adc_energy_J(bits: int, sample_rate_Sps: float, node_m: float) -> float:
    """Energy of one conversion (J) from the Andrulis et al. (2024) model, hwcomponents_adc.ADC: its total
    energy per conversion at that rate (dynamic plus its 20 % leakage share)."""
    c = components.adc(bits, sample_rate_Sps, node_m)
    return c.energy_J + c.leak_W / sample_rate_Sps


def _check_bits(bits: int) -> None:
    if isinstance(bits, bool) or not isinstance(bits, int) or bits < 1:
        raise ValueError(f"bits must be an int >= 1, got {bits!r}")


def survey_fit_J(bits: int, sample_rate_Sps: float, low_J: float, high_J: float | None = None) -> float:
    """The survey fit from its anchor energies (J): ``low_J`` at REF_BITS below KNEE_SPS and ``high_J`` at
    REF_BITS and HIGH_RATE_SPS (needed only above the knee).
    E = low_J * 4^(bits - 8) * max(1, f_s / 175 MS/s)^k, k = ln(high_J / low_J) / ln(1 GS/s / 175 MS/s).

    References: Andrulis et al., arXiv 2404.06553 (2024).
    """
    _check_bits(bits)
    if not sample_rate_Sps > 0:
        raise ValueError(f"sample_rate_Sps must be > 0, got {sample_rate_Sps}")
    if not low_J > 0:
        raise ValueError(f"the survey fit needs a low-rate anchor energy > 0, got {low_J}")
    energy_J = low_J * GROWTH_PER_BIT ** (bits - REF_BITS)
    if sample_rate_Sps <= KNEE_SPS:
        return energy_J
    if high_J is None or not high_J > 0:
        raise ValueError(f"above {KNEE_SPS:.3g} S/s the survey fit needs a 1 GS/s anchor energy > 0, got {high_J}")
    k = math.log(high_J / low_J) / math.log(HIGH_RATE_SPS / KNEE_SPS)
    return energy_J * (sample_rate_Sps / KNEE_SPS) ** k


def adc_energy_survey_J(bits: int, sample_rate_Sps: float = 100e6, *, tables: tuple = ()) -> float:
    """Best-case ADC energy per conversion (J) from the Andrulis et al. 2024 survey fit.

    Args:
        bits: resolution (int >= 1).
        sample_rate_Sps: conversion rate (S/s).
        tables: user tables whose adc_8b_lowrate / adc_8b_1GSps entries override the built-in ones.
    """
    low, high = (energy_entry(key, *tables)["energy_J"] for key in SURVEY_KEYS)
    return survey_fit_J(bits, sample_rate_Sps, low, high)


def adc_energy_walden_J(bits: int, fom_J_per_step: float) -> float:
    """Walden: E = FoM * 2^bits (ENOB taken as the nominal bits)."""
    _check_bits(bits)
    if not fom_J_per_step > 0:
        raise ValueError(f"fom_J_per_step must be > 0, got {fom_J_per_step}")
    return fom_J_per_step * 2.0**bits


def bit_serial_dac_J(bits: int, one_bit_J: float) -> float:
    """Bit-serial DAC: ``bits`` one-bit conversions of ``one_bit_J`` each (ISAAC streams one bit per cycle)."""
    _check_bits(bits)
    return bits * one_bit_J


def dac_energy_J(bits: int, *, tables: tuple = ()) -> float:
    """Bit-serial DAC: bits x ISAAC's 1-bit conversion energy (entry dac_1b_isaac, user tables first)."""
    return bit_serial_dac_J(bits, energy_entry(DAC_KEY, *tables)["energy_J"])
