"""Sweeps that survive interruption and scale out: points, per-point files, local processes or Dask.

An experiment that is a sweep defines
    points(quick) -> list of JSON-able dicts, each with a unique "key"      (configs x seeds)
    run_point(point, entropy, quick) -> JSON-able dict                       (pure in point and entropy)
    reduce(points, results, seed, quick) -> payload                          (cheap: no heavy work)
and ``main(seed, out_dir, quick)`` calls ``run(module, seed, out_dir, quick)``.

Same bytes wherever a point runs. Each point's randomness comes from ``entropy = (seed,
sha256(experiment/key))``, never from the order of execution; and every point is computed with BLAS, OpenMP
and numba on one thread (``pinned_threads``), serially, in local worker processes and on Dask workers alike:
how a BLAS product is split across threads changes its rounding, and Dask's worker processes run BLAS on
one thread.

Cache. Every finished point is written atomically to DIR/.sweep/NAME[-quick]/seed-S/KEY.json (temporary
file, then rename) with a SHA-256 of its result and the point's cache key: a hash of the code version
(``code_version``), the point, the seed, its entropy and quick; a killed run loses at most the points in
flight. A rerun reuses a file only when its key matches and its checksum holds. A file written by other code
or for another configuration is stale, one that does not parse or fails its checksum is corrupt; both are
recomputed, and the counts are printed and written, with the wall time, to DIR/NAME.run.json, so NAME.json
stays byte-identical.

Workers. Local worker processes die with the run even when it is killed with SIGKILL (on Linux the kernel
kills them when their parent dies, PR_SET_PDEATHSIG; everywhere a watchdog thread polls the parent). A worker
(local or Dask) whose code version differs from the run's refuses the point.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import hashlib
import importlib
import importlib.util
import json
import os
import re
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Iterator

from cimsim.app.results import finish, plain as _plain, provenance, write_json_atomic

DASK_TIMEOUT_S = 10.0
PARENT_POLL_S = 0.5  # how often a local worker's watchdog checks that the run is alive
LIBRARIES = ("numpy", "scipy", "numba", "llvmlite", "jax", "jaxlib", "brian2", "scikit-learn")  # in the code version
SOURCE_PACKAGES = ("cimsim", "snn")
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def is_sweep(module: ModuleType) -> bool:
    """Whether an experiment module follows the sweep protocol."""
    return all(hasattr(module, f) for f in ("points", "run_point", "reduce"))


def entropy(name: str, key: str, seed: int) -> list[int]:
    """Seed material of one point: the root seed and a stable hash of experiment and point key."""
    digest = hashlib.sha256(f"{name}/{key}".encode()).digest()
    return [int(seed), int.from_bytes(digest[:8], "little")]


# ---- code version and cache keys ---------------------------------------------------------------------

def source_files(module: ModuleType) -> list[tuple[str, Path]]:
    """(name, path) of the sources a point's result may depend on, sorted by name.

    Every .py and .json file of cimsim/ and snn/, the shared helpers experiments/_*.py and the experiment
    module; names are relative to the packages, so the same code installed elsewhere has the same version.
    """
    files: dict[str, Path] = {}
    for pkg in SOURCE_PACKAGES:
        spec = importlib.util.find_spec(pkg)
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError(f"cannot locate the sources of package {pkg!r}")
        for root in map(Path, spec.submodule_search_locations):
            for p in root.rglob("*"):
                rel = p.relative_to(root)
                if (p.suffix in (".py", ".json") and p.is_file() and "__pycache__" not in rel.parts
                        and not any(part.startswith(".") for part in rel.parts)):
                    files[f"{pkg}/{rel.as_posix()}"] = p
    here = Path(module.__file__)
    for p in [*here.parent.glob("_*.py"), here]:
        files[f"{here.parent.name}/{p.name}"] = p
    return sorted(files.items())


def _library_version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def code_version(module: ModuleType) -> str:
    """SHA-256 of what, besides its point and seed, determines a point: the cimsim version, the sources of
    ``source_files(module)`` and the versions of the numerical libraries (``LIBRARIES``)."""
    import cimsim

    versions = {"cimsim": cimsim.__version__, **{d: _library_version(d) for d in LIBRARIES}}
    h = hashlib.sha256(json.dumps(versions, sort_keys=True).encode())
    for name, path in source_files(module):
        h.update(f"\0{name}\0".encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


@functools.lru_cache(maxsize=None)
def _worker_code_version(module_name: str) -> str:
    """The code version in a worker process, computed once there (a worker's code does not change)."""
    return code_version(importlib.import_module(module_name))


def cache_key(name: str, point: dict, seed: int, quick: bool, code: str) -> str:
    """The key of a point file: a hash of the code version, the experiment, the point, seed, entropy, quick."""
    spec = {"code": code, "experiment": name, "point": _plain(point), "seed": int(seed), "quick": bool(quick),
            "entropy": entropy(name, point["key"], seed)}
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()


def _digest(result: Any) -> str:
    return hashlib.sha256(json.dumps(_plain(result), sort_keys=True, allow_nan=False).encode()).hexdigest()


def _file(cache: Path, key: str) -> Path:
    return cache / (re.sub(r"[^A-Za-z0-9_.=-]+", "_", key) + ".json")


def load_point(path: Path, key: str) -> tuple[str, Any]:
    """("reused", result) for an intact file of cache key ``key``, else (status, None) with status
    "missing", "corrupt" (does not parse, or its result fails its checksum) or "stale" (intact, but written
    for another key: other code, configuration or seed, or by a cimsim that wrote no key)."""
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return "missing", None
    except (OSError, ValueError):
        return "corrupt", None
    try:
        intact = isinstance(data, dict) and "result" in data and data.get("sha256") == _digest(data["result"])
    except ValueError:  # NaN or infinity in the result
        intact = False
    if not intact:
        return "corrupt", None
    return ("reused", data["result"]) if data.get("cache_key") == key else ("stale", None)


# ---- thread counts -----------------------------------------------------------------------------------

_PIN_LOCK = threading.Lock()
_pin_depth = 0
_pin_limits: Any = None


@contextlib.contextmanager
def pinned_threads() -> Iterator[None]:
    """BLAS and OpenMP (all loaded libraries, process-wide) and numba (this thread) on one thread.

    Reentrant and safe with several threads (a threaded Dask worker): the first to enter sets the limits,
    the last to leave restores them. scipy's own OpenBLAS is loaded first so that the limit covers it.
    numba is pinned where it is already imported; a local worker process starts with NUMBA_NUM_THREADS=1.
    """
    global _pin_depth, _pin_limits
    import scipy.linalg  # noqa: F401  (loads scipy's BLAS, a library apart from numpy's)
    from threadpoolctl import threadpool_limits

    with _PIN_LOCK:
        if _pin_depth == 0:
            _pin_limits = threadpool_limits(limits=1)
        _pin_depth += 1
    try:
        with _numba_one_thread():
            yield
    finally:
        with _PIN_LOCK:
            _pin_depth -= 1
            if _pin_depth == 0:
                _pin_limits.restore_original_limits()
                _pin_limits = None


@contextlib.contextmanager
def _numba_one_thread() -> Iterator[None]:
    numba = sys.modules.get("numba")
    if numba is None:
        yield
        return
    from cimsim._parallel import ensure_threading_layer

    ensure_threading_layer()  # the layer cimsim would pick at its first kernel, before numba starts one
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(before)


# ---- worker processes --------------------------------------------------------------------------------

def _parent_alive(parent_pid: int) -> bool:
    if os.name == "posix":
        return os.getppid() == parent_pid  # an orphan is re-parented
    import psutil

    return psutil.pid_exists(parent_pid)


def _watch_parent(parent_pid: int) -> None:
    while _parent_alive(parent_pid):
        time.sleep(PARENT_POLL_S)
    os._exit(1)


def _init_worker(parent_pid: int) -> None:
    """First thing in every local worker process: die with the parent; numba on one thread."""
    if "numba" not in sys.modules:
        os.environ["NUMBA_NUM_THREADS"] = "1"
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(ctypes.c_int(_PR_SET_PDEATHSIG), ctypes.c_ulong(signal.SIGKILL), ctypes.c_ulong(0),
                       ctypes.c_ulong(0), ctypes.c_ulong(0))
        except (OSError, AttributeError):
            pass  # the watchdog below still works
    if not _parent_alive(parent_pid):  # the parent died before prctl took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="cimsim-watch-parent", daemon=True).start()


def _call(module_name: str, point: dict, ent: list[int], quick: bool, code: str | None = None) -> Any:
    """Runs one point in any process (imports the experiment there), threads pinned; a worker given the
    run's ``code`` version refuses the point if its own code differs."""
    module = importlib.import_module(module_name)
    if code is not None and _worker_code_version(module_name) != code:
        raise RuntimeError(f"{module.NAME}: the worker in process {os.getpid()} runs other code (version "
                           f"{_worker_code_version(module_name)[:12]}) than the run ({code[:12]}): install the "
                           "same cimsim, with the same dependencies, on every worker")
    with pinned_threads():
        return _plain(module.run_point(point, ent, quick))


def connect_dask(address: str, timeout_s: float = DASK_TIMEOUT_S):
    """A distributed.Client for ``address``, or a clear error within ``timeout_s`` seconds."""
    from distributed import Client

    try:
        return Client(address, timeout=timeout_s)
    except (OSError, TimeoutError) as exc:
        raise RuntimeError(f"cannot reach the Dask scheduler at {address!r} within {timeout_s:g} s: {exc}") from exc


# ---- running a sweep ---------------------------------------------------------------------------------

Save = Callable[[dict, Any], None]


def _run_processes(module_name: str, todo: list[dict], args: Callable[[dict], tuple], jobs: int, save: Save) -> None:
    import multiprocessing as mp

    pool = ProcessPoolExecutor(max_workers=min(jobs, len(todo)), mp_context=mp.get_context("spawn"),
                               initializer=_init_worker, initargs=(os.getpid(),))
    done = False
    try:
        futures = {pool.submit(_call, module_name, *args(p)): p for p in todo}
        for fut in as_completed(futures):
            save(futures[fut], fut.result())
        done = True
    finally:
        pool.shutdown(wait=True, cancel_futures=not done)  # on an error, wait only for the points in flight


def _run_dask(client, module_name: str, todo: list[dict], args: Callable[[dict], tuple], save: Save) -> None:
    from distributed import as_completed as dask_completed

    futures = {client.submit(_call, module_name, *args(p), pure=False): p for p in todo}
    try:
        for fut in dask_completed(futures):
            save(futures[fut], fut.result())
    except BaseException:
        client.cancel(list(futures))
        raise


def run(module: ModuleType, seed: int, out_dir: str | Path, quick: bool, *, jobs: int = 1, client=None,
        progress: bool = True) -> Path:
    """Computes the missing points of an experiment, then reduces, writes NAME.json and NAME.png.

    Reports on stdout, when the cache held files, how many points were reused and how many recomputed
    because stale or corrupt; NAME.run.json holds those counts, the wall time and the mode.
    """
    from tqdm.auto import tqdm

    name = module.NAME
    pts = module.points(quick)
    keys = [p["key"] for p in pts]
    out_dir = Path(out_dir)
    cache = out_dir / ".sweep" / f"{name}{'-quick' if quick else ''}" / f"seed-{seed}"
    if len(set(keys)) != len(keys) or len({_file(cache, k) for k in keys}) != len(keys):
        raise ValueError(f"{name}: point keys must be unique, also as file names")
    cache.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    code = code_version(module)
    ckey = {p["key"]: cache_key(name, p, seed, quick, code) for p in pts}
    results: dict[str, Any] = {}
    counts = dict.fromkeys(("reused", "stale", "corrupt", "missing"), 0)
    for p in pts:
        status, r = load_point(_file(cache, p["key"]), ckey[p["key"]])
        counts[status] += 1
        if status == "reused":
            results[p["key"]] = r
    todo = [p for p in pts if p["key"] not in results]
    if counts["missing"] < len(pts):
        print(f"{name}: resuming {len(pts)} points: {counts['reused']} reused, {counts['stale']} recomputed "
              f"(stale: other code, configuration or seed), {counts['corrupt']} recomputed (corrupt), "
              f"{counts['missing']} new")

    def args(p: dict, checked: bool = True) -> tuple:
        return p, entropy(name, p["key"], seed), quick, (code if checked else None)

    with tqdm(total=len(pts), initial=counts["reused"], desc=name, disable=not progress, leave=False) as bar:
        def save(point, result):
            results[point["key"]] = result
            write_json_atomic(_file(cache, point["key"]), {"point": point, "cache_key": ckey[point["key"]],
                                                            "result": result, "sha256": _digest(result)})
            bar.update()

        if client is not None:
            _run_dask(client, module.__name__, todo, args, save)
        elif jobs > 1 and len(todo) > 1:
            _run_processes(module.__name__, todo, args, jobs, save)
        else:
            for p in todo:
                save(p, _call(module.__name__, *args(p, checked=False)))
    reduced = _plain(module.reduce(pts, [results[k] for k in keys], seed, quick))
    payload = provenance(name, seed, quick, {**reduced.pop("config", {}), "points": len(pts)})
    payload.update(reduced)
    path = finish(name, out_dir, payload, module.plot)
    mode = "dask" if client is not None else (f"processes x {jobs}" if jobs > 1 and len(todo) > 1 else "serial")
    write_json_atomic(out_dir / f"{name}.run.json", {
        "experiment": name, "wall_s": time.perf_counter() - t0, "mode": mode, "points": len(pts),
        "reused": counts["reused"], "stale": counts["stale"], "corrupt": counts["corrupt"], "new": counts["missing"],
        "computed": len(todo), "code_version": code, "threads_per_point": 1, "pid": os.getpid()})
    return path
