"""cimsim compare: the table, the JSON (deterministic), the PNG, and its errors."""

import json

import numpy as np
import pytest

from cimsim.app import compare
from cimsim.app.cli import main
from cimsim.energy import Ledger


@pytest.fixture(scope="module")
def result():
    return compare.run(seed=0, noise_seeds=2, progress=False)


def test_rows_consistent_with_ledgers(result):
    rows = {r["system"]: r for r in result["rows"]}
    bottom = Ledger.from_dict(result["ledgers"]["crossbar_bottom_up"])
    xb = rows["PCM crossbar (bottom-up)"]
    np.testing.assert_allclose(xb["energy_J_per_inference"], bottom.per_inference_J, rtol=1e-12)
    np.testing.assert_allclose(xb["tops_per_w"], result["workload"]["ops_per_inference"] / bottom.per_inference_J / 1e12,
                               rtol=1e-12)
    chip = rows["PCM crossbar (HERMES chip, all-in)"]
    np.testing.assert_allclose(chip["tops_per_w"], 9.76, rtol=1e-3)  # Le Gallo et al. 2023
    assert chip["label"] == "measured" and chip["scope"] == "all-in"
    assert all(r["label"] in ("measured", "simulated", "estimated") for r in result["rows"])
    assert 0.9 < xb["accuracy"] <= 1.0
    assert result["digital_accuracy"]["fp32"] > 0.95


def test_cli_writes_json_then_png_deterministically(tmp_path, capsys):
    args = ["compare", "--json", str(tmp_path / "a.json"), "--plot", str(tmp_path / "a.png")]
    main(args)
    out = capsys.readouterr().out
    assert "PCM crossbar" in out and "gCO2e/M" in out
    main(["compare", "--json", str(tmp_path / "b.json"), "--plot", ""])
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    assert (tmp_path / "a.png").read_bytes()[:4] == b"\x89PNG"
    data = json.loads((tmp_path / "a.json").read_text())
    assert data["config"]["facility"]["pue"] == 1.56 and "git_commit" in data


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


def test_figure_right_panel_is_latency_vs_energy(result):
    """The right panel adds what the left cannot show: each row's latency against its energy."""
    from cimsim.app.results import pyplot

    plt = pyplot()
    fig, ax = plt.subplots()
    try:
        notes = compare._latency_panel(ax, result)
        points = sorted((float(line.get_xdata()[0]), float(line.get_ydata()[0])) for line in ax.lines)
        rows = sorted((r["latency_s"], r["energy_J_per_inference"]) for r in result["rows"])
        assert points == rows
        assert len(notes) == len(result["rows"]) and ax.get_xscale() == ax.get_yscale() == "log"
        filled = {line.get_markerfacecolor() != "white" for line in ax.lines}
        assert filled == {True, False}  # all-in rows filled, per-operation rows hollow
    finally:
        plt.close(fig)


def test_figure_title_not_marked_quick(tmp_path, result):
    from PIL import Image

    compare.plot(json.loads(json.dumps(result)), tmp_path / "c.png")
    with Image.open(tmp_path / "c.png") as png:
        title = png.text["Title"]
    assert title.startswith("digits MLP") and "quick run" not in title
