"""Speed of a whole model on crossbars (cimsim.jx.analog_model) as ratios to the same model in plain JAX,
measured in one run: a CIFAR ResNet-32 forward on PCM, and one hardware-aware training step.

Workload: ResNet-32 (He et al. 2016 s.4.2: option-A shortcuts, BatchNorm; 31 convs and a dense layer on
tiles), 32 x 32 x 3 inputs, batch 128 (16 when quick), float32, jitted.
(a) Forward: ``AnalogModel.apply_read`` on arrays programmed and read (t = 1 h) beforehand, per-MVM noise,
    8-bit DAC/ADC and GDC of the PCM preset (programming is not part of a forward) against the jitted
    ``module.apply``.
(b) Training step: the HWA forward (``AnalogModel.hwa``, HWAConfig defaults), its gradient, an optax SGD
    update and the weight clipping, against the digital forward, gradient and update.
Each pair runs back to back in interleaved rounds; a ratio is the median over rounds of the per-round
ratio, so that a slow spell of a shared machine hits both sides alike.

The network is defined here (the bench sits below the experiments in the layers; experiments/models.py
holds the researcher-facing models, and tests/test_models.py holds the two definitions to the same
parameter count and crossbar shapes).
"""

from __future__ import annotations

import time
from typing import Any, Callable

import numpy as np


