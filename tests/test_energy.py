"""Energy ledger, tables, cost models, GPU roofline and facility layer against REFERENCES.md numbers and
formulas worked by hand."""

import json
import math

import pytest

from cimsim.energy import (Facility, Ledger, Record, adc_energy_survey_J, adc_energy_walden_J, crossbar_ledger,
                           dac_energy_J, digital_ledger, load_gpu, load_table, measure_nvml, roofline, snn_ledger)

pJ, fJ = 1e-12, 1e-15


def _ledger(n=2):
    return Ledger((Record("crossbar/adc", "adc_conversion", 3, 48 * fJ, "Andrulis 2024", "estimated"),
                   Record("crossbar/chip", "op", 10, 0.1 * pJ, "Le Gallo 2023", "measured", "all-in")), n)


def test_ledger_totals_and_groups():
    L = _ledger()
    assert L.total_J == math.fsum([3 * 48 * fJ, 10 * 0.1 * pJ])
    assert L.per_inference_J == L.total_J / 2
    assert L.by("component") == {"crossbar/adc": 3 * 48 * fJ / 2, "crossbar/chip": 1e-12 / 2}
    assert L.label == "estimated" and L.scope == "mixed"


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


@pytest.mark.parametrize("bits,rate,published", [(8, 100e6, 48 * fJ), (8, 1e9, 0.64 * pJ), (6, 100e6, 3 * fJ),
                                                 (6, 1e9, 40 * fJ), (4, 100e6, 0.2 * fJ), (4, 1e9, 2.5 * fJ)])
def test_adc_survey_fit_reproduces_published_points(bits, rate, published):
    """REFERENCES.md s.4 (Andrulis et al. 2024): 8-bit 48 fJ / 0.64 pJ, 6-bit 3 / 40 fJ, 4-bit 0.2 / 2.5 fJ."""
    assert adc_energy_survey_J(bits, rate) == pytest.approx(published, rel=0.07)


def test_walden_and_dac():
    assert adc_energy_walden_J(8, 0.1875 * fJ) == pytest.approx(48 * fJ)
    assert dac_energy_J(8) == pytest.approx(8 * 0.42 * pJ)
    with pytest.raises(ValueError, match="bits must be an int >= 1, got 0"):
        adc_energy_survey_J(0)


def test_crossbar_ledger_by_hand():
    counts = dict(input_vectors=2, dac_conversions=100, adc_conversions=40, cell_reads=1000, digital_mults=60,
                  digital_adds=50)
    L = crossbar_ledger(counts, dac_bits=8, adc_bits=8, adc_sample_rate_Sps=100e6, node="7nm")
    expected = 100 * 8 * 0.42 * pJ + 40 * 48 * fJ + 1000 * 4 * fJ + 60 * 0.34 * pJ + 50 * 0.16 * pJ
    assert L.total_J == pytest.approx(expected, rel=1e-12)
    assert L.inferences == 2 and L.label == "estimated"
    sim = crossbar_ledger(counts, cell_read_J=2 * fJ)
    assert sim.by("component")["crossbar/array"] == pytest.approx(1000 * 2 * fJ / 2)
    with pytest.raises(ValueError, match="count 'cell_reads' must be a number >= 0"):
        crossbar_ledger({**counts, "cell_reads": -5})


def test_digital_and_snn_ledgers():
    assert digital_ledger(1000, precision="int8", node="7nm").total_J == pytest.approx(1000 * (0.07 + 0.007) * pJ)
    L = snn_ledger(sops=1000, neuron_updates=100, spikes=50, profile="loihi")
    assert L.total_J == pytest.approx(1000 * 23.6 * pJ + 100 * 52 * pJ + 50 * 1.7 * pJ)
    assert L.label == "simulated"
    assert snn_ledger(sops=10, neuron_updates=5, spikes=1, profile="truenorth").scope == "all-in"
    with pytest.raises(ValueError, match="unknown neuromorphic profile 'brainchip'; known: loihi"):
        snn_ledger(sops=1, neuron_updates=1, spikes=1, profile="brainchip")


def test_user_table_overrides(tmp_path):
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"name": "mine", "entries": {
        "adc_8b_lowrate": {"energy_J": 1e-12, "source": "my ADC", "label": "measured"}}}))
    table = load_table(path)
    L = crossbar_ledger(dict(dac_conversions=0, adc_conversions=1, cell_reads=0, digital_mults=0, digital_adds=0),
                        tables=(table,))
    assert L.by("component")["crossbar/adc"] == pytest.approx(1e-12)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"entries": {"x": {"energy_J": 1.0, "source": "s", "label": "vibes"}}}))
    with pytest.raises(ValueError, match="needs a 'source' and a label"):
        load_table(bad)
    with pytest.raises(ValueError, match="unknown energy table"):
        load_table(tmp_path / "missing.json")


def test_roofline_bounds_by_formula():
    g = load_gpu("h100")
    big = roofline([(8192, 8192)], g, precision="fp16", batch=4096, kernel_overhead_s=0.0)
    assert big["layers"][0]["bound"] == "compute"
    assert big["latency_s"] == pytest.approx(2 * 4096 * 8192 * 8192 / 989e12)
    assert big["avg_power_W"] == pytest.approx(700.0)  # full utilization at the power limit
    mem = roofline([(8192, 8192)], g, precision="fp16", batch=1, kernel_overhead_s=0.0)
    assert mem["layers"][0]["bound"] == "memory"
    assert mem["latency_s"] == pytest.approx(2 * (8192 * 8192 + 2 * 8192) / 3.35e12)
    tiny = roofline([(64, 32)], g, batch=1)
    assert tiny["layers"][0]["bound"] == "overhead"
    assert tiny["energy_J_per_inference"] == pytest.approx(70 * 5e-6, rel=0.01)  # idle power x overhead
    with pytest.raises(ValueError, match="unknown GPU 'tpu'"):
        load_gpu("tpu")
    with pytest.raises(ValueError, match="power_cap_W must exceed the idle power"):
        roofline([(4, 4)], g, power_cap_W=50.0)


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


def test_facility_by_hand():
    f = Facility(pue=1.5, grid_gco2_per_kwh=400, wue_l_per_kwh=2.0, usd_per_kwh=0.1)
    r = f.report(3.6e6)  # 1 kWh of IT energy per inference
    assert r["wall_J_per_inference"] == pytest.approx(5.4e6)
    assert r["gco2e_per_million"] == pytest.approx(1.5 * 400 * 1e6)
    assert r["water_mL_per_million"] == pytest.approx(2.0 * 1e3 * 1e6)
    assert r["usd_per_million"] == pytest.approx(1.5 * 0.1 * 1e6)
    assert r["inferences_per_kwh"] == pytest.approx(1 / 1.5)
    assert f.cue_kg_per_kwh == pytest.approx(0.6)
    with pytest.raises(ValueError, match="pue must be >= 1"):
        Facility(pue=0.9)


def test_nvml_without_gpu_says_so():
    called = []
    out = measure_nvml(lambda: called.append(1), min_window_s=0.01, idle_window_s=0.0)
    if not out["available"]:
        assert out["reason"] and not called
