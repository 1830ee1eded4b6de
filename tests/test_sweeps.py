"""Sweeps: resume after interruption, corrupted point files, serial = processes = Dask, checks, errors."""

import json

import pytest

import experiments
from cimsim.app.cli import main
from experiments import _sweep

NAME = "tile-drift"


def _run(out, **kw):
    return _sweep.run(experiments.load(NAME), 0, out, True, progress=False, **kw)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("ref")).read_bytes()


def test_killed_run_resumes_to_identical_json(tmp_path, reference, monkeypatch):
    module = experiments.load(NAME)
    original = module.run_point
    calls = []

    def dies_after_one(point, entropy, quick):
        if calls:
            raise KeyboardInterrupt("killed")
        calls.append(point["key"])
        return original(point, entropy, quick)

    monkeypatch.setattr(module, "run_point", dies_after_one)
    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path)
    assert not (tmp_path / f"{NAME}.json").exists()
    monkeypatch.setattr(module, "run_point", original)
    path = _run(tmp_path)
    assert path.read_bytes() == reference
    run = json.loads((tmp_path / f"{NAME}.run.json").read_text())
    assert run["reused"] == 1 and run["computed"] == run["points"] - 1


def test_corrupted_and_foreign_point_files_are_recomputed(tmp_path, reference):
    _run(tmp_path)
    cache = next((tmp_path / ".sweep").rglob("seed-0"))
    files = sorted(cache.glob("*.json"))
    files[0].write_text(files[0].read_text()[:-40])  # half-written
    data = json.loads(files[1].read_text())
    data["result"]["gdc"][0] += 1.0  # silently altered: the checksum no longer matches
    files[1].write_text(json.dumps(data))
    (cache / ".x.json.tmp").write_text("{")  # a temporary file left by a killed writer
    assert _run(tmp_path).read_bytes() == reference
    assert json.loads((tmp_path / f"{NAME}.run.json").read_text())["computed"] == 2


def test_processes_and_dask_match_serial(tmp_path, reference):
    assert _run(tmp_path / "p", jobs=2).read_bytes() == reference
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        assert _run(tmp_path / "d", client=client).read_bytes() == reference


def test_unreachable_dask_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(_sweep, "DASK_TIMEOUT_S", 1.0)
    with pytest.raises(SystemExit, match="cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'"):
        main(["reproduce", NAME, "--quick", "--out", str(tmp_path / "o"), "--dask", "tcp://127.0.0.1:9"])
    assert not (tmp_path / "o" / f"{NAME}.json").exists()


def test_check_reports_and_sets_exit_status(tmp_path, capsys):
    assert main(["reproduce", "pcm-model", "--quick", "--out", str(tmp_path), "--check"]) == 0
    assert "[PASS] sigma_prog(g_max)" in capsys.readouterr().out
    from experiments import _checks

    bad = json.loads((tmp_path / "pcm-model.json").read_text())
    bad["curves"]["sigma_prog_uS"][-1] = 2.0
    assert not _checks.pcm_model(bad)[0][1]


def test_bad_jobs(tmp_path):
    with pytest.raises(SystemExit, match="--jobs must be >= 1, got 0"):
        main(["reproduce", NAME, "--jobs", "0", "--out", str(tmp_path)])


def test_mkdocs_builds_strict(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
                         cwd=root, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert (tmp_path / "site" / "index.html").exists() and (tmp_path / "site" / "figures" / "compare.png").exists()
