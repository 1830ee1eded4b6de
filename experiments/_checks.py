"""Published-number checks: does each experiment's result lie within the stated tolerance of its source?

Each function takes the experiment's JSON (as written) and returns [(check, passed, detail), ...].
``cimsim reproduce --check`` runs them after the experiments and reports each line.
"""

from __future__ import annotations

import numpy as np


def _close(name, value, ref, rel):
    return (name, bool(abs(value - ref) <= rel * abs(ref)), f"{value:.4g} vs {ref:.4g} (tolerance {100 * rel:g} %)")


def pcm_model(d):
    c, pub, mc = d["curves"], d["published"], d["monte_carlo"]
    out = [_close("sigma_prog(g_max), model curve", c["sigma_prog_uS"][-1], pub["sigma_prog_at_gmax_uS"], 1e-3),
           _close("sigma_prog(0), model curve", c["sigma_prog_uS"][0], pub["sigma_prog_at_0_uS"], 2e-3)]
    g = np.asarray(mc["g_target_uS"])
    sel = g >= 5
    ref = 0.26348 + 1.9650 * g / 25 - 1.1731 * (g / 25) ** 2
    worst = float(np.max(np.abs(np.asarray(mc["sigma_prog_uS"])[sel] / ref[sel] - 1)))
    out.append(("Monte Carlo sigma_prog within 5 % of the fit (g >= 5 uS)", worst <= 0.05, f"worst {100 * worst:.2f} %"))
    return out


def tile_drift(d):
    e, labels = d["relative_error"], d["times"]["labels"]
    i = labels.index("1 y")
    return [("GDC lowers the 1-year error (Joshi et al. 2020)", e["gdc"]["mean"][i] < e["no_gdc"]["mean"][i],
             f"{e['gdc']['mean'][i]:.3f} with vs {e['no_gdc']['mean'][i]:.3f} without")]


def ir_drop(d):
    sizes, rs = d["config"]["sizes"], d["config"]["r_ohm"]
    out = []
    for n in (64, 128, 256, 512):
        if n in sizes and all(r in rs for r in d["published"]["r_ohm"]):
            for r, ref in zip(d["published"]["r_ohm"], d["published"][f"n{n}"]):
                out.append(_close(f"IR error n={n}, r={r} ohm (REFERENCES.md s.3)",
                                  d["relative_error"][sizes.index(n)][rs.index(r)], ref, 0.08))
    for p in d["ngspice"]:
        out.append((f"solver vs ngspice n={p['n']}, r={p['r_ohm']}", p["max_rel_diff_solver_vs_ngspice"] <= 1e-6,
                    f"{p['max_rel_diff_solver_vs_ngspice']:.1e}"))
    return out


def cuba(d):
    scale = d["config"]["duration_s"]
    return [_close("CUBA spikes (REFERENCES.md s.8)", d["counts"]["spikes"], d["published"]["spikes"] * scale, 0.2),
            _close("CUBA synaptic events", d["counts"]["synaptic_events"], d["published"]["synaptic_events"] * scale, 0.2)]


def snn_conversion(d):
    Ts = d["config"]["T"]
    out = []
    for r in d["results"]:
        best = max(a for a, T in zip(r["accuracy"], Ts) if T <= 20)
        out.append((f"{r['method']} {r['percentile'] or ''} reset {r['reset']}: within 0.5 points of the ANN at T <= 20",
                    best >= d["ann_accuracy"] - 0.005, f"{100 * best:.2f} vs ANN {100 * d['ann_accuracy']:.2f}"))
    return out


def hwa_drift(d):
    acc = d["accuracy"]
    i = d["config"]["times"].index("1 y")
    return [("HWA above FP at 1 y, with GDC (REFERENCES.md s.2)", acc["HWA, GDC"]["mean"][i] > acc["FP, GDC"]["mean"][i],
             f"{acc['HWA, GDC']['mean'][i]:.4f} vs {acc['FP, GDC']['mean'][i]:.4f}"),
            ("GDC helps the FP-trained net at 1 y", acc["FP, GDC"]["mean"][i] >= acc["FP, no GDC"]["mean"][i],
             f"{acc['FP, GDC']['mean'][i]:.4f} vs {acc['FP, no GDC']['mean'][i]:.4f}")]


def hwa_noise_grid(d):
    a = np.asarray(d["accuracy"])
    return [("training noise helps under the largest inference noise (Joshi et al. 2020 Fig. 2)",
             bool(a[-1, -1] > a[0, -1]), f"{a[-1, -1]:.4f} (trained noisy) vs {a[0, -1]:.4f} (FP)")]


def seed_claims(d):
    att = d["claims"][0]
    return [_close("analog attention energy per token (Leroux et al. 2025: 73.8 nJ)", att["analog_nJ_per_token"], 73.8, 1e-3)]


CHECKS = {"pcm-model": pcm_model, "tile-drift": tile_drift, "ir-drop": ir_drop, "cuba": cuba,
          "snn-conversion": snn_conversion, "hwa-drift": hwa_drift, "hwa-noise-grid": hwa_noise_grid,
          "seed-claims": seed_claims}
