"""Cost models: operation counts -> ledger records, each with the source and label of its energy.

crossbar_ledger   analog tiles: DAC, ADC, cell reads, digital post-processing, activation SRAM traffic
digital_ledger    a digital MAC array at a precision and node (bottom-up, per operation)
snn_ledger        a neuromorphic chip: synaptic operations, neuron updates, spikes, input-layer MACs

Every record looks its table entries up once (user ``tables`` first, then the built-ins) and takes both the
energy it prices and the source, label and scope it cites from those entries: an override changes the two
together.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from .adc import DAC_KEY, KNEE_SPS, SURVEY_KEYS, bit_serial_dac_J, survey_fit_J
from .ledger import LABELS, Ledger, Record
from .tables import energy_entry

NODES = ("45nm", "7nm")
PRECISIONS = ("fp32", "fp16", "int8")
SRAM_ACCESS_BYTES = 8.0  # one 64-bit access of the sram_read_64b_* entries (Horowitz 2014)
SNN_PROFILES = {
    "loihi": {"sop": "loihi_sop", "neuron_update": "loihi_neuron_update", "spike": "loihi_spike_in_tile"},
    "truenorth": {"sop": "truenorth_event_all_in"},
    "spinnaker2": {"sop": "spinnaker2_sop", "neuron_update": "spinnaker2_neuron_update"},
    "odin": {"sop": "odin_sop"},
}


def _rec(component: str, operation: str, count: float, keys: str | tuple[str, ...], tables: tuple,
         price: Callable[..., float] | None = None, source_note: str = "") -> Record:
    """One record priced from, and citing, the same entries: each key is looked up once (user tables
    first); ``price(*energies_J)`` turns their energies into the energy per operation (default: the one
    entry's energy). Several entries: their sources joined, the weakest label."""
    keys = (keys,) if isinstance(keys, str) else tuple(keys)
    es = [energy_entry(k, *tables) for k in keys]
    value = price(*(e["energy_J"] for e in es)) if price is not None else es[0]["energy_J"]
    scopes = {e.get("scope", "per-operation") for e in es}
    if len(scopes) > 1:
        raise ValueError(f"entries {keys} mix scopes {sorted(scopes)}; one record needs one scope")
    source = "; ".join(dict.fromkeys(e["source"] for e in es))
    weakest = max((e["label"] for e in es), key=LABELS.index)  # LABELS runs measured -> estimated
    return Record(component, operation, count, value, source + source_note, weakest, scopes.pop())


def _counts(counts: Any) -> Mapping[str, float]:
    d = counts.to_dict() if hasattr(counts, "to_dict") else dict(counts)
    for k, v in d.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
            raise ValueError(f"count {k!r} must be a number >= 0, got {v!r}")
    return d


def crossbar_ledger(counts: Any, *, dac_bits: int = 8, adc_bits: int = 8, adc_sample_rate_Sps: float = 100e6,
                    cell_read_J: float | None = None, node: str = "7nm", activation_bytes: float = 0.0,
                    inferences: int | None = None, tables: tuple = ()) -> Ledger:
    """Prices crossbar operation counts (cimsim.OpCounts or its dict).

    Args:
        counts: OpCounts of the MVMs (all layers of all inferences).
        dac_bits, adc_bits: converter resolutions (ADC: survey fit; DAC: bit-serial ISAAC).
        adc_sample_rate_Sps: ADC conversion rate.
        cell_read_J: energy per cell read; default the table's V^2 G t example (0.2 V, 10 uS, 10 ns).
            Pass the mean V^2 G t of a simulated pass for a "simulated" number.
        node: digital node of the post-processing ("45nm" or "7nm"), FP16 multiplies and adds.
        activation_bytes: activation bytes read and written to SRAM (64-bit accesses, 32 KB SRAM, 45 nm).
        inferences: inferences covered (default: counts' input_vectors).
        tables: user tables overriding built-in entries.
    """
    c = _counts(counts)
    if node not in NODES:
        raise ValueError(f"node must be one of {NODES}, got {node!r}")
    n = int(inferences if inferences is not None else max(1, c.get("input_vectors", 1)))
    cell_key = "cell_read_example"
    records = [
        _rec("crossbar/dac", "dac_conversion", c["dac_conversions"], DAC_KEY, tables,
             lambda one_bit_J: bit_serial_dac_J(dac_bits, one_bit_J), f"; x{dac_bits} bits, bit-serial"),
        # the 1 GS/s anchor sets the slope above the knee only: cited where it changes the number
        _rec("crossbar/adc", "adc_conversion", c["adc_conversions"],
             SURVEY_KEYS if adc_sample_rate_Sps > KNEE_SPS else SURVEY_KEYS[:1], tables,
             lambda *anchors_J: survey_fit_J(adc_bits, adc_sample_rate_Sps, *anchors_J),
             f"; interpolated to {adc_bits} bits at {adc_sample_rate_Sps:.3g} S/s"),
    ]
    if cell_read_J is None:
        records.append(_rec("crossbar/array", "cell_read", c["cell_reads"], cell_key, tables))
    else:
        records.append(Record("crossbar/array", "cell_read", c["cell_reads"], cell_read_J,
                              "V^2 G t from the simulated voltages and conductances (t = 10 ns)", "simulated"))
    records += [
        _rec("crossbar/digital", "fp16_mult", c["digital_mults"], f"fp16_mult_{node}", tables),
        _rec("crossbar/digital", "fp16_add", c["digital_adds"], f"fp16_add_{node}", tables),
    ]
    if activation_bytes > 0:
        records.append(_rec("crossbar/sram", "sram_64b_access", activation_bytes / SRAM_ACCESS_BYTES,
                            "sram_read_64b_32KB_45nm", tables))
    return Ledger(tuple(records), n)


def digital_ledger(macs: float, *, precision: str = "int8", node: str = "7nm", weight_bytes: float = 0.0,
                   activation_bytes: float = 0.0, inferences: int = 1, tables: tuple = ()) -> Ledger:
    """A digital MAC array: one multiply and one add per MAC, weights and activations from 32 KB SRAM."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    if node not in NODES:
        raise ValueError(f"node must be one of {NODES}, got {node!r}")
    records = [_rec("digital/compute", f"{precision}_mult", macs, f"{precision}_mult_{node}", tables),
               _rec("digital/compute", f"{precision}_add", macs, f"{precision}_add_{node}", tables)]
    if weight_bytes + activation_bytes > 0:
        records.append(_rec("digital/sram", "sram_64b_access", (weight_bytes + activation_bytes) / SRAM_ACCESS_BYTES,
                            "sram_read_64b_32KB_45nm", tables))
    return Ledger(tuple(records), inferences)


def snn_ledger(*, sops: float, neuron_updates: float, spikes: float, input_macs: float = 0.0,
               profile: str = "loihi", inferences: int = 1, tables: tuple = ()) -> Ledger:
    """A neuromorphic chip running counted events. Profiles: loihi, truenorth, spinnaker2, odin.

    Input-layer analog MACs (rate-coded inputs injected as currents) are priced as 45 nm MACs.
    A profile without a neuron-update or spike number contributes none (TrueNorth's is all-in per event).
    """
    if profile not in SNN_PROFILES:
        raise ValueError(f"unknown neuromorphic profile {profile!r}; known: {', '.join(SNN_PROFILES)}")
    for name, value in (("sops", sops), ("neuron_updates", neuron_updates), ("spikes", spikes),
                        ("input_macs", input_macs)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ValueError(f"{name} must be a number >= 0, got {value!r}")
    keys = SNN_PROFILES[profile]
    records = [_rec(f"snn/{profile}", "sop", sops, keys["sop"], tables)]
    if "neuron_update" in keys:
        records.append(_rec(f"snn/{profile}", "neuron_update", neuron_updates, keys["neuron_update"], tables))
    if "spike" in keys:
        records.append(_rec(f"snn/{profile}", "spike", spikes, keys["spike"], tables))
    if input_macs > 0:
        records.append(_rec("snn/input", "input_mac", input_macs, "snn_mac_45nm", tables))
    return Ledger(tuple(records), inferences)
