"""The char-lm's decode step: one new token per sequence against a cache of keys and values.

Generation runs the model once per new token; each step embeds the token, projects it to q, k and v,
writes k and v at its position in the cache, attends over the cached positions 0..pos, and runs the MLP
and the head on that one position (the "decode" phase of LLM inference, as priced per token by
cimsim.energy.llm). The weights (q, k, v, o, MLP, head) are the same products as in
``cimsim.jx.lm.make_apply``, now with batch = the number of sequences, so ``analog_model`` maps them to
tiles; the cache reads (q.K and p.V) are activation x activation products and stay digital. Its logits equal
the full forward's at every position (tests/test_decode.py).

    decode = make_decode(cfg)
    cache = init_cache(cfg, batch)
    logits, cache = decode(params, cache, ids_t, pos)      # ids_t (batch,), pos an int < cfg.context
"""

from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp

from .lm import CharLMConfig, _ln


def init_cache(cfg: CharLMConfig, batch: int, dtype=jnp.float32) -> dict[str, jax.Array]:
    """An empty cache: keys and values (n_layer, batch, context, heads, head_dim)."""
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise ValueError(f"batch must be an int >= 1, got {batch!r}")
    shape = (cfg.n_layer, batch, cfg.context, cfg.n_head, cfg.d_model // cfg.n_head)
    return {"k": jnp.zeros(shape, dtype), "v": jnp.zeros(shape, dtype)}


def make_decode(cfg: CharLMConfig, attention=None) -> Callable:
    """``decode(params, cache, ids, pos) -> (logits (batch, vocab), cache)`` for the softmax-attention model.

    ids: the new token of each sequence (batch,); pos: its position (an int or a traced int32 scalar,
    0 <= pos < context; the cache must hold positions 0..pos-1). Gain-cell attention has its own cache
    semantics (cimsim.jx.gaincell: keys and values stored as cell charges that decay) and is not implemented
    here: it raises."""
    if attention is not None:
        raise NotImplementedError("the decode step with gain-cell attention is not implemented: use "
                                  "make_apply on the whole window (cimsim.jx.lm) for gain-cell studies")
    H, C = cfg.n_head, cfg.context

    def decode(params, cache, ids, pos):
        if isinstance(pos, int) and not 0 <= pos < C:
            raise ValueError(f"pos must be in [0, {C}) (the context), got {pos}")
        B = ids.shape[0]
        x = jnp.take(params["tok"], ids, axis=0) + jax.lax.dynamic_index_in_dim(params["pos"], pos, keepdims=False)
        seen = jnp.arange(C) <= pos
        ks, vs = [], []
        for layer, blk in enumerate(params["blocks"]):
            h = _ln(x, blk["ln1_g"], blk["ln1_b"])
            q, k, v = (jnp.reshape(h @ blk[w], (B, H, -1)) for w in ("wq", "wk", "wv"))
            K = jax.lax.dynamic_update_index_in_dim(cache["k"][layer], k, pos, axis=1)  # (B, C, H, hd)
            V = jax.lax.dynamic_update_index_in_dim(cache["v"][layer], v, pos, axis=1)
            ks.append(K)
            vs.append(V)
            s = jnp.einsum("bhd,bshd->bhs", q, K) / jnp.sqrt(q.shape[-1])
            p = jax.nn.softmax(jnp.where(seen, s, -1e9), axis=-1)
            a = jnp.einsum("bhs,bshd->bhd", p, V).reshape(B, -1)
            x = x + a @ blk["wo"]
            h = _ln(x, blk["ln2_g"], blk["ln2_b"])
            x = x + jax.nn.gelu(h @ blk["w1"] + blk["b1"]) @ blk["w2"] + blk["b2"]
        logits = _ln(x, params["lnf_g"], params["lnf_b"]) @ params["head"]
        return logits, {"k": jnp.stack(ks), "v": jnp.stack(vs)}

    return decode


def generate_logits(decode: Callable, params, ids: Any, cache: dict[str, jax.Array]) -> jax.Array:
    """Runs ``decode`` over ids (batch, T) token by token from position 0: the logits (batch, T, vocab)."""
    out = []
    for t in range(ids.shape[1]):
        logits, cache = decode(params, cache, ids[:, t], t)
        out.append(logits)
    return jnp.stack(out, axis=1)
