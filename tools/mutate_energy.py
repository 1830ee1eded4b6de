"""Mutation check of the energy ledger: does every priced constant have a test that notices it changing?

For every number in cimsim/energy/data/*.json and every numeric module-level (or class-level) constant in
cimsim/energy/*.py, this script multiplies that one number by a factor (default 0.9) in a temporary copy of
the package, runs the energy tests against the copy, and records whether at least one test failed ("red")
or none did ("green": no test depends on that number). An integer stays an integer (rounded, and moved by
at least one: 8 -> 7, 256 -> 230, 1 -> 0), since counts, bits and sizes are integers; a zero has no 10 %
change and is listed as skipped.

The real tree is never edited: cimsim/, pyproject.toml and the chosen test files are copied to a temporary
directory, and pytest runs there with PYTHONPATH pointing at the copy (the editable install of /work/main is
shadowed); a small pytest plugin aborts the run if ``cimsim`` was imported from anywhere else.

Usage:
    python tools/mutate_energy.py [--tests tests/test_energy.py ...] [--factor 0.9] [--json out.json] [--keep]

Exit status 0 when every mutant is red (and the unmutated copy passes), 1 otherwise.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterator

REPO = Path(__file__).resolve().parents[1]
ENERGY = Path("cimsim") / "energy"
GUARD = '''import os


def pytest_configure(config):
    import cimsim
    root = os.path.realpath(os.environ["CIMSIM_MUTANT_ROOT"])
    if not os.path.realpath(cimsim.__file__).startswith(root + os.sep):
        raise RuntimeError(f"imported cimsim from {cimsim.__file__}, not from the mutated copy under {root}")
'''


# --- finding the constants ----------------------------------------------------------------------------------

def mutated(value: float, factor: float) -> float:
    """``value`` x ``factor``; an int stays an int and moves by at least one."""
    if isinstance(value, int):
        new = round(value * factor)
        return new if new != value else value + (1 if factor > 1 else -1)
    return value * factor


def _json_leaves(node: Any, path: tuple = ()) -> Iterator[tuple[tuple, float]]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _json_leaves(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _json_leaves(v, path + (i,))
    elif isinstance(node, (int, float)) and not isinstance(node, bool):
        yield path, node


def json_mutants(root: Path, factor: float) -> Iterator[tuple[str, Path, Callable[[str], str]]]:
    """(label, file, text -> mutated text) for every number in the data tables."""
    for path in sorted((root / ENERGY / "data").glob("*.json")):
        data = json.loads(path.read_text())
        for where, value in _json_leaves(data):
            def mutate(text: str, where: tuple = where, value: float = value) -> str:
                d = json.loads(text)
                node = d
                for k in where[:-1]:
                    node = node[k]
                node[where[-1]] = mutated(value, factor)
                return json.dumps(d, indent=1)
            label = ".".join(str(k) for k in (where[1:] if where[0] == "entries" else where))
            yield f"data/{path.name}: {label} = {value!r}", path, mutate


def _numbers(node: ast.AST, name: str) -> Iterator[tuple[str, ast.Constant]]:
    """Numeric literals of a constant's value, through dicts, tuples, lists and unary minus only."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        yield name, node
    elif isinstance(node, ast.Dict):
        for k, v in zip(node.keys, node.values):
            key = repr(k.value) if isinstance(k, ast.Constant) else "?"
            yield from _numbers(v, f"{name}[{key}]")
    elif isinstance(node, (ast.Tuple, ast.List)):
        for i, v in enumerate(node.elts):
            yield from _numbers(v, f"{name}[{i}]")
    elif isinstance(node, ast.UnaryOp):
        yield from _numbers(node.operand, name)


def _assignments(body: list[ast.stmt], prefix: str = "") -> Iterator[tuple[str, ast.AST]]:
    for stmt in body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            yield prefix + stmt.targets[0].id, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None and isinstance(stmt.target, ast.Name):
            yield prefix + stmt.target.id, stmt.value
        elif isinstance(stmt, ast.ClassDef):  # dataclass field defaults
            yield from _assignments(stmt.body, f"{prefix}{stmt.name}.")


def python_mutants(root: Path, factor: float) -> Iterator[tuple[str, Path, Callable[[str], str]]]:
    """(label, file, text -> mutated text) for every numeric module- or class-level constant."""
    for path in sorted((root / ENERGY).glob("*.py")):
        text = path.read_text()
        for name, value_node in _assignments(ast.parse(text).body):
            for label, c in _numbers(value_node, name):
                if c.lineno != c.end_lineno:
                    raise RuntimeError(f"{path.name}:{c.lineno}: a multi-line literal is not handled")

                def mutate(src: str, c: ast.Constant = c) -> str:
                    lines = src.splitlines(keepends=True)
                    line = lines[c.lineno - 1].encode()
                    new = repr(mutated(c.value, factor)).encode()
                    lines[c.lineno - 1] = (line[:c.col_offset] + new + line[c.end_col_offset:]).decode()
                    return "".join(lines)
                yield f"{path.name}: {label} = {c.value!r}", path, mutate


