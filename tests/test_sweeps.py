"""Sweeps: resume after interruption, stale and corrupted point files, the same bytes serially, on local
processes and on Dask worker processes, workers that die with the run, checks, errors."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

import experiments
from cimsim.app.cli import main
from experiments import _sweep

NAME = "tile-drift"
FAST = "ir-drop"  # the quickest sweep: for the cache bookkeeping
SAME_BYTES = ("tile-drift", "ir-drop")


def _run(out, name=NAME, seed=0, **kw):
    return _sweep.run(experiments.load(name), seed, out, True, progress=False, **kw)


def _run_json(out, name=NAME):
    return json.loads((out / f"{name}.run.json").read_text())


@pytest.fixture(scope="module")
def references(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref")
    return {name: _run(out, name).read_bytes() for name in SAME_BYTES}


@pytest.fixture(scope="module")
def reference(references):
    return references[NAME]


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
    run = _run_json(tmp_path)
    assert (run["reused"], run["stale"], run["corrupt"], run["computed"]) == (1, 0, 0, run["points"] - 1)


def test_corrupted_point_files_are_recomputed_and_reported(tmp_path, reference, capsys):
    _run(tmp_path)
    cache = next((tmp_path / ".sweep").rglob("seed-0"))
    files = sorted(cache.glob("*.json"))
    files[0].write_text(files[0].read_text()[:-40])  # half-written
    data = json.loads(files[1].read_text())
    data["result"]["gdc"][0] += 1.0  # silently altered: the checksum no longer matches
    files[1].write_text(json.dumps(data))
    (cache / ".x.json.tmp").write_text("{")  # a temporary file left by a killed writer
    assert _run(tmp_path).read_bytes() == reference
    run = _run_json(tmp_path)
    assert (run["reused"], run["stale"], run["corrupt"], run["computed"]) == (run["points"] - 2, 0, 2, 2)
    assert "1 reused, 0 recomputed (stale: other code, configuration or seed), 2 recomputed (corrupt)" \
        in capsys.readouterr().out


def test_point_files_of_other_code_are_recomputed(tmp_path, references, monkeypatch, capsys):
    _run(tmp_path, FAST)
    monkeypatch.setattr(_sweep, "code_version", lambda module: "0" * 64)
    assert _run(tmp_path, FAST).read_bytes() == references[FAST]
    run = _run_json(tmp_path, FAST)
    n = run["points"]
    assert (run["reused"], run["stale"], run["corrupt"], run["computed"]) == (0, n, 0, n)
    assert f"0 reused, {n} recomputed (stale" in capsys.readouterr().out


def test_old_point_file_with_a_valid_checksum_is_stale(tmp_path, references):
    """A file without a cache key (as written before keys existed) is recomputed, even if its checksum holds."""
    _run(tmp_path, FAST)
    path = next((tmp_path / ".sweep").rglob("n32-s0.json"))
    data = json.loads(path.read_text())
    del data["cache_key"]
    data["result"]["error"][0] += 1.0
    data["sha256"] = _sweep._digest(data["result"])
    path.write_text(json.dumps(data))
    assert _run(tmp_path, FAST).read_bytes() == references[FAST]
    run = _run_json(tmp_path, FAST)
    assert (run["reused"], run["stale"], run["corrupt"], run["computed"]) == (run["points"] - 1, 1, 0, 1)


def test_changed_configuration_or_seed_is_stale(tmp_path, monkeypatch):
    import shutil

    module = experiments.load(FAST)
    _run(tmp_path, FAST)
    original = module.points
    monkeypatch.setattr(module, "points", lambda quick: [{**p, "extra": 1} if i == 0 else p
                                                         for i, p in enumerate(original(quick))])
    _run(tmp_path, FAST)
    run = _run_json(tmp_path, FAST)
    assert (run["reused"], run["stale"]) == (run["points"] - 1, 1)
    monkeypatch.undo()
    cache = tmp_path / ".sweep" / f"{FAST}-quick"
    shutil.copytree(cache / "seed-0", cache / "seed-1")  # another seed's folder holding seed 0's files
    _run(tmp_path, FAST, seed=1)
    run = _run_json(tmp_path, FAST)
    assert (run["reused"], run["stale"]) == (0, run["points"])


def test_code_version_covers_sources_and_libraries(tmp_path, monkeypatch):
    module = experiments.load(NAME)
    names = {n for n, _ in _sweep.source_files(module)}
    assert {"cimsim/__init__.py", "cimsim/energy/data/analog.json", "snn/__init__.py", "experiments/_common.py",
            "experiments/tile_drift.py"} <= names
    assert "experiments/ir_drop.py" not in names
    extra = tmp_path / "x.py"
    extra.write_text("a = 1\n")
    real = _sweep.source_files
    monkeypatch.setattr(_sweep, "source_files", lambda m: real(m) + [("cimsim/x.py", extra)])
    v1 = _sweep.code_version(module)
    assert _sweep.code_version(module) == v1
    extra.write_text("a = 2\n")
    v2 = _sweep.code_version(module)
    assert v2 != v1
    monkeypatch.setattr(_sweep, "_library_version", lambda dist: "0.0" if dist == "numpy" else None)
    assert _sweep.code_version(module) != v2


def test_a_worker_running_other_code_refuses_points():
    module = experiments.load(FAST)
    point = module.points(True)[0]
    with pytest.raises(RuntimeError, match="runs other code .* install the same cimsim"):
        _sweep._call(module.__name__, point, _sweep.entropy(FAST, point["key"], 0), True, "0" * 64)


def test_pinned_threads_limits_blas_and_numba_and_restores():
    import numba
    from threadpoolctl import threadpool_info

    from cimsim._parallel import ensure_threading_layer

    def blas():
        return [i["num_threads"] for i in threadpool_info()]

    ensure_threading_layer()  # as cimsim would at its first kernel
    before, before_numba = blas(), numba.get_num_threads()
    with _sweep.pinned_threads():
        with _sweep.pinned_threads():  # reentrant: the inner exit keeps the limits
            pass
        assert set(blas()) == {1} and numba.get_num_threads() == 1
    assert blas() == before and numba.get_num_threads() == before_numba


def test_local_processes_match_serial(tmp_path, references):
    for name in SAME_BYTES:
        assert _run(tmp_path, name, jobs=2).read_bytes() == references[name], name
        assert _run_json(tmp_path, name)["mode"] == "processes x 2"


def test_dask_worker_processes_match_serial(tmp_path, references):
    """Dask's nanny starts worker processes with one BLAS thread: the bytes must not change."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        for name in SAME_BYTES:
            assert _run(tmp_path, name, client=client).read_bytes() == references[name], name


