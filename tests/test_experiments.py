"""Every experiment runs in quick mode and writes its JSON, then its PNG; same seed, same JSON bytes."""

import json

import numpy as np
import pytest
from PIL import Image

import experiments


SLOW_QUICK_RUNS = ("resnet-drift", "snn-training", "snn-conversion", "adc-bits", "hwa-drift", "snn-crossbar",
                   "ir-drop-tiling", "energy-breakdown", "lm-drift", "gain-cell-attention", "hwa-noise-grid")  # 8-60 s each on 2 cores: run with -m slow


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW_QUICK_RUNS else n
                                  for n in experiments.names()])
def test_quick_run_writes_json_and_png(name, tmp_path):
    path = experiments.load(name).main(seed=0, out_dir=tmp_path, quick=True)
    assert path == tmp_path / f"{name}.json"
    data = json.loads(path.read_text())
    assert data["experiment"] == name and data["seed"] == 0 and data["quick"] is True
    assert "cimsim_version" in data and "git_commit" in data
    png = tmp_path / f"{name}.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(png) as im:  # the title a reader sees, kept in the PNG's metadata by save_figure
        assert im.text["Title"].endswith("(quick run)")
    assert not list(tmp_path.glob(".*tmp"))  # no half-written files left


def test_same_seed_same_json_bytes(tmp_path):
    a = experiments.load("pcm-model").main(seed=3, out_dir=tmp_path / "a", quick=True).read_bytes()
    b = experiments.load("pcm-model").main(seed=3, out_dir=tmp_path / "b", quick=True).read_bytes()
    c = experiments.load("pcm-model").main(seed=4, out_dir=tmp_path / "c", quick=True).read_bytes()
    assert a == b and a != c


def test_pcm_model_monte_carlo_matches_curves(tmp_path):
    data = json.loads(experiments.load("pcm-model").main(seed=0, out_dir=tmp_path, quick=True).read_text())
    mc, pub = data["monte_carlo"], data["published"]
    g = np.array(mc["g_target_uS"])
    hi = g >= 5.0  # away from the clip at 0
    sig = 0.26348 + 1.9650 * g / 25 - 1.1731 * (g / 25) ** 2
    np.testing.assert_allclose(np.array(mc["sigma_prog_uS"])[hi], sig[hi], rtol=0.05)
    assert data["curves"]["sigma_prog_uS"][-1] == pytest.approx(pub["sigma_prog_at_gmax_uS"], abs=1e-3)
    assert data["curves"]["sigma_prog_uS"][0] == pytest.approx(pub["sigma_prog_at_0_uS"], abs=1e-3)


def test_tile_drift_trend(tmp_path):
    """Without GDC the error grows with time; GDC keeps it below the uncompensated error at 1 y."""
    data = json.loads(experiments.load("tile-drift").main(seed=0, out_dir=tmp_path, quick=True).read_text())
    e, labels = data["relative_error"], data["times"]["labels"]
    no, yes = np.array(e["no_gdc"]["mean"]), np.array(e["gdc"]["mean"])
    assert no[-1] > 2 * no[0]
    assert yes[labels.index("1 y")] < 0.6 * no[labels.index("1 y")]


