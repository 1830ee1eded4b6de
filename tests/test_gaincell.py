"""Gain-cell device, analog attention and its energy model (issue 22), against independent sources:
the retention's closed form, kT/C, a hand-written HardSigmoid attention in numpy, central finite
differences, and the study's published ledger (Leroux et al., Nat. Comput. Sci. 5:813, 2025;
docs/references.md s.15)."""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from cimsim.devices import GainCellDevice, GainCellRead, check_device
from cimsim.energy.gaincell import STUDY_ENTRIES_J, GainCellMacro

K_B = 1.380649e-23


# --- device -----------------------------------------------------------------------------------------------

def test_device_satisfies_the_protocol_and_writes_levels_with_ktc_noise():
    d = GainCellDevice()
    check_device(d)
    assert_allclose(d.sigma_write_V, math.sqrt(K_B * 300 / 1e-15), rtol=1e-12)
    quiet = GainCellDevice(write_noise=False)
    targets = np.random.default_rng(1).uniform(0, quiet.g_max_S, 5000)
    v0 = quiet.program(targets, None).v_prog_V
    levels = np.linspace(0, 0.9, 8)
    assert np.all(np.min(np.abs(v0[:, None] - levels[None]), axis=1) < 1e-12)
    # nearest level: the write error is at most half a step
    assert np.max(np.abs(v0 - targets / quiet.g_max_S * 0.9)) <= 0.9 / 7 / 2 + 1e-12
    noisy = d.program(np.full(200_000, d.g_max_S / 2), np.random.default_rng(2)).v_prog_V
    lvl = levels[np.argmin(np.abs(levels - 0.45))]
    assert_allclose(np.std(noisy), math.sqrt(K_B * 300 / 1e-15), rtol=0.01)
    assert abs(np.mean(noisy) - lvl) < 5 * d.sigma_write_V / math.sqrt(noisy.size)


@pytest.mark.parametrize("t_s", [0.0, 1e-5, 4e-4, 3e-3])
def test_retention_against_the_closed_form(t_s):
    d = GainCellDevice(write_noise=False, tau_s=4e-4)
    state = d.program(np.linspace(0, d.g_max_S, 8), None)
    v_t = 0.45 + (state.v_prog_V - 0.45) * math.exp(-t_s / 4e-4)
    assert_allclose(d.read(state, t_s, None), v_t / 0.9 * d.g_max_S, rtol=1e-12, atol=0)


def test_retention_under_jax_equals_numpy():
    import jax
    import jax.numpy as jnp

    d = GainCellDevice(write_noise=False)
    g = np.linspace(0, d.g_max_S, 16)
    ref = d.read(d.program(g, None), 2e-4, None)
    got = jax.jit(lambda g: d.read(d.program(g, None), 2e-4, None))(jnp.asarray(g, jnp.float32))
    assert_allclose(np.asarray(got), ref, rtol=1e-5)


def test_refresh_period_closed_form_and_decay_per_token():
    d = GainCellDevice(tau_s=1e-3)
    half_lsb = 0.9 / 7 / 2
    t = d.refresh_period_s()
    assert_allclose(0.45 * (1 - math.exp(-t / 1e-3)), half_lsb, rtol=1e-12)  # worst cell drifts half a step
    assert_allclose(d.decay_per_token(65e-9), 65e-9 / 1e-3, rtol=1e-12)
    assert GainCellDevice(tau_s=math.inf).refresh_period_s() == math.inf
    # the default tau reproduces the study's per-token decay at its 65 ns per token
    assert_allclose(GainCellDevice().decay_per_token(65e-9), 1.6e-4, rtol=1e-12)


