"""Shared result writing of the application: provenance, atomic JSON, figures drawn from the JSON alone.

Every command and experiment that writes results goes through here: JSON first (with config, seed,
package version and git commit), then the figure from that JSON as read back from disk. A figure drawn
from a quick run's JSON says so in its title: ``finish`` reads the JSON's ``quick`` flag and
``save_figure`` appends QUICK_MARK (the one place that does it); the PNG's Title metadata holds the title.
"""

from __future__ import annotations

import contextvars
import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Callable

import numpy as np

QUICK_MARK = "(quick run)"
# set by finish() while an experiment's plot() runs: whether the JSON it draws is from a quick run
_QUICK_RUN: contextvars.ContextVar[bool] = contextvars.ContextVar("cimsim_quick_run", default=False)


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


def write_text_atomic(path: Path, text: str) -> Path:
    """Writes text to a temporary file in the same folder, then renames it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.chmod(tmp, _umask_mode())  # mkstemp creates 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_json_atomic(path: Path, payload: dict[str, Any]) -> Path:
    """Writes JSON (sorted keys, no NaN) to a temporary file in the same folder, then renames it into place."""
    return write_text_atomic(path, json.dumps(plain(payload), indent=1, sort_keys=True, allow_nan=False) + "\n")


def figure_title(fig: Any) -> str:
    """The figure's title as a reader sees it: the suptitle, else the axes titles joined with ' | '."""
    if fig.get_suptitle():
        return fig.get_suptitle()
    titles = [t for ax in fig.axes for t in (ax.get_title("left"), ax.get_title(), ax.get_title("right")) if t]
    return " | ".join(titles)


def mark_quick(fig: Any, name: str) -> None:
    """Appends QUICK_MARK to the figure's title: the suptitle, the one titled axes, or a new suptitle."""
    sup = fig.get_suptitle()
    if sup:
        text = next((t for t in fig.texts if t.get_text() == sup), None)
        if text is not None:  # keeps its font and place
            text.set_text(f"{sup} {QUICK_MARK}")
        else:
            fig.suptitle(f"{sup} {QUICK_MARK}")
        return
    titled = [(ax, loc) for ax in fig.axes for loc in ("center", "left", "right") if ax.get_title(loc)]
    if len(titled) == 1:
        ax, loc = titled[0]
        ax.set_title(f"{ax.get_title(loc)} {QUICK_MARK}", loc=loc)
    else:  # above everything drawn so far (the layout is done): bbox_inches="tight" keeps it in the PNG
        top = fig.get_tightbbox(fig.canvas.get_renderer()).y1 + 0.1  # inches, 0.1 in above the highest text
        fig.suptitle(f"{name} {QUICK_MARK}", y=top / fig.get_figheight(), va="bottom")


def save_figure(fig: Any, path: Path, *, quick: bool | None = None) -> Path:
    """Saves a matplotlib figure atomically (temporary file, then rename) and closes it.

    Args:
        fig: the figure.
        path: the PNG to write.
        quick: whether the figure shows a quick run (its title then carries QUICK_MARK); None: as set by
            ``finish`` from the JSON being drawn (False outside ``finish``).
    """
    import matplotlib.pyplot as plt

    path = Path(path)
    try:
        if _QUICK_RUN.get() if quick is None else quick:
            mark_quick(fig, path.stem)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".png", dir=path.parent)
        os.close(fd)
        try:
            fig.savefig(tmp, dpi=120, bbox_inches="tight", metadata={"Title": figure_title(fig)})
            os.chmod(tmp, _umask_mode())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    finally:
        plt.close(fig)
    return path


def finish(name: str, out_dir: Path, payload: dict[str, Any], plot: Callable[[dict[str, Any], Path], None]) -> Path:
    """Writes out_dir/NAME.json, then draws out_dir/NAME.png from the JSON as read back from disk.

    The figure of a quick run (the JSON's ``quick`` flag, set by ``provenance``) carries QUICK_MARK in its
    title, added by ``save_figure``.
    """
    json_path = write_json_atomic(Path(out_dir) / f"{name}.json", payload)
    with open(json_path) as fh:
        data = json.load(fh)
    token = _QUICK_RUN.set(bool(data.get("quick", False)))
    try:
        plot(data, Path(out_dir) / f"{name}.png")
    finally:
        _QUICK_RUN.reset(token)
    return json_path


def pyplot():
    """matplotlib.pyplot with the non-interactive Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
