"""snn.jx: surrogate gradients against their formulas, the JAX dynamics against closed forms, Brian2's spikes
against the JAX run's (every neuron, every sample), one epoch's scan against step-by-step updates, and the
accuracy target on digits (within 1 point of the ANN at T <= 8)."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import snn.jx as sj
from cimsim.workloads import load_digits_split, train_mlp
from snn import simulate
from snn.jx import export as ex


def _cfg(**kw):
    return sj.SpikingConfig(**{"steps": 8, "slope": 2.0, **kw})


@pytest.mark.parametrize("surrogate,slope", [("fast_sigmoid", 2.0), ("fast_sigmoid", 25.0), ("arctan", 2.0)])
def test_surrogate_forward_is_step_backward_is_formula(surrogate, slope):
    u = jnp.array([-2.0, -0.3, -1e-7, 0.0, 1e-7, 0.4, 3.0])
    np.testing.assert_array_equal(sj.spike(u, surrogate, slope), (np.asarray(u) >= 0).astype(np.float32))
    g = jax.grad(lambda a: jnp.sum(sj.spike(a, surrogate, slope)))(u)
    if surrogate == "fast_sigmoid":  # d/du of u / (1 + slope |u|): SuperSpike (Zenke & Ganguli 2018)
        smooth = lambda a: jnp.sum(a / (1.0 + slope * jnp.abs(a)))  # noqa: E731
    else:  # d/du of arctan(pi/2 slope u) / pi + 1/2 (Fang et al. 2021; snnTorch atan)
        smooth = lambda a: jnp.sum(jnp.arctan(jnp.pi / 2 * slope * a) / jnp.pi + 0.5)  # noqa: E731
    np.testing.assert_allclose(g, jax.grad(smooth)(u), rtol=2e-5)  # float32


def test_if_counts_closed_form_and_reset_to_zero():
    """IF, reset by subtraction, input I per step: floor(T I) spikes (dyadic I: exact sums); reset to zero
    loses the surplus (0.625: a spike every 2 steps), as tests/test_snn.py holds Brian2 to."""
    I = np.array([0.25, 0.375, 1.0, 0.0, 0.625], np.float32)
    params = [(jnp.zeros((5, 1)), jnp.asarray(I))]
    r = sj.run(params, jnp.zeros((1, 1)), _cfg(steps=16))
    np.testing.assert_array_equal(np.asarray(r.spikes[0]).sum(0)[0], np.floor(16 * I))
    z = sj.run(params, jnp.zeros((1, 1)), _cfg(steps=16, reset="zero"))
    assert np.asarray(z.spikes[0]).sum(0)[0][4] == 8


def test_lif_membrane_closed_form():
    """Below threshold: v_n = I a (1 - a^n) / (1 - a), a = exp(-dt / tau) (bias first, then the leak)."""
    I, tau = 0.1, 20e-3
    r = sj.run([(jnp.zeros((1, 1)), jnp.array([I]))], jnp.zeros((1, 1)), _cfg(steps=30, neuron="lif", tau_s=tau,
                                                                               threshold=100.0))
    a, n = np.exp(-1e-3 / tau), np.arange(1, 31)
    np.testing.assert_allclose(np.asarray(r.out_v)[:, 0, 0], I * a * (1 - a**n) / (1 - a), rtol=1e-5)


def test_spike_reaches_next_layer_in_the_same_step_and_its_threshold_one_step_later():
    """Layer 1 fires every step from step 0 (bias 1); layer 2 (weight 1, no bias) first fires at step 1."""
    params = [(jnp.zeros((1, 1)), jnp.ones(1)), (jnp.ones((1, 1)), jnp.zeros(1))]
    r = sj.run(params, jnp.zeros((1, 1)), _cfg(steps=6))
    np.testing.assert_array_equal(np.asarray(r.spikes[0])[:, 0, 0], np.ones(6))
    np.testing.assert_array_equal(np.asarray(r.spikes[1])[:, 0, 0], [0, 1, 1, 1, 1, 1])
    res = simulate([np.zeros((1, 1)), np.ones((1, 1))], [np.ones(1), np.zeros(1)], np.zeros((1, 1)), steps=6)
    np.testing.assert_array_equal(res.out_spike_steps[2], [1, 2, 3, 4, 5])  # Brian2 agrees


def test_encoders():
    x = jnp.array([[0.0, 0.25, 1.0, 0.5]])
    lat = np.asarray(sj.encode(x, encoder="latency", steps=5))
    np.testing.assert_array_equal(lat.sum(0)[0], [0, 1, 1, 1])  # one spike per non-zero input
    np.testing.assert_array_equal(np.argmax(lat[:, 0, 1:], axis=0), [3, 0, 2])  # round((1 - x) (T - 1))
    assert sj.encode(x, encoder="current", steps=5) is None
    big = jnp.full((1, 3), 0.0).at[0, 1].set(0.2).at[0, 2].set(0.9)
    p1 = np.asarray(sj.encode(big, encoder="poisson", steps=4000, key=jax.random.PRNGKey(3)))
    p2 = np.asarray(sj.encode(big, encoder="poisson", steps=4000, key=jax.random.PRNGKey(3)))
    assert np.array_equal(p1, p2)
    np.testing.assert_allclose(p1.mean(0)[0], [0.0, 0.2, 0.9], atol=0.02)
    with pytest.raises(ValueError, match="needs key="):
        sj.encode(big, encoder="poisson", steps=4)


def _random_net(rng, sizes, gain):
    Ws = [rng.normal(0, gain / np.sqrt(i), (o, i)) for i, o in zip(sizes[:-1], sizes[1:])]
    bs = [rng.normal(0.05, 0.05, o) for o in sizes[1:]]
    return ex.to_grid(list(zip(Ws, bs)))


@pytest.mark.parametrize("kw", [{}, {"neuron": "lif"}, {"reset": "zero"}, {"encoder": "poisson"},
                                {"encoder": "latency", "neuron": "lif", "reset": "zero"}])
def test_brian2_reproduces_jax_spike_counts(kw):
    """Every neuron's spike count per sample, the output membrane bit for bit, counts and predictions."""
    cfg = _cfg(steps=12, **kw)
    x = load_digits_split()[2][:40]
    Ws, bs = _random_net(np.random.default_rng(0), (64, 24, 10), 3.0)
    spikes_in = ex.input_spikes(x, cfg, key=jax.random.PRNGKey(1))
    r = ex.run_float64(Ws, bs, x, cfg, spikes_in=spikes_in)
    res = ex.run_brian2(Ws, bs, x, cfg, spikes_in=spikes_in)
    c = ex.compare(r, res)
    assert c["equal"] and c["max_abs_out_v_diff"] == 0.0, c
    assert min(c["spikes_jax"]) > 50  # the comparison is not vacuous
    mine = ex.to_sim_result(r, n_in=64)
    assert mine.counts(12) == res.counts(12)
    np.testing.assert_array_equal(mine.predict(12), res.predict(12))
    hidden = ex.jax_counts(r)[-2]
    assert hidden.shape == (40, 24) and np.array_equal(hidden, ex.brian2_counts(res)[-2])


