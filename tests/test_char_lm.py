"""The character-level language model and its corpus: the split against the record count, the model's
causality and its products against the architecture by hand, IDEAL crossbars against the digital model,
the metric against its closed form, training and its cache, and ``cimsim compare --workload char-lm``.
"""

import dataclasses
import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from numpy.testing import assert_allclose

from cimsim import presets
from cimsim.app.cli import main
from cimsim.jx import analog_model
from cimsim.jx.lm import CharLMConfig, evaluate, init_params, make_apply, metrics, train_char_lm
from cimsim.workloads.corpus import FORTUNES_DIR, load_corpus, split_corpus, tiled_windows, windows

TEXT = "".join(f"record {i}: the quick brown fox {'jumps ' * (i % 5)}over the lazy dog.\n\n" for i in range(200))
TINY = dict(context=16, d_model=16, n_head=2, n_layer=2, d_ff=32, batch=8, fp_steps=40, hwa_steps=10)


@pytest.fixture
def corpus():
    return split_corpus(TEXT, "test text")


def test_every_tenth_record_is_held_out(corpus):
    recs = [r for r in TEXT.split("\n\n") if r.strip()]
    assert len(recs) == 200
    held = [r for r in corpus.held_out.split("\n") if r]
    assert held == [recs[i] for i in range(0, 200, 10)]
    assert not set(held) & set(r for r in corpus.train.split("\n") if r)
    assert corpus.vocab == "".join(sorted(set(corpus.train) | {"?"}))
    ids = corpus.encode(corpus.train[:500])
    assert corpus.decode(ids) == corpus.train[:500]
    assert corpus.decode(corpus.encode("Z~")) == "??"  # outside the training vocabulary


def test_fortunes_are_read_and_split_by_their_separator():
    if not FORTUNES_DIR.is_dir():
        pytest.skip("Debian's fortunes package is not installed (apt-get install fortunes; .ci/run does)")
    text, name = load_corpus()
    c = split_corpus(text, name)
    n = text.count("\n%\n") + 1  # records separated by a line holding "%"
    assert name.startswith("fortunes") and 0.08 < len(c.held_out) / len(text) < 0.12 and n > 10_000
    assert set(c.vocab) <= {chr(i) for i in range(32, 127)} | {"\n"}


def test_corpus_errors_name_the_path(tmp_path):
    with pytest.raises(ValueError, match="neither a folder of fortunes nor a text file"):
        load_corpus(tmp_path / "none.txt")
    with pytest.raises(ValueError, match="held_out_every must be an int >= 2, got 1"):
        split_corpus(TEXT, held_out_every=1)
    with pytest.raises(ValueError, match="too short for context 64"):
        windows(np.arange(10), 64, 1, np.random.default_rng(0))


def test_the_model_is_causal(corpus):
    cfg = CharLMConfig(vocab=len(corpus.vocab), **TINY)
    apply = make_apply(cfg)
    p = init_params(jax.random.PRNGKey(0), cfg)
    x = jnp.asarray(corpus.encode(corpus.train[:32]).reshape(2, 16))
    y = x.at[:, 9:].set((x[:, 9:] + 3) % cfg.vocab)  # change the future of position 8
    a, b = apply(p, x), apply(p, y)
    assert_allclose(np.asarray(a[:, :9]), np.asarray(b[:, :9]), rtol=0, atol=0)
    assert not np.allclose(np.asarray(a[:, 9:]), np.asarray(b[:, 9:]))


def test_products_on_tiles_are_the_architecture_s(corpus):
    cfg = CharLMConfig(vocab=len(corpus.vocab), **TINY)
    apply, p = make_apply(cfg), init_params(jax.random.PRNGKey(0), cfg)
    m = analog_model(apply, p, jnp.zeros((1, 16), jnp.int32), config=presets.PCM)
    analog = [(s.shape, s.macs) for s in m.report if s.analog]
    d, f, V, T = 16, 32, cfg.vocab, 16
    per_block = [((d, d), T * d * d)] * 4 + [((f, d), T * d * f), ((d, f), T * f * d)]  # q k v o, w1, w2
    assert analog == per_block * 2 + [((V, d), T * d * V)]
    shape = cfg.shape()  # the energy models' view of the same products
    assert sorted((o, i) for _, _, i, o in shape.matmuls()) == sorted(s for s, _ in analog)
    assert sum(not s.analog and s.primitive == "dot_general" for s in m.report) == 4  # q.k and p.v per block


