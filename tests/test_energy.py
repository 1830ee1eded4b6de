"""Energy ledger, tables, cost models, GPU roofline and facility layer against docs/references.md numbers and
formulas worked by hand.

Every expected number here is written out from its source (docs/references.md s.4-6, a cited formula, or a count
times a published energy), never read back from the code or its tables. Comparisons use
numpy.testing.assert_allclose with a relative tolerance and atol = 0: pytest.approx's absolute floor of
1e-12 would pass any energy below a picojoule.
"""

import json
import math

import pytest
from numpy.testing import assert_allclose

from cimsim.energy import (Facility, Ledger, Record, adc_energy_survey_J, adc_energy_walden_J, crossbar_ledger,
                           dac_energy_J, digital_ledger, load_gpu, load_table, measure_nvml, roofline, snn_ledger)

pJ, fJ = 1e-12, 1e-15
EXACT = 1e-12  # rtol for numbers that should agree to float rounding

# docs/references.md s.4, transcribed: energy per operation (J)
HOROWITZ_45NM = {"int8_add": 0.03 * pJ, "int8_mult": 0.2 * pJ, "fp16_add": 0.4 * pJ, "fp16_mult": 1.1 * pJ,
                 "fp32_add": 0.9 * pJ, "fp32_mult": 3.7 * pJ}
JOUPPI_7NM = {"int8_add": 0.007 * pJ, "int8_mult": 0.07 * pJ, "fp16_add": 0.16 * pJ, "fp16_mult": 0.34 * pJ,
              "fp32_add": 0.38 * pJ, "fp32_mult": 1.31 * pJ}
DIGITAL = {**{f"{k}_45nm": v for k, v in HOROWITZ_45NM.items()}, **{f"{k}_7nm": v for k, v in JOUPPI_7NM.items()}}
SRAM_32KB = 20 * pJ  # 64-bit read, 32 KB, 45 nm (Horowitz 2014)
ADC_8B_LOW, ADC_8B_1G = 48 * fJ, 0.64 * pJ  # Andrulis et al. 2024: below ~175 MS/s and at 1 GS/s
DAC_1B = 0.42 * pJ  # ISAAC 1-bit DAC as docs/references.md gives it
CELL_READ = 0.2**2 * 10e-6 * 10e-9  # E = V^2 G t at 0.2 V, 10 uS, 10 ns
NEURO = {"loihi_sop": 23.6 * pJ, "loihi_neuron_update": 52 * pJ, "loihi_spike_in_tile": 1.7 * pJ,
         "truenorth_event_all_in": 26 * pJ, "odin_sop": 12.7 * pJ, "spinnaker2_sop": 450 * pJ,
         "spinnaker2_neuron_update": 2.19e-9}
SNN_MAC = 3.7 * pJ + 0.9 * pJ  # E_MAC 4.6 pJ = Horowitz FP32 mult + add (45 nm)


def survey_fit(bits, rate, low=ADC_8B_LOW, high=ADC_8B_1G):
    """Andrulis et al. 2024, written out: E = E_8b,low 4^(b-8) max(1, f/175 MS/s)^k, k from the two anchors."""
    k = math.log(high / low) / math.log(1e9 / 175e6)
    return low * 4.0 ** (bits - 8) * max(1.0, rate / 175e6) ** k


def _ledger(n=2):
    return Ledger((Record("crossbar/adc", "adc_conversion", 3, 48 * fJ, "Andrulis 2024", "estimated"),
                   Record("crossbar/chip", "op", 10, 0.1 * pJ, "Le Gallo 2023", "measured", "all-in")), n)


def test_ledger_totals_and_groups():
    L = _ledger()
    assert L.total_J == math.fsum([3 * 48 * fJ, 10 * 0.1 * pJ])
    assert L.per_inference_J == L.total_J / 2
    assert L.by("component") == {"crossbar/adc": 3 * 48 * fJ / 2, "crossbar/chip": 1e-12 / 2}
    assert L.label == "estimated" and L.scope == "mixed"


def test_ledger_without_a_count_covers_one_inference():
    L = Ledger((Record("snn/loihi", "sop", 7, 23.6 * pJ, "Davies 2018", "simulated"),))
    assert L.inferences == 1
    assert_allclose(L.per_inference_J, 7 * 23.6 * pJ, rtol=EXACT)


