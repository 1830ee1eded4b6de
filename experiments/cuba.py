"""cuba: the Vogels-Abbott CUBA benchmark (Brian2 examples/CUBA.py) with exact spike and synaptic-event
counts; the counts are checked against Brian2's own on_pre counter in the tests, and events per second and
the cost of counting are measured by cimsim bench (timings would break the JSON's determinism).
Full mode also runs a cpp_standalone sweep of the excitatory weight, compiled once and re-run with
device.run(run_args=...)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cimsim.app.results import finish, provenance, pyplot, save_figure

NAME = "cuba"


def main(seed: int = 0, out_dir: str | Path = "results", quick: bool = False) -> Path:
    """Runs CUBA (0.2 s in quick mode, 1 s otherwise); writes cuba.json then cuba.png."""
    from snn import cuba

    duration = 0.2 if quick else 1.0
    res = cuba.run(rng=np.random.default_rng(seed), duration_s=duration)
    payload = provenance(NAME, seed, quick, {"neurons": cuba.N, "p_connect": cuba.P_CONN, "duration_s": duration,
                                             "dt_s": 1e-4, "target": "numpy"})
    counts = {k: res[k] for k in ("neurons", "synapses", "spikes", "synaptic_events", "neuron_updates")}
    payload["counts"] = counts
    payload["published"] = {"source": "docs/references.md s.8 (Brian2 examples/CUBA.py, 1 s)", "spikes": 21500,
                            "synaptic_events": 1.73e6}
    if not quick:
        sweep = cuba.sweep_standalone([1.0, 1.62, 2.5], rng=np.random.default_rng(seed), duration_s=duration)
        payload["standalone_sweep"] = {"compile_s": sweep["compile_s"],
                                       "runs": [{k: r[k] for k in ("we_mV", "spikes", "synaptic_events")}
                                                for r in sweep["runs"]]}
    # wall-clock speeds (events/s, counting overhead) vary run to run: cimsim bench reports them
    return finish(NAME, Path(out_dir), payload, plot)


def plot(data: dict, png: Path) -> None:
    """Left: this run's counts over the published ones (scaled to the duration), with the check's +-20 % band.
    Right, when the compiled sweep ran: spikes and synaptic events against the excitatory weight."""
    plt = pyplot()
    scale = data["config"]["duration_s"]
    sweep = data.get("standalone_sweep") or {}
    fig, axes = plt.subplots(1, 2 if sweep.get("runs") else 1, figsize=(9 if sweep.get("runs") else 5, 3.5),
                             squeeze=False)
    ax = axes[0, 0]
    names = ["spikes", "synaptic_events"]
    ratio = [data["counts"][k] / (data["published"][k] * scale) for k in names]
    ax.axhspan(0.8, 1.2, color="0.9", label="check tolerance (+-20 %)")
    ax.axhline(1.0, color="k", lw=0.8)
    ax.plot(range(len(names)), ratio, "o", ms=9, label="this run / published")
    for i, (k, r) in enumerate(zip(names, ratio)):
        ax.annotate(f"{data['counts'][k]:,} vs {data['published'][k] * scale:,.0f}", (i, r), textcoords="offset points",
                    xytext=(0, 10), ha="center", fontsize=7)
    ax.set_xticks(range(len(names)), ["spikes", "synaptic events"])
    ax.set_xlim(-0.5, len(names) - 0.5)
    ax.set_ylim(0.6, 1.4)
    ax.set_ylabel("count / published")
    ax.set_title(f"CUBA, 4000 LIF neurons, {scale:g} s", fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    if sweep.get("runs"):
        bx = axes[0, 1]
        we = [r["we_mV"] for r in sweep["runs"]]
        spikes = [r["spikes"] for r in sweep["runs"]]
        bx.plot(we, spikes, "o-")
        for w, n, r in zip(we, spikes, sweep["runs"]):  # events = spikes x out-degree: the same curve, so as text
            bx.annotate(f"{r['synaptic_events']:,} events", (w, n), textcoords="offset points", xytext=(-6, 6), ha="right",
                        fontsize=7)
        bx.set_xlabel("excitatory weight we (mV)")
        bx.set_ylabel(f"spikes in {scale:g} s")
        bx.set_title(f"cpp_standalone: one compile ({sweep['compile_s']:.1f} s), re-run per weight", fontsize=10)
        bx.grid(alpha=0.3)
    fig.tight_layout()
    save_figure(fig, png)
