"""The cimsim command: list, help, version, reproduce and bench, and every bad argument as a one-line error
(exit status 2) before any work, with nothing written."""

import json
import os
import subprocess
import sys

import pytest

import cimsim
from cimsim.app import cli
from cimsim.app.cli import main
from cimsim.app.results import git_commit

import experiments
from experiments import _sweep


def usage_error(capsys, argv) -> str:
    """Runs ``main(argv)``, expects exit status 2 and one line on stderr; returns that line."""
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("cimsim: error: ") and err.count("\n") == 1, err
    return err.strip()


@pytest.fixture
def no_work(monkeypatch):
    """Makes any experiment, sweep or Dask connection fail the test: the checks must come first."""
    def work(*args, **kwargs):
        raise AssertionError("work started before the arguments were checked")

    monkeypatch.setattr(experiments, "load", work)
    monkeypatch.setattr(_sweep, "connect_dask", work)


def test_list(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in experiments.names():
        assert name in out
    assert "Joshi" in out


def test_bare_cimsim_prints_help():
    out = subprocess.run([sys.executable, "-m", "cimsim.app.cli"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("usage: cimsim") and "reproduce" in out.stdout and "--version" in out.stdout
    assert out.stderr == ""


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"cimsim {cimsim.__version__}")
    commit = git_commit()
    assert (f"(git {commit})" in out) if commit else ("git" not in out)


@pytest.mark.parametrize("args,message", [
    (["--seed", "-5"], "--seed must be an integer >= 0, got -5"),
    (["--seed", str(2**40)], f"--seed must be <= {2**31 - 1} (JAX keys repeat beyond 2**32), got {2**40}"),
    (["--jobs", "0"], "--jobs must be >= 1, got 0"),
    (["--dask", "not-an-address"], "--dask must be a scheduler address tcp://HOST:PORT, got 'not-an-address'"),
    (["--dask", "tcp://host:notaport"],
     "--dask port must be an integer in 1..65535, got 'notaport' in 'tcp://host:notaport'"),
    (["--dask", "tcp://host:0"], "--dask port must be an integer in 1..65535, got '0' in 'tcp://host:0'"),
    (["--dask", "http://host:8786"],
     "--dask scheme must be one of tcp, tls, ws, wss, ucx, got 'http' in 'http://host:8786'"),
    (["--dask", "tcp://127.0.0.1:8786", "--jobs", "2"],
     "--jobs 2 and --dask are alternatives (Dask workers run the points): give one"),
    (["--seed", "x"], "argument --seed: invalid int value: 'x' (see 'cimsim reproduce --help')"),
])
def test_reproduce_bad_argument(tmp_path, capsys, no_work, args, message):
    out = tmp_path / "out"
    assert usage_error(capsys, ["reproduce", "pcm-model", "--out", str(out), *args]) == f"cimsim: error: {message}"
    assert not out.exists()


def test_reproduce_unknown_name_lists_known(tmp_path, capsys, no_work):
    line = usage_error(capsys, ["reproduce", "nope", "--out", str(tmp_path / "out")])
    assert line.startswith("cimsim: error: unknown experiment(s) nope; known: pcm-model, tile-drift")
    assert not any(tmp_path.iterdir())


def test_reproduce_out_under_a_file(tmp_path, capsys, no_work):
    f = tmp_path / "file"
    f.write_text("")
    line = usage_error(capsys, ["reproduce", "pcm-model", "--out", str(f / "sub")])
    assert line == (f"cimsim: error: --out '{f / 'sub'}' cannot be created or written: '{f}' is a file, not a folder")
    assert sorted(tmp_path.iterdir()) == [f]


def test_reproduce_out_is_a_file(tmp_path, capsys, no_work):
    f = tmp_path / "file"
    f.write_text("")
    assert usage_error(capsys, ["reproduce", "pcm-model", "--out", str(f)]).endswith(f"'{f}' is a file, not a folder")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_reproduce_out_read_only(tmp_path, capsys, no_work):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        assert usage_error(capsys, ["reproduce", "pcm-model", "--out", str(ro / "sub")]).endswith("is not writable")
    finally:
        ro.chmod(0o755)
    assert not any(ro.iterdir())


def test_unwritable_out_found_by_the_probe_removes_what_it_made(tmp_path, capsys, no_work, monkeypatch):
    """A folder that passes the permission check but refuses a file (read-only mount, quota): one line, and
    the folders made for it are gone."""
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cli.tempfile, "TemporaryFile", refuse)
    out = tmp_path / "a" / "b"
    line = usage_error(capsys, ["reproduce", "pcm-model", "--out", str(out)])
    assert line == f"cimsim: error: --out '{out}' cannot be written: Permission denied"
    assert not (tmp_path / "a").exists()


def test_reproduce_quick_refuses_the_gallery(tmp_path, capsys, no_work):
    gallery = tmp_path / "figures"
    gallery.mkdir()
    (gallery / cli.GALLERY_MARKER).write_text("")
    line = usage_error(capsys, ["reproduce", "pcm-model", "--quick", "--out", f"{gallery}/."])
    assert line.startswith(f"cimsim: error: --out '{gallery}/.' is the figure gallery of full runs")
    assert sorted(p.name for p in gallery.iterdir()) == [cli.GALLERY_MARKER]


def test_repository_gallery_is_marked():
    from pathlib import Path

    figures = Path(__file__).resolve().parents[1] / "docs" / "figures"
    assert (figures / cli.GALLERY_MARKER).is_file()


def test_unreachable_dask_is_one_line_with_nothing_written(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(_sweep, "DASK_TIMEOUT_S", 0.5)
    line = usage_error(capsys, ["reproduce", "ir-drop", "--quick", "--out", str(tmp_path / "o"),
                                "--dask", "tcp://127.0.0.1:9"])
    assert line.startswith("cimsim: error: --dask: cannot reach the Dask scheduler at 'tcp://127.0.0.1:9' within 0.5 s")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("args,message", [
    (["--seed", "-5"], "--seed must be an integer >= 0, got -5"),
    (["--t-s", "-1"], "--t-s must be a finite number >= 0, got -1.0"),
    (["--t-s", "nan"], "--t-s must be a finite number >= 0, got nan"),
    (["--pue", "0.9"], "--pue must be a finite number >= 1, got 0.9"),
    (["--grid-gco2-per-kwh", "-1"], "--grid-gco2-per-kwh must be a finite number >= 0, got -1.0"),
    (["--batch", "0"], "--batch must be >= 1, got 0"),
    (["--gpu", "tpu"], "--gpu: unknown GPU 'tpu'; known: h100, a100, orin, rtx4090, jetson-nano"),
    (["--plot", "figure.pdf"], "--plot must name a .png file, got 'figure.pdf'"),
])
def test_compare_bad_argument(tmp_path, capsys, monkeypatch, args, message):
    from cimsim.app import compare

    monkeypatch.setattr(compare, "run", lambda **kw: pytest.fail("compare ran before its arguments were checked"))
    out = tmp_path / "out"
    argv = ["compare", "--json", str(out / "c.json"), "--plot", str(out / "c.png"), *args]
    assert usage_error(capsys, argv) == f"cimsim: error: {message}"
    assert not out.exists()


def test_compare_bad_paths(tmp_path, capsys, monkeypatch):
    from cimsim.app import compare

    monkeypatch.setattr(compare, "run", lambda **kw: pytest.fail("compare ran before its arguments were checked"))
    f = tmp_path / "file"
    f.write_text("")
    line = usage_error(capsys, ["compare", "--json", str(f / "c.json")])
    assert line == f"cimsim: error: --json '{f / 'c.json'}' cannot be written: '{f}' is a file, not a folder"
    line = usage_error(capsys, ["compare", "--json", str(tmp_path / "ok.json"), "--plot", str(f / "sub" / "c.png")])
    assert line == f"cimsim: error: --plot '{f / 'sub' / 'c.png'}' cannot be written: '{f}' is a file, not a folder"
    assert usage_error(capsys, ["compare", "--json", str(tmp_path)]) == \
        f"cimsim: error: --json '{tmp_path}' is a folder; give a file name"
    same = str(tmp_path / "x.png")
    assert usage_error(capsys, ["compare", "--json", same, "--plot", same]) == \
        f"cimsim: error: --plot and --json name the same file '{same}'"
    bad = tmp_path / "table.json"
    bad.write_text("{not json")
    assert usage_error(capsys, ["compare", "--json", str(tmp_path / "c.json"), "--energy-table", str(bad)]).startswith(
        f"cimsim: error: --energy-table: energy table '{bad}' is not valid JSON")
    assert sorted(tmp_path.iterdir()) == [f, bad]


def test_compare_creates_missing_folders_only_after_all_checks(tmp_path, capsys, monkeypatch):
    from cimsim.app import compare

    monkeypatch.setattr(compare, "run", lambda **kw: pytest.fail("compare ran before its arguments were checked"))
    f = tmp_path / "file"
    f.write_text("")
    usage_error(capsys, ["compare", "--json", str(tmp_path / "a" / "b" / "c.json"), "--plot", str(f / "c.png")])
    assert not (tmp_path / "a").exists()  # --json's folder was fine, but nothing is made while --plot is wrong


def test_reproduce_console_script(tmp_path):
    out = subprocess.run([sys.executable, "-m", "cimsim.app.cli", "reproduce", "pcm-model", "--quick", "--out",
                          str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "pcm-model.json").exists() and (tmp_path / "pcm-model.png").exists()


def test_reproduce_console_script_bad_seed_one_line(tmp_path):
    out = subprocess.run([sys.executable, "-m", "cimsim.app.cli", "reproduce", "--seed", "-5", "--out",
                          str(tmp_path / "o")], capture_output=True, text=True, timeout=120)
    assert (out.returncode, out.stdout, out.stderr) == (2, "", "cimsim: error: --seed must be an integer >= 0, got -5\n")


def test_quick_figures_say_so(tmp_path):
    from PIL import Image

    assert main(["reproduce", "pcm-model", "--quick", "--out", str(tmp_path)]) == 0
    with Image.open(tmp_path / "pcm-model.png") as png:
        assert png.text["Title"].endswith("(quick run)")


def test_bench_bad_json_path(tmp_path, capsys, monkeypatch):
    from cimsim.app import bench

    monkeypatch.setattr(bench, "main", lambda **kw: pytest.fail("bench ran before its arguments were checked"))
    f = tmp_path / "file"
    f.write_text("")
    line = usage_error(capsys, ["bench", "--quick", "--json", str(f / "b.json")])
    assert line == f"cimsim: error: --json '{f / 'b.json'}' cannot be written: '{f}' is a file, not a folder"


def test_bench_mvm_section_ratios_consistent(monkeypatch):
    """The MVM section alone (the default suite): every ratio is the median of the per-round ratios of the
    rounds timed, and every timing the median of its rounds (recomputed from the rounds the timer returned;
    no assertion on how fast anything is, so a loaded machine cannot fail it)."""
    import numpy as np

    from cimsim.app import bench

    seen = []

    def spy(fns, repeats, min_time_s):
        out = timing_interleaved(fns, repeats, min_time_s)
        seen.append(out)
        return out

    timing_interleaved = bench._interleaved
    monkeypatch.setattr(bench, "_interleaved", spy)
    data = bench.run(quick=True)
    rounds = seen[0]
    t = data["timings"]
    for ratio, num, den in (("numba_f32_over_f32_floor", "numba", "floor32"),
                            ("numba_f64_over_f64_floor", "numba64", "floor"),
                            ("numpy_over_numba", "numpy", "numba"), ("sliced_over_f64_floor", "sliced", "floor")):
        assert data["ratios"][ratio] == float(np.median(rounds[num] / rounds[den]))
    for key, name in (("mvm_numba_s", "numba"), ("blas_floor_f32_s", "floor32"), ("mvm_sliced_s", "sliced")):
        assert t[key] == float(np.median(rounds[name]))
    assert set(t) >= {"program_s", "read_s", "mvm_numpy_s", "mvm_sliced_s"}
    assert "numba f32 / f32 floor" in bench.format_table(data)


def test_bench_peers_report_absent_and_failed_peers(monkeypatch):
    """A peer that is not installed, or fails in its process, is listed as not run (with the reason);
    cimsim's own row is still timed."""
    from cimsim.app import bench_peers

    monkeypatch.setattr(bench_peers, "PEERS", {"no such peer": None})  # the child process does not know it
    res = bench_peers.run_mvm_peers(quick=True)
    (name, ours), = res["peers"].items()
    # a median of per-round ratios from the child's rounds (how fast is not asserted: the machine is shared)
    assert name.startswith("cimsim") and ours["over_f32_floor"] > 0 and ours["s"] > 0 and ours["floor32_s"] > 0
    assert res["absent"][0].startswith("no such peer (failed: ") and res["absent"][-1] == "CrossSim (not on PyPI)"
    assert "not run: no such peer" in bench_peers.format_peers_table(res)


@pytest.mark.slow
def test_bench_quick_json(tmp_path, capsys):
    """Every section of `cimsim bench --quick`, written as JSON (slow: model, SNN and circuit benches)."""
    path = tmp_path / "new" / "bench.json"
    main(["bench", "--quick", "--json", str(path)])
    data = json.loads(path.read_text())
    assert set(data) >= {"timings", "ratios", "jax", "hwa_epoch", "models", "snn_training", "nonlinear_ir_drop",
                         "mvm_peers"}
    assert "numba f32 / f32 floor" in capsys.readouterr().out


def test_data_option_is_checked_before_work(tmp_path, capsys):
    from cimsim.app.cli import main

    for argv, match in ((["reproduce", "pcm-model", "--data", str(tmp_path)], "--data applies to resnet-drift, lm-drift or gain-cell-attention alone"),
                        (["reproduce", "resnet-drift", "--data", str(tmp_path / "nope.bin")],
                         "--data must be a data folder or a .npz file")):
        with pytest.raises(SystemExit) as exc:
            main(argv + ["--out", str(tmp_path / "o")])
        assert exc.value.code == 2 and match in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
