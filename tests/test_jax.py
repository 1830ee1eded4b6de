"""JAX backend: held to the numpy reference draw by draw; straight-through gradients; HWA training."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import cimsim
from cimsim import ADC, DAC
from cimsim.jx import HWAConfig, analog_dense, fit, models, quantize_ste
from cimsim.jx import array as ja
from cimsim.jx import tile as jt
from cimsim.draws import RecordingDraws, ReplayDraws

CONFIGS = {
    "pcm": cimsim.presets.PCM,
    "reram-read": cimsim.presets.RERAM,
    "tiled-fixed-1bit": dataclasses.replace(cimsim.presets.PCM, tile_rows=17, tile_cols=9, weight_scaling="tile",
                                            dac=DAC(bits=1, input_scaling="fixed", x_range=0.5),
                                            adc=ADC(bits=4, out_bound=3.0, out_noise=0.1), w_noise_type="constant"),
    "ideal": cimsim.presets.IDEAL,
}
CONFIGS = {k: dataclasses.replace(c, dtype="float64") for k, c in CONFIGS.items()}  # the float64 reference


@pytest.mark.parametrize("name", list(CONFIGS))
def test_forward_matches_numpy_given_same_normals(name):
    cfg = CONFIGS[name]
    rng = np.random.default_rng(0)
    W, x = rng.standard_normal((30, 70)), rng.standard_normal((6, 70))
    R = cimsim.program(W, cfg, rng=rng, bias=rng.standard_normal(30)).read(3600.0, rng=rng)
    z = np.random.default_rng(5).standard_normal((len(R.blocks), 6, 30))
    y_np = R.mvm(x, rng=np.random.default_rng(5), backend="numpy")
    with jax.enable_x64(True):
        y64 = np.asarray(jt.mvm_with_normals(jt.blocks_from_read(R), jnp.asarray(x), cfg, jnp.asarray(z)))
    np.testing.assert_allclose(y64, y_np, rtol=0, atol=1e-12 * np.abs(y_np).max())
    y32 = np.asarray(jt.mvm_with_normals(jt.blocks_from_read(R), jnp.asarray(x, jnp.float32), cfg,
                                         jnp.asarray(z, jnp.float32)))
    off = np.abs(y32 - y_np) > 1e-5 * np.abs(y_np).max()
    assert off.mean() <= 0.01  # float32: only rare one-LSB flips at ADC rounding boundaries


DEVICE_CONFIGS = {
    "ideal": cimsim.presets.IDEAL,
    "pcm": cimsim.presets.PCM,
    "reram-faults": dataclasses.replace(
        cimsim.presets.RERAM, device=cimsim.ReRAMDevice(p_stuck_on=0.05, p_stuck_off=0.05, sigma_read_rel=0.03)),
    "pcm-exact-ir": dataclasses.replace(cimsim.presets.PCM, r_row_ohm=1.0, r_col_ohm=0.5, tile_rows=150, tile_cols=20),
    "reram-first-order-ir": dataclasses.replace(cimsim.presets.RERAM, r_row_ohm=2.0, r_col_ohm=1.0,
                                                ir_drop="first_order", tile_rows=64, tile_cols=16),
    "pcm-sliced-bit-serial": dataclasses.replace(cimsim.presets.PCM, tile_rows=128, slicing=cimsim.Slicing(
        weight_slices=2, bits_per_cell=2, input_bits_per_cycle=3)),
    "reram-sliced-offset": dataclasses.replace(cimsim.presets.RERAM, slicing=cimsim.Slicing(
        weight_slices=2, bits_per_cell=2, signed="offset", input_bits_per_cycle=1)),
}
DEVICE_CONFIGS = {k: dataclasses.replace(c, dtype="float64") for k, c in DEVICE_CONFIGS.items()}


@pytest.mark.parametrize("name", list(DEVICE_CONFIGS))
def test_program_read_mvm_match_numpy_draw_by_draw(name):
    """The JAX path runs the numpy path's equations: fed the numpy run's recorded draws, it reproduces the
    programmed state, the read conductances, the tiles' arrays and the MVM to float64 rounding."""
    cfg = DEVICE_CONFIGS[name]
    rng = np.random.default_rng(0)
    W, x, b = rng.standard_normal((20, 300)), rng.standard_normal((4, 300)), rng.standard_normal(20)
    rec_p, rec_r = RecordingDraws(np.random.default_rng(1)), RecordingDraws(np.random.default_rng(2))
    A = cimsim.program(W, cfg, rng=rec_p, bias=b)
    R = A.read(86400.0, rng=rec_r)
    y_np = R.mvm(x, rng=np.random.default_rng(3), backend="numpy")
    cycles = 1 if cfg.slicing is None else cfg.slicing.cycles(cfg.dac.bits)
    z = np.random.default_rng(3).standard_normal((len(R.blocks) * cycles, 4, 20))
    with jax.enable_x64(True):
        replay_p, replay_r = ReplayDraws(rec_p.record, jnp.asarray), ReplayDraws(rec_r.record, jnp.asarray)
        AJ = ja.program(jnp.asarray(W), cfg, key=replay_p, bias=jnp.asarray(b))
        B = AJ.read(86400.0, key=replay_r).blocks
        assert replay_p.remaining == 0 and replay_r.remaining == 0  # the same draws, all used
        for field in A.state._fields:
            np.testing.assert_allclose(np.asarray(getattr(AJ.state, field)), getattr(A.state, field), rtol=1e-12,
                                       atol=0, err_msg=field)
        # exact IR drop: two iterative solves, each to a relative residual of 1e-10, not to rounding
        tol = 1e-9 if cfg.has_wire_resistance and cfg.ir_drop == "exact" else 1e-12
        for bj, cf, blk in zip(B.gd_T, B.col_factor, R.blocks):
            np.testing.assert_allclose(np.asarray(bj), blk.gd_T, rtol=0, atol=tol * np.abs(blk.gd_T).max())
            np.testing.assert_allclose(np.asarray(cf), blk.col_factor, rtol=100 * tol)
        y_j = np.asarray(jt.mvm_with_normals(B, jnp.asarray(x), cfg, jnp.asarray(z)))
    np.testing.assert_allclose(y_j, y_np, rtol=0, atol=1e-9 * np.abs(y_np).max())


