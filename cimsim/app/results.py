"""Shared result writing of the application: provenance, atomic JSON, figures drawn from the JSON alone.

Every command and experiment that writes results goes through here: JSON first (with config, seed,
package version and git commit), then the figure from that JSON as read back from disk.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Callable

import numpy as np


def git_commit() -> str | None:
    """The git commit of the source tree cimsim runs from, or None outside a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def provenance(name: str, seed: int, quick: bool, config: dict[str, Any]) -> dict[str, Any]:
    """Metadata every result JSON carries: deterministic for a given checkout, seed and config."""
    import cimsim

    return {"experiment": name, "seed": int(seed), "quick": bool(quick), "cimsim_version": cimsim.__version__,
            "git_commit": git_commit(), "config": config}


def plain(obj: Any) -> Any:
    """``obj`` with numpy arrays and scalars, tuples and non-string keys turned into plain JSON types."""
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return plain(obj.tolist())
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def _umask_mode() -> int:
    """0o666 less the process umask: what a plain open() would have created."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_json_atomic(path: Path, payload: dict[str, Any]) -> Path:
    """Writes JSON to a temporary file in the same folder, then renames it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(plain(payload), fh, indent=1, sort_keys=True, allow_nan=False)
            fh.write("\n")
        os.chmod(tmp, _umask_mode())  # mkstemp creates 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def save_figure(fig: Any, path: Path) -> Path:
    """Saves a matplotlib figure atomically (temporary file, then rename) and closes it."""
    import matplotlib.pyplot as plt

    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".png", dir=path.parent)
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=120, bbox_inches="tight")
        os.chmod(tmp, _umask_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        plt.close(fig)
    return path


def finish(name: str, out_dir: Path, payload: dict[str, Any], plot: Callable[[dict[str, Any], Path], None]) -> Path:
    """Writes out_dir/NAME.json, then draws out_dir/NAME.png from the JSON as read back from disk."""
    json_path = write_json_atomic(Path(out_dir) / f"{name}.json", payload)
    with open(json_path) as fh:
        data = json.load(fh)
    plot(data, Path(out_dir) / f"{name}.png")
    return json_path


def pyplot():
    """matplotlib.pyplot with the non-interactive Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