def test_ledger_addition_exact_and_json_roundtrip(tmp_path):
    A, B = _ledger(), Ledger((Record("gpu/compute", "flop", 1e9, 0.4 * pJ, "Horowitz 2014", "estimated"),), 2)
    S = A + B
    assert S.records == A.records + B.records
    assert S.total_J == math.fsum([r.energy_J for r in A.records + B.records])
    S.to_json(tmp_path / "l.json")
    assert Ledger.from_json(tmp_path / "l.json").records == S.records
    assert json.loads((tmp_path / "l.json").read_text())["per_inference_J"] == S.per_inference_J
    with pytest.raises(ValueError, match="cannot add ledgers of 2 and 3"):
        A + Ledger((), 3)


@pytest.mark.parametrize("kwargs,match", [
    (dict(count=-1), "count must be >= 0, got -1"),
    (dict(energy_per_op_J=-1e-12), "energy_per_op_J must be >= 0"),
    (dict(energy_per_op_J=float("nan")), "energy_per_op_J must be a finite number"),
    (dict(label="guessed"), "label must be one of"),
    (dict(scope="some"), "scope must be one of"),
    (dict(source=""), "source must be a non-empty string"),
])
def test_record_validation(kwargs, match):
    base = dict(component="c", operation="o", count=1, energy_per_op_J=1e-12, source="s", label="measured")
    base.update(kwargs)
    with pytest.raises(ValueError, match=match):
        Record(**base)


# --- tables against the numbers they cite -----------------------------------------------------------------

PUBLISHED = {  # (table, key): (value, rtol). docs/references.md s.4 and s.6; derived ones show their arithmetic.
    **{("digital", k): (v, EXACT) for k, v in DIGITAL.items()},
    ("digital", "sram_read_64b_8KB_45nm"): (10 * pJ, EXACT), ("digital", "sram_read_64b_32KB_45nm"): (SRAM_32KB, EXACT),
    ("digital", "sram_read_64b_1MB_45nm"): (100 * pJ, EXACT),
    ("digital", "dram_access_64b_45nm_low"): (1300 * pJ, EXACT),
    ("digital", "dram_access_64b_45nm_high"): (2600 * pJ, EXACT),
    ("digital", "snn_mac_45nm"): (SNN_MAC, EXACT), ("digital", "snn_ac_45nm"): (0.9 * pJ, EXACT),  # FP32 add
    ("analog", "adc_8b_lowrate"): (ADC_8B_LOW, EXACT), ("analog", "adc_8b_1GSps"): (ADC_8B_1G, EXACT),
    ("analog", "adc_6b_lowrate"): (3 * fJ, EXACT), ("analog", "adc_6b_1GSps"): (40 * fJ, EXACT),
    ("analog", "adc_4b_lowrate"): (0.2 * fJ, EXACT), ("analog", "adc_4b_1GSps"): (2.5 * fJ, EXACT),
    ("analog", "adc_isaac_8b"): (1.67 * pJ, EXACT), ("analog", "adc_neurram"): (0.3 * pJ, EXACT),
    ("analog", "dac_1b_isaac"): (DAC_1B, EXACT), ("analog", "cell_read_example"): (CELL_READ, EXACT),
    ("analog", "hermes_all_in_per_op_one_phase"): (1 / 9.76e12, 1e-4),  # 9.76 TOPS/W, rounded to 5 digits
    ("analog", "hermes_all_in_per_op_four_phase"): (1 / 2.48e12, 1e-4),  # 2.48 TOPS/W
    ("analog", "hermes_mvm_time_s"): (2 * 256 * 256 / (63.1e12 / 64), 1e-4),  # 63.1 TOPS over 64 cores
    **{("neuromorphic", k): (v, EXACT) for k, v in NEURO.items()},
    ("facility", "pue_industry_2024"): (1.56, EXACT), ("facility", "pue_google_2023"): (1.10, EXACT),
    ("facility", "grid_world_gco2_per_kwh"): (480, EXACT), ("facility", "grid_us_gco2_per_kwh"): (367, EXACT),
    ("facility", "wue_l_per_kwh"): (1.1, EXACT), ("facility", "usd_per_kwh"): (0.127, EXACT),
}


@pytest.mark.parametrize("table,key", sorted(PUBLISHED))
def test_tables_hold_the_published_numbers(table, key):
    value, rtol = PUBLISHED[(table, key)]
    e = load_table(table)["entries"][key]
    assert_allclose(e.get("energy_J", e.get("value")), value, rtol=rtol)


