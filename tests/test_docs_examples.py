"""Every python block of the README and docs/ runs as a reader who copies it runs it: in a fresh interpreter
of its own, from an empty folder, and the claims around it hold.

Each block is written to a file and run with ``python file.py``; a probe appended after it prints the
names the checks need as one JSON line, so the block itself is exactly what the page shows. A block that
prints figures computed by numpy alone must print what the page shows under it (those are the same on any
machine: tests/test_reproducibility.py); a figure that comes out of a JAX/XLA computation is checked as the
claim it supports, never as digits (XLA compiles for the host CPU: docs/reproducing.md), and the block is
run both for the host's instruction set and with XLA held to SSE4.2 (``--xla_cpu_max_isa``; the SSE4.2 run
under -m slow, since .ci/run's second pass runs every block that way).
A new block without a check here fails ``test_every_block_has_a_check``.
"""

from __future__ import annotations

import ast
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["README.md"] + sorted(f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md"))
PROBE = "__PROBE__"
# XLA's CPU backend compiles for the host's instruction set; an older target makes different vector code
ISAS = {"host": None, "sse4_2": "--xla_cpu_max_isa=SSE4_2"}


def _blocks(page: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", (ROOT / page).read_text(), flags=re.S)


def _shown_output(page: str, index: int) -> list[str]:
    """The indented lines the page shows right after the block's "prints"."""
    text = (ROOT / page).read_text()
    after = text.split("```python\n")[index + 1].split("```", 1)[1]
    m = re.match(r"\s*\n[^\n]*prints[^\n]*\n\n((?: {4}[^\n]*\n)+)", after)
    assert m, f"{page} block {index}: no indented output after a 'prints' line"
    return [line[4:] for line in m.group(1).splitlines()]


def run_block(page: str, index: int, tmp_path: Path, probe: str = "", isa: str | None = None,
              timeout: int = 300) -> tuple[list[str], dict]:
    """Runs block ``index`` of ``page`` as ``python example.py`` in ``tmp_path``, with ``probe`` (code that
    sets a dict ``_probe``) after it; returns the printed lines (the probe's removed) and ``_probe``."""
    code = _blocks(page)[index]
    if probe:
        code += f"\n{probe}\nimport json as _json\nprint({PROBE!r}, _json.dumps(_probe, default=float))\n"
    script = tmp_path / "example.py"
    script.write_text(code)
    env = {k: v for k, v in os.environ.items() if k not in ("XLA_FLAGS", "PYTHONPATH")}
    env["MPLBACKEND"] = "Agg"
    if isa:
        env["XLA_FLAGS"] = isa
    out = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=timeout)
    assert out.returncode == 0, f"{page} block {index} failed:\n{out.stderr[-3000:]}"
    lines = out.stdout.strip().splitlines()
    probed = [line for line in lines if line.startswith(PROBE)]
    data = json.loads(probed[-1][len(PROBE):]) if probed else {}
    assert bool(probed) == bool(probe)
    return [line for line in lines if not line.startswith(PROBE)], data


# --- checks, one per block: (page, index) -> (probe expression, check(lines, data, page, index)) ---------


def _readme(lines, data, page, index):
    err, conversions = (float(v) for v in lines[0].split())
    # 32 vectors x 128 columns x 2 row tiles (512 inputs on 256-row tiles): one conversion each
    assert conversions == 32 * 128 * math.ceil(512 / data["tile_rows"]) == 8192
    assert 0.0 < err < 0.2  # 8-bit DAC/ADC, PCM noise and drift at 1 h: a few to ~15 % of |W x|


def _fefet(lines, data, page, index):
    errors = [float(line.rsplit(" ", 1)[1]) for line in lines]
    assert len(errors) == 3 and errors[0] < errors[1] < errors[2]  # retention loss grows with time
    assert data["shape"] == [8, 64] and data["finite"]


def _backend(lines, data, page, index):
    assert "'mine'" in lines[0] and lines[0].endswith("True")  # registered, and equal to the numpy reference
    assert data["adc_calls"] == math.ceil(300 / data["tile_rows"]) * math.ceil(64 / data["tile_cols"])


def _energy_designs(lines, data, page, index):
    reads = [float(line.split(", ")[-1].split()[0]) for line in lines]
    # no power gating: every column of the tile is read (tile_cols per read); power gating on and bit-serial
    # inputs: the 32 used columns once per input bit
    assert reads == [data["base_reads"] * data["base_cols"], 32 * data["mine_bits"]]
    assert data["chip_ge_core"]


def _printed_as_shown(lines, data, page, index):
    assert lines == _shown_output(page, index)


def _snn_trained(lines, data, page, index):
    # within 1 point of the ANN of the same size (numpy, seed 0), Brian2's counts equal the float64 run's
    assert data["brian2"] >= data["ann"] - 0.01, data
    assert data["equal"] and data["loss_last"] < 0.5 * data["loss_first"]
    assert lines[1].startswith("spike counts equal: True")


def _snn_loop(lines, data, page, index):
    losses = [float(line.rsplit(" ", 1)[1]) for line in lines]
    assert len(losses) == 3 and all(np.isfinite(losses)) and losses[-1] < losses[0]
    assert np.isfinite(data["loss"])


def _snn_conv(lines, data, page, index):
    assert float(lines[0].rsplit(" ", 1)[1]) > 0.93  # a conv SNN trained on digits
    assert lines[1].startswith("Brian2 spike counts equal to JAX: True")
    assert float(lines[1].rsplit(" ", 1)[1]) == data["jax_50"]  # the float64 grid run decides as float32 did
    per = ast.literal_eval(lines[2].split(":", 1)[1].strip())
    assert per["input_macs"] == 8 * 22**2 and per["synaptic_events"] == round(data["events"] / 50)


def _flax(lines, data, page, index):
    assert len(_blocks(page)[index].strip().splitlines()) <= 40
    accs = [float(line.split(":")[1].split("+-")[0]) for line in lines]
    # HWA-trained 64-32-10 on PCM: above 90 % at 1 s, and drift costs accuracy over 10 years
    assert len(accs) == 5 and accs[0] > 90.0 and accs[-1] <= accs[0]


def _equinox(lines, data, page, index):
    assert len(_blocks(page)[index].strip().splitlines()) <= 40
    out = "\n".join(lines)
    assert "conv_general_dilated" in out and "(8, 9)" in out and "digital by the layers choice" in out
    accs = [float(line.split()[1]) for line in lines[-3:]]
    assert all(0.0 <= a <= 0.3 for a in accs)  # an untrained network: about chance (0.1)


def _torch_hwa(lines, data, page, index):
    code = _blocks(page)[index]
    # a torch model on crossbars and trained hardware-aware in <= 10 lines (issue: from PyTorch)
    on_tiles = code[code.index("model, params = "):code.index("for t_s in")].strip().splitlines()
    assert len(on_tiles) <= 10
    accs = [float(line.rsplit(":", 1)[1]) for line in lines[:3]]
    assert all(a > 0.9 for a in accs) and accs[2] <= accs[0] + 0.01  # trained; a year of drift costs, if anything
    assert "(32, 64)" in lines[4] and "analog  [0.weight]" in lines[4] and "analog  [2.weight]" in lines[5]
    assert lines[-1] == "analog share of the MACs: 100.0 %"
    # the weights loaded back into torch: torch's own forward is the trained model's digital forward
    assert data["torch_vs_digital"] < 1e-5 * data["scale"]


def _nir_round_trip(lines, data, page, index):
    assert "'delay_1': 'Delay'" in lines[0] and "'neuron_1': 'LIF'" in lines[0]
    brian2 = [int(v) for v in lines[1].split("[")[1].split("]")[0].split(",")]
    assert lines[1].endswith("equal to JAX: True") and min(brian2) > 100
    ours = [int(v) for v in lines[2].split("[")[1].split("]")[0].split(",")]
    assert all(abs(a - b) <= 0.005 * b for a, b in zip(ours, brian2))


def _user_workload(lines, data, page, index):
    # the protocol's keys, and the ridge classifier as good as the page says digitally (89 %)
    assert data["keys"] == ["apply", "name", "params", "x", "y"] and data["n"] == 497
    assert 0.87 < data["digital"] < 0.91


def _gain_cell_lm(lines, data, page, index):
    # an untrained 32-symbol model: loss about ln 32 = 3.47; the shapes and a finite scaler gradient
    assert lines[0].startswith("logits (4, 32, 32) loss")
    assert abs(float(lines[0].rsplit(" ", 1)[1]) - math.log(32)) < 0.3
    assert lines[1] == "scaler gradients finite: True"


CHECKS = {
    ("docs/jax.md", 0): ("", _gain_cell_lm),
    ("docs/from-pytorch-and-nir.md", 1): ("", _nir_round_trip),
    ("docs/from-pytorch-and-nir.md", 0): (
        "_ref = net(torch.from_numpy(x_te)).detach().numpy()\n"
        "_probe = {'torch_vs_digital': float(np.abs(_ref - np.asarray(model.digital(state.params, x_te))).max()),\n"
        "          'scale': float(np.abs(_ref).max())}", _torch_hwa),
    ("README.md", 0): ("_probe = {'tile_rows': cimsim.presets.PCM.tile_rows}", _readme),
    ("docs/architecture.md", 0): (
        "_probe = {'shape': list(y.shape), 'finite': bool(np.all(np.isfinite(np.asarray(y))))}", _fefet),
    ("docs/architecture.md", 1): (
        "_probe = {'adc_calls': calls['adc_accumulate'], 'tile_rows': cimsim.presets.PCM.tile_rows, "
        "'tile_cols': cimsim.presets.PCM.tile_cols}", _backend),
    ("docs/energy.md", 0): (
        "_probe = {'base_reads': base.converters.reads_per_mvm, 'base_cols': base.tile_cols, "
        "'mine_bits': mine.converters.input_bits * mine.converters.phases, "
        "'chip_ge_core': bool(r.chip.per_inference_J >= r.core.per_inference_J)}", _energy_designs),
    ("docs/energy.md", 1): ("", _printed_as_shown),
    ("docs/snn-training.md", 0): (
        "from cimsim.workloads import train_mlp\n"
        "ann = train_mlp(hidden=(32,), seed=0)  # numpy: the same network on any machine\n"
        "_probe = {'brian2': float(np.mean(res.predict(4) == y_te)), 'equal': bool(same['equal']),\n"
        "          'loss_first': float(losses[0]), 'loss_last': float(losses[-1]),\n"
        "          'ann': float(np.mean(np.argmax(ann.forward(x_te), axis=1) == y_te))}", _snn_trained),
    ("docs/snn-training.md", 1): ("_probe = {'loss': float(loss)}", _snn_loop),
    ("docs/snn-training.md", 2): (
        "_probe = {'jax_50': float(np.mean(np.argmax(np.asarray(logits[:50]), 1) == y_te[:50])),\n"
        "          'events': res.counts(4).synaptic_events}", _snn_conv),
    ("docs/your-own-model.md", 0): ("", _flax),
    ("docs/your-own-model.md", 1): ("", _equinox),
    ("docs/workloads.md", 0): ("", _printed_as_shown),
    ("docs/workloads.md", 1): (
        "_w = workload(0)\nimport numpy as _np\n_probe = {'keys': sorted(_w), 'n': len(_w['y']), 'digital': float("
        "_np.mean(_np.argmax(_np.asarray(_w['apply'](_w['params'], _w['x'])), 1) == _w['y']))}", _user_workload),
}
# blocks whose checked figures come out of a JAX computation: run under both instruction-set targets
JAX_CLAIMS = {("docs/snn-training.md", 0)}
ALL = [(page, i) for page in PAGES for i in range(len(_blocks(page)))]
SLOW = {("docs/your-own-model.md", 0)}  # 15 epochs of HWA training in JAX; -m slow


def test_every_block_has_a_check():
    assert sorted(CHECKS) == sorted(ALL), "add a check for each new python block (or remove a stale one)"


def _cases():
    for key in ALL:
        marks = [pytest.mark.slow] if key in SLOW else []
        for isa in (ISAS if key in JAX_CLAIMS else ["host"]):
            # the SSE4.2 twin under -m slow: .ci/run's second pass runs every block with XLA held to SSE4.2
            yield pytest.param(*key, isa, id=f"{key[0]}#{key[1]}-{isa}",
                               marks=marks + ([pytest.mark.slow] if isa != "host" else []))


@pytest.mark.parametrize("page, index, isa", list(_cases()))
def test_block_runs_in_a_fresh_interpreter_and_its_claims_hold(page, index, isa, tmp_path):
    probe, check = CHECKS[(page, index)]
    lines, data = run_block(page, index, tmp_path, probe, ISAS[isa])
    check(lines, data, page, index)
