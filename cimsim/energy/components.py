"""Component energies from the field's component models: the Accelergy/CiMLoop ``hwcomponents`` family.

Every function returns a ``Component``: the energy of one action and the static (leakage) power of one
instance, with the model that gave them, its parameters and the process node, a label and a source.

    adc          hwcomponents_adc.ADC, Andrulis et al. (arXiv 2404.06553, 2024): the Murmann-survey model,
                 by bits, sample rate and node; or hwcomponents_library.IsaacADC (ISAAC's 8-bit SAR ADC).
    dac_bit      hwcomponents_library.IsaacDAC: ISAAC's 1-bit DAC, one row drive of a bit-serial input.
    dtc          hwcomponents_library.TimelyDTC: TIMELY's digital-to-time converter, the pulse width of a
                 pulse-width-modulated input.
    shift_add    hwcomponents_library.IsaacShiftAdd: combines the partial sums of bit planes.
    adder, multiplier, register
                 hwcomponents_library.Aladdin*: digital post-processing (Shao et al., ISCA 2014, 40 nm).
    sram         hwcomponents_cacti.SRAM (CACTI) where its binary runs; else the cited table entry
                 (Horowitz 2014, 45 nm) scaled to the node by hwcomponents.scaling.tech_node_energy.

Library components are tabulated at their paper's node and scaled to the requested node by the library's
own scaling (Stillmaker & Baas, Integration 58, 2017): one process node per design. The models are
imported when first used (importing cimsim.energy loads none of them). Labels: the model outputs are
"estimated" (models, fits and scalings); ISAAC's ADC at its own 32 nm and 8 bits keeps the "simulated"
of the architecture study it comes from.

References: Andrulis et al. 2024; Shafiee et al., ISCA 2016 (ISAAC); Li et al., ISCA 2020 (TIMELY);
Shao et al., ISCA 2014 (Aladdin); Balasubramonian et al., TACO 2017 (CACTI 7); Stillmaker & Baas 2017;
docs/references.md s.10.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .ledger import Record
from .tables import energy_entry

ADC_MODELS = ("andrulis", "isaac")
SRAM_MODELS = ("auto", "cacti", "table")
SRAM_TABLE_KB = (8, 32, 1024)  # the sizes of Horowitz's 64-bit SRAM read entries (sram_read_64b_<size>_45nm)
SRAM_TABLE_NODE_M = 45e-9  # Horowitz 2014's node
ISAAC_ADC_NATIVE = (32e-9, 8)  # IsaacADC's own node and bits: the label stays that of ISAAC's table there


@dataclass(frozen=True)
class Component:
    """One priced action of a component model.

    Attributes:
        name: what the component is, e.g. "adc".
        action: the action priced, e.g. "convert".
        energy_J: energy of one action (J), dynamic.
        leak_W: static power of one instance (W).
        model: the model called, e.g. "hwcomponents_adc.ADC".
        params: the model's parameters, as (name, value) pairs.
        node_m: the process node (m).
        label: "measured", "simulated" or "estimated".
        source: the citation.
    """

    name: str
    action: str
    energy_J: float
    leak_W: float
    model: str
    params: tuple
    node_m: float
    label: str
    source: str

    def describe(self) -> str:
        """The model call and node in words, for a ledger record's source."""
        args = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in self.params)
        return f"{self.model}({args}).{self.action} at {self.node_m * 1e9:g} nm [{self.source}]"

    def record(self, component: str, operation: str, count: float, scope: str = "per-operation") -> Record:
        """A ledger record of ``count`` actions of this component."""
        return Record(component, operation, count, self.energy_J, self.describe(), self.label, scope)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description (the model, its parameters, the node, energy and leakage)."""
        return {"name": self.name, "action": self.action, "energy_J": self.energy_J, "leak_W": self.leak_W,
                "model": self.model, "params": dict(self.params), "node_m": self.node_m, "label": self.label,
                "source": self.source}


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"{dist} {version(dist)}"
    except PackageNotFoundError:  # pragma: no cover - imported but not installed as a distribution
        return dist


def _check_node(node_m: float) -> None:
    if isinstance(node_m, bool) or not isinstance(node_m, (int, float)) or not 1e-9 <= node_m <= 250e-9:
        raise ValueError(f"node_m must be a process node between 1e-9 and 250e-9 m, got {node_m!r}")


def _check_bits(name: str, bits: int, low: int = 1) -> None:
    if isinstance(bits, bool) or not isinstance(bits, int) or bits < low:
        raise ValueError(f"{name} must be an int >= {low}, got {bits!r}")


def _library(name: str):
    import hwcomponents_library

    return getattr(hwcomponents_library, name)


@lru_cache(maxsize=None)
def adc(bits: int, rate_Sps: float, node_m: float, kind: str = "andrulis") -> Component:
    """One ADC conversion.

    Args:
        bits: resolution (ENOB for the Andrulis model, which needs >= 4).
        rate_Sps: conversion rate of one ADC (S/s).
        node_m: process node (m).
        kind: "andrulis" (hwcomponents_adc.ADC) or "isaac" (hwcomponents_library.IsaacADC: ISAAC's 8-bit
            1.2 GS/s SAR ADC at 32 nm, scaled by the library in bits (2^bits) and node).

    The Andrulis model's energy per conversion includes 20 % leakage at its rate; ``energy_J`` is the
    dynamic 80 % (its ``convert`` action) and ``leak_W`` the rest as power, so an ADC busy at its rate
    costs exactly the model's energy per conversion.
    """
    _check_node(node_m)
    if kind not in ADC_MODELS:
        raise ValueError(f"ADC model must be one of {ADC_MODELS}, got {kind!r}")
    if not (isinstance(rate_Sps, (int, float)) and math.isfinite(rate_Sps) and rate_Sps > 0):
        raise ValueError(f"rate_Sps must be a finite number > 0, got {rate_Sps!r}")
    if kind == "andrulis":
        _check_bits("ADC bits (Andrulis et al. 2024 model: 4 or more)", bits, 4)
        from hwcomponents_adc import ADC

        m = ADC(n_bits=bits, tech_node=node_m, throughput=float(rate_Sps))
        return Component("adc", "convert", m.convert().energy, m.leak_power, "hwcomponents_adc.ADC",
                         (("n_bits", bits), ("tech_node", float(node_m)), ("throughput", float(rate_Sps))), node_m,
                         "estimated", f"Andrulis et al., arXiv 2404.06553 (2024); {_version('hwcomponents-adc')}")
    _check_bits("ADC bits", bits)
    return _library_component("adc", "convert", "IsaacADC", node_m, ("resolution", bits),
                               "Shafiee et al., ISCA 2016 (ISAAC) Table 1",
                               "simulated" if (node_m, bits) == ISAAC_ADC_NATIVE else "estimated")


def _library_component(name: str, action: str, model: str, node_m: float, param: tuple[str, int], source: str,
                       label: str = "estimated") -> Component:
    """One ``action`` of hwcomponents_library.<model>(tech_node=node_m, <param>), citing ``source`` and the
    library's version (the action's method has the action's name)."""
    m = _library(model)(tech_node=node_m, **dict([param]))
    return Component(name, action, getattr(m, action)().energy, m.leak_power, f"hwcomponents_library.{model}",
                     (("tech_node", float(node_m)), param), node_m, label,
                     f"{source}; {_version('hwcomponents-library')}")