def _resnet32(num_classes: int = 10):
    """Flax linen ResNet-32 for CIFAR (5 basic blocks per stage, 16/32/64 channels, option-A shortcuts)."""
    import flax.linen as nn
    import jax.numpy as jnp

    class Net(nn.Module):
        @nn.compact
        def __call__(self, x, train: bool = False):
            def bn(h):
                return nn.BatchNorm(use_running_average=not train, momentum=0.9, epsilon=1e-5)(h)

            x = nn.relu(bn(nn.Conv(16, (3, 3), padding=1, use_bias=False)(x)))
            for stage, width in enumerate((16, 32, 64)):
                for b in range(5):
                    s = 2 if stage and not b else 1
                    h = nn.relu(bn(nn.Conv(width, (3, 3), (s, s), padding=1, use_bias=False)(x)))
                    h = bn(nn.Conv(width, (3, 3), padding=1, use_bias=False)(h))
                    sc = x[:, ::s, ::s, :]
                    extra = width - sc.shape[-1]
                    sc = jnp.pad(sc, ((0, 0), (0, 0), (0, 0), (extra // 2, extra - extra // 2))) if extra else sc
                    x = nn.relu(h + sc)
            return nn.Dense(num_classes)(jnp.mean(x, axis=(1, 2)))

    return Net()


FIXED_RANGE = 4.0  # the fixed-range variant's DAC full scale (speed only: the time does not depend on it)


def _rounds(fns: dict[str, Callable[[], Any]], repeats: int, min_time_s: float) -> dict[str, np.ndarray]:
    """Each function once per round, round after round (after one warm-up call each)."""
    for fn in fns.values():
        fn()
    times: dict[str, list[float]] = {k: [] for k in fns}
    start = time.perf_counter()
    while len(times[next(iter(fns))]) < repeats or (time.perf_counter() - start < min_time_s
                                                    and len(times[next(iter(fns))]) < 10 * repeats):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t0)
    return {k: np.asarray(v) for k, v in times.items()}


def _summary(rounds: dict[str, np.ndarray], analog: str, digital: str) -> dict[str, Any]:
    ratio = float(np.median(rounds[analog] / rounds[digital]))
    return {f"{analog}_s": float(np.median(rounds[analog])), f"{digital}_s": float(np.median(rounds[digital])),
            "ratio": ratio, "rounds": int(len(rounds[analog])), "target": {"ratio_max": 3.0, "met": ratio <= 3.0}}


def bench_models(quick: bool, seed: int = 0) -> dict[str, Any]:
    """Times ResNet-32 on PCM crossbars against ResNet-32 in plain JAX: a forward, and a training step.

    Args:
        quick: batch 16 and 3 rounds instead of batch 128 and 5 rounds.
        seed: seed of the weights, inputs and noise.

    Returns:
        JSON-ready dict: available (False without Flax, with the reason); workload; "forward" and
        "train_step" with median times (s), the median per-round ratio analog / digital, the rounds, and
        the target (ratio <= 3).
    """
    import dataclasses

    import jax
    import jax.numpy as jnp
    import optax

    from cimsim import presets
    from cimsim.jx import HWAConfig, analog_model

    try:
        import flax  # noqa: F401
    except ImportError:  # pragma: no cover
        return {"available": False, "reason": "flax not installed (pip install flax)"}
    batch, repeats = (16, 3) if quick else (128, 5)
    net = _resnet32()
    rng = np.random.default_rng(seed)
    x = jnp.asarray(rng.uniform(0.0, 1.0, (batch, 32, 32, 3)), jnp.float32)
    y = jnp.asarray(rng.integers(0, 10, batch), jnp.int32)
    k_init, k_prog, k_read, k_mvm, k_hwa = jax.random.split(jax.random.PRNGKey(seed), 5)
    variables = dict(net.init(k_init, x[:2]))
    cfg = presets.PCM

    def apply(v, xb):
        return net.apply(v, xb, train=False)

    def apply_train(v, xb):
        logits, upd = net.apply(v, xb, train=True, mutable=["batch_stats"])
        return logits, upd["batch_stats"]

    model = analog_model(apply, variables, x[:2], config=cfg)
    reads = model.read(model.program(variables, key=k_prog), 3600.0, key=k_read)
    # the breakdown: a fixed input range (tile convolutions, cimsim.jx.conv), no per-MVM noise (no normals),
    # both, and the patches x kernel matrices alone, digital (what im2col costs)
    fixed_cfg = dataclasses.replace(cfg, dac=dataclasses.replace(cfg.dac, input_scaling="fixed", x_range=FIXED_RANGE))
    quiet_cfg = dataclasses.replace(cfg, w_noise=0.0, adc=dataclasses.replace(cfg.adc, out_noise=0.0))
    fixed_quiet_cfg = dataclasses.replace(fixed_cfg, w_noise=0.0, adc=quiet_cfg.adc)
    variants = {}
    for name, c in (("fixed", fixed_cfg), ("quiet", quiet_cfg), ("fixed_quiet", fixed_quiet_cfg)):
        m = analog_model(apply, variables, x[:2], config=c)
        variants[name] = (m, m.read(m.program(variables, key=k_prog), 3600.0, key=k_read))

    def fwd(m):
        return jax.jit(lambda v, r, xb, k: m.apply_read(v, r, xb, key=k))

    fwd_analog = fwd(model)
    fwd_variant = {name: fwd(m) for name, (m, _) in variants.items()}
    fwd_patches = jax.jit(model.digital)
    fwd_digital = jax.jit(apply)
    forward = _rounds({"analog": lambda: fwd_analog(variables, reads, x, k_mvm).block_until_ready(),
                       "fixed": lambda: fwd_variant["fixed"](variables, variants["fixed"][1], x, k_mvm).block_until_ready(),
                       "quiet": lambda: fwd_variant["quiet"](variables, variants["quiet"][1], x, k_mvm).block_until_ready(),
                       "fixed_quiet": lambda: fwd_variant["fixed_quiet"](variables, variants["fixed_quiet"][1], x,
                                                                         k_mvm).block_until_ready(),
                       "patches": lambda: fwd_patches(variables, x).block_until_ready(),
                       "digital": lambda: fwd_digital(variables, x).block_until_ready()}, repeats, 0.0)

    hwa = HWAConfig()
    train_model = analog_model(apply_train, variables, x[:2], config=cfg)
    opt = optax.sgd(0.01, momentum=0.9)

    def make_step(forward_fn, clip):
        def step(params, stats, opt_state, key):
            def loss_fn(p):
                logits, new_stats = forward_fn({"params": p, "batch_stats": stats}, x, key)
                return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean(), new_stats

            (_, new_stats), grads = jax.value_and_grad(loss_fn, has_aux=True)(params)
            updates, opt_state = opt.update(grads, opt_state, params)
            params = optax.apply_updates(params, updates)
            if clip:
                params = train_model.clip_weights({"params": params, "batch_stats": new_stats}, hwa.clip_sigma)["params"]
            return params, new_stats, opt_state
        return jax.jit(step)

    hwa_fixed = dataclasses.replace(hwa, input_range=FIXED_RANGE)  # convolutions train as convolutions
    steps = {"hwa": make_step(lambda v, xb, k: train_model.hwa(v, xb, key=k, hwa=hwa), True),
             "hwa_fixed": make_step(lambda v, xb, k: train_model.hwa(v, xb, key=k, hwa=hwa_fixed), True),
             "digital": make_step(lambda v, xb, k: apply_train(v, xb), False)}
    opt_state = opt.init(variables["params"])

    def run(name):
        return lambda: jax.block_until_ready(steps[name](variables["params"], variables["batch_stats"], opt_state, k_hwa))

    train = _rounds({"hwa": run("hwa"), "hwa_fixed": run("hwa_fixed"), "digital": run("digital")}, repeats, 0.0)
    mapped = [s for s in model.report if s.analog]
    return {"available": True,
            "workload": {"model": "ResNet-32 (option A, BatchNorm)", "input": [32, 32, 3], "batch": batch,
                         "preset": "PCM", "t_s": 3600.0, "per_mvm_noise": bool(cfg.per_mvm_noise),
                         "analog_layers": len(mapped), "analog_weights": int(sum(np.prod(s.shape) for s in mapped)),
                         "hwa": dataclasses.asdict(hwa), "optimizer": "SGD momentum 0.9", "dtype": "float32",
                         "backend": jax.default_backend(), "quick": quick},
            "forward": {**_summary(forward, "analog", "digital"),
                        "breakdown": {name: {"s": float(np.median(forward[name])),
                                             "ratio": float(np.median(forward[name] / forward["digital"]))}
                                      for name in ("fixed", "quiet", "fixed_quiet", "patches")},
                        "fixed_range": FIXED_RANGE},
            "train_step": {**_summary(train, "hwa", "digital"),
                           "fixed": {"s": float(np.median(train["hwa_fixed"])),
                                     "ratio": float(np.median(train["hwa_fixed"] / train["digital"]))}}}


def bench_decode(quick: bool, seed: int = 0) -> dict[str, Any]:
    """Times the char-lm's decode step (cimsim.jx.decode: one token per sequence against a key-value cache)
    on PCM crossbars against the same step in plain JAX, both jitted, in interleaved rounds.

    Workload: the compare's char-lm shape (CharLMConfig defaults: 2 layers, d_model 96, 4 heads, d_ff 384,
    context 64) with a vocabulary of 96 characters and random weights (the time does not depend on their
    values), 64 sequences (``cimsim compare``'s batch), the new token at position 32; PCM preset programmed
    and read (t = 1 h) beforehand, per-MVM noise. ``quick``: 8 sequences, fewer rounds.
    """
    import jax
    import jax.numpy as jnp

    from cimsim import presets
    from cimsim.jx import analog_model
    from cimsim.jx.decode import init_cache, make_decode
    from cimsim.jx.lm import CharLMConfig, init_params

    (batch, repeats), pos = (8, 5) if quick else (64, 30), 32
    cfg = CharLMConfig(vocab=96)
    k_init, k_prog, k_read, k_mvm = jax.random.split(jax.random.PRNGKey(seed), 4)
    params = init_params(k_init, cfg)
    decode = make_decode(cfg)
    rng = np.random.default_rng(seed)
    cache = init_cache(cfg, batch)
    cache = {k: jnp.asarray(rng.standard_normal(c.shape), c.dtype) for k, c in cache.items()}  # a filled window
    ids = jnp.asarray(rng.integers(0, cfg.vocab, batch))
    model = analog_model(decode, params, cache, ids, pos, config=presets.PCM)
    reads = model.read(model.program(params, key=k_prog), 3600.0, key=k_read)
    step_analog = jax.jit(lambda r, c, i, p, k: model.apply_read(params, r, c, i, p, key=k))
    step_digital = jax.jit(lambda c, i, p: decode(params, c, i, p))
    rounds = _rounds({"analog": lambda: jax.block_until_ready(step_analog(reads, cache, ids, pos, k_mvm)),
                      "digital": lambda: jax.block_until_ready(step_digital(cache, ids, pos))}, repeats, 0.0 if quick else 2.0)
    mapped = [s for s in model.report if s.analog]
    return {"available": True,
            "workload": {"model": f"char-lm ({cfg.n_layer} x d {cfg.d_model}, {cfg.n_head} heads, d_ff {cfg.d_ff}, "
                                  f"vocab {cfg.vocab})", "sequences": batch, "position": pos, "preset": "PCM",
                         "t_s": 3600.0, "analog_products": len(mapped),
                         "analog_weights": int(sum(np.prod(s.shape) for s in mapped)), "dtype": "float32",
                         "backend": jax.default_backend(), "quick": quick},
            "step": _summary(rounds, "analog", "digital")}


def format_models_table(res: dict[str, Any]) -> str:
    """Human-readable lines of the whole-model bench."""
    if not res.get("available"):
        return f"ResNet-32 on crossbars: not run ({res.get('reason')})"
    w, f, t = res["workload"], res["forward"], res["train_step"]

    def ok(r):
        return "met" if r["target"]["met"] else "NOT met"

    return "\n".join([
        f"ResNet-32 on PCM crossbars ({w['analog_layers']} layers, {w['analog_weights']} weights on tiles), "
        f"batch {w['batch']}, 32x32x3, {w['backend']}:",
        f"  forward (programmed and read beforehand, per-MVM noise): {f['analog_s'] * 1e3:.1f} ms vs digital "
        f"{f['digital_s'] * 1e3:.1f} ms -> {f['ratio']:.2f}x (target <= 3: {ok(f)})",
        f"  HWA training step (forward, grad, SGD, clipping): {t['hwa_s'] * 1e3:.1f} ms vs digital "
        f"{t['digital_s'] * 1e3:.1f} ms -> {t['ratio']:.2f}x (target <= 3: {ok(t)})"])
