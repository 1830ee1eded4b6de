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


@pytest.mark.parametrize("args,match", [(["--pue", "0.9"], "pue must be >= 1"), (["--gpu", "tpu"], "unknown GPU 'tpu'"),
                                        (["--batch", "0"], "batch must be an int >= 1")])
def test_cli_bad_input(tmp_path, args, match):
    with pytest.raises(SystemExit, match=match):
        main(["compare", "--json", str(tmp_path / "x.json"), *args])
    assert not (tmp_path / "x.json").exists()
