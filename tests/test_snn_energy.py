"""Neuromorphic pricing: per-op ledgers by hand from docs/references.md s.4, the input layer's MACs against
the component library called directly at each chip's node, the chip all-in ledger (static power x run
time) by hand, and the conversion's input scale lambda_0 against the rate the ANN predicts."""

import hwcomponents_library as lib
import numpy as np
import pytest
from numpy.testing import assert_allclose

from cimsim.energy import load_table, snn_chip_ledger, snn_event_time_s, snn_ledger
from cimsim.workloads import MLP, load_digits_split, train_mlp
from snn import convert_mlp

pJ = 1e-12
EXACT = 1e-12
# docs/references.md s.4, transcribed
NEURO = {"loihi_sop": 23.6 * pJ, "loihi_neuron_update": 52 * pJ, "loihi_spike_in_tile": 1.7 * pJ,
         "truenorth_event_all_in": 26 * pJ, "odin_sop": 12.7 * pJ, "spinnaker2_sop": 450 * pJ,
         "spinnaker2_neuron_update": 2.19e-9}
ODIN_LEAK_W, ODIN_EVENT_S = 27.3e-6, 2 / 75e6  # Frenkel et al. 2019: leakage at 0.55 V; 2 cycles at 75 MHz
NODES = {"loihi": 14e-9, "truenorth": 28e-9, "spinnaker2": 22e-9, "odin": 28e-9}


def input_mac_J(node_m):
    """One 8-bit multiply and one 32-bit add, from the Aladdin models of hwcomponents-library called here."""
    mult = lib.AladdinMultiplier(tech_node=node_m, width=8).multiply().energy
    add = lib.AladdinAdder(tech_node=node_m, width=32).add().energy
    return mult + add


def test_input_mac_model_scales_with_the_node():
    """Independent of the library's call: Aladdin's 40 nm 32-bit entries (12.68 pJ multiply, quadratic in
    width; 0.21 pJ add) and the node ratio give the same order; the 14 nm MAC is < 1/10 of the 45 nm FP32 one."""
    assert input_mac_J(14e-9) < input_mac_J(28e-9) < input_mac_J(40e-9)
    assert_allclose(input_mac_J(40e-9), 12.68 * pJ * (8 / 32) ** 2 + 0.21 * pJ, rtol=0.05)
    assert input_mac_J(14e-9) < 0.1 * load_table("digital")["entries"]["snn_mac_45nm"]["energy_J"]


@pytest.mark.parametrize("profile,events", [
    ("loihi", 1000 * NEURO["loihi_sop"] + 100 * NEURO["loihi_neuron_update"] + 50 * NEURO["loihi_spike_in_tile"]),
    ("truenorth", 1000 * NEURO["truenorth_event_all_in"]),
    ("spinnaker2", 1000 * NEURO["spinnaker2_sop"] + 100 * NEURO["spinnaker2_neuron_update"]),
    ("odin", 1100 * NEURO["odin_sop"]),  # a neuron update reaches ODIN as a virtual-synapse event: one SOP
])
def test_snn_ledger_by_hand(profile, events):
    L = snn_ledger(sops=1000, neuron_updates=100, spikes=50, input_macs=30, profile=profile, inferences=2)
    assert_allclose(L.total_J, events + 30 * input_mac_J(NODES[profile]), rtol=EXACT)
    assert_allclose(L.by("component")["snn/input"], 30 * input_mac_J(NODES[profile]) / 2, rtol=EXACT)
    assert {r.scope for r in L.records} == ({"chip all-in", "per-operation"} if profile == "truenorth"
                                            else {"per-operation"})


def test_snn_chip_ledger_by_hand():
    """ODIN all-in: events (a neuron update as one SOP) + input MACs at 28 nm + 27.3 uW x (SOPs + neuron
    updates) x 26.7 ns."""
    run = snn_event_time_s(sops=1000, neuron_updates=100, profile="odin")
    assert_allclose(run, 1100 * ODIN_EVENT_S, rtol=2e-3)
    L = snn_chip_ledger(sops=1000, neuron_updates=100, spikes=50, input_macs=30, profile="odin", inferences=2,
                        run_time_s=run)
    assert L.declared_scope == "chip all-in" and L.scope == "chip all-in"
    assert_allclose(L.by("operation")["static_power"], ODIN_LEAK_W * 1100 * ODIN_EVENT_S / 2, rtol=2e-3)
    assert_allclose(L.total_J, 1100 * NEURO["odin_sop"] + 30 * input_mac_J(28e-9) + ODIN_LEAK_W * run, rtol=EXACT)
    # TrueNorth's event energy is chip power / event rate already: nothing is added, input MACs or not
    for macs in (0, 30):
        T = snn_chip_ledger(sops=1000, neuron_updates=100, spikes=50, input_macs=macs, profile="truenorth",
                            run_time_s=1.0)
        assert T.declared_scope == "chip all-in"
        assert_allclose(T.total_J, 1000 * NEURO["truenorth_event_all_in"] + macs * input_mac_J(28e-9), rtol=EXACT)