def test_ideal_crossbars_equal_the_digital_model(corpus):
    cfg = CharLMConfig(vocab=len(corpus.vocab), **TINY)
    apply, p = make_apply(cfg), init_params(jax.random.PRNGKey(1), cfg)
    x = jnp.asarray(corpus.encode(corpus.train[:64]).reshape(4, 16))
    m = analog_model(apply, p, x[:1], config=presets.IDEAL)
    got = m.inference(p, x, t_s=1.0, key=jax.random.PRNGKey(0))
    assert_allclose(np.asarray(got), np.asarray(apply(p, x)), rtol=1e-5, atol=1e-5)


def test_perplexity_of_uniform_logits_is_the_vocabulary():
    y = jnp.asarray(np.random.default_rng(0).integers(0, 37, (4, 8)))
    m = metrics(jnp.zeros((4, 8, 37)), y)
    assert_allclose(m["perplexity"], 37.0, rtol=1e-6)
    assert_allclose(m["nll_nats"], np.log(37.0), rtol=1e-6)


def test_the_cache_key_names_the_seed_and_the_corpus(corpus):
    from cimsim.jx.lm import _cache_key  # another seed or another corpus is another entry

    cfg = CharLMConfig(vocab=len(corpus.vocab), **TINY)
    key = _cache_key(cfg, corpus.sha256, 3, repr(presets.PCM))
    assert _cache_key(cfg, corpus.sha256, 4, repr(presets.PCM)) != key
    assert _cache_key(cfg, "0" * 64, 3, repr(presets.PCM)) != key
    assert _cache_key(dataclasses.replace(cfg, fp_steps=cfg.fp_steps + 1), corpus.sha256, 3, repr(presets.PCM)) != key
    assert _cache_key(cfg, corpus.sha256, 3, repr(presets.PCM)) == key


def test_compare_char_lm_quick(tmp_path, monkeypatch):
    monkeypatch.setenv("CIMSIM_CACHE", str(tmp_path / "cache"))
    text = tmp_path / "corpus.txt"
    text.write_text(TEXT * 3)
    out = tmp_path / "r"
    main(["compare", "--workload", "char-lm", "--quick", "--data", str(text), "--json", str(out / "c.json"),
          "--plot", str(out / "c.png")])
    d = json.loads((out / "c.json").read_text())
    w = d["workload"]
    assert w["name"] == "char-lm" and w["accuracy"]["available"] and w["corpus"] == str(text)
    assert d["config"]["prompt"] == 32 and d["config"]["output"] == 32 and d["config"]["quick"]
    cim = next(r for r in d["rows"] if r["kind"] == "cim")
    hwa_pcm = w["accuracy"]["evaluation"]["HWA"]["analog"]["3600.0"]
    assert cim["perplexity"] == hwa_pcm["perplexity_mean"]
    gpu = next(r for r in d["rows"] if r["kind"] == "gpu")
    assert gpu["perplexity"] == w["accuracy"]["evaluation"]["FP"]["digital"]["perplexity"]
    assert (out / "c.png").stat().st_size > 10_000
    # training learned, and the cache gives the same weights back: their held-out perplexity, bit for bit
    trained = w["trained"]
    assert not trained["cached"] and trained["history"]["fp"][-1] < trained["history"]["fp"][0]
    cfg = CharLMConfig(**trained["lm"])
    corpus = split_corpus(*load_corpus(str(text)))
    again = train_char_lm(corpus, cfg, seed=0, progress=False)
    assert again["cached"] and again["cache_key"] == trained["cache_key"]
    x, y = tiled_windows(corpus.encode(corpus.held_out), cfg.context, 8)
    fp = w["accuracy"]["evaluation"]["FP"]["digital"]["perplexity"]
    assert evaluate(cfg, again["fp"], x, y)["digital"]["perplexity"] == fp < cfg.vocab  # better than uniform
    # attention alone: the gain-cell macro at the char-lm's size, phi(QK^T) as its formula (64 keys per head,
    # 80 x 1 uA x 15 ns x 0.9 V each; 4 heads x 1 layer in the quick model), against the GPU roofline of it
    a = d["attention"]
    assert d["workload"]["trained"]["lm"]["n_layer"] == 1 and d["workload"]["trained"]["lm"]["n_head"] == 4
    np.testing.assert_allclose(a["rows"][0]["by_entry_J"]["phi_qk"], 4 * 64 * 80e-6 * 15e-9 * 0.9, rtol=1e-12)
    np.testing.assert_allclose(a["ratio_gpu_over_analog"],
                               a["rows"][1]["energy_J_per_token"] / a["rows"][0]["energy_J_per_token"], rtol=1e-12)


def test_compare_char_lm_refuses_a_query_longer_than_its_context(tmp_path, capsys):
    assert main(["compare", "--workload", "char-lm", "--quick", "--prompt-tokens", "60", "--json",
                 str(tmp_path / "c.json"), "--plot", ""]) == 1
    assert "exceed its context of 64" in capsys.readouterr().err
    assert not (tmp_path / "c.json").exists()