def test_every_table_entry_is_checked():
    listed = {(t, k) for t in ("digital", "analog", "neuromorphic", "facility") for k in load_table(t)["entries"]}
    assert listed == set(PUBLISHED)


# --- converters -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("bits,rate,published", [(8, 100e6, 48 * fJ), (8, 1e9, 0.64 * pJ), (6, 100e6, 3 * fJ),
                                                 (6, 1e9, 40 * fJ), (4, 100e6, 0.2 * fJ), (4, 1e9, 2.5 * fJ)])
def test_adc_survey_fit_reproduces_published_points(bits, rate, published):
    """docs/references.md s.4 (Andrulis et al. 2024): 8-bit 48 fJ / 0.64 pJ, 6-bit 3 / 40 fJ, 4-bit 0.2 / 2.5 fJ."""
    assert_allclose(adc_energy_survey_J(bits, rate), published, rtol=0.07)


@pytest.mark.parametrize("bits,rate", [(8, 100e6), (8, 175e6), (8, 500e6), (6, 300e6), (10, 2e9), (4, 1e9)])
def test_adc_survey_fit_between_the_anchors(bits, rate):
    """The fit's formula written out (flat below the 175 MS/s knee, a power law through the 1 GS/s point)."""
    assert_allclose(adc_energy_survey_J(bits, rate), survey_fit(bits, rate), rtol=EXACT)


@pytest.mark.parametrize("bits", [1, 6, 8, 12])
def test_walden(bits):
    """Walden (IEEE JSAC 1999): E = P / f_s = FoM 2^ENOB."""
    fom = 0.1875 * fJ
    assert_allclose(adc_energy_walden_J(bits, fom), fom * 2**bits, rtol=EXACT)
    assert_allclose(adc_energy_walden_J(8, fom), 48 * fJ, rtol=EXACT)


def test_dac_and_converter_errors():
    assert_allclose(dac_energy_J(8), 8 * DAC_1B, rtol=EXACT)  # bit-serial: 8 one-bit conversions
    assert_allclose(dac_energy_J(1), DAC_1B, rtol=EXACT)
    with pytest.raises(ValueError, match="bits must be an int >= 1, got 0"):
        adc_energy_survey_J(0)
    with pytest.raises(ValueError, match="bits must be an int >= 1, got 0"):
        dac_energy_J(0)
    with pytest.raises(ValueError, match="sample_rate_Sps must be > 0"):
        adc_energy_survey_J(8, 0.0)


# --- cost models by hand --------------------------------------------------------------------------------

COUNTS = dict(input_vectors=2, dac_conversions=100, adc_conversions=40, cell_reads=1000, digital_mults=60,
              digital_adds=50)


@pytest.mark.parametrize("node,table", [("7nm", JOUPPI_7NM), ("45nm", HOROWITZ_45NM)])
def test_crossbar_ledger_by_hand(node, table):
    L = crossbar_ledger(COUNTS, dac_bits=8, adc_bits=8, adc_sample_rate_Sps=100e6, node=node, activation_bytes=800)
    by = L.by("component")
    assert_allclose(by["crossbar/dac"], 100 * 8 * DAC_1B / 2, rtol=EXACT)
    assert_allclose(by["crossbar/adc"], 40 * ADC_8B_LOW / 2, rtol=EXACT)
    assert_allclose(by["crossbar/array"], 1000 * CELL_READ / 2, rtol=EXACT)
    assert_allclose(by["crossbar/digital"], (60 * table["fp16_mult"] + 50 * table["fp16_add"]) / 2, rtol=EXACT)
    assert_allclose(by["crossbar/sram"], 800 / 8 * SRAM_32KB / 2, rtol=EXACT)  # 64-bit accesses
    expected = (100 * 8 * DAC_1B + 40 * ADC_8B_LOW + 1000 * CELL_READ + 60 * table["fp16_mult"]
                + 50 * table["fp16_add"] + 100 * SRAM_32KB)
    assert_allclose(L.total_J, expected, rtol=EXACT)
    assert L.inferences == 2 and L.label == "estimated"


def test_crossbar_ledger_converters_and_simulated_cell_read():
    L = crossbar_ledger(COUNTS, dac_bits=4, adc_bits=6, adc_sample_rate_Sps=500e6)
    assert_allclose(L.by("component")["crossbar/dac"], 100 * 4 * DAC_1B / 2, rtol=EXACT)
    assert_allclose(L.by("component")["crossbar/adc"], 40 * survey_fit(6, 500e6) / 2, rtol=EXACT)
    sim = crossbar_ledger(COUNTS, cell_read_J=2 * fJ)
    assert_allclose(sim.by("component")["crossbar/array"], 1000 * 2 * fJ / 2, rtol=EXACT)
    assert sim.by("label")["simulated"] > 0
    with pytest.raises(ValueError, match="count 'cell_reads' must be a number >= 0"):
        crossbar_ledger({**COUNTS, "cell_reads": -5})


