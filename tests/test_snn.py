"""snn: neuron dynamics against closed forms, event counts against Brian2's own on_pre counter,
conversion against its formulas and the accuracy target, CUBA against docs/references.md s.8, and Brian2's
global settings left as the caller had them."""

import importlib

import numpy as np
import pytest

from cimsim.workloads import load_digits_split, train_mlp
from snn import convert_mlp, normalization_scales, simulate


def test_if_neuron_spike_count_closed_form():
    """Non-leaky IF with reset by subtraction, input I per step: floor(T I) spikes after T steps (dyadic I, so
    the float sums are exact)."""
    I = np.array([0.25, 0.375, 1.0, 0.0, 0.625])
    res = simulate([np.zeros((5, 5))], [I], np.zeros((1, 5)), steps=16)
    np.testing.assert_array_equal(res.output_counts(16)[0], np.floor(16 * I))
    zero = simulate([np.zeros((5, 5))], [I], np.zeros((1, 5)), steps=16, reset="zero")
    # reset to zero loses the surplus: 0.625 -> 1.25 at step 2, reset; a spike every 2 steps -> 8
    assert zero.output_counts(16)[0][4] == 8 and res.output_counts(16)[0][4] == 10


def test_lif_membrane_closed_form():
    """LIF below threshold: v_n = I a (1 - a^n) / (1 - a), a = exp(-dt / tau) (input at step start, then leak)."""
    I, tau = 0.1, 20e-3
    res = simulate([np.zeros((1, 1))], [np.array([I])], np.zeros((1, 1)), steps=30, neuron="lif", tau_s=tau,
                   threshold=100.0)
    a = np.exp(-1e-3 / tau)
    n = np.arange(1, 31)
    np.testing.assert_allclose(res.out_v[:, 0, 0], I * a * (1 - a**n) / (1 - a), rtol=1e-6)


@pytest.mark.parametrize("encoder", ["current", "poisson"])
def test_synaptic_events_equal_on_pre_counter(encoder):
    rng = np.random.default_rng(0)
    W = [rng.normal(0, 0.5, (7, 5)), rng.normal(0, 0.5, (3, 7))]
    b = [np.full(7, 0.1), np.zeros(3)]
    x = rng.uniform(0, 1, (6, 5))
    res = simulate(W, b, x, steps=25, encoder=encoder, rng=np.random.default_rng(1), count_on_pre=True)
    c = res.counts(25)
    assert c.synaptic_events == res.on_pre_events
    assert c.neuron_updates == (7 + 3) * 25 * 6
    assert c.input_macs == (5 * 7 * 6 if encoder == "current" else 0)  # W1 x once per inference, not per step
    assert len(c.spikes_per_layer) == (3 if encoder == "poisson" else 2)


def test_poisson_encoder_rates_and_reproducibility():
    x = np.array([[0.0, 0.2, 0.9]])
    W, b = [np.zeros((1, 3))], [np.zeros(1)]
    r1 = simulate(W, b, x, steps=2000, encoder="poisson", rng=np.random.default_rng(3))
    r2 = simulate(W, b, x, steps=2000, encoder="poisson", rng=np.random.default_rng(3))
    steps, samples = r1.layer_spike_steps[0]
    assert np.array_equal(steps, r2.layer_spike_steps[0][0])
    counts = r1.counts(2000).spikes_per_layer[0]
    np.testing.assert_allclose(counts, 2000 * 1.1, rtol=0.05)


def test_normalization_scales_by_formula():
    mlp = train_mlp(seed=1, epochs=5)
    x_tr = load_digits_split()[0]
    h1 = np.maximum(x_tr @ mlp.weights[0].T + mlp.biases[0], 0)
    out = np.maximum(h1 @ mlp.weights[1].T + mlp.biases[1], 0)
    lam = normalization_scales(mlp.weights, mlp.biases, x_tr, method="max")
    np.testing.assert_allclose(lam, [x_tr.max(), h1.max(), out.max()], rtol=1e-6)
    lam_p = normalization_scales(mlp.weights, mlp.biases, x_tr, method="percentile", percentile=99.0)
    np.testing.assert_allclose(lam_p[1], np.percentile(h1[h1 > 0], 99.0), rtol=1e-6)
    snn = convert_mlp(mlp, x_tr, method="max")
    np.testing.assert_allclose(snn.weights[1], mlp.weights[1] * lam[1] / lam[2])
    np.testing.assert_allclose(snn.biases[0], mlp.biases[0] / lam[1])


def test_conversion_within_half_a_point_at_T20():
    """The target on digits: the SNN within 0.5 points of the ANN at T <= 20 (docs/references.md s.8)."""
    mlp = train_mlp(hidden=(128, 64), seed=0)
    x_tr, _, x_te, y_te = load_digits_split()
    ann = np.mean(np.argmax(mlp.forward(x_te), axis=1) == y_te)
    snn = convert_mlp(mlp, x_tr, method="percentile", percentile=99.9)
    res = snn.simulate(x_te, steps=20)
    best = max(np.mean(res.predict(T) == y_te) for T in (10, 20))
    assert best >= ann - 0.005


