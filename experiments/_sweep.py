"""Sweeps that survive interruption and scale out: points, per-point files, local processes or Dask.

An experiment that is a sweep defines
    points(quick) -> list of JSON-able dicts, each with a unique "key"      (configs x seeds)
    run_point(point, entropy, quick) -> JSON-able dict                       (pure in point and entropy)
    reduce(points, results, seed, quick) -> payload                          (cheap: no heavy work)
and ``main(seed, out_dir, quick)`` calls ``run(module, seed, out_dir, quick)``.

Each point's randomness comes from ``entropy = (seed, sha256(experiment/key))``, never from the order of
execution, so serial, process-pool and Dask runs give identical results. Every finished point is written
atomically to DIR/.sweep/NAME[-quick]/seed-S/KEY.json (temporary file, then rename) with a SHA-256 of its
result; a rerun reuses valid point files and recomputes the rest, so a killed run loses at most the points
in flight. A file that does not parse, belongs to another point or fails its checksum is recomputed, never
used. Wall time and the run's bookkeeping go to DIR/NAME.run.json, so NAME.json stays byte-identical.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from types import ModuleType
from typing import Any

from cimsim.app.results import finish, plain as _plain, provenance, write_json_atomic

DASK_TIMEOUT_S = 10.0


def is_sweep(module: ModuleType) -> bool:
    """Whether an experiment module follows the sweep protocol."""
    return all(hasattr(module, f) for f in ("points", "run_point", "reduce"))


def entropy(name: str, key: str, seed: int) -> list[int]:
    """Seed material of one point: the root seed and a stable hash of experiment and point key."""
    digest = hashlib.sha256(f"{name}/{key}".encode()).digest()
    return [int(seed), int.from_bytes(digest[:8], "little")]


def _digest(result: Any) -> str:
    return hashlib.sha256(json.dumps(_plain(result), sort_keys=True, allow_nan=False).encode()).hexdigest()


def _file(cache: Path, key: str) -> Path:
    return cache / (re.sub(r"[^A-Za-z0-9_.=-]+", "_", key) + ".json")


def load_point(path: Path, point: dict) -> Any | None:
    """A finished point's result, or None when the file is missing, corrupted or not this point's."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("point") != _plain(point) or "result" not in data:
        return None
    return data["result"] if data.get("sha256") == _digest(data["result"]) else None


def _call(module_name: str, point: dict, ent: list[int], quick: bool) -> Any:
    """Runs one point in any process (imports the experiment there)."""
    import importlib

    return _plain(importlib.import_module(module_name).run_point(point, ent, quick))


def connect_dask(address: str, timeout_s: float = DASK_TIMEOUT_S):
    """A distributed.Client for ``address``, or a clear error within ``timeout_s`` seconds."""
    from distributed import Client

    try:
        return Client(address, timeout=timeout_s)
    except (OSError, TimeoutError) as exc:
        raise RuntimeError(f"cannot reach the Dask scheduler at {address!r} within {timeout_s:g} s: {exc}") from exc


def run(module: ModuleType, seed: int, out_dir: str | Path, quick: bool, *, jobs: int = 1, client=None,
        progress: bool = True) -> Path:
    """Computes the missing points of an experiment, then reduces, writes NAME.json and NAME.png."""
    from tqdm.auto import tqdm

    name = module.NAME
    pts = module.points(quick)
    keys = [p["key"] for p in pts]
    if len(set(keys)) != len(keys):
        raise ValueError(f"{name}: point keys must be unique")
    out_dir = Path(out_dir)
    cache = out_dir / ".sweep" / f"{name}{'-quick' if quick else ''}" / f"seed-{seed}"
    cache.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    results: dict[str, Any] = {}
    for p in pts:
        r = load_point(_file(cache, p["key"]), p)
        if r is not None:
            results[p["key"]] = r
    todo = [p for p in pts if p["key"] not in results]
    reused = len(pts) - len(todo)

    def save(point, result):
        results[point["key"]] = result
        write_json_atomic(_file(cache, point["key"]), {"point": point, "result": result, "sha256": _digest(result)})

    with tqdm(total=len(pts), initial=reused, desc=name, disable=not progress, leave=False) as bar:
        if client is not None:
            futures = {client.submit(_call, module.__name__, p, entropy(name, p["key"], seed), quick, pure=False): p
                       for p in todo}
            from distributed import as_completed as dask_completed

            for fut in dask_completed(futures):
                save(futures[fut], fut.result())
                bar.update()
        elif jobs > 1 and len(todo) > 1:
            import multiprocessing as mp

            with ProcessPoolExecutor(max_workers=jobs, mp_context=mp.get_context("spawn")) as pool:
                futures = {pool.submit(_call, module.__name__, p, entropy(name, p["key"], seed), quick): p for p in todo}
                for fut in as_completed(futures):
                    save(futures[fut], fut.result())
                    bar.update()
        else:
            for p in todo:
                save(p, _call(module.__name__, p, entropy(name, p["key"], seed), quick))
                bar.update()
    reduced = _plain(module.reduce(pts, [results[k] for k in keys], seed, quick))
    payload = provenance(name, seed, quick, {**reduced.pop("config", {}), "points": len(pts)})
    payload.update(reduced)
    path = finish(name, out_dir, payload, module.plot)
    mode = "dask" if client is not None else (f"processes x {jobs}" if jobs > 1 else "serial")
    write_json_atomic(out_dir / f"{name}.run.json", {"experiment": name, "wall_s": time.perf_counter() - t0,
                                                     "mode": mode, "points": len(pts), "reused": reused,
                                                     "computed": len(todo), "pid": os.getpid()})
    return path