@pytest.mark.parametrize("precision", ["int8", "fp16", "fp32"])
@pytest.mark.parametrize("node,table", [("7nm", JOUPPI_7NM), ("45nm", HOROWITZ_45NM)])
def test_digital_ledger_by_hand(precision, node, table):
    L = digital_ledger(1000, precision=precision, node=node, weight_bytes=4000, activation_bytes=800, inferences=4)
    compute = 1000 * (table[f"{precision}_mult"] + table[f"{precision}_add"])
    assert_allclose(L.by("component")["digital/compute"], compute / 4, rtol=EXACT)
    assert_allclose(L.total_J, compute + (4000 + 800) / 8 * SRAM_32KB, rtol=EXACT)


@pytest.mark.parametrize("profile,expected", [
    ("loihi", 1000 * NEURO["loihi_sop"] + 100 * NEURO["loihi_neuron_update"] + 50 * NEURO["loihi_spike_in_tile"]),
    ("truenorth", 1000 * NEURO["truenorth_event_all_in"]),
    ("spinnaker2", 1000 * NEURO["spinnaker2_sop"] + 100 * NEURO["spinnaker2_neuron_update"]),
    ("odin", 1000 * NEURO["odin_sop"]),
])
def test_snn_ledger_by_hand(profile, expected):
    L = snn_ledger(sops=1000, neuron_updates=100, spikes=50, input_macs=30, profile=profile, inferences=2)
    assert_allclose(L.total_J, expected + 30 * SNN_MAC, rtol=EXACT)
    assert_allclose(L.by("component")["snn/input"], 30 * SNN_MAC / 2, rtol=EXACT)


def test_snn_ledger_labels_and_errors():
    assert snn_ledger(sops=1000, neuron_updates=100, spikes=50, profile="loihi").label == "simulated"
    assert snn_ledger(sops=10, neuron_updates=5, spikes=1, profile="truenorth").scope == "all-in"
    with pytest.raises(ValueError, match="unknown neuromorphic profile 'brainchip'; known: loihi"):
        snn_ledger(sops=1, neuron_updates=1, spikes=1, profile="brainchip")


# --- user tables: the priced number and its citation come from the same entry ------------------------------

def _table(tmp_path, entries):
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"name": "mine", "entries": entries}))
    return load_table(path)


def _xb(**kw):
    return lambda tables: crossbar_ledger(COUNTS, activation_bytes=800, tables=tables, **kw)


def _dig(precision, node):
    return lambda tables: digital_ledger(1000, precision=precision, node=node, weight_bytes=4000, activation_bytes=800,
                                         tables=tables)


def _snn(profile):
    return lambda tables: snn_ledger(sops=1000, neuron_updates=100, spikes=50, input_macs=30, profile=profile,
                                     tables=tables)


