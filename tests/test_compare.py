"""cimsim compare: rows scope for scope, ratios of like with like, the JSON (deterministic), the PNG, and its
errors."""

import json

import numpy as np
import pytest

from cimsim.app import compare
from cimsim.app.cli import main
from cimsim.energy import Ledger

SCOPES = ("per-operation", "chip all-in", "board all-in")


@pytest.fixture(scope="module")
def result():
    return compare.run(seed=0, noise_seeds=2, progress=False)


def test_every_row_carries_a_scope_and_a_label(result):
    rows = result["rows"]
    assert {r["scope"] for r in rows} == set(SCOPES)
    assert all(r["label"] in ("measured", "simulated", "estimated") for r in rows)
    kinds = {r["system"]: (r["scope"], r["lower_bound"]) for r in rows}
    assert kinds["PCM CIM core, per-op (14 nm model)"] == ("per-operation", False)
    assert kinds["Digital INT8 MAC, per-op (14 nm model)"] == ("per-operation", False)
    assert kinds["PCM CIM chip, all-in (14 nm model)"] == ("chip all-in", True)  # no control or clocking modelled
    assert kinds["PCM chip HERMES, measured per activated core"] == ("chip all-in", True)  # idle cores not charged
    assert all(v == ("board all-in", False) for k, v in kinds.items() if k.startswith("GPU"))


def test_rows_are_their_ledgers(result):
    rows = {r["system"]: r for r in result["rows"]}
    lg = {k: Ledger.from_dict(v) for k, v in result["ledgers"].items()}
    for system, key in (("PCM CIM core, per-op (14 nm model)", "cim_core"), ("PCM CIM chip, all-in (14 nm model)", "cim_chip"),
                        ("PCM chip HERMES, measured per activated core", "hermes_measured"),
                        ("Digital INT8 MAC, per-op (14 nm model)", "digital_mac")):
        np.testing.assert_allclose(rows[system]["energy_J_per_inference"], lg[key].per_inference_J, rtol=1e-12)
    assert lg["cim_core"].scope == "per-operation" and lg["cim_chip"].scope == "chip all-in"
    assert lg["hermes_measured"].scope == "chip all-in" and lg["gpu_fp16_b1"].scope == "board all-in"
    np.testing.assert_allclose(rows["GPU NVIDIA H100 SXM FP16, batch 1"]["energy_J_per_inference"],
                               lg["gpu_fp16_b1"].per_inference_J, rtol=1e-9)
    xb = rows["PCM CIM core, per-op (14 nm model)"]
    np.testing.assert_allclose(xb["tops_per_w"], result["workload"]["ops_per_inference"] / xb["energy_J_per_inference"]
                               / 1e12, rtol=1e-12)
    assert 0.9 < xb["accuracy"] <= 1.0 and result["digital_accuracy"]["fp32"] > 0.95


def test_hermes_charged_per_activated_core(result):
    """2 core-MVMs per inference (one per layer) x 2 x 256 x 256 ops at 9.76 TOPS/W (Le Gallo et al. 2023):
    ~27 nJ, not 2 x 2368 useful ops (0.49 nJ)."""
    rows = {r["system"]: r for r in result["rows"]}
    counts = result["crossbar"]["counts_per_test_pass"]
    assert counts["tile_mvms"] == 2 * result["workload"]["test_images"]
    np.testing.assert_allclose(rows["PCM chip HERMES, measured per activated core"]["energy_J_per_inference"],
                               2 * 2 * 256 * 256 / 9.76e12, rtol=1e-4)


def test_gpu_rows_split_static_and_dynamic(result):
    for r in result["rows"]:
        if r["scope"] == "board all-in":
            np.testing.assert_allclose(r["static_J_per_inference"] + r["dynamic_J_per_inference"],
                                       r["energy_J_per_inference"], rtol=1e-9)
    b1 = next(r for r in result["rows"] if r["system"].endswith("FP16, batch 1"))
    np.testing.assert_allclose(b1["static_J_per_inference"], 70.0 * b1["latency_s"], rtol=1e-9)  # 70 W idle x time


def test_ratios_set_like_against_like(result):
    scope = {r["system"]: r["scope"] for r in result["rows"]}
    energy = {r["system"]: r["energy_J_per_inference"] for r in result["rows"]}
    assert result["ratios"]
    for q in result["ratios"]:
        if q["scope"] == "chip vs board":
            assert (scope[q["denominator"]], scope[q["numerator"]]) == ("chip all-in", "board all-in")
        else:
            assert scope[q["numerator"]] == scope[q["denominator"]] == q["scope"]
        np.testing.assert_allclose(q["ratio"], energy[q["numerator"]] / energy[q["denominator"]], rtol=1e-12)
    assert {q["scope"] for q in result["ratios"]} >= {"per-operation", "chip all-in", "chip vs board"}
    text = compare.format_table(result)
    for s in SCOPES:
        assert f"[{s}]" in text
    assert ">=" in text and "static" in text


def test_gpu_batch_sweep_in_the_json(result):
    from cimsim.energy import batch_sweep, load_gpu

    sw = result["gpu_sweep"]
    assert sw["batches"] == list(compare.SWEEP)
    ref = batch_sweep(result["workload"]["layers"], load_gpu("h100"), precision="int8", batches=compare.SWEEP)
    assert sw["int8"] == ref


