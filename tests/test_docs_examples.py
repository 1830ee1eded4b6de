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


def test_your_own_model_flax_example_runs(capsys):
    block = next(b for b in _python_blocks("your-own-model.md") if "flax.linen" in b)
    assert len(block.strip().splitlines()) <= 40
    exec(compile(block, "docs/your-own-model.md", "exec"), {})
    lines = capsys.readouterr().out.strip().splitlines()
    accs = [float(line.split(":")[1].split("+-")[0]) for line in lines]
    assert len(accs) == 5 and accs[0] > 90.0  # HWA-trained 64-32-10 on PCM at 1 s


def test_your_own_model_equinox_example_runs(capsys):
    block = next(b for b in _python_blocks("your-own-model.md") if "equinox" in b)
    assert len(block.strip().splitlines()) <= 40
    exec(compile(block, "docs/your-own-model.md", "exec"), {})
    out = capsys.readouterr().out
    assert "conv_general_dilated" in out and "(8, 9)" in out and "digital by the layers choice" in out