def test_exact_ir_drop_in_jax_matches_numba_solver():
    rng = np.random.default_rng(3)
    W = rng.standard_normal((12, 20))
    cfg = dataclasses.replace(cimsim.presets.IDEAL, r_row_ohm=1.0, r_col_ohm=0.5, tile_rows=10, tile_cols=6)
    R = cimsim.program(W, cfg).read(0.0)
    with jax.enable_x64(True):  # 2 x 2 tiles of one shape: one compilation
        B = jax.jit(lambda W: ja.program(W, cfg).read(0.0).blocks)(jnp.asarray(W))
        for b, blk in zip(B.gd_T, R.blocks):
            np.testing.assert_allclose(np.asarray(b), blk.gd_T, rtol=0, atol=1e-9 * np.abs(blk.gd_T).max())


def test_first_order_ir_drop_matches_numpy():
    rng = np.random.default_rng(3)
    W = rng.standard_normal((12, 20))
    cfg = dataclasses.replace(cimsim.presets.IDEAL, r_row_ohm=1.0, r_col_ohm=0.5, ir_drop="first_order",
                              tile_rows=8, tile_cols=5)
    R = cimsim.program(W, cfg).read(0.0)
    with jax.enable_x64(True):
        B = ja.program(jnp.asarray(W), cfg, key=jax.random.PRNGKey(0)).read(0.0, key=jax.random.PRNGKey(1)).blocks
        for b, blk in zip(B.gd_T, R.blocks):
            np.testing.assert_allclose(np.asarray(b), blk.gd_T, rtol=1e-12, atol=1e-20)


