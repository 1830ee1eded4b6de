"""Speed of the circuit solvers as ratios measured in one run: the nonlinear (sinh-cell) IR-drop solve
against the linear one on the same array and inputs.

Workload: G ~ U[1, 25] uS, r_row = r_col = 1 ohm, read voltages v ~ U[0, v_max] V, cells SinhIV with
V0 = 0.25 V (docs/references.md s.11). The two solves run back to back in interleaved rounds; the ratio
is the median over rounds of the per-round ratio, so a slow spell of a shared machine hits both alike.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from cimsim.circuit import SinhIV, solve_ir_drop, solve_ir_drop_nonlinear


def bench_nonlinear(quick: bool = False, seed: int = 0) -> dict[str, Any]:
    """Times solve_ir_drop_nonlinear (SinhIV) against solve_ir_drop on one n x n array.

    Args:
        quick: 512 x 512 and 2 rounds instead of 1024 x 1024 and 5 rounds.
        seed: seed of the array and the inputs.

    Returns:
        JSON-ready dict: workload, per-v_max median times (s), Newton and CG iterations, the ratio
        nonlinear / linear per v_max, and the target (ratio <= 5 at every v_max).
    """
    n, rounds = (512, 2) if quick else (1024, 5)
    r, law = 1.0, SinhIV()
    rng = np.random.default_rng(seed)
    G = rng.uniform(1e-6, 25e-6, (n, n))
    out: dict[str, Any] = {"workload": {"n": n, "r_ohm": r, "G_uS": [1, 25], "law": repr(law), "rounds": rounds,
                                        "tol": 1e-10}, "cases": []}
    for v_max in (0.2, 0.5):
        v = rng.uniform(0.0, v_max, n)
        _, lin_info = solve_ir_drop(G, v, r, r, return_info=True)  # warm-up (compilation)
        _, nl_info = solve_ir_drop_nonlinear(G, v, r, r, law, return_info=True)
        t_lin, t_nl = [], []
        for _ in range(rounds):
            t0 = time.perf_counter()
            solve_ir_drop(G, v, r, r)
            t1 = time.perf_counter()
            solve_ir_drop_nonlinear(G, v, r, r, law)
            t_lin.append(t1 - t0)
            t_nl.append(time.perf_counter() - t1)
        out["cases"].append({
            "v_max_V": v_max, "linear_s": float(np.median(t_lin)), "nonlinear_s": float(np.median(t_nl)),
            "ratio": float(np.median(np.array(t_nl) / np.array(t_lin))), "linear_cg_iterations": lin_info.iterations,
            "newton_iterations": nl_info.newton_iterations, "nonlinear_cg_iterations": nl_info.cg_iterations})
    worst = max(c["ratio"] for c in out["cases"])
    out["target"] = {"ratio_max": 5.0, "met": bool(worst <= 5.0)}
    return out


def format_nonlinear_table(res: dict[str, Any]) -> str:
    """Human-readable lines of bench_nonlinear."""
    w = res["workload"]
    lines = [f"Nonlinear (sinh, V0 = 0.25 V) vs linear IR-drop solve, {w['n']} x {w['n']}, r = {w['r_ohm']} ohm:"]
    for c in res["cases"]:
        lines.append(f"  v ~ U[0, {c['v_max_V']}] V: linear {c['linear_s'] * 1e3:.0f} ms "
                     f"({c['linear_cg_iterations']} CG), nonlinear {c['nonlinear_s'] * 1e3:.0f} ms ({c['newton_iterations']} Newton, "
                     f"{c['nonlinear_cg_iterations']} CG) -> {c['ratio']:.2f}x")
    lines.append(f"  target <= 5x: {'met' if res['target']['met'] else 'NOT met'}")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    import sys

    print(format_nonlinear_table(bench_nonlinear(quick="--quick" in sys.argv)))