# (ledger, key, component, operation, count, energy per op as a function of the entry's energy, built-in energy)
OVERRIDES = [
    (_xb(dac_bits=8), "dac_1b_isaac", "crossbar/dac", "dac_conversion", 100, lambda v: 8 * v, DAC_1B),
    (_xb(dac_bits=3), "dac_1b_isaac", "crossbar/dac", "dac_conversion", 100, lambda v: 3 * v, DAC_1B),
    (_xb(adc_bits=6, adc_sample_rate_Sps=100e6), "adc_8b_lowrate", "crossbar/adc", "adc_conversion", 40,
     lambda v: v / 16, ADC_8B_LOW),  # 4^(6 - 8); flat below the knee
    (_xb(adc_bits=8, adc_sample_rate_Sps=1e9), "adc_8b_1GSps", "crossbar/adc", "adc_conversion", 40,
     lambda v: v, ADC_8B_1G),  # the fit passes through its 1 GS/s anchor
    (_xb(adc_bits=7, adc_sample_rate_Sps=1e9), "adc_8b_1GSps", "crossbar/adc", "adc_conversion", 40,
     lambda v: v / 4, ADC_8B_1G),
    (_xb(), "cell_read_example", "crossbar/array", "cell_read", 1000, lambda v: v, CELL_READ),
    (_xb(node="7nm"), "fp16_mult_7nm", "crossbar/digital", "fp16_mult", 60, lambda v: v, JOUPPI_7NM["fp16_mult"]),
    (_xb(node="7nm"), "fp16_add_7nm", "crossbar/digital", "fp16_add", 50, lambda v: v, JOUPPI_7NM["fp16_add"]),
    (_xb(node="45nm"), "fp16_mult_45nm", "crossbar/digital", "fp16_mult", 60, lambda v: v, HOROWITZ_45NM["fp16_mult"]),
    (_xb(node="45nm"), "fp16_add_45nm", "crossbar/digital", "fp16_add", 50, lambda v: v, HOROWITZ_45NM["fp16_add"]),
    (_xb(), "sram_read_64b_32KB_45nm", "crossbar/sram", "sram_64b_access", 100, lambda v: v, SRAM_32KB),
    *[(_dig(p, n), f"{p}_{op}_{n}", "digital/compute", f"{p}_{op}", 1000, lambda v: v, DIGITAL[f"{p}_{op}_{n}"])
      for p in ("int8", "fp16", "fp32") for n in ("7nm", "45nm") for op in ("mult", "add")],
    (_dig("int8", "7nm"), "sram_read_64b_32KB_45nm", "digital/sram", "sram_64b_access", 600, lambda v: v, SRAM_32KB),
    (_snn("loihi"), "loihi_sop", "snn/loihi", "sop", 1000, lambda v: v, NEURO["loihi_sop"]),
    (_snn("loihi"), "loihi_neuron_update", "snn/loihi", "neuron_update", 100, lambda v: v,
     NEURO["loihi_neuron_update"]),
    (_snn("loihi"), "loihi_spike_in_tile", "snn/loihi", "spike", 50, lambda v: v, NEURO["loihi_spike_in_tile"]),
    (_snn("truenorth"), "truenorth_event_all_in", "snn/truenorth", "sop", 1000, lambda v: v,
     NEURO["truenorth_event_all_in"]),
    (_snn("spinnaker2"), "spinnaker2_sop", "snn/spinnaker2", "sop", 1000, lambda v: v, NEURO["spinnaker2_sop"]),
    (_snn("spinnaker2"), "spinnaker2_neuron_update", "snn/spinnaker2", "neuron_update", 100, lambda v: v,
     NEURO["spinnaker2_neuron_update"]),
    (_snn("odin"), "odin_sop", "snn/odin", "sop", 1000, lambda v: v, NEURO["odin_sop"]),
    (_snn("loihi"), "snn_mac_45nm", "snn/input", "input_mac", 30, lambda v: v, SNN_MAC),
]


@pytest.mark.parametrize("i", range(len(OVERRIDES)), ids=[f"{o[1]}-{o[3]}-{n}" for n, o in enumerate(OVERRIDES)])
def test_override_prices_and_cites_the_same_entry(tmp_path, i):
    ledger, key, component, operation, count, per_op, builtin = OVERRIDES[i]
    new = builtin * (2.5 + 0.1 * i)  # a distinct value per case
    source = f"my measurement {i}"
    table = _table(tmp_path, {key: {"energy_J": new, "source": source, "label": "measured"}})
    base, mine = ledger(()), ledger((table,))
    rec = next(r for r in mine.records if (r.component, r.operation) == (component, operation))
    assert source in rec.source
    assert rec.label == ("estimated" if key == "adc_8b_1GSps" else "measured")  # adc_8b_lowrate is cited too
    assert_allclose(rec.count, count, rtol=EXACT)
    assert_allclose(rec.energy_per_op_J, per_op(new), rtol=EXACT)
    assert_allclose(mine.total_J - base.total_J, count * (per_op(new) - per_op(builtin)), rtol=1e-9)
    others = [r for r in mine.records if r is not rec]
    assert others == [r for r in base.records if (r.component, r.operation) != (component, operation)]