@pytest.mark.parametrize("kwargs,match", [
    (dict(encoder="rate"), "encoder must be one of"),
    (dict(steps=0), "steps must be >= 1, got 0"),
    (dict(weights=[np.array([[np.nan]])], biases=[np.zeros(1)]), r"weights\[0\] must be finite"),
    (dict(weights=[np.ones((2, 1)), np.ones((1, 3))], biases=[np.zeros(2), np.zeros(1)]), r"weights\[1\] does not chain to the layer below"),
    (dict(biases=[np.zeros(2)]), r"biases\[0\] must have 1 entries"),
    (dict(target="cuda"), "target must be one of"),
    (dict(encoder="poisson", x=np.array([[2.0]])), r"x must lie in \[0, 1\]"),
])
def test_bad_input(kwargs, match):
    args = dict(weights=[np.ones((1, 1))], biases=[np.zeros(1)], x=np.ones((1, 1)), steps=5,
                rng=np.random.default_rng(0))
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        simulate(**args)


def test_predict_T_bounds():
    res = simulate([np.ones((1, 1))], [np.zeros(1)], np.ones((1, 1)), steps=5)
    with pytest.raises(ValueError, match="T must be <= the simulated steps"):
        res.predict(6)


def test_cuba_counts_and_on_pre_counter():
    from snn import cuba

    r = cuba.run(rng=np.random.default_rng(0), duration_s=1.0, count_on_pre=True)
    assert r["synaptic_events"] == r["on_pre_events"]  # Brian2's own counter, exactly
    assert r["spikes"] == r["monitor_spikes"]
    np.testing.assert_allclose(r["spikes"], 21500, rtol=0.15)  # docs/references.md s.8
    np.testing.assert_allclose(r["synaptic_events"], 1.73e6, rtol=0.15)
    np.testing.assert_allclose(r["synapses"], 4000 * 4000 * 0.02, rtol=0.01)


@pytest.mark.slow
def test_cuba_cpp_standalone_sweep_compiles_once(tmp_path, monkeypatch):
    from snn import cuba

    monkeypatch.chdir(tmp_path)
    before = _brian2_state()
    out = cuba.sweep_standalone([1.0, 1.62], rng=np.random.default_rng(0), duration_s=0.3)
    assert _brian2_state() == before  # back on the caller's device, clock and target
    assert not (tmp_path / "output").exists()  # builds in its own temporary folder, never ./output
    spikes = [r["spikes"] for r in out["runs"]]
    assert spikes[1] > spikes[0]  # stronger excitation, more spikes
    ref = cuba.run(rng=np.random.default_rng(0), duration_s=0.3)
    np.testing.assert_allclose(out["runs"][1]["spikes"], ref["spikes"], rtol=0.1)


def test_crossbar_synapses_ideal_are_exact_and_pcm_drifts():
    import cimsim
    from snn.crossbar import crossbar_weights

    rng = np.random.default_rng(0)
    Ws = [rng.standard_normal((7, 5)), rng.standard_normal((3, 7))]
    ideal = crossbar_weights(Ws, cimsim.presets.IDEAL, t_s=0.0, rng=rng)
    for a, b in zip(ideal, Ws):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    import dataclasses

    no_gdc = dataclasses.replace(cimsim.presets.PCM, gdc=False)
    late = crossbar_weights(Ws, no_gdc, t_s=3.15e8, rng=np.random.default_rng(1))
    # without compensation, drift shrinks the realized weights (conductances decay as (t/t0)^-nu)
    assert np.linalg.norm(late[0]) < 0.8 * np.linalg.norm(Ws[0])


def _brian2_state():
    """Brian2's global settings that snn changes while it runs: target, default clock step, device."""
    import brian2 as b2

    stack = importlib.import_module("brian2.devices.device").previous_devices
    return b2.prefs.codegen.target, float(b2.defaultclock.dt_), b2.get_device(), len(stack)


@pytest.fixture
def caller_brian2_settings():
    """A caller's own Brian2 settings, unlike those snn uses (numpy target, 1 ms and 0.1 ms steps)."""
    import brian2 as b2

    target, dt = b2.prefs.codegen.target, b2.defaultclock.dt
    b2.prefs.codegen.target = "auto"
    b2.defaultclock.dt = 0.25 * b2.ms
    yield _brian2_state()
    b2.prefs.codegen.target = target
    b2.defaultclock.dt = dt


def test_simulate_and_cuba_restore_brian2_settings(caller_brian2_settings):
    simulate([np.ones((2, 3))], [np.zeros(2)], np.ones((4, 3)), steps=3)
    assert _brian2_state() == caller_brian2_settings
    from snn import cuba

    cuba.run(rng=np.random.default_rng(0), duration_s=0.005, n=40)
    assert _brian2_state() == caller_brian2_settings


def test_brian2_settings_restored_when_the_block_raises(caller_brian2_settings):
    import brian2 as b2

    from snn._brian_state import brian2_settings

    with pytest.raises(RuntimeError, match="inside"):
        with brian2_settings(b2, target="numpy", dt_s=1e-3):
            assert b2.prefs.codegen.target == "numpy"
            np.testing.assert_allclose(float(b2.defaultclock.dt_), 1e-3, rtol=1e-9)
            raise RuntimeError("inside")
    assert _brian2_state() == caller_brian2_settings