# --- running the tests against the copy ---------------------------------------------------------------------

def make_copy(tests: list[Path]) -> Path:
    tmp = Path(tempfile.mkdtemp(prefix="cimsim-mutate-"))
    shutil.copytree(REPO / "cimsim", tmp / "cimsim", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy2(REPO / "pyproject.toml", tmp / "pyproject.toml")
    (tmp / "tests").mkdir()
    if (REPO / "tests" / "conftest.py").is_file():
        shutil.copy2(REPO / "tests" / "conftest.py", tmp / "tests" / "conftest.py")
    for t in tests:
        shutil.copy2(t, tmp / "tests" / t.name)
    (tmp / "_mutant_guard.py").write_text(GUARD)
    return tmp


def _env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(tmp), CIMSIM_MUTANT_ROOT=str(tmp))
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # a same-size edit within one second would otherwise reuse a stale .pyc
    return env


def imported_from(tmp: Path) -> str:
    out = subprocess.run([sys.executable, "-c", "import cimsim, cimsim.energy; print(cimsim.__file__); "
                          "print(cimsim.energy.__file__)"], cwd=tmp, env=_env(tmp), capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"cannot import the copy: {out.stderr}")
    return out.stdout


def run_tests(tmp: Path, tests: list[Path]) -> tuple[str, list[str]]:
    """("pass" | "fail" | "error", names of failed tests)."""
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "_mutant_guard", "-q", "--no-header",
           "-rf", *(f"tests/{t.name}" for t in tests)]
    out = subprocess.run(cmd, cwd=tmp, env=_env(tmp), capture_output=True, text=True)
    failed = re.findall(r"^FAILED (\S+)", out.stdout, flags=re.M)
    if out.returncode == 0:
        return "pass", []
    if out.returncode == 1 and failed:
        return "fail", failed
    return "error", [out.stdout[-2000:] + out.stderr[-2000:]]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tests", nargs="+", type=Path,
                    default=[REPO / "tests" / f for f in ("test_energy.py", "test_energy_gpu.py", "test_snn_energy.py")],
                    help="test files to run against each mutant (default: the energy tests, tests/test_energy*.py "
                         "and tests/test_snn_energy.py)")
    ap.add_argument("--factor", type=float, default=0.9, help="multiplier applied to one constant at a time")
    ap.add_argument("--only", default="", help="regular expression: mutate only constants whose label matches")
    ap.add_argument("--json", type=Path, default=None, help="write the table as JSON here")
    ap.add_argument("--keep", action="store_true", help="keep the temporary copy")
    args = ap.parse_args(argv)
    tests = [t.resolve() for t in args.tests]
    tmp = make_copy(tests)
    try:
        where = imported_from(tmp)
        print(f"copy: {tmp}\nimports: {' '.join(where.split())}", flush=True)
        status, detail = run_tests(tmp, tests)
        if status != "pass":
            print(f"the unmutated copy does not pass ({status}):\n" + "\n".join(detail), file=sys.stderr)
            return 1
        rows = []
        mutants = [*json_mutants(tmp, args.factor), *python_mutants(tmp, args.factor)]
        mutants = [m for m in mutants if re.search(args.only, m[0])]
        zeros = [m for m in mutants if m[0].endswith((" = 0.0", " = 0"))]
        for label, _, _ in zeros:
            print(f"skipped (0: no 10 % change): {label}", flush=True)
        mutants = [m for m in mutants if m not in zeros]
        for i, (label, path, mutate) in enumerate(mutants, 1):
            original = path.read_text()
            try:
                path.write_text(mutate(original))
                status, detail = run_tests(tmp, tests)
            finally:
                path.write_text(original)
            verdict = {"pass": "GREEN", "fail": "red", "error": "ERROR"}[status]
            rows.append({"constant": label, "verdict": verdict, "failed": detail if status == "fail" else [],
                         "error": detail[0] if status == "error" else None})
            note = f"({len(detail)} failed, e.g. {detail[0].split('::')[-1]})" if status == "fail" else ""
            print(f"[{i:3d}/{len(mutants)}] {verdict:5s} {label}  {note}", flush=True)
        if args.json:
            args.json.write_text(json.dumps({"factor": args.factor, "tests": [str(t) for t in args.tests],
                                             "rows": rows}, indent=1) + "\n")
        green = [r["constant"] for r in rows if r["verdict"] != "red"]
        print(f"\n{len(rows) - len(green)} of {len(rows)} mutants red" + (": not red:\n  " + "\n  ".join(green)
                                                                            if green else ""))
        return 1 if green else 0
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
