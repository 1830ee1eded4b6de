"""A small decoder-only transformer language model over characters, in plain JAX, for analog inference
studies: trained in floating point (FP) and hardware-aware (HWA) by cimsim, evaluated digitally and on
simulated crossbars through ``cimsim.jx.analog_model``.

Architecture (GPT-2's, at toy size; Radford et al. 2019): learned token and position embeddings; ``n_layer``
pre-LayerNorm blocks of causal multi-head self-attention (query, key, value and output projections without
biases) and a GELU MLP of ``d_ff`` (with biases); a final LayerNorm and an untied linear head over the
vocabulary. Every weight x activation product (q, k, v, o, the MLP's two matrices and the head) is found by
analog_model and goes on crossbar tiles; the embeddings are gathers and the attention's q.k and p.v are
activation x activation products: digital.

Training: Adam (Kingma & Ba 2015) on next-character cross-entropy over random windows of the training
text; HWA fine-tunes the FP weights with analog_model's HWA forward (weight and output noise, 8-bit
straight-through converters) and clips the mapped weights after each step (Rasch et al. 2023), as
experiments/resnet_drift.py does for CNNs. Trained weights are cached on disk, keyed by this module's
source, the corpus's SHA-256, the configuration and the seed (``CIMSIM_CACHE``, default ~/.cache/cimsim).

Metrics: held-out perplexity exp(mean NLL per character) and next-character accuracy.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np


@dataclass(frozen=True)
class CharLMConfig:
    """Sizes of the model and of its training."""

    vocab: int
    context: int = 64
    d_model: int = 96
    n_head: int = 4
    n_layer: int = 2
    d_ff: int = 384
    batch: int = 32
    fp_steps: int = 1500
    hwa_steps: int = 400
    lr: float = 3e-3
    hwa_lr: float = 1e-3

    def __post_init__(self) -> None:
        for f in ("vocab", "context", "d_model", "n_head", "n_layer", "d_ff", "batch"):
            v = getattr(self, f)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{f} must be an int >= 1, got {v!r}")
        for f in ("fp_steps", "hwa_steps"):
            v = getattr(self, f)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ValueError(f"{f} must be an int >= 0, got {v!r}")
        if self.d_model % self.n_head:
            raise ValueError(f"d_model ({self.d_model}) must be a multiple of n_head ({self.n_head})")

    def shape(self):
        """The model as a cimsim.workloads.shapes.TransformerShape (for the chip and GPU energy models)."""
        from cimsim.workloads.shapes import TransformerShape

        return TransformerShape("char-lm", f"char-lm ({self.n_layer} x d {self.d_model})", self.n_layer,
                                self.d_model, self.n_head, self.n_head, self.d_ff, self.vocab, self.context,
                                gated=False, biases=False, norm="layernorm", learned_positions=True,
                                tied_embeddings=False, source="cimsim.jx.lm (trained here)")


def init_params(key: jax.Array, cfg: CharLMConfig) -> dict[str, Any]:
    """GPT-2's initialisation: normal(0, 0.02), residual projections scaled by 1 / sqrt(2 n_layer).

    Compiled as one function (one compile per configuration instead of one per weight shape)."""
    return _init_params(key, cfg)


@partial(jax.jit, static_argnums=1)
def _init_params(key: jax.Array, cfg: CharLMConfig) -> dict[str, Any]:
    d, f = cfg.d_model, cfg.d_ff
    keys = iter(jax.random.split(key, 4 + 6 * cfg.n_layer))
    n = lambda shape, s=0.02: s * jax.random.normal(next(keys), shape, jnp.float32)  # noqa: E731
    res = 0.02 / np.sqrt(2 * cfg.n_layer)
    blocks = [{"ln1_g": jnp.ones(d), "ln1_b": jnp.zeros(d), "wq": n((d, d)), "wk": n((d, d)), "wv": n((d, d)),
               "wo": n((d, d), res), "ln2_g": jnp.ones(d), "ln2_b": jnp.zeros(d), "w1": n((d, f)),
               "b1": jnp.zeros(f), "w2": n((f, d), res), "b2": jnp.zeros(d)} for _ in range(cfg.n_layer)]
    return {"tok": n((cfg.vocab, d)), "pos": n((cfg.context, d)), "blocks": blocks,
            "lnf_g": jnp.ones(d), "lnf_b": jnp.zeros(d), "head": n((d, cfg.vocab))}


def _ln(x, g, b, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / jnp.sqrt(var + eps) * g + b


def make_apply(cfg: CharLMConfig, attention=None, *, attention_outputs: bool = False) -> Callable:
    """``apply(params, ids) -> logits`` for ids (batch, T <= context); with ``attention_outputs``,
    ``(logits, [each block's attention output, (batch, T, heads, head_dim)])``.

    ``attention``: None for softmax attention (digital), or a cimsim.jx.gaincell.GainCellAttentionConfig for
    gain-cell analog attention, whose per-head scalers each block holds under "gc" (``with_scalers``).
    """
    H = cfg.n_head
    if attention is not None:
        from .gaincell import GainCellAttentionConfig, gain_cell_attention

        if not isinstance(attention, GainCellAttentionConfig):
            raise ValueError(f"attention must be None or a GainCellAttentionConfig, got {type(attention).__name__}")

    def apply(params, ids):
        B, T = ids.shape
        x = jnp.take(params["tok"], ids, axis=0) + params["pos"][:T]
        mask = jnp.tril(jnp.ones((T, T), bool))
        outs = []
        for blk in params["blocks"]:
            h = _ln(x, blk["ln1_g"], blk["ln1_b"])
            q, k, v = (jnp.reshape(h @ blk[w], (B, T, H, -1)) for w in ("wq", "wk", "wv"))
            if attention is None:
                s = jnp.einsum("bthd,bshd->bhts", q, k) / jnp.sqrt(q.shape[-1])
                p = jax.nn.softmax(jnp.where(mask, s, -1e9), axis=-1)
                a = jnp.einsum("bhts,bshd->bthd", p, v)
            else:
                a = gain_cell_attention(q, k, v, blk["gc"], attention)
            outs.append(a)
            a = a.reshape(B, T, -1)
            x = x + a @ blk["wo"]
            h = _ln(x, blk["ln2_g"], blk["ln2_b"])
            x = x + jax.nn.gelu(h @ blk["w1"] + blk["b1"]) @ blk["w2"] + blk["b2"]
        logits = _ln(x, params["lnf_g"], params["lnf_b"]) @ params["head"]
        return (logits, outs) if attention_outputs else logits

    return apply


def with_scalers(params: dict[str, Any], cfg: CharLMConfig, attention) -> dict[str, Any]:
    """``params`` with each block's gain-cell scalers (cimsim.jx.gaincell.init_scalers) under "gc"."""
    from .gaincell import init_scalers

    return {**params, "blocks": [{**blk, "gc": init_scalers(cfg.n_head, attention)} for blk in params["blocks"]]}


def nll_and_accuracy(logits, y) -> tuple[jax.Array, jax.Array]:
    """Mean next-character negative log-likelihood (nats) and accuracy."""
    logp = jax.nn.log_softmax(logits, axis=-1)
    nll = -jnp.take_along_axis(logp, y[..., None], axis=-1).mean()
    return nll, (jnp.argmax(logits, -1) == y).mean()


def metrics(logits, y) -> dict[str, float]:
    nll, acc = nll_and_accuracy(logits, y)
    return {"perplexity": float(jnp.exp(nll)), "accuracy": float(acc), "nll_nats": float(nll)}


def _train(loss_fn, params, data_ids: np.ndarray, cfg: CharLMConfig, steps: int, lr: float, seed: int,
           clip: Callable | None, desc: str, progress: bool) -> tuple[Any, list[float]]:
    import optax
    from tqdm.auto import tqdm

    from cimsim.workloads.corpus import windows

    opt = optax.adam(optax.cosine_decay_schedule(lr, max(steps, 1), alpha=0.1))
    state = opt.init(params)

    @jax.jit
    def step(params, state, x, y, key):
        loss, g = jax.value_and_grad(loss_fn)(params, x, y, key)
        upd, state = opt.update(g, state, params)
        params = optax.apply_updates(params, upd)
        return (clip(params) if clip is not None else params), state, loss

    rng = np.random.default_rng(seed)
    key = jax.random.PRNGKey(seed)
    losses = []
    bar = tqdm(range(steps), desc=desc, disable=not progress, leave=False)
    for i in bar:
        x, y = windows(data_ids, cfg.context, cfg.batch, rng)
        params, state, loss = step(params, state, jnp.asarray(x), jnp.asarray(y), jax.random.fold_in(key, i))
        if i % 50 == 0 or i == steps - 1:
            losses.append(float(loss))
            bar.set_postfix(loss=f"{losses[-1]:.3f}")
    return params, losses


def _cache_key(cfg: CharLMConfig, corpus_sha: str, seed: int, crossbar: str) -> str:
    src = inspect.getsource(inspect.getmodule(_cache_key))
    blob = json.dumps({"src": hashlib.sha256(src.encode()).hexdigest(), "corpus": corpus_sha, "cfg": asdict(cfg),
                       "seed": seed, "crossbar": crossbar, "jax": jax.__version__}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def cache_dir() -> Path:
    return Path(os.environ.get("CIMSIM_CACHE", Path.home() / ".cache" / "cimsim")) / "char-lm"


def _save(path: Path, trained: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    flat = {}
    for name in ("fp", "hwa"):
        for i, leaf in enumerate(jax.tree_util.tree_leaves(trained[name])):
            flat[f"{name}_{i}"] = np.asarray(leaf)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(tmp, **flat, history=json.dumps(trained["history"]))
    os.replace(tmp, path)


def _load(path: Path, cfg: CharLMConfig) -> dict[str, Any]:
    like = jax.eval_shape(partial(init_params, cfg=cfg), jax.random.PRNGKey(0))  # the structure only
    treedef = jax.tree_util.tree_structure(like)
    n = len(jax.tree_util.tree_leaves(like))
    with np.load(path) as z:
        out = {name: jax.tree_util.tree_unflatten(treedef, [jnp.asarray(z[f"{name}_{i}"]) for i in range(n)])
               for name in ("fp", "hwa")}
        out["history"] = json.loads(str(z["history"]))
    return out


def train_char_lm(corpus, cfg: CharLMConfig, *, seed: int = 0, crossbar=None, use_cache: bool = True,
                  progress: bool = True) -> dict[str, Any]:
    """FP training, then HWA fine-tuning of the FP weights on ``crossbar`` (default preset PCM).

    Returns {"fp": params, "hwa": params, "history": {"fp": losses, "hwa": losses}, "cached": bool,
    "cache_key": str}. The same code, corpus, configuration and seed give the cached weights back.
    """
    from cimsim import presets

    from .hwa import HWAConfig
    from .transform import analog_model

    crossbar = presets.PCM if crossbar is None else crossbar
    key = _cache_key(cfg, corpus.sha256, seed, repr(crossbar))
    path = cache_dir() / f"{key}.npz"
    if use_cache and path.is_file():
        return {**_load(path, cfg), "cached": True, "cache_key": key}
    apply = make_apply(cfg)
    ids = corpus.encode(corpus.train)
    params = init_params(jax.random.PRNGKey(seed), cfg)

    def fp_loss(p, x, y, k):
        return nll_and_accuracy(apply(p, x), y)[0]

    fp, fp_hist = _train(fp_loss, params, ids, cfg, cfg.fp_steps, cfg.lr, seed, None, "char-lm FP", progress)
    hwa_cfg = HWAConfig()
    model = analog_model(apply, fp, jnp.asarray(ids[: cfg.context][None]), config=crossbar)

    def hwa_loss(p, x, y, k):
        return nll_and_accuracy(model.hwa(p, x, key=k, hwa=hwa_cfg), y)[0]

    hw, hwa_hist = _train(hwa_loss, fp, ids, cfg, cfg.hwa_steps, cfg.hwa_lr, seed + 1,
                          lambda p: model.clip_weights(p, hwa_cfg.clip_sigma), "char-lm HWA", progress)
    trained = {"fp": fp, "hwa": hw, "history": {"fp": fp_hist, "hwa": hwa_hist}}
    if use_cache:
        _save(path, trained)
    return {**trained, "cached": False, "cache_key": key}


def evaluate(cfg: CharLMConfig, params, x: np.ndarray, y: np.ndarray, *, crossbar=None, times_s=(),
             seeds: int = 0, seed: int = 0) -> dict[str, Any]:
    """Held-out metrics: digital, and on ``crossbar`` (default PCM) read at each of ``times_s`` for
    ``seeds`` noise seeds (one key per seed, the same key at every time: the same devices read later)."""
    return evaluate_arms(cfg, {"model": params}, x, y, crossbar=crossbar, times_s=times_s, seeds=seeds,
                         seed=seed)["model"]


def evaluate_arms(cfg: CharLMConfig, arms: dict[str, Any], x: np.ndarray, y: np.ndarray, *, crossbar=None,
                  times_s=(), seeds: int = 0, seed: int = 0, progress: bool = False) -> dict[str, dict[str, Any]]:
    """``evaluate`` for several trained parameter sets of one configuration (e.g. FP and HWA), compiled
    once: every arm uses the same noise keys, so per-seed values pair across arms and times."""
    from cimsim import presets

    from .transform import analog_model

    apply = make_apply(cfg)
    x, y = jnp.asarray(x), jnp.asarray(y)
    digital = jax.jit(apply)
    run = None
    if seeds:
        crossbar = presets.PCM if crossbar is None else crossbar
        model = analog_model(apply, next(iter(arms.values())), x[:1], config=crossbar)
        run = jax.jit(lambda p, k, t: model.inference(p, x, t_s=t, key=k))
    from tqdm.auto import tqdm

    out = {}
    bar = tqdm(total=len(arms) * len(times_s) * seeds, desc="char-lm on crossbars", disable=not progress or run is None,
               leave=False)
    for arm, params in arms.items():
        res = {"digital": metrics(digital(params, x), y)}
        if run is not None:
            res["analog"] = {}
            for t in times_s:
                per = []
                for s in range(seeds):
                    per.append(metrics(run(params, jax.random.PRNGKey(1000 * seed + s), float(t)), y))
                    bar.update()
                res["analog"][str(float(t))] = {
                    "perplexity_per_seed": [m["perplexity"] for m in per],
                    "accuracy_per_seed": [m["accuracy"] for m in per],
                    "perplexity_mean": float(np.mean([m["perplexity"] for m in per])),
                    "perplexity_std": float(np.std([m["perplexity"] for m in per])),
                    "accuracy_mean": float(np.mean([m["accuracy"] for m in per])),
                    "accuracy_std": float(np.std([m["accuracy"] for m in per]))}
        out[arm] = res
    bar.close()
    return out