def test_read_law_collapses_the_study_polynomial_and_its_linear_fit_is_the_linear_model():
    r = GainCellRead()
    # Leroux et al. 2025 eq. 4 at V_in = 0.9: sum_j C_0j 0.9^j etc., written out from the published C_ij
    p0 = 0.17393044 + 0.15653739 * 0.9 + 0.14088365 * 0.81 + 0.12679529 * 0.729
    p1 = 5.51975209 + 4.96777688 * 0.9 + 4.4709992 * 0.81
    p2 = -1.44776001 - 1.30298401 * 0.9
    assert_allclose(r.poly(), [p0, p1, p2, 46.05483778], rtol=1e-12)
    y = np.linspace(-0.45, 0.45, 2001)
    assert_allclose(r.current(0.5, y), 0.5 * (p0 + p1 * y + p2 * y**2 + 46.05483778 * y**3), rtol=1e-12)
    slope = np.polyfit(y, r.stored(y), 1)[0]  # least squares over the stored range
    assert_allclose(slope, r.linear_slope, rtol=0.01)  # the study's linear model, 19.3


@pytest.mark.parametrize("kwargs,name", [(dict(n_levels=1), "n_levels"), (dict(tau_s=0.0), "tau_s"),
                                         (dict(v_leak_V=1.0), "v_leak_V"), (dict(c_store_F=-1e-15), "c_store_F")])
def test_device_errors_name_the_parameter(kwargs, name):
    with pytest.raises(ValueError, match=name):
        GainCellDevice(**kwargs)


# --- attention layer ----------------------------------------------------------------------------------------

def _qkv(B=2, T=12, H=2, D=8, seed=0):
    r = np.random.default_rng(seed)
    return [r.uniform(-1, 1, (B, T, H, D)).astype(np.float32) for _ in range(3)]


def _by_hand(q, k, v, *, window, tile, f, decay, s_sat=80.0, out_scale=40.0, o_a=1.0):
    """HardSigmoid attention written loop by loop from the study's Methods (eqs. 3-4), no quantization."""
    B, T, H, D = q.shape
    x = np.clip(q, 0, 1)
    yk, yv = np.clip(k + 0.45, 0, 0.9) - 0.45, np.clip(v + 0.45, 0, 0.9) - 0.45
    out = np.zeros(q.shape)
    for b in range(B):
        for h in range(H):
            for t in range(T):
                tiles = {}
                for s in range(max(0, t - window + 1), t + 1):
                    dcy = math.exp(-decay * (t - s))
                    phi = min(max(f(x[b, t, h], yk[b, s, h], dcy).sum() / s_sat, 0.0), 1.0)
                    slot = (s % window) // tile
                    tiles[slot] = tiles.get(slot, 0.0) + f(phi, yv[b, s, h], dcy)
                out[b, t, h] = o_a * sum(np.clip(val / out_scale, -1, 1) for val in tiles.values())
    return out


def test_ideal_layer_equals_a_hand_written_hardsigmoid_attention():
    from cimsim.jx.gaincell import GainCellAttentionConfig, gain_cell_attention, init_scalers

    q, k, v = _qkv()
    cfg = GainCellAttentionConfig(window=8, tile_keys=4).ideal()
    got = gain_cell_attention(q, k, v, init_scalers(2, cfg), cfg)
    ref = _by_hand(q, k, v, window=8, tile=4, f=lambda x, y, d: 19.3 * x * y, decay=0.0)
    assert np.abs(ref).max() > 0.01
    assert_allclose(np.asarray(got), ref, rtol=1e-4, atol=1e-6 * np.abs(ref).max())


def test_nonlinear_layer_with_decay_equals_the_hand_written_one():
    from dataclasses import replace

    from cimsim.jx.gaincell import GainCellAttentionConfig, gain_cell_attention, init_scalers

    q, k, v = _qkv(seed=3)
    cfg = replace(GainCellAttentionConfig(window=8, tile_keys=4, decay_per_token=0.05),
                  q_levels=None, kv_levels=None, out_levels=None)
    P = GainCellRead().poly()
    got = gain_cell_attention(q, k, v, init_scalers(2, cfg), cfg)
    ref = _by_hand(q, k, v, window=8, tile=4, f=lambda x, y, d: x * np.polyval(P[::-1], d * y), decay=0.05,
                   o_a=1 / 19.3)
    assert_allclose(np.asarray(got), ref, rtol=1e-4, atol=1e-6 * np.abs(ref).max())