def test_to_grid_and_input_spikes_validation():
    rng = np.random.default_rng(0)
    Ws, bs = ex.to_grid([(rng.normal(size=(3, 4)), rng.normal(size=3))], lsb=2.0**-8)
    assert np.all(Ws[0] * 256 == np.round(Ws[0] * 256)) and Ws[0].dtype == np.float64
    with pytest.raises(ValueError, match="lsb must be a power of 2"):
        ex.to_grid([(np.ones((1, 1)), np.ones(1))], lsb=0.3)
    args = dict(steps=3, encoder="poisson")
    with pytest.raises(ValueError, match=r"input_spikes must have shape \(steps, samples, n_in\)"):
        simulate([np.ones((1, 2))], [np.zeros(1)], np.zeros((1, 2)), input_spikes=np.zeros((2, 1, 2)), **args)
    with pytest.raises(ValueError, match="only 0 and 1"):
        simulate([np.ones((1, 2))], [np.zeros(1)], np.zeros((1, 2)), input_spikes=np.full((3, 1, 2), 2), **args)
    with pytest.raises(ValueError, match="needs encoder 'poisson'"):
        simulate([np.ones((1, 2))], [np.zeros(1)], np.zeros((1, 2)), steps=3, input_spikes=np.zeros((3, 1, 2)))


@pytest.mark.parametrize("kwargs,match", [(dict(neuron="adex"), "neuron must be one of"),
                                          (dict(surrogate="sigmoid"), "surrogate must be one of"),
                                          (dict(steps=0), "steps must be >= 1"), (dict(slope=0.0), "slope must be")])