def test_snn_chip_ledger_needs_a_published_static_power(user_table):
    with pytest.raises(ValueError, match="profile 'loihi' has no published static power: add an entry 'loihi_static_W'"):
        snn_chip_ledger(sops=1, neuron_updates=1, spikes=1, profile="loihi", run_time_s=1e-3)
    with pytest.raises(ValueError, match="profile 'loihi' has no time per event"):
        snn_event_time_s(sops=1, neuron_updates=1, profile="loihi")
    mine = user_table({"loihi_static_W": {"value": 0.5, "unit": "W", "source": "my measurement", "label": "measured"}})
    L = snn_chip_ledger(sops=10, neuron_updates=0, spikes=0, profile="loihi", run_time_s=2e-3, tables=(mine,))
    static = [r for r in L.records if r.operation == "static_power"][0]
    assert static.source == "my measurement" and static.label == "measured"
    assert_allclose(static.energy_J, 0.5 * 2e-3, rtol=EXACT)
    with pytest.raises(ValueError, match="run_time_s must be a number >= 0, got -1"):
        snn_chip_ledger(sops=1, neuron_updates=1, spikes=1, profile="odin", run_time_s=-1)


def test_snn_ledger_labels_and_errors():
    assert snn_ledger(sops=1000, neuron_updates=100, spikes=50, profile="loihi").label == "simulated"
    assert snn_ledger(sops=10, neuron_updates=5, spikes=1, profile="truenorth").scope == "chip all-in"
    with pytest.raises(ValueError, match="unknown neuromorphic profile 'brainchip'; known: loihi"):
        snn_ledger(sops=1, neuron_updates=1, spikes=1, profile="brainchip")
    with pytest.raises(ValueError, match="input_macs must be a number >= 0, got -3"):
        snn_ledger(sops=1, neuron_updates=1, spikes=1, input_macs=-3)


# --- the input scale lambda_0 ------------------------------------------------------------------------------

def _one_weight(w=0.75, scale=16.0):
    """A 1-weight ReLU network y = relu(w x), trained on inputs in [0, scale]: lambda_0 = scale (max
    normalization), lambda_1 = w scale."""
    mlp = MLP((np.array([[w]]),), (np.zeros(1),))
    x_train = np.linspace(0.0, scale, 33)[:, None]
    return convert_mlp(mlp, x_train, method="max"), mlp


@pytest.mark.parametrize("x", [2.0, 4.0, 8.0, 12.0])
def test_one_weight_network_fires_at_the_ann_rate_current(x):
    """Current encoder, IF with reset by subtraction: after T steps floor(T r) spikes, r = ANN output /
    lambda_1 = x / 16 (dyadic, exact). Injecting x W1' instead of (x / lambda_0) W1' fires every step."""
    snn, mlp = _one_weight()
    assert snn.input_scale == 16.0
    T = 64
    r = mlp.forward(np.array([[x]]))[0, 0] / snn.scales[1]
    res = snn.simulate(np.array([[x]]), steps=T)
    assert res.output_counts(T)[0, 0] == np.floor(T * r)


def test_one_weight_network_fires_at_the_ann_rate_poisson():
    """Poisson encoder: input spikes with probability x / lambda_0 = 0.5, each carrying W1' = 1, so the
    neuron fires once per input spike (one step later): a rate of 0.5 within 4 binomial sigma."""
    snn, mlp = _one_weight()
    T = 4000
    res = snn.simulate(np.array([[8.0]]), steps=T, encoder="poisson", rng=np.random.default_rng(0))
    rate = res.output_counts(T)[0, 0] / T
    expected = mlp.forward(np.array([[8.0]]))[0, 0] / snn.scales[1]
    assert abs(rate - expected) < 4 * np.sqrt(0.25 / T)
    with pytest.raises(ValueError, match="x must be >= 0 for the poisson encoder"):
        snn.encode(np.array([[-1.0]]), encoder="poisson")


def test_scaled_digits_keep_their_accuracy():
    """The digits MLP with its inputs scaled by 16 and W1 by 1/16 is the same ANN; converted, lambda_0 grows
    16x and the SNN classifies as the unscaled one (the old x W1' injection lost ~half the accuracy)."""
    x_tr, _, x_te, y_te = load_digits_split()
    x_te, y_te = x_te[:150], y_te[:150]
    mlp = train_mlp(seed=0)
    scaled = MLP((mlp.weights[0] / 16,) + tuple(mlp.weights[1:]), mlp.biases)
    a = convert_mlp(mlp, x_tr)
    b = convert_mlp(scaled, 16 * x_tr)
    assert_allclose(b.input_scale, 16 * a.input_scale, rtol=1e-12)
    acc_a = np.mean(a.simulate(x_te, steps=20).predict(20) == y_te)
    acc_b = np.mean(b.simulate(16 * x_te, steps=20).predict(20) == y_te)
    assert acc_a > 0.9 and abs(acc_a - acc_b) <= 2 / 150


def test_encode_divides_by_lambda_0_and_clips_poisson_probabilities():
    """x / lambda_0 for the current (unclipped) and as a probability for Poisson (clipped at 1, where a
    percentile lambda_0 leaves inputs above it); wrong shapes and encoders are named."""
    snn, _ = _one_weight(scale=4.0)
    x = np.array([[1.0], [6.0]])
    np.testing.assert_array_equal(snn.encode(x), x / 4.0)
    np.testing.assert_array_equal(snn.encode(x, encoder="poisson"), [[0.25], [1.0]])
    with pytest.raises(ValueError, match="x must have 1 features, got shape"):
        snn.encode(np.ones((2, 3)))
    with pytest.raises(ValueError, match="encoder"):
        snn.encode(x, encoder="latency")
