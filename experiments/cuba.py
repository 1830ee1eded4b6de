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
    """Counts against the published values of the benchmark, scaled to the simulated duration."""
    plt = pyplot()
    scale = data["config"]["duration_s"]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    names = ["spikes", "synaptic_events"]
    ours = [data["counts"][k] for k in names]
    pub = [data["published"][k] * scale for k in names]
    x = np.arange(len(names))
    ax.bar(x - 0.2, ours, 0.4, label="cimsim/snn (this run)")
    ax.bar(x + 0.2, pub, 0.4, label=f"published x {scale:g} s")
    ax.set_yscale("log")
    ax.set_xticks(x, names)
    ax.set_title(f"CUBA, 4000 LIF neurons, {scale:g} s")
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, png)