@lru_cache(maxsize=None)
def dac_bit(node_m: float) -> Component:
    """One 1-bit row drive (ISAAC's 1-bit DAC): a bit-serial input applies one per row and input bit."""
    _check_node(node_m)
    return _library_component("dac", "convert", "IsaacDAC", node_m, ("resolution", 1),
                              "Shafiee et al., ISCA 2016 (ISAAC) Table 1, 4 mW per 1024 DACs")


@lru_cache(maxsize=None)
def dtc(bits: int, node_m: float) -> Component:
    """One digital-to-time conversion (TIMELY's DTC): the pulse width of one pulse-width-modulated input."""
    _check_node(node_m)
    _check_bits("DTC bits", bits)
    return _library_component("dtc", "convert", "TimelyDTC", node_m, ("resolution", bits),
                              "Li et al., ISCA 2020 (TIMELY) Table II")


@lru_cache(maxsize=None)
def shift_add(width: int, node_m: float) -> Component:
    """One shift-and-add of a partial sum (ISAAC's shift-and-add unit)."""
    _check_node(node_m)
    _check_bits("shift-and-add width", width)
    return _library_component("shift_add", "shift_add", "IsaacShiftAdd", node_m, ("width", width),
                              "Shafiee et al., ISCA 2016 (ISAAC) Table 1")


ALADDIN = "Shao et al., ISCA 2014 (Aladdin), 40 nm"


@lru_cache(maxsize=None)
def adder(width: int, node_m: float) -> Component:
    """One integer add (Aladdin's adder)."""
    _check_node(node_m)
    _check_bits("adder width", width)
    return _library_component("adder", "add", "AladdinAdder", node_m, ("width", width), ALADDIN)


