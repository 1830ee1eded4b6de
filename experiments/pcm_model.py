"""pcm-model: the four fitted curves of the PCM model with Monte Carlo samples drawn through PCMDevice.

Curves (docs/references.md s.1, Joshi et al. 2020): sigma_prog(g_T), mu_nu(g_T), sigma_nu(g_T), Q_s(g). Monte
Carlo: at each target g_T, n devices are programmed and read through cimsim.devices.PCMDevice, and
    sigma_prog  <- std(g_prog - g_T)                      (clipping at 0 lowers it near g_T = 0)
    mu_nu, sigma_nu <- mean, std of nu                   (nu = |N(mu, sigma)|: folding raises the mean)
    Q_s         <- std(g / g_drift - 1) / sqrt(ln((t + t_read) / (2 t_read)))   at t_s = 1 h
The published check values sigma_prog(g_max) = 1.055 uS and sigma_prog(0) = 0.263 uS are stored beside.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cimsim.app.results import finish, provenance, pyplot
from cimsim.devices import PCMDevice
from cimsim.devices import _pcm as pcm

NAME = "pcm-model"
T_READ_AT_S = 3600.0


def main(seed: int = 0, out_dir: str | Path = "results", quick: bool = False) -> Path:
    """Computes curves and Monte Carlo estimates; writes pcm-model.json then pcm-model.png."""
    rng = np.random.default_rng(seed)
    dev = PCMDevice()
    g_max = dev.g_max_S
    n_dev = 4000 if quick else 40000
    g_curve = np.linspace(0.0, g_max, 101)
    g_mc = np.linspace(0.0, g_max, 6 if quick else 11)
    mu, sd = pcm.drift_params(g_curve, g_max)
    mc = {"g_target_uS": [], "sigma_prog_uS": [], "mu_nu": [], "sigma_nu": [], "q_s": []}
    t = T_READ_AT_S + dev.t0_s
    log_term = np.sqrt(np.log((t + dev.t_read_s) / (2 * dev.t_read_s)))
    for g_t in g_mc:
        state = dev.program(np.full(n_dev, g_t), rng)
        g_read = dev.read(state, T_READ_AT_S, rng)
        g_drift = dev.drifted(state, T_READ_AT_S)
        ok = g_drift > 0
        mc["g_target_uS"].append(g_t * 1e6)
        mc["sigma_prog_uS"].append(float(np.std(state.g_prog_S - g_t)) * 1e6)
        mc["mu_nu"].append(float(state.nu.mean()))
        mc["sigma_nu"].append(float(state.nu.std()))
        mc["q_s"].append(float(np.std(g_read[ok] / g_drift[ok] - 1.0)) / log_term if ok.any() else None)
    payload = provenance(NAME, seed, quick, {"device": "PCMDevice()", "n_devices_per_point": n_dev,
                                             "read_at_s": T_READ_AT_S})
    payload["curves"] = {
        "g_uS": g_curve * 1e6,
        "sigma_prog_uS": pcm.sigma_prog_S(g_curve, g_max) * 1e6,
        "mu_nu": mu, "sigma_nu": sd,
        "q_s": pcm.q_s(g_curve, g_max),
    }
    payload["monte_carlo"] = mc
    payload["published"] = {"source": "Joshi et al. 2020 via docs/references.md s.1",
                            "sigma_prog_at_gmax_uS": 1.055, "sigma_prog_at_0_uS": 0.263}
    return finish(NAME, Path(out_dir), payload, plot)


def plot(data: dict, png: Path) -> None:
    """Four panels: model curves as lines, Monte Carlo estimates as points."""
    plt = pyplot()
    c, mc = data["curves"], data["monte_carlo"]
    fig, axes = plt.subplots(2, 2, figsize=(9, 6.5))
    panels = [("sigma_prog_uS", "programming noise $\\sigma_{prog}$ (uS)"), ("mu_nu", "drift exponent mean $\\mu_\\nu$"),
              ("sigma_nu", "drift exponent std $\\sigma_\\nu$"), ("q_s", "1/f read noise $Q_s$")]
    for ax, (key, label) in zip(axes.ravel(), panels):
        ax.plot(c["g_uS"], c[key], "-", label="model (Joshi et al. 2020)")
        pts = [(g, y) for g, y in zip(mc["g_target_uS"], mc[key]) if y is not None]
        ax.plot([p[0] for p in pts], [p[1] for p in pts], "o", label="Monte Carlo (PCMDevice)")
        ax.set_xlabel("target conductance $g_T$ (uS)")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=8)
    axes[1, 1].set_yscale("log")
    fig.suptitle(f"PCM statistical model, {data['config']['n_devices_per_point']} devices per point")
    fig.tight_layout()
    from cimsim.app.results import save_figure

    save_figure(fig, png)
