"""The char-lm's decode step (cimsim.jx.decode): token by token with a key-value cache, its logits equal the
full forward's (cimsim.jx.lm.make_apply) at every position; analog_model finds its weight products (the cache
reads stay digital) and runs it on PCM tiles, jitted with the position traced."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import cimsim
from cimsim.jx import analog_model
from cimsim.jx.decode import generate_logits, init_cache, make_decode
from cimsim.jx.lm import CharLMConfig, init_params, make_apply

CFG = CharLMConfig(vocab=20, context=12, d_model=16, n_head=2, n_layer=2, d_ff=32)
SQUARE = CharLMConfig(vocab=16, context=12, d_model=16, n_head=2, n_layer=1, d_ff=16)  # one crossbar shape: one compile


def _ids(batch=3, T=12, seed=0):
    return jnp.asarray(np.random.default_rng(seed).integers(0, CFG.vocab, (batch, T)))


def test_decode_token_by_token_equals_the_full_forward_at_every_position():
    with jax.enable_x64(True):
        params = jax.tree_util.tree_map(lambda a: a.astype(jnp.float64), init_params(jax.random.PRNGKey(0), CFG))
        ids = _ids()
        full = make_apply(CFG)(params, ids)
        decode = jax.jit(make_decode(CFG))
        steps = generate_logits(decode, params, ids, init_cache(CFG, 3, jnp.float64))
    np.testing.assert_allclose(np.asarray(steps), np.asarray(full), rtol=0, atol=1e-12 * np.abs(np.asarray(full)).max())


def test_decode_on_crossbars_maps_the_weights_and_keeps_the_cache_digital():
    params = init_params(jax.random.PRNGKey(1), SQUARE)
    ids = jnp.asarray(np.random.default_rng(1).integers(0, SQUARE.vocab, (4, 3)))
    decode = make_decode(SQUARE)
    cache = init_cache(SQUARE, 4)
    with jax.enable_x64(True):
        p64 = jax.tree_util.tree_map(lambda a: a.astype(jnp.float64), params)
        c64 = init_cache(SQUARE, 4, jnp.float64)
        model = analog_model(decode, p64, c64, ids[:, 0], 0, config=cimsim.presets.IDEAL)
        analog = [s for s in model.report if s.analog]
        # q, k, v, o and the MLP's two, then the head: 7 products of batch 4 (one token per sequence)
        assert len(analog) == 7 and {s.shape for s in analog} == {(16, 16)} and {s.macs for s in analog} == {4 * 256}
        assert [s.reason for s in model.report if not s.analog] == ["activation x activation"] * 2  # q.K, p.V
        c_a, c_d = c64, c64
        for t in range(3):  # the interpreter's walk of the step (cache writes, dynamic position) is the step
            (y_a, c_a), (y_d, c_d) = model.digital(p64, c_a, ids[:, t], t), decode(p64, c_d, ids[:, t], t)
            np.testing.assert_allclose(np.asarray(y_a), np.asarray(y_d), rtol=0, atol=1e-12 * np.abs(np.asarray(y_d)).max())
        np.testing.assert_allclose(np.asarray(c_a["k"]), np.asarray(c_d["k"]), rtol=0, atol=1e-12)
    pcm = analog_model(decode, params, cache, ids[:, 0], 0, config=cimsim.presets.PCM)
    key = jax.random.PRNGKey(2)
    reads = pcm.read(pcm.program(params, key=key), 3600.0, key=key)
    step = jax.jit(lambda r, c, i, pos, k: pcm.apply_read(params, r, c, i, pos, key=k))
    y0, c1 = step(reads, cache, ids[:, 0], 0, key)
    y_ref, _ = decode(params, cache, ids[:, 0], 0)
    err = float(jnp.abs(y0 - y_ref).max() / jnp.abs(y_ref).max())
    assert 1e-4 < err < 0.5  # noisy, and still the model's logits
    assert float(jnp.abs(c1["k"][:, :, 1:]).max()) == 0.0 and float(jnp.abs(c1["k"][:, :, 0]).max()) > 0


def test_decode_refuses_bad_positions_and_gain_cell_attention():
    params, ids = init_params(jax.random.PRNGKey(0), CFG), _ids(2)
    with pytest.raises(ValueError, match=r"pos must be in \[0, 12\)"):
        make_decode(CFG)(params, init_cache(CFG, 2), ids[:, 0], 12)
    with pytest.raises(ValueError, match="batch must be an int >= 1"):
        init_cache(CFG, 0)
    from cimsim.jx.gaincell import GainCellAttentionConfig

    with pytest.raises(NotImplementedError, match="gain-cell attention is not implemented"):
        make_decode(CFG, GainCellAttentionConfig(model="nonlinear", window=12, tile_keys=12))
