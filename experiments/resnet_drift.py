"""resnet-drift: the Joshi et al. 2020 study at ResNet scale. A CIFAR ResNet (experiments/models.py) trained
in floating point (FP) and hardware-aware (HWA, cimsim.jx.HWAConfig defaults: eta 0.08, 8-bit DAC/ADC,
output noise 0.04, clipping at 2.5 sigma), every conv and the dense layer on PCM crossbars (preset PCM,
through cimsim.jx.analog_model; BatchNorm, ReLU, pooling and the option-A shortcuts digital), test accuracy
1 s, 1 h, 1 d, 1 y and 10 y after programming, with and without GDC.

Pairing. Noise seed s gives one key; every arm (FP / HWA x GDC on / off) and every time uses it the same
way (programming, read and per-MVM draws, as ``AnalogModel.inference``; GDC draws nothing), so the
per-seed accuracies pair across arms and times (experiments/_checks.py compares paired differences).

Training. FP: SGD with momentum 0.9, weight decay 1e-4, cosine learning rate from 0.1 (He et al. 2016),
BatchNorm on the batch. HWA: fine-tuned from the FP weights (Rasch et al. 2023 start HWA training from a
pre-trained network) with the HWA forward on every mapped product, cosine from 0.02, weights clipped after
every step. One jitted step per mini-batch: on XLA's CPU backend a whole epoch as one lax.scan ran 4x slower
(the convolutions inside a loop body lose their fast path).

Data. Default: the shipped digits (sklearn, 1347 train / 450 test) upsampled by nearest neighbour to
16 x 16 x 3 for ResNet-20 (every crossbar matrix as at 32 x 32, with 4x fewer MVMs per image; about 10
minutes on two cores); quick mode: ResNet-8 on the 8 x 8 x 3 digits, 3 noise seeds (about a minute). ``data=PATH`` (a CIFAR-10 binary folder, an MNIST folder or a .npz; see
experiments/datasets.py): CIFAR-10 runs ResNet-32 at 32 x 32 with random crops and flips (the paper's
setting; hours on a GPU, days on a CPU); other data runs ResNet-20 at its own size.

References: Joshi et al., Nat. Commun. 11:2473 (2020); He et al., CVPR 2016; Rasch et al., Nat. Commun.
14:5282 (2023); docs/references.md s.1-2.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from tqdm.auto import tqdm

from cimsim.app.results import finish, provenance, pyplot, save_figure

from ._common import time_axis

NAME = "resnet-drift"
YEAR = 365.25 * 86400
TIMES = {"1 s": 1.0, "1 h": 3600.0, "1 d": 86400.0, "1 y": YEAR, "10 y": 10 * YEAR}
# Joshi et al. 2020: abstract (verified): 93.7 % on CIFAR-10 after mapping to PCM; hardware ResNet-32 above
# 93.5 % over one day. Approximate, from the paper's figures (not re-verified here): software baseline
# 93.87 %; PCM simulation of the HWA-trained net with GDC at 1 y about 92.6 %.
PUBLISHED = {"source": "Joshi et al., Nat. Commun. 11:2473 (2020), ResNet-32 on CIFAR-10",
             "software": 0.9387, "pcm_after_mapping": 0.937, "hardware_1_d_at_least": 0.935, "hwa_gdc_1_y": 0.926,
             "verified": ["pcm_after_mapping", "hardware_1_d_at_least"]}
SETTINGS = {  # (data kind, quick) -> run sizes
    ("digits", True): dict(depth=8, size=8, batch=64, fp_epochs=8, hwa_epochs=2, seeds=3, test_images=450),
    ("digits", False): dict(depth=20, size=16, batch=64, fp_epochs=30, hwa_epochs=10, seeds=10, test_images=450),
    ("cifar10", True): dict(depth=32, size=32, batch=128, fp_epochs=2, hwa_epochs=1, seeds=3, test_images=1000),
    ("cifar10", False): dict(depth=32, size=32, batch=128, fp_epochs=160, hwa_epochs=40, seeds=10, test_images=10000),
    ("other", True): dict(depth=20, size=None, batch=128, fp_epochs=2, hwa_epochs=1, seeds=3, test_images=1000),
    ("other", False): dict(depth=20, size=None, batch=128, fp_epochs=60, hwa_epochs=15, seeds=10, test_images=None),
}
CHUNK = 500  # test images per forward (bounds the im2col patches' memory)


class State(NamedTuple):
    """Training state (a pytree)."""

    params: Any
    batch_stats: Any
    opt_state: Any


def load_data(data: str | Path | None, quick: bool):
    """(Split ready for the model, settings): digits by default, else the data set at ``data``."""
    from . import datasets

    if data is None:
        s = SETTINGS[("digits", quick)]
        return datasets.digits(s["size"], 3), dict(s, data="digits (sklearn), nearest-upsampled", augment=False)
    split = datasets.load(data)
    kind = "cifar10" if split.name == "cifar10" else "other"
    s = SETTINGS[(kind, quick)]
    split = datasets.standardize(datasets.prepare(split, s["size"]))
    return split, dict(s, data=f"{split.name} from the user's files", augment=kind == "cifar10")


def _augment(x, key):
    """Random 4-pixel-padded crops and horizontal flips (He et al. 2016 s.4.2), per image."""
    import jax
    import jax.numpy as jnp

    n, h, w, _ = x.shape
    k1, k2, k3 = jax.random.split(key, 3)
    pad = jnp.pad(x, ((0, 0), (4, 4), (4, 4), (0, 0)))
    dy, dx = jax.random.randint(k1, (n,), 0, 9), jax.random.randint(k2, (n,), 0, 9)
    crop = jax.vmap(lambda im, a, b: jax.lax.dynamic_slice(im, (a, b, 0), (h, w, im.shape[-1])))(pad, dy, dx)
    flip = jax.random.bernoulli(k3, 0.5, (n, 1, 1, 1))
    return jnp.where(flip, crop[:, :, ::-1], crop)


def fit(forward, variables, split, *, key, epochs: int, batch: int, lr: float, augment: bool, clip=None):
    """Trains ``variables`` with SGD (momentum 0.9, weight decay 1e-4, cosine lr) and returns them.

    Args:
        forward: ``forward(variables, x, key) -> (logits, batch_stats)``, the training forward.
        variables: {"params", "batch_stats"} to start from.
        split: the data (float32 images). key: shuffling, augmentation and the forward's noise.
        clip: ``clip(variables) -> variables`` after every step (HWA weight clipping) or None.
    """
    import jax
    import optax

    steps = len(split.x_train) // batch
    if steps < 1:
        raise ValueError(f"batch {batch} is larger than the training set ({len(split.x_train)} images)")
    opt = optax.chain(optax.add_decayed_weights(1e-4),
                      optax.sgd(optax.cosine_decay_schedule(lr, epochs * steps), momentum=0.9))

    def step(state: State, inp):
        x, y, k = inp
        k_aug, k_fwd = jax.random.split(k)
        x = _augment(x, k_aug) if augment else x

        def loss_fn(params):
            logits, bs = forward({"params": params, "batch_stats": state.batch_stats}, x, k_fwd)
            return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean(), bs

        (loss, bs), grads = jax.value_and_grad(loss_fn, has_aux=True)(state.params)
        updates, opt_state = opt.update(grads, state.opt_state, state.params)
        params = optax.apply_updates(state.params, updates)
        if clip is not None:
            params = clip({"params": params, "batch_stats": bs})["params"]
        return State(params, bs, opt_state), loss

    train_step = jax.jit(step)
    x_tr, y_tr = split.x_train, split.y_train
    state = State(variables["params"], variables["batch_stats"], opt.init(variables["params"]))
    for _ in tqdm(range(epochs), desc="epochs", leave=False):
        key, k_perm, k_steps = jax.random.split(key, 3)
        order = np.asarray(jax.random.permutation(k_perm, len(x_tr)))
        for i, k in enumerate(jax.random.split(k_steps, steps)):
            idx = order[i * batch:(i + 1) * batch]
            state, _ = train_step(state, (x_tr[idx], y_tr[idx], k))
    return {"params": state.params, "batch_stats": state.batch_stats}


def _chunks(x: np.ndarray):
    """Equal chunks of at most CHUNK images (the last one zero-padded: one compiled shape)."""
    size = min(CHUNK, len(x))
    for s in range(0, len(x), size):
        part = x[s:s + size]
        yield np.concatenate([part, np.zeros((size - len(part),) + x.shape[1:], x.dtype)]) if len(part) < size else part


def digital_accuracy(model, variables, x: np.ndarray, y: np.ndarray) -> float:
    """Test accuracy of the digital model (BatchNorm on its running statistics)."""
    import jax

    f = jax.jit(model.apply)
    pred = np.concatenate([np.asarray(f(variables, c)).argmax(1) for c in _chunks(x)])[:len(y)]
    return float(np.mean(pred == y))


def pcm_accuracy(model, trained: dict, x: np.ndarray, y: np.ndarray, cfg, times, keys) -> dict[str, np.ndarray]:
    """Per-seed accuracy (times, seeds) of each trained network on crossbars with ``cfg``.

    Seed s: ``k_prog, k_read, k_mvm = split(keys[s], 3)``; program once, read at every time with k_read,
    run with k_mvm (folded with the chunk's index): the draws of ``AnalogModel.inference``, the same for
    every network, time and GDC setting.
    """
    import jax

    from cimsim.jx import analog_model

    analog = analog_model(model.apply, next(iter(trained.values())), x[:2], config=cfg)
    fwd = jax.jit(lambda v, reads, xc, k: analog.apply_read(v, reads, xc, key=k))
    out = {}
    for name, variables in trained.items():
        acc = np.zeros((len(times), len(keys)))
        for s, key in enumerate(keys):
            k_prog, k_read, k_mvm = jax.random.split(key, 3)
            arrays = analog.program(variables, key=k_prog)
            for i, t_s in enumerate(times):
                reads = analog.read(arrays, t_s, key=k_read)
                logits = [np.asarray(fwd(variables, reads, c, jax.random.fold_in(k_mvm, j)))
                          for j, c in enumerate(_chunks(x))]
                acc[i, s] = np.mean(np.concatenate(logits)[:len(y)].argmax(1) == y)
        out[name] = acc
    return out


def train_fp_hwa(model, variables, split, s: dict, k_fp, k_hwa):
    """FP training (SGD from 0.1), then HWA fine-tuning of the FP weights on PCM (from 0.02, weights clipped
    after every step), with the run sizes ``s``: (fp, hwa, the HWAConfig used)."""
    from cimsim import presets
    from cimsim.jx import HWAConfig, analog_model

    fp = fit(lambda v, x, k: model.apply_train(v, x), variables, split, key=k_fp, epochs=s["fp_epochs"],
             batch=s["batch"], lr=0.1, augment=s["augment"])
    hwa = HWAConfig()
    train_model = analog_model(model.apply_train, variables, split.x_train[:2], config=presets.PCM)
    hw = fit(lambda v, x, k: train_model.hwa(v, x, key=k, hwa=hwa), fp, split, key=k_hwa, epochs=s["hwa_epochs"],
             batch=s["batch"], lr=0.02, augment=s["augment"], clip=lambda v: train_model.clip_weights(v, hwa.clip_sigma))
    return fp, hw, hwa


def main(seed: int = 0, out_dir: str | Path = "results", quick: bool = False, data: str | Path | None = None) -> Path:
    """Trains FP and HWA ResNets, evaluates both on PCM at five times with and without GDC.

    Args:
        seed: training and noise seed. out_dir: where NAME.json and NAME.png go. quick: small sizes.
        data: None for the shipped digits; a CIFAR-10 binary folder, MNIST folder or .npz for that data.
    """
    import jax

    from cimsim import presets
    from cimsim.jx import analog_model

    from . import models

    split, s = load_data(data, quick)
    n_test = min(s["test_images"] or len(split.y_test), len(split.y_test))
    x_te, y_te = split.x_test[:n_test], split.y_test[:n_test]
    model = models.resnet(s["depth"], int(max(split.y_train.max(), split.y_test.max())) + 1)
    key = jax.random.PRNGKey(seed)
    k_init, k_fp, k_hwa = jax.random.split(key, 3)
    variables = model.init(k_init, split.x_train[:2])
    fp, hw, hwa = train_fp_hwa(model, variables, split, s, k_fp, k_hwa)
    trained = {"FP": fp, "HWA": hw}
    keys = jax.random.split(jax.random.PRNGKey(10_000 + seed), s["seeds"])
    results = {}
    for gdc in tqdm((False, True), desc=NAME, leave=False):
        accs = pcm_accuracy(model, trained, x_te, y_te, dataclasses.replace(presets.PCM, gdc=gdc),
                            list(TIMES.values()), keys)
        for name, acc in accs.items():
            results[f"{name}, {'GDC' if gdc else 'no GDC'}"] = {"mean": acc.mean(axis=1), "std": acc.std(axis=1),
                                                                 "per_seed": acc}  # (times, seeds)
    report = analog_model(model.apply, fp, x_te[:2], config=presets.PCM).report
    payload = provenance(NAME, seed, quick, {
        "model": model.name, "shortcut": "option A (identity, zero-padded channels)", "normalization": "BatchNorm",
        "preset": "PCM", "hwa": dataclasses.asdict(hwa), "noise_seeds": s["seeds"], "times": list(TIMES),
        "data": s["data"], "dataset": split.name, "image_shape": list(split.x_train.shape[1:]),
        "train_images": len(split.y_train), "test_images": n_test, "batch": s["batch"], "fp_epochs": s["fp_epochs"],
        "hwa_epochs": s["hwa_epochs"], "hwa_start": "fine-tuned from the FP weights", "augment": s["augment"],
        "analog_layers": sum(site.analog for site in report),
        "analog_weights": int(sum(np.prod(site.shape) for site in report if site.analog))})
    payload["times_s"] = list(TIMES.values())
    payload["digital_accuracy"] = {"FP": digital_accuracy(model, fp, x_te, y_te),
                                   "HWA": digital_accuracy(model, hw, x_te, y_te)}
    payload["accuracy"] = results
    payload["published"] = PUBLISHED
    return finish(NAME, Path(out_dir), payload, plot)


def plot(data: dict, png: Path) -> None:
    """Accuracy vs time after programming, mean and std over noise seeds: all four arms (left), and the
    arms with GDC beside the digital accuracies (right, zoomed)."""
    plt = pyplot()
    t = np.asarray(data["times_s"])
    c = data["config"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    colors = {"FP": "tab:blue", "HWA": "tab:red"}
    for ax, arms in zip(axes, (list(data["accuracy"]), [k for k in data["accuracy"] if k.endswith(", GDC")])):
        for name in arms:
            r = data["accuracy"][name]
            m, s = 100 * np.asarray(r["mean"]), 100 * np.asarray(r["std"])
            ax.errorbar(t, m, yerr=s, marker="o" if "no GDC" not in name else "s", capsize=3, label=name,
                        color=colors[name.split(",")[0]], ls="-" if "no GDC" not in name else ":")
        time_axis(ax, t, c["times"], "test accuracy (%)")
    for name, acc in data["digital_accuracy"].items():
        axes[1].axhline(100 * acc, color=colors[name], lw=0.8, ls="--", label=f"{name}, digital")
    axes[0].set_title("all arms")
    axes[1].set_title("with GDC, beside the digital networks")
    for ax in axes:
        ax.legend(fontsize=8)
    fig.suptitle(f"{c['model']} on PCM crossbars: {c['dataset']} {'x'.join(map(str, c['image_shape']))}, "
                 f"{c['test_images']} test images, {c['noise_seeds']} noise seeds")
    fig.tight_layout()
    save_figure(fig, png)


def compare_accuracy(data: str | Path, *, quick: bool = False, seed: int = 0, t_s: float = 3600.0) -> dict:
    """ResNet-20's accuracy for ``cimsim compare --workload resnet20 --data PATH``: trained FP and HWA on the
    user's data as this experiment trains them (its settings for the data's kind; ResNet-20 whatever the
    kind), digital accuracy of both and the HWA network on PCM at ``t_s`` over the settings' noise seeds."""
    import jax

    from cimsim import presets

    from . import models

    split, s = load_data(data, quick)
    n_test = min(s["test_images"] or len(split.y_test), len(split.y_test))
    x_te, y_te = split.x_test[:n_test], split.y_test[:n_test]
    model = models.resnet(20, int(max(split.y_train.max(), split.y_test.max())) + 1)
    k_init, k_fp, k_hwa = jax.random.split(jax.random.PRNGKey(seed), 3)
    variables = model.init(k_init, split.x_train[:2])
    fp, hw, hwa = train_fp_hwa(model, variables, split, s, k_fp, k_hwa)
    keys = jax.random.split(jax.random.PRNGKey(10_000 + seed), s["seeds"])
    pcm = pcm_accuracy(model, {"HWA": hw}, x_te, y_te, presets.PCM, [t_s], keys)["HWA"][0]
    return {"data": s["data"], "dataset": split.name, "image_shape": list(split.x_train.shape[1:]),
            "test_images": n_test, "fp_epochs": s["fp_epochs"], "hwa_epochs": s["hwa_epochs"],
            "digital": {"FP": digital_accuracy(model, fp, x_te, y_te), "HWA": digital_accuracy(model, hw, x_te, y_te)},
            "pcm_hwa_per_seed": [float(a) for a in pcm], "t_s": t_s}