def _wait(condition, timeout_s, what):
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout_s} s for {what}")
        time.sleep(0.05)


def _kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the process's own session (start_new_session)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


@pytest.mark.slow  # 8 s of process start-up; the bytes over worker processes: test_dask_worker_processes_match_serial
def test_separate_dask_scheduler_and_worker_processes_match_serial(tmp_path, references):
    """The documented set-up: `dask scheduler` and `dask worker` as processes of their own, on 127.0.0.1."""
    from distributed import Client

    scheduler_file = tmp_path / "scheduler.json"
    procs = []

    def start(*args):
        procs.append(subprocess.Popen([sys.executable, "-m", *args], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, start_new_session=True))

    def scheduler_ready():
        try:
            return "address" in json.loads(scheduler_file.read_text())
        except (OSError, ValueError):
            return False

    try:
        start("distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
              "--scheduler-file", str(scheduler_file))
        _wait(scheduler_ready, 60, "the scheduler file")
        for _ in range(2):
            start("distributed.cli.dask_worker", "--scheduler-file", str(scheduler_file), "--nthreads", "1",
                  "--host", "127.0.0.1", "--no-dashboard")
        with Client(scheduler_file=str(scheduler_file), timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
            for name in SAME_BYTES:
                assert _run(tmp_path / "out", name, client=client).read_bytes() == references[name], name
    finally:
        for proc in procs:
            _kill_group(proc)


def test_local_workers_die_with_a_killed_run(tmp_path):
    import psutil

    cmd = [sys.executable, "-m", "cimsim.app.cli", "reproduce", NAME, "--quick", "--jobs", "2", "--out", str(tmp_path)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    cache = tmp_path / ".sweep" / f"{NAME}-quick" / "seed-0"
    workers: list = []

    def running():  # both workers started and a first point finished: the workers are computing
        workers[:] = []
        for child in psutil.Process(proc.pid).children(recursive=True):
            try:
                if "spawn_main" in " ".join(child.cmdline()):
                    workers.append(child)
            except psutil.Error:
                pass
        return len(workers) == 2 and any(cache.glob("*.json"))

    def alive(p):
        try:
            return p.status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    try:
        _wait(running, 120, "the run's two worker processes and its first point")
        assert proc.poll() is None, "the run finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        _wait(lambda: not any(alive(w) for w in workers), 5, "the workers to die with the run")
    finally:
        for w in workers:
            try:
                w.kill()
            except psutil.NoSuchProcess:
                pass
        _kill_group(proc)


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
