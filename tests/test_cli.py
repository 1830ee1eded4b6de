"""The cimsim command: list, reproduce (with its errors), bench --json."""

import json
import subprocess
import sys

import pytest

from cimsim.app.cli import main

import experiments


def test_list(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in experiments.names():
        assert name in out
    assert "Joshi" in out


def test_reproduce_unknown_name_lists_known(tmp_path):
    with pytest.raises(SystemExit, match="unknown experiment.*nope.*known: pcm-model"):
        main(["reproduce", "nope", "--out", str(tmp_path)])
    assert not any(tmp_path.iterdir())


def test_reproduce_out_is_a_file(tmp_path):
    f = tmp_path / "file"
    f.write_text("")
    with pytest.raises(SystemExit, match="cannot be created"):
        main(["reproduce", "pcm-model", "--out", str(f / "sub")])


def test_reproduce_console_script(tmp_path):
    out = subprocess.run([sys.executable, "-m", "cimsim.app.cli", "reproduce", "pcm-model", "--quick", "--out",
                          str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "pcm-model.json").exists() and (tmp_path / "pcm-model.png").exists()


def test_bench_quick_json(tmp_path, capsys):
    path = tmp_path / "bench.json"
    main(["bench", "--quick", "--json", str(path)])
    data = json.loads(path.read_text())
    t = data["timings"]
    # per-round ratios: within the spread of the timings, the ratio of the medians
    assert data["ratios"]["numba_over_floor"] > 0.5 * t["mvm_numba_s"] / t["blas_floor_x_at_WT_s"]
    assert data["ratios"]["numba_over_floor"] < 2.0 * t["mvm_numba_s"] / t["blas_floor_x_at_WT_s"]
    assert set(data["timings"]) >= {"program_s", "read_s", "mvm_numpy_s"}
    assert "numba / floor" in capsys.readouterr().out
