"""docs/performance.md is generated from docs/bench.json, so it cannot drift from its measurements.

The committed page must equal what ``cimsim.app.bench_report.render`` makes of the committed JSON; every goal's
verdict in the JSON must follow from the JSON's own ratios and goals (recomputed here); every version the page
names must be in the JSON's machine info; and the ``cimsim bench --from-json`` command must write the same page.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cimsim.app.bench_report import PACKAGES, render
from cimsim.app.cli import main
from test_cli import usage_error as _usage_error  # exit status 2 and one line on stderr

ROOT = Path(__file__).resolve().parents[1]
JSON = ROOT / "docs" / "bench.json"
PAGE = ROOT / "docs" / "performance.md"


@pytest.fixture(scope="module")
def res() -> dict:
    return json.loads(JSON.read_text())


def test_the_committed_page_is_the_render_of_the_committed_json(res):
    assert PAGE.read_text() == render(res), (
        "docs/performance.md differs from its JSON: run "
        "`cimsim bench --from-json docs/bench.json --markdown docs/performance.md`")


def test_every_verdict_follows_from_the_measured_ratios(res):
    """The met/missed flags are recomputed from the JSON's numbers and goals, not read back."""
    t = res["target"]
    assert t["met"] == (res["ratios"]["numba_f32_over_f32_floor"] <= t["numba_f32_over_f32_floor_max"])
    j = res["jax"]
    assert j["target"]["met"] == (j["analog_over_floor"] <= j["target"]["analog_over_floor_max"])
    ir = res["ir_drop"]
    assert ir["target"]["met"] == (ir["ratios"]["scipy_over_solver_256"] >= ir["target"]["scipy_over_solver_256_min"]
                                   and ir["timings"]["solver_1024_s"] < ir["target"]["solver_1024_max_s"])
    for case in res["nonlinear_ir_drop"]["cases"]:
        # the ratio is the one the page shows; it is of the two times measured in the same rounds
        assert 0.5 < case["ratio"] / (case["nonlinear_s"] / case["linear_s"]) < 2.0
    nl = res["nonlinear_ir_drop"]
    assert nl["target"]["met"] == all(c["ratio"] <= nl["target"]["ratio_max"] for c in nl["cases"])
    s = res["snn"]
    assert s["target"]["met"] == (s["counting_overhead"] < s["target"]["counting_overhead_max"])
    h = res["hwa_epoch"]
    assert h["target"]["met"] == (h["hwa_over_digital"] <= h["target"]["hwa_over_digital_max"])
    if "aihwkit_epoch_s" in h:
        assert h["target"]["faster_than_aihwkit"] == (h["aihwkit_epoch_s"] > h["hwa_epoch_s"])
    for step in ("forward", "train_step"):
        m = res["models"][step]
        assert m["target"]["met"] == (m["ratio"] <= m["target"]["ratio_max"])


def test_the_goals_of_each_run_follow_from_its_ratios(res):
    """The last run's goals are recomputed from the JSON's sections; every run's verdicts from its ratios."""
    from cimsim.app.bench_report import goals

    runs = res.get("runs") or [goals(res)]
    assert runs[-1] == goals(res)
    for run in runs:
        assert [g["goal"] for g in run] == [g["goal"] for g in runs[-1]]
        assert all(g["met"] == (g["ratio"] <= g["max"]) for g in run)
    table = PAGE.read_text().split("## Goals, ", 1)[1].split("\n## ", 1)[0]
    for g in runs[-1]:
        line = next(row for row in table.splitlines() if row.startswith(f"| {g['goal']} |"))
        verdict = line.rsplit("|", 2)[1].strip()
        per = [r[[x["goal"] for x in r].index(g["goal"])]["met"] for r in runs]
        assert verdict == ("**met**" if all(per) else "**missed**" if not any(per) else "**met in some runs**")


def test_the_page_shows_each_verdict_of_the_json(res):
    page = PAGE.read_text()
    head, rest = page.split("## Goals, ", 1)
    page = head + rest.split("\n## ", 1)[1]  # the sections after the goals table, in order
    verdicts = re.findall(r"\*\*(met|missed)\*\*", page)
    expected = [res["target"]["met"], res["jax"]["target"]["met"], res["ir_drop"]["target"]["met"],
                res["nonlinear_ir_drop"]["target"]["met"], res["snn"]["target"]["met"],
                res["hwa_epoch"]["target"]["met"]]
    # the HWA section states a second verdict (faster than aihwkit) when aihwkit ran
    if "faster_than_aihwkit" in res["hwa_epoch"]["target"]:
        expected.append(res["hwa_epoch"]["target"]["faster_than_aihwkit"])
    expected += [res["snn_training"]["snntorch_over_jax"] >= 1.0] if "snntorch_over_jax" in res["snn_training"] else []
    expected += [res["models"]["forward"]["target"]["met"], res["models"]["train_step"]["target"]["met"]]
    if "breakdown" in res["models"]["forward"]:
        expected.append(res["models"]["forward"]["breakdown"]["fixed"]["ratio"] <= 3.0)
    if "fixed" in res["models"]["train_step"]:
        expected.append(res["models"]["train_step"]["fixed"]["ratio"] <= 3.0)
    if res.get("decode", {}).get("available"):
        expected.append(res["decode"]["step"]["target"]["met"])
    assert verdicts == ["met" if e else "missed" for e in expected]


def test_every_version_the_page_names_is_in_the_json(res):
    page = PAGE.read_text()
    versions = res["machine_info"]["versions"]
    for name in PACKAGES:
        named = re.search(rf"(?<![\w-]){re.escape(name)} (\d[\w.+-]*\w)", page)
        if name in versions:
            assert named and named.group(1) == versions[name], name
    for found in re.findall(r"Python (\d+\.\d+\.\d+)", page):
        assert found == res["machine_info"]["python"]
    assert res["machine_info"]["git_commit"] in page


def test_from_json_writes_the_same_page(tmp_path):
    out = tmp_path / "performance.md"
    assert main(["bench", "--from-json", str(JSON), "--markdown", str(out)]) == 0
    assert out.read_text() == PAGE.read_text()



def test_from_json_refuses_bad_arguments_before_any_work(capsys, tmp_path):
    out = tmp_path / "p.md"
    assert "--from-json needs --markdown" in _usage_error(capsys, ["bench", "--from-json", str(JSON)])
    assert "--markdown only" in _usage_error(
        capsys, ["bench", "--from-json", str(JSON), "--markdown", str(out), "--json", str(tmp_path / "b.json")])
    assert "--markdown only" in _usage_error(
        capsys, ["bench", "--from-json", str(JSON), "--markdown", str(out), "--quick"])
    missing = tmp_path / "missing.json"
    assert repr(str(missing)) in _usage_error(capsys, ["bench", "--from-json", str(missing), "--markdown", str(out)])
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"workload": {}}))
    err = _usage_error(capsys, ["bench", "--from-json", str(bad), "--markdown", str(out)])
    assert "is not a cimsim bench result" in err
    assert not out.exists()