def test_jax_program_read_under_jit_and_vmap_over_keys():
    """Every device traces: program + read + mvm jitted and vmapped over noise seeds (ReRAM included)."""
    cfg = DEVICE_CONFIGS["reram-faults"]
    W = jnp.asarray(np.random.default_rng(0).standard_normal((8, 40)), jnp.float32)
    x = jnp.asarray(np.random.default_rng(1).standard_normal((3, 40)), jnp.float32)

    def run(key):
        k1, k2, k3 = jax.random.split(key, 3)
        return ja.program(W, cfg, key=k1).read(10.0, key=k2).mvm(x, key=k3)

    keys = jax.random.split(jax.random.PRNGKey(0), 5)
    ys = jax.jit(jax.vmap(run))(keys)
    assert ys.shape == (5, 3, 8) and bool(jnp.all(jnp.isfinite(ys)))
    assert float(jnp.std(ys, axis=0).mean()) > 0  # the seeds differ
    for k in (0, 4):  # traced and vmapped = eager, key by key (up to XLA's float32 fusion)
        eager = np.asarray(run(keys[k]))
        np.testing.assert_allclose(np.asarray(ys[k]), eager, rtol=0, atol=1e-4 * np.abs(eager).max())


def test_missing_key_is_a_clear_error():
    with pytest.raises(ValueError, match="key is required: PCMDevice draws random numbers"):
        ja.program(jnp.ones((2, 3)), cimsim.presets.PCM)


@pytest.mark.parametrize("bits", [1, 3, 8])
def test_ste_forward_and_gradient(bits):
    u = jnp.linspace(-3, 3, 601)
    np.testing.assert_allclose(np.asarray(quantize_ste(u, bits, 2.0)), np.asarray(cimsim.quantize(np.asarray(u), bits, 2.0)),
                               atol=1e-6)
    g = np.asarray(jax.grad(lambda v: jnp.sum(quantize_ste(v, bits, 2.0)))(u))
    np.testing.assert_array_equal(g, (np.abs(np.asarray(u)) <= 2.0).astype(g.dtype))  # STE inside, 0 where it clips


def test_analog_dense_reduces_to_matmul_without_noise_or_converters():
    rng = np.random.default_rng(0)
    W, b, x = (jnp.asarray(a, jnp.float32) for a in (rng.standard_normal((5, 7)), rng.standard_normal(5),
                                                      rng.standard_normal((4, 7))))
    hwa = HWAConfig(eta=0.0, dac_bits=None, adc_bits=None, out_noise=0.0, out_bound=1e9)
    np.testing.assert_allclose(np.asarray(analog_dense(W, b, x, jax.random.PRNGKey(0), hwa)),
                               np.asarray(x @ W.T + b), rtol=1e-5, atol=1e-5)


def test_hwa_weight_noise_std():
    W = jnp.asarray(np.random.default_rng(0).standard_normal((200, 300)), jnp.float32)
    x = jnp.eye(300, dtype=jnp.float32)  # one-hot inputs read single weights
    hwa = HWAConfig(eta=0.05, dac_bits=None, adc_bits=None, out_noise=0.0, out_bound=1e9)
    y = analog_dense(W, jnp.zeros(200), x, jax.random.PRNGKey(1), hwa)  # (300, 200) = W_noisy^T
    resid = np.asarray(y).T - np.asarray(W)
    np.testing.assert_allclose(resid.std(), 0.05 * float(jnp.max(jnp.abs(W))), rtol=0.03)


@pytest.mark.parametrize("kwargs,match", [(dict(eta=-0.1), "eta must be finite and >= 0"),
                                          (dict(adc_bits=0), "adc_bits must be >= 1, got 0"),
                                          (dict(out_bound=0.0), "out_bound must be > 0")])
def test_hwa_config_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        HWAConfig(**kwargs)


def test_fit_trains_mlp_and_cnn():
    from cimsim.workloads import load_digits_split

    x_tr, y_tr, x_te, y_te = load_digits_split()
    for init, fwd in ((models.init_mlp, models.mlp_forward), (models.init_cnn, models.cnn_forward)):
        p0 = init(jax.random.PRNGKey(0))
        p = fit(p0, fwd, x_tr, y_tr, key=jax.random.PRNGKey(1), hwa=HWAConfig(), epochs=8)
        acc = models.accuracy(fwd(p, jnp.asarray(x_te, jnp.float32), None, None), y_te)
        assert acc > 0.9 and acc > models.accuracy(fwd(p0, jnp.asarray(x_te, jnp.float32), None, None), y_te) + 0.3


