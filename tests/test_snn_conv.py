"""Convolutional and pooled synapses (snn.synapses) in snn.jx and on Brian2.

The synapse lists that Brian2 runs one by one equal XLA's convolution of the same weights; a convolutional
network runs spike for spike on JAX (float64, weights on the 2^-16 grid) and on Brian2, with the same event
counts, and Brian2's own on_pre counter confirms the synaptic events priced by each unit's out-degree; a
convolutional SNN trains on digits."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import snn.jx as sj
from cimsim.workloads import load_digits_split
from snn import Conv2d, Dense, simulate, synapses
from snn.jx import export as ex


def _xla_reference(W, x):
    """The same synapses by XLA: a reshape-and-sum pool, then lax's convolution or a matrix product (float64)."""
    with jax.enable_x64(True):
        h = jnp.asarray(x, jnp.float64)
        if W.pool > 1:
            n, c, hh, ww = h.shape
            p = W.pool
            h = h[:, :, :hh // p * p, :ww // p * p].reshape(n, c, hh // p, p, ww // p, p).sum(axis=(3, 5))
        w = jnp.asarray(W.weight, jnp.float64)
        if isinstance(W, Conv2d):
            y = jax.lax.conv_general_dilated(h, w, (W.stride,) * 2, [(W.padding,) * 2] * 2,
                                             dimension_numbers=("NCHW", "OIHW", "NCHW"))
        else:
            y = h.reshape(h.shape[0], -1) @ w.T
        return np.asarray(y).reshape(x.shape[0], -1)


@pytest.mark.parametrize("layer", [Conv2d(np.ones((3, 2, 3, 3)), padding=1), Conv2d(np.ones((3, 2, 3, 3)), stride=2),
                                   Conv2d(np.ones((3, 2, 2, 3)), stride=1, padding=2, pool=2),
                                   Conv2d(np.ones((3, 2, 3, 3)), stride=2, padding=1, pool=3),
                                   Dense(np.ones((4, 2 * 4 * 3)), pool=2)])
def test_synapse_lists_equal_xlas_convolution(layer):
    rng = np.random.default_rng(0)
    layer = type(layer)(**{**layer.__dict__, "weight": rng.normal(size=np.shape(layer.weight))})
    x = rng.normal(size=(3, 2, 9, 7))  # odd sizes: a pool drops the last rows and columns
    ref = _xla_reference(layer, x)
    np.testing.assert_allclose(synapses.apply(layer, x.reshape(3, -1), (2, 9, 7)), ref, rtol=1e-12, atol=1e-12)
    assert ref.shape[1] == np.prod(layer.out_shape((2, 9, 7)))
    with jax.enable_x64(True):  # the training path (snn.jx.project) is the same function
        np.testing.assert_allclose(np.asarray(sj.project(layer, jnp.asarray(x))).reshape(3, -1), ref, rtol=1e-12,
                                   atol=1e-12)
    pre, post, _ = layer.connections((2, 9, 7))
    assert np.all(np.diff(pre) >= 0)  # sorted by presynaptic unit, as Brian2 adds them
    assert len(set(zip(pre.tolist(), post.tolist()))) == pre.size  # one synapse per pair


def _conv_net(seed=0):
    k = jax.random.split(jax.random.PRNGKey(seed), 3)
    params = [sj.init_conv(k[0], 1, 4, 3, padding=1, gain=2.0), sj.init_conv(k[1], 4, 6, 3, pool=2, gain=2.0),
              sj.init_dense(k[2], 6 * 2 * 2, 5, gain=2.0)]
    Ws, bs = ex.to_grid([(W, b + 0.05) for W, b in params])  # a bias, so that the per-channel bias is tested
    x = np.round(np.random.default_rng(seed).uniform(0, 1, (6, 1, 8, 8)) * 16) / 16
    return Ws, bs, x


@pytest.mark.parametrize("kw", [{"reset": "zero"}, {"neuron": "lif", "encoder": "poisson"}])
def test_brian2_runs_a_conv_network_spike_for_spike(kw):
    Ws, bs, x = _conv_net()
    cfg = sj.SpikingConfig(steps=12, tau_s=5e-3, **kw)
    spikes_in = ex.input_spikes(x, cfg, key=jax.random.PRNGKey(2))
    r = ex.run_float64(Ws, bs, x, cfg, spikes_in=spikes_in)
    assert r.spikes[0].shape == (12, 6, 4, 8, 8) and r.spikes[1].shape == (12, 6, 6, 2, 2)
    res = ex.run_brian2(Ws, bs, x, cfg, spikes_in=spikes_in)
    same = ex.compare(r, res)
    assert same["equal"] and same["max_abs_out_v_diff"] == 0.0, same
    assert min(same["spikes_jax"]) > 50  # every layer spikes: the comparison is not vacuous
    mine = ex.to_sim_result(r, n_in=(1, 8, 8), weights=Ws)
    assert mine.counts(12) == res.counts(12) and mine.counts(7) == res.counts(7)
    # Brian2's own on_pre counter: each spike costs its unit's out-degree (a border unit has fewer synapses)
    counted = simulate(Ws, bs, x, steps=12, encoder="current" if cfg.encoder == "current" else "poisson",
                       neuron=cfg.neuron, reset=cfg.reset, tau_s=cfg.tau_s, input_spikes=spikes_in, count_on_pre=True)
    c = counted.counts(12)
    assert c.synaptic_events == counted.on_pre_events
    # the input current is one convolution per inference: 4 channels x (taps that do not fall on the padding:
    # along each axis 8 positions x 3 taps less the 2 at the edges)^2, for each of the 6 samples
    assert c.input_macs == (4 * (8 * 3 - 2) ** 2 * 6 if cfg.encoder == "current" else 0)
    assert c.neuron_updates == (4 * 64 + 6 * 4 + 5) * 12 * 6


def test_a_conv_snn_trains_on_digits():
    x_tr, y_tr, x_te, y_te = load_digits_split()
    k = jax.random.split(jax.random.PRNGKey(0), 2)
    cfg = sj.SpikingConfig(steps=4)
    params = [sj.init_conv(k[0], 1, 8, 3, padding=1), sj.init_dense(k[1], 8 * 4 * 4, 10, pool=2)]
    trained, losses = sj.fit(x_tr.reshape(-1, 1, 8, 8), y_tr, config=cfg, key=jax.random.PRNGKey(1), epochs=15,
                             params=params)
    assert isinstance(trained[0][0], Conv2d) and trained[0][0].padding == 1 and trained[1][0].pool == 2
    logits = sj.output_logits(sj.run(trained, jnp.asarray(x_te.reshape(-1, 1, 8, 8), jnp.float32), cfg), cfg)
    assert float(np.mean(np.argmax(np.asarray(logits), axis=1) == y_te)) > 0.93  # the MLP of fit reaches ~0.95
    assert losses[-1] < 0.2 * losses[0]
    with pytest.raises(ValueError, match=r"weights\[1\] does not chain"):
        sj.fit(x_tr.reshape(-1, 1, 8, 8), y_tr, config=cfg, key=jax.random.PRNGKey(1), epochs=1,
               params=[params[0], sj.init_dense(k[1], 7, 10)])


@pytest.mark.parametrize("make,match", [
    (lambda: Conv2d(np.ones((2, 1, 3, 3)), stride=0), "stride must be >= 1"),
    (lambda: Conv2d(np.ones((2, 1, 3, 3)), pool=9).out_shape((1, 8, 8)), "pool=9 is larger than the input map"),
    (lambda: Conv2d(np.ones((2, 3, 3, 3))).out_shape((1, 8, 8)), r"weight must be \(out, 1, kh, kw\)"),
    (lambda: Conv2d(np.ones((2, 1, 9, 9))).out_shape((1, 8, 8)), "does not fit the 8 x 8 input"),
    (lambda: Conv2d(np.ones((2, 1, 3, 3))).out_shape((64,)), r"needs a \(channels, height, width\) input"),
    (lambda: Dense(np.ones((2, 5)), pool=2).out_shape((16,)), "pool=2 needs a"),
    (lambda: simulate([Conv2d(np.ones((2, 1, 3, 3)))], [np.zeros(36)], np.zeros((1, 1, 8, 8)), steps=2),
     r"biases\[0\] must have 2 entries \(one per output channel\)"),
    (lambda: simulate([Conv2d(np.full((2, 1, 3, 3), np.nan))], [np.zeros(2)], np.zeros((1, 1, 8, 8)), steps=2),
     r"weights\[0\].weight must be finite"),
])
def test_bad_synapses_name_the_parameter(make, match):
    with pytest.raises(ValueError, match=match):
        make()