def test_quantized_layer_outputs_lie_on_the_grid():
    from cimsim.jx.gaincell import GainCellAttentionConfig, gain_cell_attention, init_scalers

    q, k, v = _qkv(T=16, seed=4)
    cfg = GainCellAttentionConfig(model="linear", window=16, tile_keys=16)  # one tile: one quantized term
    out = np.asarray(gain_cell_attention(q, k, v, init_scalers(2, cfg), cfg))
    codes = (out + 1) / (2 / 31)
    assert_allclose(codes, np.round(codes), atol=1e-4)


def test_gradients_against_finite_differences():
    import jax
    import jax.numpy as jnp

    from cimsim.jx.gaincell import GainCellAttentionConfig, gain_cell_attention, init_scalers

    jax.config.update("jax_enable_x64", True)
    try:
        q, k, v = (jnp.asarray(a, jnp.float64) for a in _qkv(T=6, D=4, seed=5))
        cfg = GainCellAttentionConfig(model="linear", window=4, tile_keys=2, decay_per_token=0.1,
                                      q_levels=None, kv_levels=None, out_levels=None)
        sc = {n: jnp.asarray(a, jnp.float64) for n, a in init_scalers(2, cfg).items()}
        w = jnp.asarray(np.random.default_rng(6).normal(size=q.shape))

        def loss(q, k, v, sc):
            return jnp.sum(w * gain_cell_attention(q, k, v, sc, cfg))

        grads = jax.grad(loss, argnums=(0, 1, 2, 3))(q, k, v, sc)
        h = 1e-6
        for arg, g in ((0, grads[0]), (1, grads[1]), (2, grads[2])):
            base = [q, k, v]
            for idx in [(0, 5, 1, 2), (1, 3, 0, 0), (0, 2, 1, 3)]:
                plus, minus = list(base), list(base)
                plus[arg] = base[arg].at[idx].add(h)
                minus[arg] = base[arg].at[idx].add(-h)
                fd = (loss(*plus, sc) - loss(*minus, sc)) / (2 * h)
                assert_allclose(float(g[idx]), float(fd), rtol=1e-5, atol=1e-8)
        for name in ("k_a", "o_b"):
            e = jnp.zeros(2).at[1].set(h)
            fd = (loss(q, k, v, {**sc, name: sc[name] + e}) - loss(q, k, v, {**sc, name: sc[name] - e})) / (2 * h)
            assert_allclose(float(grads[3][name][1]), float(fd), rtol=1e-5, atol=1e-8)
    finally:
        jax.config.update("jax_enable_x64", False)


def test_nonlinear_gradient_is_the_linear_surrogate_and_quantizers_pass_straight_through():
    import jax
    import jax.numpy as jnp

    from cimsim.jx.gaincell import GainCellAttentionConfig, gain_cell_attention, init_scalers, quantize_range

    q, k, v = (jnp.asarray(a) for a in _qkv(T=8, seed=7))
    nl = GainCellAttentionConfig(window=8, tile_keys=4, q_levels=None, kv_levels=None, out_levels=None)
    lin = GainCellAttentionConfig(model="linear", window=8, tile_keys=4, q_levels=None, kv_levels=None,
                                  out_levels=None)
    sc = init_scalers(2, lin)
    f = lambda c: jax.grad(lambda q: gain_cell_attention(q, k, v, sc, c).sum())(q)  # noqa: E731
    # where both models' pulses are unsaturated the same, the backward passes agree term by term
    g_nl, g_lin = np.asarray(f(nl)), np.asarray(f(lin))
    agree = np.isclose(g_nl, g_lin, rtol=1e-4, atol=1e-7)
    assert agree.mean() > 0.5
    x = jnp.linspace(-0.5, 1.5, 41) + 0.013  # off the range's ends, where clip's gradient is split
    gq = jax.grad(lambda x: quantize_range(x, 0.0, 1.0, 16).sum())(x)
    assert_allclose(np.asarray(gq), ((x >= 0) & (x <= 1)).astype(float))


