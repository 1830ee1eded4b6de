"""snn-conversion: accuracy vs time steps T (5, 10, 20, 50, 100) of the digits MLP (64-128-64-10) converted
to a spiking network with max normalization (Diehl et al. 2015, reset to zero and reset by subtraction) and
99.9 / 99th-percentile normalization with reset by subtraction (Rueckauer et al. 2017), beside the ANN's
accuracy; plus synaptic events per inference. One Brian2 run of 100 steps per method gives every T.
Target: within 0.5 points of the ANN at T <= 20 (docs/references.md s.8: 97.41 ANN, 97.59 at T = 20)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from cimsim.app.results import finish, provenance, pyplot, save_figure

NAME = "snn-conversion"
METHODS = [("max", None, "zero"), ("max", None, "subtract"), ("percentile", 99.9, "subtract"),
           ("percentile", 99.0, "subtract")]


def main(seed: int = 0, out_dir: str | Path = "results", quick: bool = False) -> Path:
    """Runs the conversion sweep; writes snn-conversion.json then snn-conversion.png."""
    from cimsim.workloads import load_digits_split, train_mlp
    from snn import convert_mlp

    x_tr, _, x_te, y_te = load_digits_split()
    if quick:
        x_te, y_te = x_te[:120], y_te[:120]
    Ts = [5, 10, 20] if quick else [5, 10, 20, 50, 100]
    mlp = train_mlp(hidden=(128, 64), seed=seed)
    ann = float(np.mean(np.argmax(mlp.forward(x_te), axis=1) == y_te))
    results = []
    for method, p, reset in tqdm(METHODS, desc=NAME, leave=False):
        snn = convert_mlp(mlp, x_tr, method=method, percentile=p or 99.9)
        res = snn.simulate(x_te, steps=max(Ts), reset=reset)
        results.append({"method": method, "percentile": p, "reset": reset, "scales": list(snn.scales),
                        "accuracy": [float(np.mean(res.predict(T) == y_te)) for T in Ts],
                        "synaptic_events_per_inference": [res.counts(T).per_inference()["synaptic_events"] for T in Ts],
                        "spikes_per_inference": [res.counts(T).per_inference()["spikes"] for T in Ts]})
    payload = provenance(NAME, seed, quick, {"layers": mlp.layers, "T": Ts, "test_images": len(y_te),
                                             "encoder": "current", "neuron": "if"})
    payload["ann_accuracy"] = ann
    payload["results"] = results
    payload["published"] = {"source": "docs/references.md s.8", "ann": 0.9741, "max_T10": 0.9704, "max_T20": 0.9759,
                            "p999_T5": 0.9667}
    return finish(NAME, Path(out_dir), payload, plot)


def plot(data: dict, png: Path) -> None:
    """Accuracy vs T per method with the ANN line; synaptic events vs T."""
    plt = pyplot()
    Ts = data["config"]["T"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for r in data["results"]:
        label = f"{r['method']}{'' if r['percentile'] is None else ' ' + str(r['percentile'])}, reset {r['reset']}"
        axes[0].plot(Ts, [100 * a for a in r["accuracy"]], "o-", label=label)
        axes[1].plot(Ts, r["synaptic_events_per_inference"], "o-", label=label)
    axes[0].axhline(100 * data["ann_accuracy"], color="k", ls="--", label="ANN")
    axes[0].axhspan(100 * data["ann_accuracy"] - 0.5, 100 * data["ann_accuracy"] + 0.5, color="k", alpha=0.08)
    axes[0].set_ylabel("test accuracy (%)")
    axes[1].set_ylabel("synaptic events per inference")
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xticks(Ts, [str(t) for t in Ts])
        ax.minorticks_off()
        ax.set_xlabel("time steps T")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    axes[0].set_title(f"digits MLP {data['config']['layers']} as an SNN")
    fig.tight_layout()
    save_figure(fig, png)