def test_result_files_readable_by_others(tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        experiments.load("pcm-model").main(seed=0, out_dir=tmp_path, quick=True)
    finally:
        os.umask(old)
    for f in ("pcm-model.json", "pcm-model.png"):
        assert stat.S_IMODE((tmp_path / f).stat().st_mode) == 0o644


def test_pareto_front_matches_brute_force():
    from experiments.pareto import _front

    rng = np.random.default_rng(0)
    pts = [{"accuracy": float(a), "energy_J": float(e)} for a, e in zip(rng.random(40), rng.random(40))]
    front = set(_front(pts))
    for i, p in enumerate(pts):
        dominated = any(q["accuracy"] >= p["accuracy"] and q["energy_J"] <= p["energy_J"] and q is not p and
                        (q["accuracy"] > p["accuracy"] or q["energy_J"] < p["energy_J"]) for q in pts)
        assert (i in front) == (not dominated)


def test_seed_claims_against_leroux_numbers(tmp_path):
    data = json.loads(experiments.load("seed-claims").main(seed=0, out_dir=tmp_path, quick=True).read_text())
    att = data["claims"][0]
    np.testing.assert_allclose(att["analog_nJ_per_token"], 73.8, rtol=1e-3)  # 6.15 nJ/head x 12 (Leroux et al.)
    assert att["analog_digital_share"] == pytest.approx(0.65, abs=0.01)
    np.testing.assert_allclose(att["ratio_vs_measured_gpu"]["RTX 4090 (unfused PyTorch)"], 7.18e-3 / 73.8e-9, rtol=1e-3)
    dvfs = data["claims"][2]["model_memory_bound"]
    assert 0.05 < dvfs["energy_saving"] < 0.4


def test_macro_validation_reproduces_published_chips(tmp_path):
    """ISAAC (Shafiee et al. 2016, Table 1) and HERMES (Le Gallo et al. 2023) within 20 %; one ADC read per
    MVM instead of per input bit does not reproduce ISAAC."""
    from experiments import _checks

    data = json.loads(experiments.load("macro-validation").main(seed=0, out_dir=tmp_path, quick=True).read_text())
    checks = _checks.run("macro-validation", data)
    assert len(checks) == 8 and all(v is _checks.Verdict.PASS for _, v, _ in checks)
    i = data["isaac"]
    # one IMA: 8 crossbars x 128 columns x 16 input bits converted per 1.6 us MVM at 16 mW / (8 x 1.2 GS/s) each
    np.testing.assert_allclose(i["ima_breakdown_W"]["ADC (model)"], 8 * 128 * 16 * 16e-3 / 9.6e9 / 1.6e-6, rtol=1e-6)
    np.testing.assert_allclose(i["ops_per_s"], 168 * 12 * 8 * 2 * 128 * 16 / 1.6e-6, rtol=1e-12)
    assert i["adc_reads_per_column_per_mvm"] == 16 and data["isaac_per_mvm_adc"]["adc_reads_per_column_per_mvm"] == 1
    np.testing.assert_allclose(data["hermes"]["tops_per_w_four_phase"], 9.76e12 / 4, rtol=1e-4)  # same power, 4 reads
    assert data["hermes"]["model_core_mvm_J"]["chip all-in"] < data["hermes"]["measured_core_mvm_J"]  # a lower bound


@pytest.mark.slow  # the whole compare with its SNN rows (10 s on 2 cores), as energy-breakdown's quick run
def test_energy_breakdown_scopes_and_bit_serial_counts(tmp_path):
    data = json.loads(experiments.load("energy-breakdown").main(seed=0, out_dir=tmp_path, quick=True).read_text())
    scopes = [b["scope"] for b in data["breakdown"]]
    assert scopes[0] == "per-operation" and "board all-in" in scopes and "chip all-in, lower bound" in scopes
    serial, pulse = data["bit_serial_activity"], data["pulse_width_activity"]
    assert serial["reads_per_mvm"] == 8 and pulse["reads_per_mvm"] == 1
    assert serial["adc_reads"] == 8 * pulse["adc_reads"] == 8 * 256 * pulse["tile_mvms"]  # 8 reads per column


def test_pareto_points_carry_their_scope(tmp_path):
    data = json.loads(experiments.load("pareto").main(seed=0, out_dir=tmp_path, quick=True).read_text())
    pts = data["points"]
    assert {p["scope"] for p in pts} == {"per-operation", "all-in"}
    for scope, front in data["pareto_front"].items():
        assert front and all(pts[i]["scope"] == scope for i in front)
    assert all(p["lower_bound"] for p in pts if p["system"].startswith("PCM CIM chip"))


def test_seed_claims_crossbar_factor_scope_for_scope(tmp_path):
    data = json.loads(experiments.load("seed-claims").main(seed=0, out_dir=tmp_path, quick=True).read_text())
    x = data["claims"][4]
    assert x["claim"].startswith("The PCM crossbar")
    per_op = [q["ratio"] for q in x["ratios"] if q["scope"] == "per-operation" and "INT8" in q["numerator"]]
    chip_board = [q["ratio"] for q in x["ratios"] if q["scope"] == "chip vs board" and "batch 1024" in q["numerator"]]
    assert per_op and chip_board and x["mixed_scope_ratio"] > max(chip_board) > max(per_op)
    assert all(q["lower_bound_denominator"] for q in x["ratios"] if q["scope"] == "chip vs board")
