"""Energy ledger, tables, component models, the CIM architecture and the cost models against numbers and
formulas from outside the code (the GPU roofline and the facility layer: tests/test_energy_gpu.py).

Every expected number here comes from its source: docs/references.md (s.4-6, s.10), a cited formula, a count
written out by hand, or the component-model package (hwcomponents) called directly; never from the code
under test or its tables. Comparisons use numpy.testing.assert_allclose with a relative tolerance and
atol = 0: pytest.approx's absolute floor of 1e-12 would pass any energy below a picojoule.
"""

import json
import math

import hwcomponents_library as lib
import pytest
from hwcomponents.scaling import tech_node_energy
from hwcomponents_adc import ADC as AndrulisADC
from numpy.testing import assert_allclose

from cimsim.energy import (CimDesign, Converters, Digital, Ledger, Record, activity, adc_energy_J, adc_energy_survey_J,
                           adc_energy_walden_J, components, crossbar_ledger, dac_energy_J, digital_ledger,
                           digital_mac_ledger, hermes_like, isaac, load_table, mapping, measured_chip, price_design,
                           snn_ledger)

pJ, fJ = 1e-12, 1e-15
EXACT = 1e-12  # rtol for numbers that should agree to float rounding

# docs/references.md s.4, transcribed: energy per operation (J)
HOROWITZ_45NM = {"int8_add": 0.03 * pJ, "int8_mult": 0.2 * pJ, "fp16_add": 0.4 * pJ, "fp16_mult": 1.1 * pJ,
                 "fp32_add": 0.9 * pJ, "fp32_mult": 3.7 * pJ}
JOUPPI_7NM = {"int8_add": 0.007 * pJ, "int8_mult": 0.07 * pJ, "fp16_add": 0.16 * pJ, "fp16_mult": 0.34 * pJ,
              "fp32_add": 0.38 * pJ, "fp32_mult": 1.31 * pJ}
DIGITAL = {**{f"{k}_45nm": v for k, v in HOROWITZ_45NM.items()}, **{f"{k}_7nm": v for k, v in JOUPPI_7NM.items()}}
SRAM_45NM = {8: 10 * pJ, 32: 20 * pJ, 1024: 100 * pJ}  # 64-bit reads of 8 KB, 32 KB, 1 MB SRAMs (Horowitz 2014)
ADC_8B_LOW, ADC_8B_1G = 48 * fJ, 0.64 * pJ  # Andrulis et al. 2024: below ~175 MS/s and at 1 GS/s
DAC_1B = 0.42 * pJ  # ISAAC 1-bit DAC as docs/references.md gives it
CELL_READ = 0.2**2 * 10e-6 * 10e-9  # E = V^2 G t at 0.2 V, 10 uS, 10 ns
NEURO = {"loihi_sop": 23.6 * pJ, "loihi_neuron_update": 52 * pJ, "loihi_spike_in_tile": 1.7 * pJ,
         "truenorth_event_all_in": 26 * pJ, "odin_sop": 12.7 * pJ, "spinnaker2_sop": 450 * pJ,
         "spinnaker2_neuron_update": 2.19e-9}
# the component library's own tabulated points (its CSV rows, from the papers it cites; docs/references.md s.10)
ISAAC_ADC = 16e-3 / (1.2e9 * 8)  # 16 mW for 8 ADCs at 1.2 GS/s (ISAAC Table 1), 32 nm, 8 bit: 1.667 pJ
ISAAC_DAC = 4e-3 / (128 * 8 * 1.2e7) * 128 / 100  # 4 mW for 8 x 128 1-bit DACs, x 128/100 (library): 0.41667 pJ
ISAAC_SHIFT_ADD = 0.021 * pJ  # 0.2 mW for 4 units at 1.2 GHz x 8 (library, 16 bit, 32 nm)
TIMELY_DTC = 0.0375 * pJ  # TIMELY Table II, 8 bit, 65 nm
ALADDIN_ADD_32B, ALADDIN_MULT_32B, ALADDIN_REG_1B = 0.21 * pJ, 12.68 * pJ, 0.009 * pJ  # Aladdin, 40 nm
# IBM HERMES (Le Gallo et al. 2023) and ISAAC (Shafiee et al. 2016, Table 1), docs/references.md s.4 and s.10
HERMES = dict(node=14e-9, cores=64, rows=256, cols=256, tops=63.1e12, tops_w_1=9.76e12, tops_w_4=2.48e12, bits=8)
ISAAC = dict(node=32e-9, rows=128, cols=128, xbars=8, imas=12, tiles=168, in_bits=16, cell_bits=2, w_bits=16,
             adc_bits=8, adc_Sps=1.28e9, ima_W=(2.4e-3, 10e-6, 1.24e-3, 0.23e-3),
             tile_W=(20.7e-3, 7e-3, 42e-3 / 4, 0.52e-3, 0.05e-3, 0.4e-3, 1.68e-3), ht_W=10.4)


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