def test_adc_override_of_both_anchors_and_the_labels(tmp_path):
    low, high = 0.1 * pJ, 2.0 * pJ
    table = _table(tmp_path, {"adc_8b_lowrate": {"energy_J": low, "source": "my low", "label": "measured"},
                              "adc_8b_1GSps": {"energy_J": high, "source": "my high", "label": "simulated"}})
    assert_allclose(adc_energy_survey_J(6, 500e6, tables=(table,)), survey_fit(6, 500e6, low, high), rtol=EXACT)
    assert_allclose(adc_energy_survey_J(8, 1e9, tables=(table,)), high, rtol=EXACT)
    rec = next(r for r in crossbar_ledger(COUNTS, adc_bits=6, adc_sample_rate_Sps=500e6, tables=(table,)).records
               if r.component == "crossbar/adc")
    assert_allclose(rec.energy_per_op_J, survey_fit(6, 500e6, low, high), rtol=EXACT)
    assert "my low" in rec.source and "my high" in rec.source and rec.label == "simulated"  # the weaker one
    below = next(r for r in crossbar_ledger(COUNTS, adc_sample_rate_Sps=100e6, tables=(table,)).records
                 if r.component == "crossbar/adc")
    assert "my high" not in below.source and below.label == "measured"  # the 1 GS/s anchor plays no part
    assert_allclose(dac_energy_J(4, tables=(_table(tmp_path, {"dac_1b_isaac": {
        "energy_J": 0.3 * pJ, "source": "s", "label": "measured"}}),)), 4 * 0.3 * pJ, rtol=EXACT)


def test_user_table_errors(tmp_path):
    no_energy = _table(tmp_path, {"fp16_add_7nm": {"value": 1.0, "source": "s", "label": "measured"}})
    with pytest.raises(ValueError, match="'fp16_add_7nm' must have an 'energy_J' number"):
        crossbar_ledger(COUNTS, tables=(no_energy,))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"entries": {"x": {"energy_J": 1.0, "source": "s", "label": "vibes"}}}))
    with pytest.raises(ValueError, match="entry 'x' needs 'label' in"):
        load_table(bad)
    with pytest.raises(ValueError, match="unknown energy table"):
        load_table(tmp_path / "missing.json")


@pytest.mark.parametrize("text,match", [
    ('{"entries": {"x": {"energy_J": NaN, "source": "s", "label": "measured"}}}', "NaN is not a number a table may hold"),
    ('{"entries": {"x": {"energy_J": Infinity, "source": "s", "label": "measured"}}}', "Infinity is not a number"),
    ('{"entries": {"x": {"energy_J": true, "source": "s", "label": "measured"}}}', "energy_J must be a finite number >= 0, got True"),
    ('{"entries": {"x": {"energy_J": -1e-12, "source": "s", "label": "measured"}}}', "must be a finite number >= 0"),
    ('{"entries": {"x": {"energy_j": 1e-12, "source": "s", "label": "measured"}}}', "unknown entry 'x' key 'energy_j'; did you mean 'energy_J'"),
    ('{"entires": {}, "entries": {}}', "unknown table key 'entires'; did you mean 'entries'"),
    ('{"entries": {"x": {"energy_J": 1e-12, "label": "measured"}}}', "entry 'x' needs a 'source'"),
    ('{"entries": {"g": {"peak_ops_per_s": {"fp61": 1e12}, "source": "s", "label": "measured"}}}', "did you mean 'fp16'"),
])
def test_user_table_schema(tmp_path, text, match):
    path = tmp_path / "t.json"
    path.write_text(text)
    with pytest.raises(ValueError, match=match):
        load_table(path)


# --- GPU roofline -----------------------------------------------------------------------------------------

GPUS = {  # docs/references.md s.5 and the datasheets the table cites
    "h100": dict(P=700.0, idle=70.0,  # idle: the table's 70 W within docs/references.md's unverified 60-80 W
                 peak={"fp32": 67e12, "fp16": 989e12, "fp8": 1979e12, "int8": 1979e12}, bw=3.35e12),
    "a100": dict(P=400.0, idle=60.0,  # idle: the table's 60 W within the unverified 50-75 W
                 peak={"fp32": 19.5e12, "fp16": 312e12, "int8": 624e12}, bw=2.04e12),
    "orin": dict(P=60.0, idle=15.0,  # 15-60 W modes; the lowest used as idle
                 peak={"fp32": 5.3e12,  # 2048 CUDA cores x 2 x 1.3 GHz = 5.32e12, rounded
                       "fp16": 85e12 / 2, "int8": 85e12}, bw=204.8e9),
}
WIDTH = {"fp32": 4, "fp16": 2, "fp8": 1, "int8": 1, "int4": 0.5}  # bytes per value of each format
FALLBACK = {"fp8": "fp16", "int4": "int8"}  # a format without its own rate runs at this one's