@lru_cache(maxsize=None)
def multiplier(width: int, node_m: float) -> Component:
    """One integer multiply of two ``width``-bit operands (Aladdin's multiplier)."""
    _check_node(node_m)
    _check_bits("multiplier width", width)
    return _library_component("multiplier", "multiply", "AladdinMultiplier", node_m, ("width", width), ALADDIN)


@lru_cache(maxsize=None)
def register(width: int, node_m: float) -> Component:
    """One ``width``-bit register write (Aladdin's register): latching an input code or an ADC result."""
    _check_node(node_m)
    _check_bits("register width", width)
    return _library_component("register", "write", "AladdinRegister", node_m, ("width", width), ALADDIN)


def _sram_table(size_bytes: int, width_bits: int, node_m: float, action: str, tables: tuple) -> Component:
    """The fallback: Horowitz's 64-bit read of the smallest tabulated SRAM that holds ``size_bytes``, scaled
    in width (linearly) and to the node by the hwcomponents scaling (reads and writes alike)."""
    from hwcomponents.scaling import tech_node_energy

    kb = next((k for k in SRAM_TABLE_KB if size_bytes <= k * 1024), SRAM_TABLE_KB[-1])
    key = f"sram_read_64b_{kb // 1024}MB_45nm" if kb >= 1024 else f"sram_read_64b_{kb}KB_45nm"
    e = energy_entry(key, *tables)
    scale = tech_node_energy(node_m, SRAM_TABLE_NODE_M) * width_bits / 64
    return Component("sram", action, e["energy_J"] * scale, 0.0, f"table {key} x hwcomponents.scaling.tech_node_energy",
                     (("size_bytes", size_bytes), ("width", width_bits), ("from_node", SRAM_TABLE_NODE_M)), node_m,
                     "estimated", f"{e['source']}; scaled 45 nm -> {node_m * 1e9:g} nm (Stillmaker & Baas 2017); "
                     "leakage not tabulated (0)")


@lru_cache(maxsize=None)
def _sram_cacti(size_bytes: int, width_bits: int, node_m: float, action: str) -> Component:
    from hwcomponents_cacti import SRAM

    with warnings.catch_warnings():  # hwcomponents-cacti 1.0.40 reads its default config without closing it
        warnings.simplefilter("ignore", ResourceWarning)
        m = SRAM(tech_node=node_m, width=width_bits, size=size_bytes * 8)
        cost = m.read() if action == "read" else m.write()
    return Component("sram", action, cost.energy, m.leak_power, "hwcomponents_cacti.SRAM",
                     (("tech_node", float(node_m)), ("width", width_bits), ("size", size_bytes * 8)), node_m,
                     "estimated", f"CACTI 7 (Balasubramonian et al., TACO 2017); {_version('hwcomponents-cacti')}")


@lru_cache(maxsize=None)
def cacti_runs() -> bool:
    """Whether hwcomponents-cacti's CACTI binary runs here (as shipped in 1.0.40 it needs glibc >= 2.38;
    rebuilt from the wheel's own sources with ``make -C <site-packages>/hwcomponents_cacti/cacti`` it runs
    on older systems too). Asked once per process (``cacti_runs.cache_clear()`` asks again)."""
    try:
        _sram_cacti(2048, 64, 32e-9, "read")
    except Exception:  # the wrapper raises a bare Exception when the binary fails
        return False
    return True


def sram(size_bytes: int, width_bits: int, node_m: float, action: str = "read", *, model: str = "auto",
         tables: tuple = ()) -> Component:
    """One SRAM access of ``width_bits`` bits in an SRAM of ``size_bytes``.

    Args:
        model: "cacti" (hwcomponents_cacti.SRAM; fails where the CACTI binary does not run), "table"
            (Horowitz 2014 at 45 nm scaled to the node), or "auto": CACTI where it runs, else the table.
        tables: user tables overriding the fallback's table entries.
    """
    _check_node(node_m)
    _check_bits("SRAM size (bytes)", size_bytes)
    _check_bits("SRAM access width (bits)", width_bits)
    if action not in ("read", "write"):
        raise ValueError(f"SRAM action must be 'read' or 'write', got {action!r}")
    if model not in SRAM_MODELS:
        raise ValueError(f"SRAM model must be one of {SRAM_MODELS}, got {model!r}")
    if model == "table" or (model == "auto" and not cacti_runs()):
        return _sram_table(size_bytes, width_bits, node_m, action, tables)
    return _sram_cacti(size_bytes, width_bits, node_m, action)
