"""``cimsim bench``: speed of the crossbar MVM as ratios to the BLAS floor, measured in one run.

Workload: a 512 x 512 PCM array (one 512 x 512 tile of the PCM preset) read at one time t,
batch 256, 8-bit DAC/ADC, per-MVM noise on (PCM_READ weight noise and ADC output noise). The floor is a
plain float64 ``x @ W.T`` of the same shapes in the same process. The floor and the MVMs are timed in
interleaved rounds, and a ratio is the median over rounds of the per-round ratio, so that a slow spell
of a shared machine hits both sides of a ratio alike.
"""

from __future__ import annotations

import dataclasses
import json
import platform
from pathlib import Path
from typing import Any

import numpy as np

from cimsim import presets
from cimsim.array import program

from .bench_training import format_hwa_table, format_snn_training_table, run_hwa_epoch, run_snn_training
from .results import plain, write_json_atomic
from .timing import _blas_info, _interleaved, _median_time


MVM_GOAL = 2.5  # noisy MVM / float32 GEMM with exact per-vector noise (issue 24's goal)


def run(quick: bool = False, seed: int = 0) -> dict[str, Any]:
    """Times the MVM backends, program and read; returns a JSON-ready dict with ratios to the floors.

    Floors: ``x @ W.T`` in float32 and in float64 (BLAS). The PCM preset computes its MVMs in float32
    (its default); the float64 MVM (dtype="float64") is held to the float64 floor. Also timed: the
    output-noise-only MVM (no per-MVM weight noise: one product less), the per-MVM normals, and a
    bit-sliced MVM (4 slices of 2-bit cells, 8-bit inputs bit-serial: 7 cycles, 28 ADC reads per column).
    """
    from cimsim import Slicing

    n, batch = 512, 256
    repeats, min_time = (5, 0.3) if quick else (20, 2.0)
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((n, n))
    x = rng.uniform(-1.0, 1.0, (batch, n))
    W32, x32 = W.astype(np.float32), x.astype(np.float32)
    cfg = dataclasses.replace(presets.PCM, tile_rows=n, tile_cols=n)
    A = program(W, cfg, rng=rng)
    R = A.read(3600.0, rng=rng)
    R64 = dataclasses.replace(A, config=dataclasses.replace(cfg, dtype="float64")).read(3600.0, rng=rng)
    R_out = dataclasses.replace(A, config=dataclasses.replace(cfg, w_noise=0.0)).read(3600.0, rng=rng)
    sliced = dataclasses.replace(cfg, slicing=Slicing(weight_slices=4, bits_per_cell=2, input_bits_per_cycle=1))
    R_sl = program(W, sliced, rng=rng).read(3600.0, rng=rng)
    mvm_rng = np.random.default_rng(seed + 1)
    from cimsim._normals import standard_normals

    rounds = _interleaved({
        "floor32": lambda: x32 @ W32.T,
        "floor": lambda: x @ W.T,
        "numba": lambda: R.mvm(x, rng=mvm_rng, backend="numba"),
        "numba64": lambda: R64.mvm(x, rng=mvm_rng, backend="numba"),
        "numba_out_noise": lambda: R_out.mvm(x, rng=mvm_rng, backend="numba"),
        "numpy": lambda: R.mvm(x, rng=mvm_rng, backend="numpy"),
        "normals": lambda: standard_normals(mvm_rng, (1, batch, n), np.float32),
        "sliced": lambda: R_sl.mvm(x, rng=mvm_rng, backend="numba"),
    }, repeats, min_time)
    t_floor = float(np.median(rounds["floor"]))
    med = {k: float(np.median(v)) for k, v in rounds.items()}
    timings = {
        "blas_floor_x_at_WT_s": t_floor,
        "blas_floor_f32_s": med["floor32"],
        "mvm_numba_s": med["numba"],
        "mvm_numba_f64_s": med["numba64"],
        "mvm_numba_out_noise_only_s": med["numba_out_noise"],
        "mvm_numpy_s": med["numpy"],
        "normals_draw_s": med["normals"],
        "mvm_sliced_s": med["sliced"],
        "program_s": _median_time(lambda: program(W, cfg, rng=rng), max(2, repeats // 4), min_time / 2),
        "read_s": _median_time(lambda: A.read(3600.0, rng=rng), max(2, repeats // 4), min_time / 2),
    }

    def ratio(a: str, b: str) -> float:  # median over rounds of the per-round ratio
        return float(np.median(rounds[a] / rounds[b]))

    ratios = {"numba_f32_over_f32_floor": ratio("numba", "floor32"),
              "numba_out_noise_over_f32_floor": ratio("numba_out_noise", "floor32"),
              "numba_f64_over_f64_floor": ratio("numba64", "floor"),
              "numba_over_floor": ratio("numba", "floor"),
              "numpy_over_numba": ratio("numpy", "numba"),
              "normals_over_f32_floor": ratio("normals", "floor32"),
              "sliced_over_f64_floor": ratio("sliced", "floor")}
    return {
        "workload": {"shape": [n, n], "batch": batch, "preset": "PCM", "tile": [n, n], "t_s": 3600.0,
                     "dac_bits": cfg.dac.bits, "adc_bits": cfg.adc.bits, "w_noise": cfg.w_noise,
                     "out_noise": cfg.adc.out_noise, "dtype": cfg.dtype, "quick": quick,
                     "sliced": "4 slices x 2-bit cells, 8-bit inputs 1 bit per cycle (7 cycles)"},
        "timings": timings,
        "ratios": ratios,
        "target": {"numba_f32_over_f32_floor_max": MVM_GOAL, "met": ratios["numba_f32_over_f32_floor"] <= MVM_GOAL},
        "machine": {"python": platform.python_version(), "numpy": np.__version__,
                    "processor": platform.machine(), "blas": _blas_info()},
    }


def run_ir_drop(quick: bool = False, seed: int = 0) -> dict[str, Any]:
    """Times the exact IR-drop solver: vs scipy's sparse direct solve at 256 x 256, alone at
    1024 x 1024, and a batch of 64 vectors vs 64 single solves; r = 1 ohm, G ~ U[1, 25] uS."""
    from cimsim.circuit import solve_ir_drop, solve_scipy

    rng = np.random.default_rng(seed)
    r = 1.0
    G256, v256 = rng.uniform(1e-6, 25e-6, (256, 256)), rng.uniform(0, 0.2, 256)
    G1k, v1k = rng.uniform(1e-6, 25e-6, (1024, 1024)), rng.uniform(0, 0.2, 1024)
    V64 = rng.uniform(0, 0.2, (64, 256))
    reps = 2 if quick else 5
    t_solver = _median_time(lambda: solve_ir_drop(G256, v256, r, r), reps, 0.0)
    t_scipy = _median_time(lambda: solve_scipy(G256, v256, r, r), 1 if quick else 2, 0.0)
    t_1k = _median_time(lambda: solve_ir_drop(G1k, v1k, r, r), 1 if quick else 3, 0.0)
    t_batch = _median_time(lambda: solve_ir_drop(G256, V64, r, r), reps, 0.0)
    t_singles = _median_time(lambda: [solve_ir_drop(G256, V64[b], r, r) for b in range(64)], 1 if quick else 2, 0.0)
    _, info256 = solve_ir_drop(G256, v256, r, r, return_info=True)
    _, info1k = solve_ir_drop(G1k, v1k, r, r, return_info=True)
    return {
        "workload": {"r_ohm": r, "G_uS": [1, 25], "v_V": [0, 0.2], "tol": 1e-10},
        "timings": {"solver_256_s": t_solver, "scipy_direct_256_s": t_scipy, "solver_1024_s": t_1k,
                    "batch64_256_s": t_batch, "singles64_256_s": t_singles},
        "iterations": {"n256": info256.iterations, "n1024": info1k.iterations},
        "ratios": {"scipy_over_solver_256": t_scipy / t_solver, "singles_over_batch_64": t_singles / t_batch},
        "target": {"scipy_over_solver_256_min": 50.0, "solver_1024_max_s": 0.5,
                   "met": bool(t_scipy / t_solver >= 50.0 and t_1k <= 0.5)},
    }


def format_ir_table(res: dict[str, Any]) -> str:
    """Human-readable table of the IR-drop bench."""
    t, q = res["timings"], res["ratios"]
    ok = "met" if res["target"]["met"] else "NOT met"
    return "\n".join([
        "IR-drop solve (exact, tol 1e-10), r = 1 ohm:",
        f"  256 x 256:   {t['solver_256_s'] * 1e3:9.2f} ms ({res['iterations']['n256']} CG iterations); "
        f"scipy sparse direct {t['scipy_direct_256_s'] * 1e3:.0f} ms -> {q['scipy_over_solver_256']:.0f}x faster (target >= 50x)",
        f"  1024 x 1024: {t['solver_1024_s'] * 1e3:9.2f} ms ({res['iterations']['n1024']} CG iterations; target < 500 ms)",
        f"  batch of 64 at 256 x 256: {t['batch64_256_s'] * 1e3:.0f} ms vs 64 single solves "
        f"{t['singles64_256_s'] * 1e3:.0f} ms ({q['singles_over_batch_64']:.1f}x)",
        f"  targets: {ok}"])


def run_snn(quick: bool = False, seed: int = 0) -> dict[str, Any]:
    """Spiking-network speed: CUBA events/s on the numpy target and the cost of counting spikes
    (spike monitor vs none, interleaved rounds); the digits conversion run of 450 images x 100 steps."""
    try:
        from snn import cuba
    except ImportError:  # pragma: no cover
        return {"available": False}
    import time as _time

    from cimsim.workloads import load_digits_split, train_mlp
    from snn import convert_mlp

    oh = cuba.counting_overhead(rng=np.random.default_rng(seed), duration_s=0.2 if quick else 0.5,
                                rounds=2 if quick else 5)
    one = cuba.run(rng=np.random.default_rng(seed), duration_s=0.2 if quick else 1.0)
    x_tr, _, x_te, _ = load_digits_split()
    snn = convert_mlp(train_mlp(hidden=(128, 64), seed=seed), x_tr)
    t0 = _time.perf_counter()
    res = snn.simulate(x_te, steps=100)
    conv_s = _time.perf_counter() - t0
    return {"available": True, "cuba_events_per_s": one["events_per_s"], "cuba_duration_s": one["duration_s"],
            "counting_overhead": oh["median_overhead"], "counting_rounds": oh["rounds"],
            "spike_monitor_overhead": oh["median_overhead_spike_monitor"],
            "conversion_450x100_s": conv_s, "conversion_brian2_run_s": res.wall_s,
            "target": {"counting_overhead_max": 0.10, "met": oh["median_overhead"] < 0.10}}


def format_snn_table(res: dict[str, Any]) -> str:
    """Human-readable table of the SNN bench."""
    if not res.get("available"):
        return "SNN: snn package not available"
    ok = "met" if res["target"]["met"] else "NOT met"
    return "\n".join([
        "Spiking networks (Brian2, numpy target):",
        f"  CUBA {res['cuba_duration_s']:g} s: {res['cuba_events_per_s'] / 1e6:.2f} M synaptic events/s",
        f"  counting overhead (reset counter): {100 * res['counting_overhead']:+.1f} % "
        f"(median of {res['counting_rounds']} interleaved rounds; target < 10 %: {ok}); "
        f"a spike monitor: {100 * res['spike_monitor_overhead']:+.1f} %",
        f"  digits SNN, 450 images x 100 steps: {res['conversion_450x100_s']:.2f} s "
        f"(Brian2 run {res['conversion_brian2_run_s']:.2f} s)"])


def run_jax(quick: bool = False, seed: int = 0, batch: int = 256) -> dict[str, Any]:
    """JAX analog dense forward: 512 x 512 PCM tile, batch 256, per-MVM noise on, jitted, against a
    jitted float32 x @ W.T in interleaved rounds."""
    import jax
    import jax.numpy as jnp

    from cimsim._threefry import normal as fused_normal
    from cimsim.jx import tile as jt

    n = 512
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((n, n))
    cfg = dataclasses.replace(presets.PCM, tile_rows=n, tile_cols=n)
    blocks = jt.blocks_from_read(program(W, cfg, rng=rng).read(3600.0, rng=rng), jnp.float32)
    x = jnp.asarray(rng.uniform(-1, 1, (batch, n)), jnp.float32)
    Wj = jnp.asarray(W, jnp.float32)
    floor = jax.jit(lambda x, W: x @ W.T)
    key = jax.random.PRNGKey(seed)
    analog = jax.jit(lambda x, k: jt.mvm(blocks, x, cfg, k))  # as inside a user's jitted model
    # the per-MVM draw alone: the MVM's (cimsim._threefry, one fused loop) and jax.random.normal's, the same bits
    normals = jax.jit(lambda k: fused_normal(k, (batch, n), jnp.float32))
    jax_normals = jax.jit(lambda k: jax.random.normal(k, (batch, n), jnp.float32))
    rounds = _interleaved({"floor": lambda: floor(x, Wj).block_until_ready(),
                           "analog": lambda: analog(x, key).block_until_ready(),
                           "normals": lambda: normals(key).block_until_ready(),
                           "jax_normals": lambda: jax_normals(key).block_until_ready()},
                          5 if quick else 20, 0.3 if quick else 2.0)
    ratio = float(np.median(rounds["analog"] / rounds["floor"]))
    return {"floor_s": float(np.median(rounds["floor"])), "analog_s": float(np.median(rounds["analog"])),
            "normals_s": float(np.median(rounds["normals"])),
            "normals_over_floor": float(np.median(rounds["normals"] / rounds["floor"])),
            "jax_random_normals_s": float(np.median(rounds["jax_normals"])),
            "jax_random_over_fused": float(np.median(rounds["jax_normals"] / rounds["normals"])),
            "analog_over_floor": ratio, "backend": jax.default_backend(), "batch": batch,
            "target": {"analog_over_floor_max": 2.0, "met": ratio <= 2.0}}


def format_jax_table(res: dict[str, Any]) -> str:
    """Human-readable line of the JAX bench."""
    ok = "met" if res["target"]["met"] else "NOT met"
    return (f"JAX ({res['backend']}): jitted analog dense 512 x 512, batch {res['batch']}: {res['analog_s'] * 1e3:.3f} ms "
            f"vs jitted x @ W.T {res['floor_s'] * 1e3:.3f} ms -> {res['analog_over_floor']:.2f}x (target <= 2: {ok})")


def format_table(result: dict[str, Any]) -> str:
    """Human-readable table of a bench result."""
    t, r = result["timings"], result["ratios"]
    f32 = t["blas_floor_f32_s"]
    lines = [f"cimsim bench: {result['workload']['shape']} PCM array, batch {result['workload']['batch']}, "
             "8-bit DAC/ADC, per-MVM noise on",
             f"  {'step':<34}{'median (ms)':>12}{'x f32 floor':>12}"]
    for key, label in (("blas_floor_f32_s", "x @ W.T (float32, BLAS)"), ("blas_floor_x_at_WT_s", "x @ W.T (float64, BLAS)"),
                       ("mvm_numba_s", "R.mvm numba (float32)"), ("mvm_numba_f64_s", "R.mvm numba (float64)"),
                       ("mvm_numba_out_noise_only_s", "R.mvm numba, output noise only"),
                       ("mvm_numpy_s", "R.mvm numpy (float32)"), ("normals_draw_s", "per-MVM normals (parallel)"),
                       ("mvm_sliced_s", "sliced 4x2b, bit-serial 8b"),
                       ("program_s", "program(W, PCM)"), ("read_s", "A.read(t)")):
        lines.append(f"  {label:<34}{t[key] * 1e3:>12.3f}{t[key] / f32:>12.2f}")
    ok = "met" if result["target"]["met"] else "NOT met"
    lines.append(f"  numba f32 / f32 floor = {r['numba_f32_over_f32_floor']:.2f} (target <= {MVM_GOAL:g}: {ok}); "
                 f"f64 / f64 floor = {r['numba_f64_over_f64_floor']:.2f}; numpy / numba = {r['numpy_over_numba']:.2f}; "
                 f"sliced / f64 floor = {r['sliced_over_f64_floor']:.1f}")
    return "\n".join(lines)


def main(quick: bool, json_path: str | None, markdown_path: str | None = None,
         from_json: str | None = None, runs: int = 1) -> dict[str, Any]:
    """Runs the bench ``runs`` times (or reads a result written before, ``from_json``), prints the tables,
    writes the JSON and the performance page (cimsim.app.bench_report) when asked. With several runs the
    result is the last run's, and ``result["runs"]`` holds every run's goal ratios (bench_report.goals)."""
    from .bench_report import goals, write as write_markdown

    if from_json is not None:
        result = json.loads(Path(from_json).read_text())
        if markdown_path:
            write_markdown(result, markdown_path)
            print(f"wrote {markdown_path}")
        return result
    every = []
    for i in range(runs):
        if runs > 1:
            print(f"--- run {i + 1} of {runs} ---")
        result = _one_run(quick)
        every.append(goals(json.loads(json.dumps(plain(result)))))
    result["runs"] = every
    if json_path:
        write_json_atomic(Path(json_path), result)
        print(f"wrote {json_path}")
    if markdown_path:
        write_markdown(json.loads(json.dumps(plain(result))), markdown_path)  # as it reads back from the JSON
        print(f"wrote {markdown_path}")
    return result


def _one_run(quick: bool) -> dict[str, Any]:
    from .bench_report import machine_info

    result = run(quick=quick)
    result["machine_info"] = machine_info()
    print(format_table(result))
    result["ir_drop"] = run_ir_drop(quick=quick)
    print(format_ir_table(result["ir_drop"]))
    result["snn"] = run_snn(quick=quick)
    print(format_snn_table(result["snn"]))
    result["jax"] = run_jax(quick=quick)
    print(format_jax_table(result["jax"]))
    result["hwa_epoch"] = run_hwa_epoch(quick=quick)
    print(format_hwa_table(result["hwa_epoch"]))
    result["snn_training"] = run_snn_training(quick=quick)
    print(format_snn_training_table(result["snn_training"]))
    from .bench_models import bench_decode, bench_models, format_models_table

    result["models"] = bench_models(quick)
    print(format_models_table(result["models"]))
    if result["models"].get("available"):
        from .bench_models_peer import run_resnet_peer

        peer = run_resnet_peer(result["models"]["workload"]["batch"], quick)
        result["models"]["peer"] = peer
        if peer.get("available"):
            peer["aihwkit_over_cimsim"] = peer["aihwkit_step_s"] / result["models"]["train_step"]["hwa_s"]
            print(f"  aihwkit torch tile, the same HWA step: {peer['aihwkit_step_s'] * 1e3:.1f} ms "
                  f"({peer['aihwkit_over_torch']:.2f}x its torch step; {peer['aihwkit_over_cimsim']:.2f}x cimsim's)")
        else:
            print(f"  aihwkit ResNet-32 peer: not run ({peer['reason']})")
    result["decode"] = bench_decode(quick)
    d = result["decode"]
    print(f"char-lm decode step on PCM ({d['workload']['sequences']} sequences): {d['step']['analog_s'] * 1e3:.2f} ms "
          f"vs digital {d['step']['digital_s'] * 1e3:.2f} ms -> {d['step']['ratio']:.2f}x (target <= 3)")
    from .bench_peers import format_peers_table, run_mvm_peers

    result["mvm_peers"] = run_mvm_peers(quick)
    print(format_peers_table(result["mvm_peers"]))
    from .bench_circuit import bench_nonlinear, format_nonlinear_table

    result["nonlinear_ir_drop"] = bench_nonlinear(quick)
    print(format_nonlinear_table(result["nonlinear_ir_drop"]))
    return result


if __name__ == "__main__":  # pragma: no cover
    print(json.dumps(main(True, None)["ratios"]))