def roofline_by_hand(layers, g, precision, batch, overhead_s=5e-6, s=1.0):
    """The roofline of gpu.py's docstring, written out: (latency, J per inference)."""
    peak = g["peak"].get(precision) or g["peak"][FALLBACK[precision]]
    t, e_dyn = 0.0, 0.0
    for n_in, n_out in layers:
        t_busy = max(2 * batch * n_in * n_out / (peak * s),
                     WIDTH[precision] * (n_in * n_out + batch * (n_in + n_out)) / g["bw"])
        t += t_busy + overhead_s
        e_dyn += (g["P"] - g["idle"]) * s**3 * t_busy  # utilization x layer time = busy time
    return t, (g["idle"] * t + e_dyn) / batch


CASES = [(key, p, batch) for key, g in GPUS.items() for p in WIDTH
         if p in g["peak"] or FALLBACK.get(p) in g["peak"] for batch in (1, 4096)]


@pytest.mark.parametrize("key,precision,batch", CASES)
def test_roofline_by_formula(key, precision, batch):
    layers = [(8192, 8192), (64, 32)]
    rf = roofline(layers, load_gpu(key), precision=precision, batch=batch)
    t, e = roofline_by_hand(layers, GPUS[key], precision, batch)
    assert_allclose(rf["latency_s"], t, rtol=EXACT)
    assert_allclose(rf["energy_J_per_inference"], e, rtol=EXACT)


def test_roofline_bounds():
    g = load_gpu("h100")
    big = roofline([(8192, 8192)], g, precision="fp16", batch=4096, kernel_overhead_s=0.0)
    assert big["layers"][0]["bound"] == "compute"
    assert_allclose(big["latency_s"], 2 * 4096 * 8192 * 8192 / 989e12, rtol=EXACT)
    assert_allclose(big["avg_power_W"], 700.0, rtol=EXACT)  # full utilization at the power limit
    mem = roofline([(8192, 8192)], g, precision="fp16", batch=1, kernel_overhead_s=0.0)
    assert mem["layers"][0]["bound"] == "memory"
    assert_allclose(mem["latency_s"], 2 * (8192 * 8192 + 2 * 8192) / 3.35e12, rtol=EXACT)
    tiny = roofline([(64, 32)], g, batch=1)
    assert tiny["layers"][0]["bound"] == "overhead"
    assert_allclose(tiny["energy_J_per_inference"], 70 * 5e-6, rtol=0.01)  # idle power x overhead
    with pytest.raises(ValueError, match="unknown GPU 'tpu'"):
        load_gpu("tpu")
    with pytest.raises(ValueError, match="power_cap_W must exceed the idle power"):
        roofline([(4, 4)], g, power_cap_W=50.0)


@pytest.mark.parametrize("cap_W,clock", [(175.0, 1.0), (None, 0.5), (300.0, 0.7)])
def test_power_cap_and_clock_scale_by_formula(cap_W, clock):
    """DVFS: P_dyn ~ s^3; a cap sets s = ((P_cap - P_idle) / (P_limit - P_idle))^(1/3)."""
    g, layers = GPUS["a100"], [(8192, 8192)] * 2
    s = clock if cap_W is None else min(clock, ((cap_W - 60.0) / (400.0 - 60.0)) ** (1 / 3))
    rf = roofline(layers, load_gpu("a100"), precision="fp16", batch=4096, power_cap_W=cap_W, clock_scale=clock)
    t, e = roofline_by_hand(layers, g, "fp16", 4096, s=s)
    assert_allclose(rf["clock_scale"], s, rtol=EXACT)
    assert_allclose(rf["latency_s"], t, rtol=EXACT)
    assert_allclose(rf["energy_J_per_inference"], e, rtol=EXACT)


def test_power_cap_against_samsi_2023():
    """Samsi et al. (HPEC 2023): capping A100s 250 -> 175 W saved 23 % energy for 6-7 % more latency on
    memory-bound LLM inference. The model on a memory-bound layer: a real saving, little latency cost."""
    g = load_gpu("a100")
    layers = [(8192, 8192)] * 4
    a = roofline(layers, g, precision="fp16", batch=16, power_cap_W=250.0)
    b = roofline(layers, g, precision="fp16", batch=16, power_cap_W=175.0)
    saving = 1 - b["energy_J_per_inference"] / a["energy_J_per_inference"]
    slowdown = b["latency_s"] / a["latency_s"] - 1
    assert 0.05 < saving < 0.4 and slowdown < 0.1


