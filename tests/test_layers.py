"""One-way layers: import-linter's contracts (.importlinter) hold on the repository, and a violation fails."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("cimsim", "snn", "experiments")


def _lint_imports() -> str:
    """The ``lint-imports`` console script of this interpreter's environment."""
    here = Path(sys.executable).parent / "lint-imports"
    found = str(here) if here.exists() else shutil.which("lint-imports")
    if found is None:
        pytest.fail("lint-imports not found: install import-linter (pip install import-linter)")
    return found


def _run(cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(cwd)}  # the tree under test, before any installed copy
    return subprocess.run([_lint_imports(), "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


def test_contracts_hold_on_the_repository():
    out = _run(ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 broken" in out.stdout


def _copy(tmp_path: Path) -> Path:
    for name in PACKAGES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    return tmp_path


def test_library_importing_the_application_inside_a_function_fails(tmp_path):
    root = _copy(tmp_path)
    with open(root / "cimsim" / "mapping.py", "a") as fh:
        fh.write("\n\ndef _uses_the_application():\n    import cimsim.app.compare\n\n    return cimsim.app.compare\n")
    out = _run(root)
    assert out.returncode != 0, out.stdout
    assert "The library never imports the application (cimsim.app, experiments) BROKEN" in out.stdout
    assert "cimsim.mapping -> cimsim.app.compare" in out.stdout


def test_cimsim_importing_snn_fails(tmp_path):
    root = _copy(tmp_path)
    with open(root / "cimsim" / "presets.py", "a") as fh:
        fh.write("\n\ndef _spiking():\n    import snn\n\n    return snn\n")
    out = _run(root)
    assert out.returncode != 0, out.stdout
    assert "No module of cimsim outside cimsim.app imports snn BROKEN" in out.stdout


def test_import_cimsim_loads_neither_the_application_nor_snn():
    code = ("import sys, cimsim\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('experiments', 'snn') or m.startswith('cimsim.app'))\n"
            "print(bad)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
