"""snn-training: the digits SNN (64-32-10, IF, reset by subtraction, current-encoded input) trained directly
with surrogate gradients in JAX at T = 2, 4, 8, 16, against the same MLP (cimsim.workloads.train_mlp)
converted (99.9th-percentile normalization) at the same T. Both run on Brian2; the trained network's
Brian2 spikes are compared with its JAX run (float64) neuron by neuron. Per T: accuracy, spikes and
synaptic events per inference, energy per inference (Loihi profile of the ledger). Then both networks'
synapses on PCM crossbars (GDC on) from 1 s to 10 years at T = 8, and the neuron/reset/encoder/surrogate
variants at T = 8. Target: the trained SNN within 1 point of the ANN at T <= 8."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from cimsim.app.results import finish, provenance, pyplot, save_figure

from ._common import dodge, time_axis

NAME = "snn-training"
TS = (2, 4, 8, 16)
T_CROSSBAR = 8
HIDDEN = (32,)
YEAR = 365.25 * 86400
TIMES = {"1 s": 1.0, "1 h": 3600.0, "1 d": 86400.0, "1 y": YEAR, "10 y": 10 * YEAR}
VARIANTS = ((("neuron", "lif"),), (("reset", "zero"),), (("surrogate", "arctan"),), (("encoder", "poisson"),),
            (("encoder", "latency"),))


def main(seed: int = 0, out_dir: str | Path = "results", quick: bool = False) -> Path:
    """Trains, converts, runs and compares; writes snn-training.json then snn-training.png."""
    from cimsim.app.snn_rows import EPOCHS, TRAINING
    from cimsim.workloads import load_digits_split, train_mlp

    samples = 150 if quick else None
    epochs = 30 if quick else EPOCHS
    x_tr, _, x_te, y_te = load_digits_split()
    mlp = train_mlp(hidden=HIDDEN, seed=seed)
    ann = float(np.mean(np.argmax(mlp.forward(x_te[:samples]), axis=1) == y_te[:samples]))
    trained = [_trained(T, seed, epochs, samples) for T in tqdm(TS, desc=NAME, leave=False)]
    converted = _converted(mlp, x_tr, x_te[:samples], y_te[:samples])
    times = list(TIMES)[:: 2 if quick else 1]
    payload = provenance(NAME, seed, quick, {
        "layers": mlp.layers, "T": list(TS), "test_images": int(len(y_te[:samples])), "training": dict(TRAINING),
        "epochs": epochs, "batch": 64, "optimizer": "Adam, lr 1e-2 cosine-decayed to 1e-3", "weights_grid": "2^-16",
        "conversion": "percentile 99.9, reset subtract", "profile": "loihi", "crossbar_T": T_CROSSBAR,
        "crossbar_preset": "PCM, GDC on", "times": times, "noise_seeds": 2 if quick else 5})
    payload.update(ann_accuracy=ann, trained=trained, converted=converted,
                   crossbar=_crossbar(mlp, x_tr, seed, epochs, samples, times, 2 if quick else 5),
                   variants=[_variant(v, seed, epochs, samples) for v in VARIANTS])
    return finish(NAME, Path(out_dir), payload, plot)


def _trained(T: int, seed: int, epochs: int, samples: int | None) -> dict:
    """One directly trained network: Brian2 accuracy, counts and energy; JAX float64 against Brian2."""
    from cimsim.app.snn_rows import evaluate_trained, priced, train_snn

    net = train_snn(HIDDEN, T=T, seed=seed, epochs=epochs)
    res, y = evaluate_trained(net, samples=samples, seed=seed)
    c, led = priced(res, T)
    eq, eq_raw, jax_acc = _equality(net, res, seed, samples)
    return {"T": T, "accuracy": float(np.mean(res.predict(T) == y)), "accuracy_jax": jax_acc,
            "spikes_per_inference": c.per_inference()["spikes"],
            "synaptic_events_per_inference": c.per_inference()["synaptic_events"],
            "energy_J_per_inference": led.per_inference_J, "energy_label": led.label,
            "energy_by_operation_J": led.by("operation"), "final_loss": net.losses[-1],
            "equality": eq, "equality_unrounded_weights": eq_raw}


def _equality(net, res, seed: int, samples: int | None):
    """Spike counts of the JAX float64 run against Brian2's: on the grid (Brian2's order), and with the
    weights as trained (float32, summed at once) against a Brian2 run of those weights."""
    from cimsim.app.snn_rows import test_set
    from snn.jx.export import compare, run_brian2, run_float64, to_sim_result

    x, y, spikes_in = test_set(net, samples=samples, seed=seed)
    r = run_float64(net.weights, net.biases, x, net.config, spikes_in=spikes_in)
    eq = compare(r, res, threshold=net.config.threshold)
    jax_acc = float(np.mean(to_sim_result(r, n_in=x.shape[1]).predict(net.config.steps) == y))
    Ws, bs = [W for W, _ in net.raw_params], [b for _, b in net.raw_params]
    r_raw = run_float64(Ws, bs, x, net.config, spikes_in=spikes_in, order="matmul")
    eq_raw = compare(r_raw, run_brian2(Ws, bs, x, net.config, spikes_in=spikes_in), threshold=net.config.threshold)
    return eq, eq_raw, jax_acc


def _converted(mlp, x_tr, x, y) -> dict:
    """The MLP converted (99.9th percentile, reset by subtraction), one Brian2 run of max(TS) steps."""
    from cimsim.app.snn_rows import priced
    from snn import convert_mlp

    snn = convert_mlp(mlp, x_tr, method="percentile", percentile=99.9)
    res = snn.simulate(x, steps=max(TS))
    out = {"T": list(TS), "accuracy": [], "spikes_per_inference": [], "synaptic_events_per_inference": [],
           "energy_J_per_inference": []}
    for T in TS:
        c, led = priced(res, T)
        out["accuracy"].append(float(np.mean(res.predict(T) == y)))
        out["spikes_per_inference"].append(c.per_inference()["spikes"])
        out["synaptic_events_per_inference"].append(c.per_inference()["synaptic_events"])
        out["energy_J_per_inference"].append(led.per_inference_J)
    return out


def _crossbar(mlp, x_tr, seed: int, epochs: int, samples: int | None, times: list[str], n_seeds: int) -> dict:
    """Accuracy of both networks at T_CROSSBAR with their synapses on PCM (GDC on), per noise seed; the two
    networks see the same programming and read draws (same generator seeds)."""
    from cimsim import presets
    from cimsim.app.snn_rows import test_set, train_snn
    from snn import convert_mlp, simulate
    from snn.crossbar import crossbar_weights

    net = train_snn(HIDDEN, T=T_CROSSBAR, seed=seed, epochs=epochs)
    conv = convert_mlp(mlp, x_tr, method="percentile", percentile=99.9)
    x, y, _ = test_set(net, samples=samples)
    cfg = dataclasses.replace(presets.PCM, gdc=True)
    acc = {"trained": [], "converted": []}
    for s in range(n_seeds):
        # the trained network takes x itself; the converted one x / lambda_0 (ConvertedSNN.encode)
        for arm, (Ws, bs, xin) in (("trained", (net.weights, net.biases, x)),
                                   ("converted", (conv.weights, conv.biases, conv.encode(x)))):
            row = []
            for i, name in enumerate(times):
                rng = np.random.default_rng([seed, s, i])
                W_xb = crossbar_weights(Ws, cfg, t_s=TIMES[name], rng=rng)
                row.append(float(np.mean(simulate(W_xb, bs, xin, steps=T_CROSSBAR).predict(T_CROSSBAR) == y)))
            acc[arm].append(row)
    return {"T": T_CROSSBAR, "times_s": [TIMES[t] for t in times], "per_seed": acc,
            "mean": {k: np.mean(v, axis=0) for k, v in acc.items()},
            "std": {k: np.std(v, axis=0) for k, v in acc.items()}}


def _variant(variant: tuple, seed: int, epochs: int, samples: int | None) -> dict:
    """Another neuron, reset, surrogate or encoder at T = 8: accuracy, spikes, spike equality."""
    from cimsim.app.snn_rows import evaluate_trained, priced, train_snn

    net = train_snn(HIDDEN, T=8, seed=seed, epochs=epochs, variant=variant)
    res, y = evaluate_trained(net, samples=samples, seed=seed)
    c, led = priced(res, 8)
    eq, _, _ = _equality(net, res, seed, samples)
    return {"variant": dict(variant), "T": 8, "accuracy": float(np.mean(res.predict(8) == y)),
            "spikes_per_inference": c.per_inference()["spikes"],
            "synaptic_events_per_inference": c.per_inference()["synaptic_events"],
            "energy_J_per_inference": led.per_inference_J, "spike_counts_equal": eq["equal"],
            "mismatched": eq["mismatched"]}


def plot(data: dict, png: Path) -> None:
    """Accuracy vs T, energy per inference vs T (trained vs converted), accuracy on PCM over time."""
    plt = pyplot()
    Ts = data["config"]["T"]
    tr, cv = data["trained"], data["converted"]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    ax = axes[0]
    ax.plot(Ts, [100 * t["accuracy"] for t in tr], "o-", label="trained (surrogate gradients)")
    ax.plot(Ts, [100 * a for a in cv["accuracy"]], "s-", label="converted (99.9 % percentile)")
    ann = 100 * data["ann_accuracy"]
    ax.axhline(ann, color="k", ls="--", label="ANN")
    ax.axhspan(ann - 1, ann + 1, color="k", alpha=0.08, label="ANN +- 1 point")
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(max(0.0, min([100 * t["accuracy"] for t in tr] + [100 * a for a in cv["accuracy"]]) - 5), 100)
    pairs = sum(sum(t["equality"]["pairs"]) for t in tr)
    same = all(t["equality"]["equal"] for t in tr)
    ax.set_title(f"Brian2 = JAX spike counts: {'yes' if same else 'NO'} ({pairs} neuron-sample counts)", fontsize=9)
    ax = axes[1]
    arms = (("trained", [t["accuracy"] for t in tr], [t["energy_J_per_inference"] for t in tr], "o-", 5),
            ("converted", cv["accuracy"], cv["energy_J_per_inference"], "s-", -11))
    for label, accs, energies, marker, dy in arms:
        ax.plot([1e9 * e for e in energies], [100 * a for a in accs], marker, label=label)
        for T, e, a in zip(Ts, energies, accs):
            ax.annotate(f"T={T}", (1e9 * e, 100 * a), fontsize=7, textcoords="offset points", xytext=(3, dy))
    ax.axhline(ann, color="k", ls="--", label="ANN")
    ax.set_xscale("log")
    ticks = [t for t in (10, 20, 50, 100, 200, 500, 1000)
             if 0.5 * min(cv["energy_J_per_inference"]) * 1e9 <= t <= 2 * max(cv["energy_J_per_inference"]) * 1e9]
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.minorticks_off()
    ax.set_xlabel(f"energy per inference (nJ, {data['config']['profile']} profile of the ledger)")
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(axes[0].get_ylim())
    ax.set_title("accuracy vs energy (SOPs, neuron updates, spikes, input MACs)", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    ax = axes[0]
    ax.set_xscale("log", base=2)
    ax.set_xticks(Ts, [str(t) for t in Ts])
    ax.minorticks_off()
    ax.set_xlabel("time steps T")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    xb = data["crossbar"]
    t = np.asarray(xb["times_s"])
    for i, (key, label) in enumerate((("trained", "trained"), ("converted", "converted"))):
        axes[2].errorbar(dodge(t, i, 2), 100 * np.asarray(xb["mean"][key]), yerr=100 * np.asarray(xb["std"][key]),
                         marker="o",
                         capsize=3, label=f"{label}, synapses on PCM (GDC)")
    digital = {"trained": next(x["accuracy"] for x in tr if x["T"] == xb["T"]),
               "converted": cv["accuracy"][Ts.index(xb["T"])]}
    for key, color in (("trained", "tab:blue"), ("converted", "tab:orange")):
        axes[2].axhline(100 * digital[key], color=color, ls=":", lw=1, label=f"{key}, digital synapses")
    time_axis(axes[2], t, data["config"]["times"], "test accuracy (%)")
    axes[2].set_title(f"T = {xb['T']}, {data['config']['noise_seeds']} noise seeds", fontsize=9)
    axes[2].legend(fontsize=7)
    layers = "-".join(str(n) for n in [data["config"]["layers"][0][0]] + [o for _, o in data["config"]["layers"]])
    fig.suptitle(f"digits SNN {layers}: trained directly (surrogate gradients) vs converted")
    fig.tight_layout()
    save_figure(fig, png)