@pytest.mark.parametrize("field,scale,batch", [("power_limit_W", 1.3, 4096), ("idle_W", 0.5, 1),
                                               ("peak_ops_per_s", 0.25, 4096), ("bandwidth_B_per_s", 0.4, 1)])
def test_gpu_override_prices_and_cites_the_same_entry(tmp_path, field, scale, batch):
    mine = dict(load_table("gpus")["entries"]["h100"], source="my H100")
    hand = dict(GPUS["h100"])
    if field == "peak_ops_per_s":
        mine[field] = {p: r * scale for p, r in mine[field].items()}
        hand["peak"] = {p: r * scale for p, r in hand["peak"].items()}
    else:
        mine[field] = mine[field] * scale
        hand[{"power_limit_W": "P", "idle_W": "idle", "bandwidth_B_per_s": "bw"}[field]] *= scale
    layers = [(8192, 8192), (64, 32)]
    rf = roofline(layers, load_gpu("h100", tables=(_table(tmp_path, {"h100": mine}),)), precision="fp16", batch=batch)
    base = roofline(layers, load_gpu("h100"), precision="fp16", batch=batch)
    t, e = roofline_by_hand(layers, hand, "fp16", batch)
    assert rf["source"] == "my H100"
    assert_allclose(rf["latency_s"], t, rtol=EXACT)
    assert_allclose(rf["energy_J_per_inference"], e, rtol=EXACT)
    assert_allclose(rf["energy_J_per_inference"] - base["energy_J_per_inference"],
                    e - roofline_by_hand(layers, GPUS["h100"], "fp16", batch)[1], rtol=1e-9)


def test_gpu_override_errors(tmp_path):
    with pytest.raises(ValueError, match="GPU entry 'h100' lacks peak_ops_per_s"):
        load_gpu("h100", tables=(_table(tmp_path, {"h100": {"name": "x", "power_limit_W": 1, "idle_W": 0,
                                                            "bandwidth_B_per_s": 1, "source": "s",
                                                            "label": "measured"}}),))


# --- facility ---------------------------------------------------------------------------------------------

def test_facility_by_hand():
    f = Facility(pue=1.5, grid_gco2_per_kwh=400, wue_l_per_kwh=2.0, usd_per_kwh=0.1)
    r = f.report(7.2e6)  # 2 kWh of IT energy per inference (1 kWh = 3.6 MJ)
    assert_allclose(r["wall_J_per_inference"], 1.5 * 7.2e6, rtol=EXACT)
    assert_allclose(r["gco2e_per_million"], 1.5 * 2 * 400 * 1e6, rtol=EXACT)
    assert_allclose(r["water_mL_per_million"], 2.0 * 2 * 1e3 * 1e6, rtol=EXACT)
    assert_allclose(r["usd_per_million"], 1.5 * 2 * 0.1 * 1e6, rtol=EXACT)
    assert_allclose(r["inferences_per_kwh"], 1 / (1.5 * 2), rtol=EXACT)
    assert_allclose(f.cue_kg_per_kwh, 0.6, rtol=EXACT)
    with pytest.raises(ValueError, match="pue must be >= 1"):
        Facility(pue=0.9)


def test_facility_defaults_and_tables(tmp_path):
    """docs/references.md s.6: PUE 1.56 (Uptime 2024), 480 gCO2e/kWh (Ember 2024), 1.1 L/kWh, 0.127 USD/kWh."""
    f = Facility()
    assert_allclose([f.pue, f.grid_gco2_per_kwh, f.wue_l_per_kwh, f.usd_per_kwh], [1.56, 480, 1.1, 0.127], rtol=EXACT)
    g = Facility.from_tables(pue="pue_google_2023", grid_gco2_per_kwh="grid_us_gco2_per_kwh")
    assert_allclose([g.pue, g.grid_gco2_per_kwh], [1.10, 367], rtol=EXACT)
    pue = {"pue_industry_2024": {"value": 1.3, "source": "s", "label": "measured"}}
    mine = Facility.from_tables(_table(tmp_path, pue))
    assert_allclose(mine.report(3.6e6)["wall_J_per_inference"], 1.3 * 3.6e6, rtol=EXACT)
    assert_allclose(mine.grid_gco2_per_kwh, 480, rtol=EXACT)
    with pytest.raises(ValueError, match="unknown facility fields"):
        Facility.from_tables(power="x")


def test_nvml_without_gpu_says_so():
    called = []
    out = measure_nvml(lambda: called.append(1), min_window_s=0.01, idle_window_s=0.0)
    if not out["available"]:
        assert out["reason"] and not called