@pytest.mark.parametrize("kwargs,name", [(dict(model="softmax"), "model"), (dict(q_levels=1), "q_levels"),
                                         (dict(window=100, tile_keys=64), "window"),
                                         (dict(decay_per_token=-1.0), "decay_per_token")])
def test_attention_config_errors_name_the_parameter(kwargs, name):
    from cimsim.jx.gaincell import GainCellAttentionConfig

    with pytest.raises(ValueError, match=name):
        GainCellAttentionConfig(**kwargs)


# --- energy ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("entry", sorted(STUDY_ENTRIES_J))
def test_ledger_entries_against_the_study_table(entry):
    # Leroux et al. 2025 (code utils/plot_energy.py), per head and token: 1.12, 0.70, 4.0 and 0.33 nJ
    published = {"phi_qk": 1.12e-9, "phi_sv": 0.70e-9, "digital": 4.0e-9, "dac": 0.33e-9}[entry]
    assert_allclose(GainCellMacro().entries_J()[entry], published, rtol=0.10)


def test_uncalibrated_entries_follow_the_circuit_formulas():
    m = GainCellMacro()
    # window rows, each precharged to hold S_sat x 1 uA x 15 ns from 0.9 V
    e = m.entries_J()
    assert_allclose(e["phi_qk"], 1024 * 80 * 1e-6 * 15e-9 * 0.9, rtol=1e-12)
    half = GainCellMacro(window=512)  # half the window: half of every per-key entry
    assert_allclose(half.entries_J()["phi_qk"], e["phi_qk"] / 2, rtol=1e-12)
    assert_allclose(m.entries_J(heads=12)["phi_sv"], 12 * e["phi_sv"], rtol=1e-12)


def test_refresh_counts_rows_that_outlive_the_refresh_period():
    m0 = GainCellMacro(token_period_s=100e-9)
    assert m0.entries_J()["refresh"] == 0.0
    m = GainCellMacro(token_period_s=100e-9, refresh_period_s=30e-6)  # a row lives 102.4 us: 3 rewrites
    assert m.refreshes_per_row() == 3
    reads = [r for r in m.ledger().records if r.operation == "K/V cell read-back"]
    assert reads[0].count == 3 * 2 * 64
    assert_allclose(m.entries_J()["refresh"], 3 * m.entries_J()["write"] + reads[0].energy_J, rtol=1e-12)


def test_gpu_attention_is_the_kv_cache_read():
    from cimsim.energy import load_gpu
    from cimsim.energy.gaincell import gpu_attention

    g = load_gpu("rtx4090")
    r = gpu_attention(g)
    # per token and sequence: K and V of 12 heads x 1024 keys x 64 read once in fp32, memory bound
    nbytes = 4 * (2 * 12 * (1024 * 64 + 1024 + 64))
    assert r["bound"] == "memory"
    assert_allclose(r["latency_s_per_token"], nbytes / 1008e9, rtol=1e-12)
    assert_allclose(r["energy_J_per_token"], 450.0 * nbytes / 1008e9, rtol=1e-12)


def test_gpu_attention_launch_overhead_is_shared_by_the_batch():
    from cimsim.energy import load_gpu
    from cimsim.energy.gaincell import gpu_attention

    g = load_gpu("h100")
    r = gpu_attention(g, window=64, head_dim=24, heads=4, layers=2, precision="fp16", batch=8, kernel_overhead_s=5e-6)
    nbytes = 2 * (2 * 4 * 2 * (64 * 24 + 64 + 24))  # fp16 K and V of 8 heads, plus the query and output vectors
    assert_allclose(r["latency_s_per_token"], nbytes / 3.35e12 + 5e-6 * 4 * 2 / 8, rtol=1e-12)
    assert_allclose(r["energy_J_per_token_static"], 70.0 * r["latency_s_per_token"], rtol=1e-12)