def test_bad_config(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sj.SpikingConfig(**kwargs)


def test_epoch_scan_equals_step_by_step_updates_and_is_reproducible():
    x_tr, y_tr, _, _ = load_digits_split()
    x, y = jnp.asarray(x_tr[:256], jnp.float32), jnp.asarray(y_tr[:256])
    cfg = _cfg(steps=4, encoder="poisson")  # Poisson: the per-batch keys must line up too
    opt = optax.adam(1e-2)
    state = sj.init_state(sj.init_params((64, 16, 10), key=jax.random.PRNGKey(0)), opt, jax.random.PRNGKey(1))
    a, loss = sj.train_epoch(state, x, y, config=cfg, optimizer=opt, batch=64)
    key, k_perm = jax.random.split(state.key)
    order = np.asarray(jax.random.permutation(k_perm, 256)).reshape(4, 64)
    b, losses = state._replace(key=key), []
    for idx in order:
        b, l_b = sj.update(b, x[idx], y[idx], config=cfg, optimizer=opt)
        losses.append(l_b)
    for (Wa, ba), (Wb, bb) in zip(a.params, b.params):
        np.testing.assert_allclose(Wa, Wb, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(float(loss), float(np.mean(losses)), rtol=1e-5)
    again, _ = sj.train_epoch(state, x, y, config=cfg, optimizer=opt, batch=64)
    assert all(np.array_equal(p, q) for p, q in zip(jax.tree.leaves(a.params), jax.tree.leaves(again.params)))


def test_fit_reproducible_and_validates():
    x_tr, y_tr, _, _ = load_digits_split()
    a, _ = sj.fit(x_tr[:128], y_tr[:128], config=_cfg(steps=2), key=jax.random.PRNGKey(5), epochs=2)
    b, _ = sj.fit(x_tr[:128], y_tr[:128], config=_cfg(steps=2), key=jax.random.PRNGKey(5), epochs=2)
    assert all(np.array_equal(p, q) for p, q in zip(jax.tree.leaves(a), jax.tree.leaves(b)))
    with pytest.raises(ValueError, match="y must be integer labels"):
        sj.fit(x_tr[:128], y_tr[:127], config=_cfg(), key=jax.random.PRNGKey(0))
    with pytest.raises(ValueError, match="batch must be <="):
        sj.fit(x_tr[:10], y_tr[:10], config=_cfg(), key=jax.random.PRNGKey(0), batch=64)


def test_compare_row_is_the_trained_network():
    from cimsim.app.snn_rows import snn_row
    from cimsim.energy import Facility

    (row, chip), info = snn_row(train_mlp(seed=0), facility=Facility(), trained_Ts=(2,), T=5)
    assert row["system"] == "SNN on loihi, per-op (14 nm)" and info["network"] == "trained"
    assert info["T"] == 2 and row["scope"] == "per-operation"
    assert info["converted"]["row"]["system"] == "SNN on loihi, converted, per-op (14 nm)"
    assert row["accuracy"] == info["trained"]["accuracy_per_T"]["2"] == chip["accuracy"]
    c = info["counts"]
    assert c["input_macs"] == 64 * 32 * c["inferences"]  # W1 x once per inference
    # the chip row: ODIN all-in = its per-op events + 27.3 uW x (SOPs + neuron updates) x 26.7 ns
    assert chip["scope"] == "chip all-in" and chip["system"] == "SNN on odin chip, all-in (28 nm)"
    run = (c["synaptic_events"] + c["neuron_updates"]) * 26.7e-9 / c["inferences"]
    np.testing.assert_allclose(chip["latency_s"], run, rtol=1e-12)
    np.testing.assert_allclose(chip["static_J_per_inference"], 27.3e-6 * run, rtol=1e-12)


@pytest.mark.slow
def test_cpp_standalone_reproduces_jax_spike_counts():
    """The same network compiled by Brian2's cpp_standalone device (its -ffast-math included), LIF too; the
    caller's device, target and clock are back afterwards."""
    import brian2 as b2

    before = (b2.prefs.codegen.target, b2.defaultclock.dt, type(b2.get_device()).__name__)
    x = load_digits_split()[2][:30]
    Ws, bs = _random_net(np.random.default_rng(2), (64, 16, 10), 3.0)
    for cfg in (_cfg(steps=10), _cfg(steps=10, neuron="lif", encoder="poisson")):
        spikes_in = ex.input_spikes(x, cfg, key=jax.random.PRNGKey(0))
        res = ex.run_brian2(Ws, bs, x, cfg, spikes_in=spikes_in, target="cpp_standalone")
        assert ex.compare(ex.run_float64(Ws, bs, x, cfg, spikes_in=spikes_in), res)["equal"]
    assert (b2.prefs.codegen.target, b2.defaultclock.dt, type(b2.get_device()).__name__) == before


def test_config_is_hashable_and_beta_is_brian2s():
    cfg = _cfg(neuron="lif", tau_s=15e-3)
    assert hash(cfg) == hash(dataclasses.replace(cfg))
    assert cfg.beta == float(np.exp(-1e-3 / 15e-3)) and _cfg().beta == 1.0