def test_cli_writes_json_then_png_deterministically(tmp_path, capsys):
    args = ["compare", "--json", str(tmp_path / "a.json"), "--plot", str(tmp_path / "a.png"), "--no-snn"]
    main(args)
    out = capsys.readouterr().out
    assert "PCM CIM chip" in out and "gCO2e/M" in out and "[chip all-in]" in out
    main(["compare", "--json", str(tmp_path / "b.json"), "--plot", "", "--no-snn"])
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    assert (tmp_path / "a.png").read_bytes()[:4] == b"\x89PNG"
    data = json.loads((tmp_path / "a.json").read_text())
    assert data["config"]["facility"]["pue"] == 1.56 and "git_commit" in data
    assert data["config"]["cim_design"]["node_m"] == 14e-9 and data["config"]["cim_design"]["reads_per_mvm"] == 1


@pytest.mark.parametrize("args,match", [(["--pue", "0.9"], "--pue must be a finite number >= 1, got 0.9"),
                                        (["--gpu", "tpu"], "--gpu: unknown GPU 'tpu'"),
                                        (["--batch", "0"], "--batch must be >= 1, got 0"),
                                        (["--t-s", "-1"], "--t-s must be a finite number >= 0")])
def test_cli_bad_input(tmp_path, args, match):
    with pytest.raises(SystemExit, match=match) as info:
        main(["compare", "--json", str(tmp_path / "x.json"), *args])
    assert info.value.code == 2
    assert not (tmp_path / "x.json").exists()


@pytest.mark.parametrize("kwargs,match", [({"t_s": -1.0}, "t_s must be finite and >= 0"),
                                          ({"seed": -1}, "seed must be >= 0"),
                                          ({"noise_seeds": 0}, "noise_seeds must be >= 1")])
def test_run_checks_arguments_before_training(monkeypatch, kwargs, match):
    import cimsim.workloads

    monkeypatch.setattr(cimsim.workloads, "train_mlp", lambda **kw: pytest.fail("trained before the checks"))
    with pytest.raises(ValueError, match=match):
        compare.run(progress=False, **kwargs)


def test_energy_panel_groups_bars_by_scope(result):
    """Left panel: one group of bars per scope, in the order per-op, chip, board; lower bounds hatched."""
    from cimsim.app.results import pyplot

    plt = pyplot()
    fig, ax = plt.subplots()
    try:
        compare._energy_panel(ax, result)
        heads = [t.get_text() for t in ax.texts if t.get_text() in SCOPES]
        assert heads == list(SCOPES)
        rows = sorted(result["rows"], key=lambda r: SCOPES.index(r["scope"]))
        tall = [p for p in ax.patches if p.get_height() in {r["energy_J_per_inference"] for r in rows}]
        assert [p.get_height() for p in tall] == [r["energy_J_per_inference"] for r in rows]
        assert [bool(p.get_hatch()) for p in tall] == [r["lower_bound"] for r in rows]
    finally:
        plt.close(fig)


def test_latency_panel_sweeps_the_gpu_batch(result):
    """Right panel: the GPU as a line over the batch sweep (total and dynamic part), chip rows as points."""
    from cimsim.app.results import pyplot

    plt = pyplot()
    fig, ax = plt.subplots()
    try:
        compare._latency_panel(ax, result)
        sweep = result["gpu_sweep"]["fp16"]
        lines = [ln for ln in ax.lines if len(ln.get_xdata()) == len(compare.SWEEP)]
        totals = [list(ln.get_ydata()) for ln in lines]
        assert [q["energy_J_per_inference"] for q in sweep] in totals
        assert [q["dynamic_J_per_inference"] for q in sweep] in totals
        points = {(float(ln.get_xdata()[0]), float(ln.get_ydata()[0])): ln.get_markerfacecolor()
                  for ln in ax.lines if len(ln.get_xdata()) == 1}
        for r in result["rows"]:
            if r["kind"] in ("cim",) and r["scope"] == "chip all-in":
                assert points[(r["latency_s"], r["energy_J_per_inference"])] == "white"  # lower bound: hollow
        assert ax.get_xscale() == ax.get_yscale() == "log"
    finally:
        plt.close(fig)


def test_batch_panel_sweeps_static_and_dynamic(result):
    """Right panel: energy per inference over the GPU batch sizes, total, static and dynamic; chips as lines."""
    from cimsim.app.results import pyplot

    plt = pyplot()
    fig, ax = plt.subplots()
    try:
        compare._batch_panel(ax, result)
        sweep = result["gpu_sweep"]["fp16"]
        curves = {tuple(ln.get_ydata()) for ln in ax.lines if list(ln.get_xdata()) == list(compare.SWEEP)}
        for key in ("energy_J_per_inference", "static_J_per_inference", "dynamic_J_per_inference"):
            assert tuple(q[key] for q in sweep) in curves
        levels = {float(ln.get_ydata()[0]) for ln in ax.lines if len(set(ln.get_ydata())) == 1}
        assert {r["energy_J_per_inference"] for r in result["rows"] if r["scope"] == "chip all-in"} <= levels
    finally:
        plt.close(fig)


def test_figure_title_not_marked_quick(tmp_path, result):
    from PIL import Image

    compare.plot(json.loads(json.dumps(result)), tmp_path / "c.png")
    with Image.open(tmp_path / "c.png") as png:
        title = png.text["Title"]
    assert title.startswith("digits MLP") and "scope for scope" in title and "quick run" not in title
