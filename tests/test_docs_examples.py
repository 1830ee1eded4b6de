"""The code blocks of docs pages run as written (and their claims hold)."""

import re
from pathlib import Path

import numpy as np

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _python_blocks(page: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", (DOCS / page).read_text(), flags=re.S)


def test_architecture_own_device_example_runs(capsys):
    block = next(b for b in _python_blocks("architecture.md") if "class FeFET" in b)
    namespace: dict = {}
    exec(compile(block, "docs/architecture.md", "exec"), namespace)
    lines = capsys.readouterr().out.strip().splitlines()
    errors = [float(line.rsplit(" ", 1)[1]) for line in lines]
    assert len(errors) == 3 and errors[0] < errors[1] < errors[2]  # retention loss grows with time
    y = np.asarray(namespace["y"])
    assert y.shape == (8, 64) and np.all(np.isfinite(y))