def test_a_second_fit_of_the_same_shapes_reuses_the_compiled_epoch():
    """fit builds its optimizer once per (lr, steps): JAX's own cache of train_epoch does not grow on a
    second call, and the same key trains the same weights bit for bit."""
    from cimsim.jx.hwa import train_epoch

    rng = np.random.default_rng(0)
    x, y = rng.uniform(0, 1, (40, 64)).astype(np.float32), rng.integers(0, 10, 40)
    p0 = models.init_mlp(jax.random.PRNGKey(0))
    a = fit(p0, models.mlp_forward, x, y, key=jax.random.PRNGKey(1), hwa=HWAConfig(), epochs=2, batch=16)
    compiled = train_epoch._cache_size()
    b = fit(p0, models.mlp_forward, x, y, key=jax.random.PRNGKey(1), hwa=HWAConfig(), epochs=2, batch=16)
    assert train_epoch._cache_size() == compiled
    for u, w in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)):
        np.testing.assert_array_equal(np.asarray(u), np.asarray(w))
    c = fit(p0, models.mlp_forward, x, y, key=jax.random.PRNGKey(1), hwa=HWAConfig(), epochs=2, batch=16, lr=5e-3)
    assert train_epoch._cache_size() == compiled + 1  # another schedule is another program
    assert not np.array_equal(np.asarray(c[0][0]), np.asarray(a[0][0]))


def test_check_input_errors():
    with pytest.raises(ValueError, match="x must be finite"):
        jt.check_input(np.array([[np.nan, 1.0]]), 2)
    with pytest.raises(ValueError, match="x must have 3 inputs"):
        jt.check_input(np.ones((2, 2)), 3)


def test_jax_bad_input():
    cfg = cimsim.presets.PCM
    with pytest.raises(ValueError, match="W must be finite"):
        ja.program(jnp.array([[1.0, jnp.nan]]), cfg, key=jax.random.PRNGKey(0))
    with pytest.raises(ValueError, match="W must have ndim"):
        ja.program(jnp.ones(3), cfg, key=jax.random.PRNGKey(0))
    with pytest.raises(ValueError, match=r"bias must have shape \(2,\)"):
        ja.program(jnp.ones((2, 3)), cfg, key=jax.random.PRNGKey(0), bias=jnp.ones(3))
    p = models.init_mlp(jax.random.PRNGKey(0))
    with pytest.raises(ValueError, match="y must be integer labels"):
        fit(p, models.mlp_forward, np.ones((4, 64)), np.ones(3, dtype=int), key=jax.random.PRNGKey(0), hwa=None)
    with pytest.raises(ValueError, match="x must be finite"):
        fit(p, models.mlp_forward, np.full((4, 64), np.inf), np.zeros(4, dtype=int), key=jax.random.PRNGKey(0), hwa=None)


def test_scanned_epoch_equals_step_by_step_loop():
    """train_epoch (one lax.scan) makes the same updates as calling update() batch by batch, the last
    partial batch included (masked, not dropped)."""
    import optax

    from cimsim.jx.hwa import init_state, train_epoch, update

    x = jnp.asarray(np.random.default_rng(0).uniform(0, 1, (100, 64)), jnp.float32)
    y = jnp.asarray(np.random.default_rng(1).integers(0, 10, 100))
    p0 = models.init_mlp(jax.random.PRNGKey(0))
    opt = optax.adam(1e-2)
    hwa = HWAConfig()
    s_scan, losses = train_epoch(init_state(p0, opt, jax.random.PRNGKey(1)), x, y, jax.random.PRNGKey(2),
                                 forward=models.mlp_forward, optimizer=opt, hwa=hwa, batch=32)
    order = np.asarray(jax.random.permutation(jax.random.PRNGKey(2), 100))
    s = init_state(p0, opt, jax.random.PRNGKey(1))
    loop_losses = []
    for k in range(4):  # 32, 32, 32, 4
        idx = order[32 * k:32 * (k + 1)]
        s, loss = update(s, x[idx], y[idx], forward=models.mlp_forward, optimizer=opt, hwa=hwa)
        loop_losses.append(float(loss))
    np.testing.assert_allclose(np.asarray(losses), loop_losses, rtol=1e-4)
    for a, b in zip(jax.tree_util.tree_leaves(s_scan.params), jax.tree_util.tree_leaves(s.params)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=2e-4, atol=1e-5)