def test_scopes_narrowest_first_alias_and_declared_scope(tmp_path):
    """Scopes run per-operation < chip all-in < board all-in < wall; "all-in" is the old name of chip all-in."""
    r = Record("chip", "op", 1, 1 * pJ, "s", "measured", "all-in")
    assert r.scope == "chip all-in"
    op = Record("adc", "conv", 2, 1 * pJ, "s", "estimated")
    chip = Ledger((op, r), 1, "chip all-in")
    assert chip.scope == "chip all-in" and Ledger((op, r), 1).scope == "mixed"
    with pytest.raises(ValueError, match="declared 'chip all-in' cannot hold a 'board all-in' record"):
        Ledger((Record("gpu", "idle", 1, 1.0, "s", "estimated", "board all-in"),), 1, "chip all-in")
    with pytest.raises(ValueError, match="scope must be one of"):
        Ledger((), 1, "rack")
    chip.to_json(tmp_path / "c.json")
    back = Ledger.from_json(tmp_path / "c.json")
    assert back.declared_scope == "chip all-in" and back.records == chip.records
    assert (chip + chip).scope == "chip all-in" and (chip + Ledger((op,), 1)).scope == "mixed"
    assert chip.with_records([op]).declared_scope == "chip all-in"


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

PUBLISHED = {  # (table, key): (value, rtol). docs/references.md s.4, s.6, s.10; derived ones show their arithmetic.
    **{("digital", k): (v, EXACT) for k, v in DIGITAL.items()},
    **{("digital", f"sram_read_64b_{kb}KB_45nm" if kb < 1024 else "sram_read_64b_1MB_45nm"): (e, EXACT)
       for kb, e in SRAM_45NM.items()},
    ("digital", "dram_access_64b_45nm_low"): (1300 * pJ, EXACT),
    ("digital", "dram_access_64b_45nm_high"): (2600 * pJ, EXACT),
    ("digital", "snn_mac_45nm"): (3.7 * pJ + 0.9 * pJ, EXACT), ("digital", "snn_ac_45nm"): (0.9 * pJ, EXACT),  # FP32 add
    ("analog", "adc_8b_lowrate"): (ADC_8B_LOW, EXACT), ("analog", "adc_8b_1GSps"): (ADC_8B_1G, EXACT),
    ("analog", "adc_6b_lowrate"): (3 * fJ, EXACT), ("analog", "adc_6b_1GSps"): (40 * fJ, EXACT),
    ("analog", "adc_4b_lowrate"): (0.2 * fJ, EXACT), ("analog", "adc_4b_1GSps"): (2.5 * fJ, EXACT),
    ("analog", "adc_isaac_8b"): (1.67 * pJ, EXACT), ("analog", "adc_neurram"): (0.3 * pJ, EXACT),
    ("analog", "dac_1b_isaac"): (DAC_1B, EXACT), ("analog", "cell_read_example"): (CELL_READ, EXACT),
    ("chips", "hermes_node_m"): (HERMES["node"], EXACT), ("chips", "hermes_cores"): (HERMES["cores"], EXACT),
    ("chips", "hermes_core_rows"): (HERMES["rows"], EXACT), ("chips", "hermes_core_cols"): (HERMES["cols"], EXACT),
    ("chips", "hermes_input_bits"): (HERMES["bits"], EXACT), ("chips", "hermes_adc_bits"): (HERMES["bits"], EXACT),
    ("chips", "hermes_all_in_per_op_one_phase"): (1 / HERMES["tops_w_1"], 1e-4),  # 9.76 TOPS/W, 5 digits
    ("chips", "hermes_all_in_per_op_four_phase"): (1 / HERMES["tops_w_4"], 1e-4),  # 2.48 TOPS/W
    ("chips", "hermes_mvm_time_s"): (2 * 256 * 256 / (HERMES["tops"] / 64), 1e-4),  # 63.1 TOPS over 64 cores
    ("chips", "hermes_phases_four_phase"): (4, EXACT),
    ("chips", "isaac_node_m"): (ISAAC["node"], EXACT), ("chips", "isaac_crossbar_rows"): (ISAAC["rows"], EXACT),
    ("chips", "isaac_crossbar_cols"): (ISAAC["cols"], EXACT), ("chips", "isaac_crossbars_per_ima"): (ISAAC["xbars"], EXACT),
    ("chips", "isaac_imas_per_tile"): (ISAAC["imas"], EXACT), ("chips", "isaac_tiles"): (ISAAC["tiles"], EXACT),
    ("chips", "isaac_input_bits"): (ISAAC["in_bits"], EXACT), ("chips", "isaac_cell_bits"): (ISAAC["cell_bits"], EXACT),
    ("chips", "isaac_weight_bits"): (ISAAC["w_bits"], EXACT), ("chips", "isaac_adc_bits"): (ISAAC["adc_bits"], EXACT),
    ("chips", "isaac_adc_rate_Sps"): (ISAAC["adc_Sps"], EXACT),
    **{("chips", k): (w, EXACT) for k, w in zip(("isaac_crossbar_W_per_ima", "isaac_sample_hold_W_per_ima",
                                                 "isaac_input_register_W_per_ima", "isaac_output_register_W_per_ima"),
                                                ISAAC["ima_W"])},
    **{("chips", k): (w, EXACT) for k, w in zip(("isaac_edram_W_per_tile", "isaac_bus_W_per_tile",
                                                 "isaac_router_W_per_tile", "isaac_sigmoid_W_per_tile",
                                                 "isaac_tile_shift_add_W_per_tile", "isaac_maxpool_W_per_tile",
                                                 "isaac_tile_output_register_W_per_tile"), ISAAC["tile_W"])},
    ("chips", "isaac_hypertransport_W"): (ISAAC["ht_W"], EXACT),
    # estimates, each stated in its entry: 1 GHz, 16-bit accumulation, a 32 KB buffer, 64-bit accesses
    ("chips", "digital_clock_Hz"): (1e9, EXACT), ("chips", "accumulator_bits"): (16, EXACT),
    ("chips", "activation_buffer_bytes"): (32 * 1024, EXACT), ("chips", "sram_access_bits"): (64, EXACT),
    **{("neuromorphic", k): (v, EXACT) for k, v in NEURO.items()},
    ("neuromorphic", "odin_static_W"): (27.3e-6, EXACT),  # ODIN leakage at 0.55 V (Frenkel et al. 2019)
    ("neuromorphic", "odin_neuron_update"): (12.7 * pJ, EXACT),  # one virtual-synapse event = one SOP
    ("neuromorphic", "odin_event_time_s"): (2 / 75e6, 2e-3),  # 2 cycles at 75 MHz, table rounded to 26.7 ns
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
    listed = {(t, k) for t in ("digital", "analog", "chips", "neuromorphic", "facility") for k in load_table(t)["entries"]}
    assert listed == set(PUBLISHED)


# --- closed-form converters (envelopes; the ledger prices ADCs with the component model) -------------------

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


def test_dac_and_converter_errors(tmp_path, user_table):
    assert_allclose(dac_energy_J(8), 8 * DAC_1B, rtol=EXACT)  # bit-serial: 8 one-bit conversions
    assert_allclose(dac_energy_J(1), DAC_1B, rtol=EXACT)
    assert_allclose(dac_energy_J(4, tables=(user_table({"dac_1b_isaac": {
        "energy_J": 0.3 * pJ, "source": "s", "label": "measured"}}),)), 4 * 0.3 * pJ, rtol=EXACT)
    mine = user_table({"adc_8b_lowrate": {"energy_J": 0.1 * pJ, "source": "my low", "label": "measured"},
                             "adc_8b_1GSps": {"energy_J": 2.0 * pJ, "source": "my high", "label": "simulated"}})
    assert_allclose(adc_energy_survey_J(6, 500e6, tables=(mine,)), survey_fit(6, 500e6, 0.1 * pJ, 2.0 * pJ), rtol=EXACT)
    with pytest.raises(ValueError, match="bits must be an int >= 1, got 0"):
        adc_energy_survey_J(0)
    with pytest.raises(ValueError, match="bits must be an int >= 1, got 0"):
        dac_energy_J(0)
    with pytest.raises(ValueError, match="sample_rate_Sps must be > 0"):
        adc_energy_survey_J(8, 0.0)


# --- component models: each priced component is the model package called directly ---------------------------

@pytest.mark.parametrize("bits,rate,node", [(4, 1e8, 7e-9), (8, 7.5e6, 14e-9), (8, 1e8, 32e-9), (8, 1.28e9, 32e-9),
                                            (10, 1e9, 45e-9), (6, 2e8, 130e-9)])
def test_adc_is_the_andrulis_model(bits, rate, node):
    m = AndrulisADC(n_bits=bits, tech_node=node, throughput=rate)
    c = components.adc(bits, rate, node)
    assert_allclose(c.energy_J, m.convert().energy, rtol=EXACT)
    assert_allclose(c.leak_W, m.leak_power, rtol=EXACT)
    assert dict(c.params) == {"n_bits": bits, "tech_node": node, "throughput": rate} and c.node_m == node
    assert c.model == "hwcomponents_adc.ADC" and "Andrulis" in c.source and c.label == "estimated"
    # its total per conversion when busy at its rate: 80 % dynamic + the 20 % leakage share
    assert_allclose(adc_energy_J(bits, rate, node), m.get_energy(), rtol=EXACT)


@pytest.mark.parametrize("node,published", [(7e-9, 98 * fJ), (32e-9, 1.7 * pJ)])
def test_adc_model_at_the_numbers_quoted_for_it(node, published):
    """docs/references.md s.4: hwcomponents-adc gives 98 fJ (7 nm) and 1.7 pJ (32 nm) at 8 bit, 100 MS/s."""
    assert_allclose(adc_energy_J(8, 100e6, node), published, rtol=0.01)


def test_library_components_are_the_library_called_directly():
    for c, m, action in [
        (components.adc(8, 1.28e9, 32e-9, "isaac"), lib.IsaacADC(tech_node=32e-9, resolution=8), "convert"),
        (components.adc(6, 1.28e9, 14e-9, "isaac"), lib.IsaacADC(tech_node=14e-9, resolution=6), "convert"),
        (components.dac_bit(14e-9), lib.IsaacDAC(tech_node=14e-9, resolution=1), "convert"),
        (components.dtc(8, 14e-9), lib.TimelyDTC(tech_node=14e-9, resolution=8), "convert"),
        (components.shift_add(16, 14e-9), lib.IsaacShiftAdd(tech_node=14e-9, width=16), "shift_add"),
        (components.adder(16, 14e-9), lib.AladdinAdder(tech_node=14e-9, width=16), "add"),
        (components.multiplier(16, 14e-9), lib.AladdinMultiplier(tech_node=14e-9, width=16), "multiply"),
        (components.register(8, 14e-9), lib.AladdinRegister(tech_node=14e-9, width=8), "write"),
    ]:
        assert_allclose(c.energy_J, getattr(m, action)().energy, rtol=EXACT)
        assert c.leak_W == m.leak_power or abs(c.leak_W / m.leak_power - 1) <= EXACT
        assert c.model == f"hwcomponents_library.{type(m).__name__}" and c.action == action


def test_library_components_at_their_tabulated_points_and_scaled_by_node():
    """At its paper's node a library component is its tabulated energy; elsewhere that times the library's
    Stillmaker & Baas scaling (hwcomponents.scaling.tech_node_energy), width scaling as the library states."""
    assert_allclose(components.adc(8, 1.2e9, 32e-9, "isaac").energy_J, ISAAC_ADC, rtol=1e-6)
    assert components.adc(8, 1.2e9, 32e-9, "isaac").label == "simulated"  # ISAAC's own point
    assert components.adc(8, 1.2e9, 14e-9, "isaac").label == "estimated"  # scaled
    assert components.adc(7, 1.2e9, 32e-9, "isaac").label == "estimated"
    assert_allclose(components.adc(6, 1.2e9, 32e-9, "isaac").energy_J, ISAAC_ADC / 4, rtol=1e-6)  # 2^bits
    assert_allclose(components.dac_bit(32e-9).energy_J, ISAAC_DAC, rtol=1e-4)
    assert_allclose(components.dac_bit(14e-9).energy_J, ISAAC_DAC * tech_node_energy(14e-9, 32e-9), rtol=1e-4)
    assert_allclose(components.shift_add(16, 32e-9).energy_J, ISAAC_SHIFT_ADD, rtol=EXACT)
    assert_allclose(components.dtc(8, 14e-9).energy_J, TIMELY_DTC * tech_node_energy(14e-9, 65e-9), rtol=EXACT)
    k = tech_node_energy(14e-9, 40e-9)
    assert_allclose(components.adder(16, 14e-9).energy_J, ALADDIN_ADD_32B * 16 / 32 * k, rtol=EXACT)  # linear
    assert_allclose(components.multiplier(8, 14e-9).energy_J, ALADDIN_MULT_32B * (8 / 32) ** 2 * k, rtol=EXACT)
    assert_allclose(components.register(8, 14e-9).energy_J, ALADDIN_REG_1B * 8 * k, rtol=EXACT)


@pytest.mark.parametrize("call,match", [
    (lambda: components.adc(3, 1e8, 14e-9), "Andrulis et al. 2024 model: 4 or more"),
    (lambda: components.adc(8, 0.0, 14e-9), "rate_Sps must be a finite number > 0"),
    (lambda: components.adc(8, 1e8, 14e-9, "walden"), "ADC model must be one of"),
    (lambda: components.dac_bit(14.0), "node_m must be a process node"),
    (lambda: components.sram(1024, 64, 14e-9, "erase"), "SRAM action must be 'read' or 'write'"),
    (lambda: components.sram(1024, 64, 14e-9, model="nvsim"), "SRAM model must be one of"),
])
def test_component_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def _sram_fallback(size_bytes, width, node):
    kb = next(k for k in (8, 32, 1024) if size_bytes <= k * 1024)
    return SRAM_45NM[kb] * width / 64 * tech_node_energy(node, 45e-9)


@pytest.mark.parametrize("size,width,node", [(8192, 64, 14e-9), (32768, 64, 7e-9), (65536, 32, 45e-9)])
def test_sram_table_fallback_is_horowitz_scaled_to_the_node(size, width, node):
    c = components.sram(size, width, node, "read", model="table")
    assert_allclose(c.energy_J, _sram_fallback(size, width, node), rtol=EXACT)
    assert c.label == "estimated" and "Horowitz" in c.source and "tech_node_energy" in c.model
    assert_allclose(components.sram(size, width, node, "write", model="table").energy_J, c.energy_J, rtol=EXACT)


def _cacti(node, width, size_bytes):
    """hwcomponents_cacti.SRAM called directly (1.0.40 leaves its config file open: a ResourceWarning)."""
    import warnings

    import hwcomponents_cacti

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        m = hwcomponents_cacti.SRAM(tech_node=node, width=width, size=size_bytes * 8)
        return m, m.read().energy, m.write().energy


@pytest.mark.parametrize("action", ["read", "write"])
def test_sram_is_cacti_where_it_runs_and_the_table_where_it_does_not(monkeypatch, action):
    """Both ways: "auto" prices with hwcomponents_cacti.SRAM when its CACTI binary runs, else falls back."""
    import hwcomponents_cacti

    if components.cacti_runs():
        m, read, write = _cacti(14e-9, 64, 32768)
        c = components.sram(32768, 64, 14e-9, action)
        assert_allclose(c.energy_J, read if action == "read" else write, rtol=EXACT)
        assert_allclose(c.leak_W, m.leak_power, rtol=EXACT)
        assert c.model == "hwcomponents_cacti.SRAM" and "CACTI" in c.source
    else:
        with pytest.raises(Exception):
            components.sram(32768, 64, 14e-9, action, model="cacti")

    def broken(*args, **kwargs):
        raise Exception("CACTI failed with exit code 1")  # what the wrapper raises when its binary cannot run

    monkeypatch.setattr(hwcomponents_cacti, "SRAM", broken)
    components.cacti_runs.cache_clear()
    components._sram_cacti.cache_clear()
    try:
        c = components.sram(32768, 64, 14e-9, action)
        assert_allclose(c.energy_J, _sram_fallback(32768, 64, 14e-9), rtol=EXACT)
        assert "sram_read_64b_32KB_45nm" in c.model
    finally:
        components.cacti_runs.cache_clear()
        components._sram_cacti.cache_clear()


# --- the CIM chip as an architecture: counts by hand ------------------------------------------------------

def _tile(scheme, *, gating=False, adc="isaac", node=32e-9, rows=256, cols=256, tiles=1, bits=8, phases=1,
          cycle=100e-9, digital=None, cols_per_adc=1):
    return CimDesign("tile", node, rows, cols, tiles, cycle, Converters(bits, scheme, phases, 8, adc, cols_per_adc, 1),
                     digital, gating)


FULL = dict(input_vectors=1, tile_mvms=1, dac_conversions=256, cell_reads=2 * 256 * 256, adc_conversions=256,
            digital_mults=0, digital_adds=0)
# the digits MLP 64-32-10 on 256 x 256 tiles, one input vector, as cimsim's OpCounts gives it (abs-max input
# scaling, digital bias): 2 tiles, 96 rows driven, 42 outputs, differential pairs, 180 multiplies, 136 adds
MLP = dict(input_vectors=1, tile_mvms=2, dac_conversions=64 + 32, cell_reads=2 * (64 * 32 + 32 * 10),
           adc_conversions=32 + 10, digital_mults=(64 + 2 * 32) + (32 + 2 * 10), digital_adds=(63 + 32) + (31 + 10))
MLP_LAYERS = [(64, 32), (32, 10)]


def _by(ledger):
    return {(r.component, r.operation): r for r in ledger.records}


def test_bit_serial_tile_converts_once_per_input_bit_and_column():
    """The audit's case: an 8-bit bit-serial 256 x 256 tile priced with ISAAC's DAC and ADC: 8 ADC reads per
    column per MVM (and 8 one-bit drives per row), not one."""
    d = _tile("bit-serial")
    a = activity(FULL, d)
    assert a["reads_per_mvm"] == 8
    assert a["adc_reads"] == 8 * 256 and a["adc_reads"] / d.tile_cols == 8
    assert a["row_drives"] == 8 * 256 and a["shift_adds"] == 7 * 256 and a["cell_reads"] == 8 * 2 * 256 * 256
    r = price_design(FULL, d, layers=[(256, 256)], cell_read_J=CELL_READ)
    by = _by(r.core)
    assert by[("crossbar/adc", "adc_conversion")].count == 2048
    assert_allclose(r.core.by("component")["crossbar/adc"], 2048 * ISAAC_ADC, rtol=1e-6)
    assert_allclose(r.core.by("component")["crossbar/input"], 2048 * ISAAC_DAC, rtol=1e-4)
    assert_allclose(r.latency_s, 8 * 100e-9, rtol=EXACT)
    assert r.core.scope == "per-operation" and r.chip.scope == "chip all-in"


def test_pulse_width_tile_converts_once_per_column():
    d = _tile("pulse-width", adc="andrulis", node=14e-9, cycle=133e-9, digital=None)
    a = activity(FULL, d)
    assert (a["reads_per_mvm"], a["adc_reads"], a["row_drives"], a["dtc_conversions"], a["shift_adds"]) == \
        (1, 256, 256, 256, 0)
    r = price_design(FULL, d, layers=[(256, 256)], cell_read_J=CELL_READ)
    adc = AndrulisADC(n_bits=8, tech_node=14e-9, throughput=1 / 133e-9)  # one conversion per column per read
    assert_allclose(r.core.by("operation")["adc_conversion"], 256 * adc.convert().energy, rtol=EXACT)
    dtc = lib.TimelyDTC(tech_node=14e-9, resolution=8).convert().energy
    drive = lib.IsaacDAC(tech_node=14e-9, resolution=1).convert().energy
    assert_allclose(r.core.by("component")["crossbar/input"], 256 * (dtc + drive), rtol=EXACT)
    assert_allclose(r.core.by("component")["crossbar/array"], 2 * 256 * 256 * CELL_READ, rtol=EXACT)


def test_phases_gating_and_counts_already_per_read():
    four = activity(FULL, _tile("pulse-width", phases=4))
    assert four["reads_per_mvm"] == 4 and four["adc_reads"] == 4 * 256 and four["shift_adds"] == 3 * 256
    part = dict(FULL, dac_conversions=64, adc_conversions=32, cell_reads=2 * 64 * 32)  # a 64 x 32 layer
    assert activity(part, _tile("bit-serial"))["adc_reads"] == 8 * 256  # the whole tile's ADCs run
    gated = activity(part, _tile("bit-serial", gating=True))
    assert gated["adc_reads"] == 8 * 32 and gated["adc_reads_used"] == 8 * 32 and gated["row_drives"] == 8 * 64
    serial_sim = dict(part, tile_mvms=8, dac_conversions=8 * 64, adc_conversions=8 * 32)  # already per read
    again = activity(serial_sim, _tile("bit-serial", gating=True), counts_per_read=True)
    assert again["adc_reads"] == 8 * 32 and again["tile_mvms"] == 1 and again["shift_adds"] == 0


def test_mapping_and_utilization_of_the_digits_mlp():
    """64-32-10 on 256 x 256 tiles: 2 tiles, (64 x 32 + 32 x 10) / (2 x 256 x 256) = 1.81 % of their cells."""
    m = mapping(MLP_LAYERS, hermes_like())
    assert m["tiles"] == 2 and m["fits"]
    assert_allclose(m["utilization"], (64 * 32 + 32 * 10) / (2 * 256 * 256), rtol=EXACT)
    assert_allclose(m["layers"][1]["utilization"], 32 * 10 / 256**2, rtol=EXACT)
    assert mapping([(300, 600)], hermes_like())["tiles"] == 2 * 3
    with pytest.raises(ValueError, match="layers must be"):
        mapping([(0, 3)], hermes_like())


def test_hermes_like_chip_by_hand():
    """Every record of the 14 nm HERMES-like design on the MLP, written out from the packages."""
    d = hermes_like(sram_model="table")
    t = 2 * 256 * 256 / (HERMES["tops"] / 64)  # one MVM, from the published throughput
    assert_allclose([d.node_m, d.cycle_s, d.mvm_time_s, d.peak_ops_per_s], [14e-9, t, t, HERMES["tops"]], rtol=1e-4)
    assert (d.tile_rows, d.tile_cols, d.n_tiles, d.converters.input_bits, d.converters.adc_bits) == (256, 256, 64, 8, 8)
    r = price_design(MLP, d, layers=MLP_LAYERS, cell_read_J=CELL_READ)
    node, k40 = 14e-9, tech_node_energy(14e-9, 40e-9)
    adc = AndrulisADC(n_bits=8, tech_node=node, throughput=1 / t)
    mult, add = lib.AladdinMultiplier(tech_node=node, width=16), lib.AladdinAdder(tech_node=node, width=16)
    by = r.chip.by("operation")
    assert_allclose(by["adc_conversion"], 2 * 256 * adc.convert().energy, rtol=1e-4)  # 256 ADCs per activated tile
    assert_allclose(by["multiply"], 180 * ALADDIN_MULT_32B * (16 / 32) ** 2 * k40, rtol=EXACT)
    assert_allclose(by["add"], 136 * ALADDIN_ADD_32B * 16 / 32 * k40, rtol=EXACT)
    assert_allclose(by["row_drive"], 96 * lib.IsaacDAC(tech_node=node).convert().energy, rtol=EXACT)
    assert_allclose(by["input_latch"], 96 * ALADDIN_REG_1B * 8 * k40, rtol=EXACT)
    assert_allclose(by["output_latch"], 42 * ALADDIN_REG_1B * 8 * k40, rtol=EXACT)
    assert_allclose(by["sram_read"], (64 + 32) * 8 / 64 * _sram_fallback(32768, 64, node), rtol=EXACT)
    assert_allclose(by["sram_write"], (32 + 10) * 8 / 64 * _sram_fallback(32768, 64, node), rtol=EXACT)
    units = math.ceil(256 / (1e9 * t))  # post-processing units to finish 256 outputs in one MVM at 1 GHz: 2
    assert units == 2
    leak_W = 64 * (256 * adc.leak_power + units * (mult.leak_power + add.leak_power))  # all 64 tiles powered
    assert_allclose(r.leak_W, leak_W, rtol=1e-4)
    assert_allclose(by["tile_leakage"], leak_W * 2 * t, rtol=1e-4)  # for the latency of two MVMs
    assert_allclose(r.latency_s, 2 * t, rtol=1e-4)
    assert_allclose(r.chip.total_J, r.core.total_J + sum(by[k] for k in ("input_latch", "output_latch", "sram_read",
                                                                        "sram_write", "tile_leakage")), rtol=EXACT)
    assert r.lower_bound and r.chip.declared_scope == "chip all-in" and r.chip.label == "estimated"
    gated = price_design(MLP, hermes_like(sram_model="table", power_gating=True), layers=MLP_LAYERS, cell_read_J=CELL_READ)
    assert_allclose(gated.chip.by("operation")["adc_conversion"], 42 * adc.convert().energy, rtol=1e-4)
    assert_allclose(gated.chip.by("operation")["tile_leakage"], 2 * t * leak_W / 64, rtol=1e-4)  # 2 tile-MVMs
    serial = hermes_like(input_scheme="bit-serial")
    assert_allclose([serial.cycle_s, serial.mvm_time_s], [t / 8, t], rtol=1e-4)
    assert crossbar_ledger(MLP, layers=MLP_LAYERS, cell_read_J=CELL_READ).records == r.core.records


def test_isaac_design_from_its_table():
    """ISAAC (Shafiee et al. 2016): 168 x 12 x 8 crossbars of 128 x 128, 16 one-bit reads of 100 ns
    (128 columns through a 1.28 GS/s ADC), 16-bit weights on 8 cells: 41.3 TOPS peak."""
    d = isaac()
    n = ISAAC["tiles"] * ISAAC["imas"] * ISAAC["xbars"]
    t = 16 * ISAAC["cols"] / ISAAC["adc_Sps"]
    assert d.n_tiles == n and d.converters.reads_per_mvm == 16 and d.converters.columns_per_adc == 128
    assert_allclose([d.cycle_s, d.mvm_time_s], [100e-9, t], rtol=EXACT)
    assert_allclose(d.peak_ops_per_s, n * 2 * 128 * (128 / 8) / t, rtol=EXACT)
    assert_allclose(d.static_W_per_tile, sum(ISAAC["ima_W"]) / 8 + sum(ISAAC["tile_W"]) / 96, rtol=EXACT)
    assert_allclose(d.static_W_chip, ISAAC["ht_W"], rtol=EXACT)
    assert not d.lower_bound and d.adc_rate_Sps == ISAAC["adc_Sps"]


def test_measured_chip_is_charged_per_activated_core():
    """The audit's case: HERMES's 9.76 TOPS/W charged per activated core-MVM (2 x 131 072 ops for the MLP),
    about 27 nJ, 55x the 0.49 nJ of charging the 4 736 useful ops only."""
    m = measured_chip(2, inferences=1)
    assert_allclose(m.per_inference_J, 2 * 2 * 256 * 256 / HERMES["tops_w_1"], rtol=1e-4)
    assert_allclose(m.per_inference_J / (2 * 2368 / HERMES["tops_w_1"]), 2 * 131072 / (2 * 2368), rtol=1e-4)
    assert m.scope == "chip all-in" and m.label == "measured"
    four = measured_chip(2, inferences=1, mode="four_phase")
    assert_allclose(four.per_inference_J, 2 * 2 * 256 * 256 / HERMES["tops_w_4"], rtol=1e-4)
    with pytest.raises(ValueError, match="mode must be"):
        measured_chip(1, inferences=1, mode="two_phase")


@pytest.mark.parametrize("kwargs,match", [
    (dict(input_scheme="thermometer"), "input_scheme must be one of"),
    (dict(input_bits=0), "input_bits must be an int >= 1"),
    (dict(adc_model="sar"), "adc_model must be one of"),
])
def test_converter_errors(kwargs, match):
    base = dict(input_bits=8, input_scheme="bit-serial", phases=1, adc_bits=8, adc_model="isaac", columns_per_adc=1,
                columns_per_weight=1)
    with pytest.raises(ValueError, match=match):
        Converters(**{**base, **kwargs})


def test_design_errors():
    conv = Converters(8, "bit-serial", 1, 8, "isaac", 3, 1)
    with pytest.raises(ValueError, match=r"tile_cols \(256\) must be a multiple of columns_per_adc \(3\)"):
        CimDesign("x", 32e-9, 256, 256, 1, 1e-7, conv)
    with pytest.raises(ValueError, match="must cite it in static_source"):
        CimDesign("x", 32e-9, 256, 255, 1, 1e-7, conv, static_W_chip=1.0)
    with pytest.raises(ValueError, match="cycle_s must be > 0"):
        CimDesign("x", 32e-9, 256, 255, 1, 0.0, conv)
    with pytest.raises(ValueError, match="clock_Hz must be a finite number > 0"):
        Digital(0.0, 16, 0, 64)
    with pytest.raises(ValueError, match="count 'cell_reads' must be a finite number >= 0"):
        activity({**FULL, "cell_reads": -1}, _tile("bit-serial"))


# --- cost models by hand ----------------------------------------------------------------------------------

@pytest.mark.parametrize("precision", ["int8", "fp16", "fp32"])
@pytest.mark.parametrize("node,node_m,table", [("7nm", 7e-9, JOUPPI_7NM), ("45nm", 45e-9, HOROWITZ_45NM)])
def test_digital_ledger_by_hand(precision, node, node_m, table):
    L = digital_ledger(1000, precision=precision, node=node, weight_bytes=4000, activation_bytes=800, inferences=4,
                       sram_model="table")
    compute = 1000 * (table[f"{precision}_mult"] + table[f"{precision}_add"])
    assert_allclose(L.by("component")["digital/compute"], compute / 4, rtol=EXACT)
    sram = _sram_fallback(32768, 64, node_m)  # the SRAM at the arithmetic's node
    assert_allclose(L.total_J, compute + (4000 + 800) / 8 * sram, rtol=EXACT)
    rec = _by(L)[("digital/sram", "sram_64b_access")]
    assert "size_bytes=32768" in rec.source and f"at {node_m * 1e9:g} nm" in rec.source


def test_digital_ledger_sram_is_the_package_where_cacti_runs():
    if not components.cacti_runs():
        pytest.skip("the CACTI binary of hwcomponents-cacti does not run here")
    L = digital_ledger(10, node="7nm", weight_bytes=80)
    assert_allclose(L.by("component")["digital/sram"], 10 * _cacti(7e-9, 64, 32768)[1], rtol=EXACT)


def test_digital_mac_ledger_is_aladdin_at_the_node():
    """INT8 MAC at 14 nm: an 8 x 8 multiply and a 32-bit accumulate per MAC (Aladdin, scaled from 40 nm)."""
    k = tech_node_energy(14e-9, 40e-9)
    L = digital_mac_ledger(2368, bits=8, node_m=14e-9, inferences=2)
    assert_allclose(L.per_inference_J, 2368 * (ALADDIN_MULT_32B * (8 / 32) ** 2 + ALADDIN_ADD_32B) * k / 2, rtol=EXACT)
    with_sram = digital_mac_ledger(100, bits=4, node_m=14e-9, weight_bytes=64, sram_model="table")
    assert_allclose(with_sram.by("component")["digital/sram"], 64 / 8 * _sram_fallback(32768, 64, 14e-9), rtol=EXACT)
    assert {r.scope for r in L.records} == {"per-operation"}


# --- user tables: the priced number and its citation come from the same entry ------------------------------

def _xb(tables):
    return crossbar_ledger(MLP, layers=MLP_LAYERS, tables=tables)


def _dig(precision, node):
    return lambda tables: digital_ledger(1000, precision=precision, node=node, tables=tables)


def _snn(profile):
    return lambda tables: snn_ledger(sops=1000, neuron_updates=100, spikes=50, input_macs=30, profile=profile,
                                     tables=tables)


# (ledger, key, component, operation, count, built-in energy)
OVERRIDES = [
    (_xb, "cell_read_example", "crossbar/array", "cell_read", 2 * (64 * 32 + 32 * 10), CELL_READ),
    *[(_dig(p, n), f"{p}_{op}_{n}", "digital/compute", f"{p}_{op}", 1000, DIGITAL[f"{p}_{op}_{n}"])
      for p in ("int8", "fp16", "fp32") for n in ("7nm", "45nm") for op in ("mult", "add")],
    (_snn("loihi"), "loihi_sop", "snn/loihi", "sop", 1000, NEURO["loihi_sop"]),
    (_snn("loihi"), "loihi_neuron_update", "snn/loihi", "neuron_update", 100, NEURO["loihi_neuron_update"]),
    (_snn("loihi"), "loihi_spike_in_tile", "snn/loihi", "spike", 50, NEURO["loihi_spike_in_tile"]),
    (_snn("truenorth"), "truenorth_event_all_in", "snn/truenorth", "sop", 1000, NEURO["truenorth_event_all_in"]),
    (_snn("spinnaker2"), "spinnaker2_sop", "snn/spinnaker2", "sop", 1000, NEURO["spinnaker2_sop"]),
    (_snn("spinnaker2"), "spinnaker2_neuron_update", "snn/spinnaker2", "neuron_update", 100,
     NEURO["spinnaker2_neuron_update"]),
    (_snn("odin"), "odin_sop", "snn/odin", "sop", 1000, NEURO["odin_sop"]),
    (_snn("odin"), "odin_neuron_update", "snn/odin", "neuron_update", 100, 12.7 * pJ),
]


@pytest.mark.parametrize("i", range(len(OVERRIDES)), ids=[f"{o[1]}-{o[3]}-{n}" for n, o in enumerate(OVERRIDES)])
def test_override_prices_and_cites_the_same_entry(tmp_path, i, user_table):
    ledger, key, component, operation, count, builtin = OVERRIDES[i]
    new = builtin * (2.5 + 0.1 * i)  # a distinct value per case
    source = f"my measurement {i}"
    table = user_table({key: {"energy_J": new, "source": source, "label": "measured"}})
    base, mine = ledger(()), ledger((table,))
    rec = next(r for r in mine.records if (r.component, r.operation) == (component, operation))
    assert source in rec.source and rec.label == "measured"
    assert_allclose(rec.count, count, rtol=EXACT)
    assert_allclose(rec.energy_per_op_J, new, rtol=EXACT)
    assert_allclose(mine.total_J - base.total_J, count * (new - builtin), rtol=1e-9)
    others = [r for r in mine.records if r is not rec]
    assert others == [r for r in base.records if (r.component, r.operation) != (component, operation)]


def test_chip_parameters_from_user_tables(tmp_path, user_table):
    """A user table changes a design (here: 128-column cores, one-phase energy) and its citation."""
    mine = user_table({"hermes_core_cols": {"value": 128, "source": "my core", "label": "measured"},
                             "hermes_all_in_per_op_one_phase": {"energy_J": 2e-13, "source": "my chip",
                                                                "label": "measured", "scope": "all-in"}})
    d = hermes_like(tables=(mine,))
    assert d.tile_cols == 128
    assert activity(MLP, d)["adc_reads"] == 2 * 128
    m = measured_chip(2, inferences=1, tables=(mine,))
    assert_allclose(m.per_inference_J, 2 * 2 * 256 * 128 * 2e-13, rtol=EXACT)
    assert "my chip" in m.records[0].source
    with pytest.raises(ValueError, match="'hermes_cores' must have a 'value' number"):
        hermes_like(tables=(user_table({"hermes_cores": {"energy_J": 1.0, "source": "s", "label": "measured"}}),))


def test_user_table_errors(tmp_path, user_table):
    no_energy = user_table({"fp16_add_7nm": {"value": 1.0, "source": "s", "label": "measured"}})
    with pytest.raises(ValueError, match="'fp16_add_7nm' must have an 'energy_J' number"):
        digital_ledger(10, precision="fp16", tables=(no_energy,))
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
    ('{"entries": {"x": {"energy_J": 1e-12, "source": "s", "label": "measured", "scope": "rack"}}}', "has scope 'rack'"),
    ('{"entries": {"g": {"peak_ops_per_s": {"fp61": 1e12}, "source": "s", "label": "measured"}}}', "did you mean 'fp16'"),
])
def test_user_table_schema(tmp_path, text, match):
    path = tmp_path / "t.json"
    path.write_text(text)
    with pytest.raises(ValueError, match=match):
        load_table(path)
