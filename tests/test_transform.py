"""Any JAX model on crossbars (cimsim.jx.analog_model): plain JAX, Flax linen and NNX, Equinox.

With an IDEAL configuration the transformed model equals the digital model to float rounding; with PCM it
equals the per-layer crossbar path (cimsim.jx.program / read / mvm) draw by draw; gradients flow; an optax
loop trains a user-defined model hardware-aware."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from jax import lax

import cimsim
from cimsim.jx import HWAConfig, analog_model

IDEAL = dataclasses.replace(cimsim.presets.IDEAL, tile_rows=16, tile_cols=8)  # several tiles per layer
RNG = np.random.default_rng(0)


def _close(a, b, rtol=1e-10):
    for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)):
        x, y = np.asarray(x), np.asarray(y)
        np.testing.assert_allclose(x, y, rtol=0, atol=rtol * max(np.abs(y).max(), 1e-30))


def _plain_params():
    return {"dense": {"w": jnp.asarray(RNG.standard_normal((48, 20))), "b": jnp.asarray(RNG.standard_normal(20))},
            "conv": {"k": jnp.asarray(RNG.standard_normal((3, 3, 2, 4)))},  # HWIO
            "out": {"w": jnp.asarray(RNG.standard_normal((20, 5)))}}


def _plain_apply(p, x):
    """Conv (NHWC, stride 2, SAME) -> flatten -> dense -> attention-like self product -> dense."""
    h = lax.conv_general_dilated(x, p["conv"]["k"], (2, 2), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))
    h = jax.nn.relu(h).reshape(x.shape[0], -1)
    h = jnp.tanh(h @ p["dense"]["w"] + p["dense"]["b"])
    scores = jax.nn.softmax(h @ h.T)  # activation x activation: stays digital
    return (scores @ h) @ p["out"]["w"]


def test_plain_jax_ideal_equals_digital_and_report():
    with jax.enable_x64(True):
        p, x = _plain_params(), jnp.asarray(RNG.standard_normal((3, 8, 6, 2)))
        model = analog_model(_plain_apply, p, x, config=IDEAL)
        ref = _plain_apply(p, x)
        _close(model.digital(p, x), ref, 1e-14)
        _close(model.inference(p, x, t_s=0.0, key=jax.random.PRNGKey(0)), ref)
    kinds = [(s.primitive, s.analog, s.reason) for s in model.report]
    assert kinds[0][:2] == ("conv_general_dilated", True) and model.report[0].shape == (4, 18)  # (c_out, kh*kw*c_in)
    assert model.report[0].path == "conv/k" and model.report[1].path == "dense/w" and model.report[1].shape == (20, 48)
    digital = [s for s in model.report if not s.analog]
    assert len(digital) == 2 and all(s.reason == "activation x activation" for s in digital)
    assert "analog share of the MACs" in model.summary()


@pytest.mark.parametrize("layout,strides,padding,dilation", [
    (("NHWC", "HWIO", "NHWC"), (1, 1), "VALID", (1, 1)),
    (("NCHW", "OIHW", "NCHW"), (2, 1), "SAME", (1, 1)),
    (("NCHW", "OIHW", "NCHW"), (1, 2), ((2, 0), (1, 3)), (2, 1)),
    (("NHWC", "HWIO", "NHWC"), (3, 3), "SAME", (1, 2)),
])
def test_convolutions_any_layout_stride_padding_dilation(layout, strides, padding, dilation):
    lhs_spec, rhs_spec, _ = layout
    x = RNG.standard_normal((2, 9, 11, 3) if lhs_spec == "NHWC" else (2, 3, 9, 11))
    k = RNG.standard_normal((3, 2, 3, 5) if rhs_spec == "HWIO" else (5, 3, 3, 2))

    def apply(p, x):
        return lax.conv_general_dilated(x, p, strides, padding, rhs_dilation=dilation, dimension_numbers=layout)

    with jax.enable_x64(True):
        model = analog_model(apply, jnp.asarray(k), jnp.asarray(x), config=IDEAL)
        _close(model.inference(jnp.asarray(k), jnp.asarray(x), t_s=0.0, key=jax.random.PRNGKey(0)),
               apply(jnp.asarray(k), jnp.asarray(x)))
    assert model.report[0].analog and model.report[0].shape == (5, 18)


def test_grouped_convolution_stays_digital_with_a_note():
    def apply(k, x):
        return lax.conv_general_dilated(x, k, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"),
                                        feature_group_count=2)

    k, x = jnp.ones((3, 3, 1, 4)), jnp.ones((1, 5, 5, 2))
    model = analog_model(apply, k, x, config=cimsim.presets.PCM)
    assert [(s.analog, s.reason) for s in model.report] == [(False, "grouped/depthwise convolution (kept digital)")]
    np.testing.assert_array_equal(np.asarray(model.inference(k, x, t_s=1.0, key=jax.random.PRNGKey(0))),
                                  np.asarray(apply(k, x)))


def test_flax_linen_and_nnx_ideal_equal_digital():
    nn = pytest.importorskip("flax.linen")
    from flax import nnx

    class CNN(nn.Module):
        @nn.compact
        def __call__(self, x):
            x = nn.relu(nn.Conv(4, (3, 3), strides=(2, 2))(x))
            return nn.Dense(7)(x.reshape(x.shape[0], -1))

    with jax.enable_x64(True):
        x = jnp.asarray(RNG.standard_normal((2, 8, 8, 1)))
        m = CNN()
        params = m.init(jax.random.PRNGKey(0), x)
        model = analog_model(m.apply, params, x, config=IDEAL)
        _close(model.inference(params, x, t_s=0.0, key=jax.random.PRNGKey(1)), m.apply(params, x))
        assert [s.path for s in model.report] == ["params/Conv_0/kernel", "params/Dense_0/kernel"]

        class MLP(nnx.Module):
            def __init__(self, rngs):
                self.l1, self.l2 = nnx.Linear(6, 16, rngs=rngs), nnx.Linear(16, 3, rngs=rngs)

            def __call__(self, x):
                return self.l2(nnx.relu(self.l1(x)))

        graphdef, state = nnx.split(MLP(nnx.Rngs(0)))
        xs = jnp.asarray(RNG.standard_normal((4, 6)))

        def apply(state, x):
            return nnx.merge(graphdef, state)(x)

        model = analog_model(apply, state, xs, config=IDEAL)
        _close(model.inference(state, xs, t_s=0.0, key=jax.random.PRNGKey(1)), apply(state, xs))
        assert sum(s.analog for s in model.report) == 2 and "l1/kernel" in model.report[0].path


def test_equinox_ideal_equals_digital():
    eqx = pytest.importorskip("equinox")
    with jax.enable_x64(True):
        net = eqx.nn.MLP(5, 3, width_size=12, depth=2, key=jax.random.PRNGKey(0))
        params, static = eqx.partition(net, eqx.is_array)

        def apply(params, x):
            return jax.vmap(eqx.combine(params, static))(x)

        x = jnp.asarray(RNG.standard_normal((6, 5)))
        model = analog_model(apply, params, x, config=IDEAL)
        _close(model.inference(params, x, t_s=0.0, key=jax.random.PRNGKey(1)), apply(params, x))
        assert [s.path for s in model.report if s.analog] == ["layers/0/weight", "layers/1/weight", "layers/2/weight"]


def test_pcm_equals_the_per_layer_crossbar_path_draw_by_draw():
    """The transformed model is the per-layer path (cimsim.jx.program/read/mvm) with per-site keys."""
    cfg = cimsim.presets.PCM
    W1, W2 = jnp.asarray(RNG.standard_normal((64, 30)), jnp.float32), jnp.asarray(RNG.standard_normal((30, 10)), jnp.float32)
    x = jnp.asarray(RNG.uniform(0, 1, (16, 64)), jnp.float32)

    def apply(p, x):
        return jax.nn.relu(x @ p[0]) @ p[1]

    model = analog_model(apply, [W1, W2], x, config=cfg)
    key = jax.random.PRNGKey(7)
    y = model.inference([W1, W2], x, t_s=86400.0, key=key)
    k_prog, k_read, k_mvm = jax.random.split(key, 3)
    h = x
    for i, W in enumerate((W1, W2)):
        A = cimsim.jx.program(W.T, cfg, key=jax.random.fold_in(k_prog, 2 * i))
        R = A.read(86400.0, key=jax.random.fold_in(k_read, 2 * i + 1))
        h = R.mvm(h, key=jax.random.fold_in(k_mvm, i))
        h = jax.nn.relu(h) if i == 0 else h
    np.testing.assert_allclose(np.asarray(y), np.asarray(h), rtol=0, atol=1e-5 * float(jnp.abs(h).max()))
    # and it is noisy, seed by seed, and vmaps over seeds (the programming under vmap: test_jax)
    reads = model.read(model.program([W1, W2], key=k_prog), 86400.0, key=k_read)
    ys = jax.vmap(lambda k: model.apply_read([W1, W2], reads, x, key=k))(jax.random.split(key, 4))
    assert ys.shape == (4, 16, 10) and float(jnp.std(ys, axis=0).mean()) > 0


def test_gradients_match_finite_differences_without_ste():
    """HWA forward with no noise and ideal converters: the gradient equals the digital model's, and both
    match central finite differences."""
    hwa = HWAConfig(eta=0.0, dac_bits=None, adc_bits=None, out_noise=0.0, out_bound=1e9, clip_sigma=None)
    with jax.enable_x64(True):
        # inputs of their own (the module's RNG is shared, so its draws depend on the order tests run in)
        p, x = _plain_params(), jnp.asarray(np.random.default_rng(11).standard_normal((3, 8, 6, 2)))
        model = analog_model(_plain_apply, p, x, config=cimsim.presets.PCM)

        def loss(p):
            return jnp.sum(model.hwa(p, x, key=jax.random.PRNGKey(0), hwa=hwa) ** 2)

        g = jax.grad(loss)(p)
        g_ref = jax.grad(lambda p: jnp.sum(_plain_apply(p, x) ** 2))(p)
        _close(g, g_ref, 1e-8)
        eps = 1e-6
        for (path, idx) in ((("dense", "w"), (3, 4)), (("conv", "k"), (1, 2, 0, 3))):
            def bump(d):
                q = jax.tree_util.tree_map(lambda a: a, p)
                q[path[0]][path[1]] = q[path[0]][path[1]].at[idx].add(d)
                return loss(q)
            fd = (bump(eps) - bump(-eps)) / (2 * eps)
            # central differences: truncation ~ eps^2, rounding ~ float64 eps x |loss| / eps (the floor)
            rounding = 10 * np.finfo(np.float64).eps * abs(float(loss(p))) / eps
            np.testing.assert_allclose(float(g[path[0]][path[1]][idx]), float(fd), rtol=1e-5, atol=rounding)


@pytest.mark.slow
def test_optax_loop_trains_a_user_model_hardware_aware():
    from cimsim.workloads import load_digits_split

    x_tr, y_tr, x_te, y_te = (jnp.asarray(a) for a in load_digits_split())
    x_tr, x_te = x_tr.astype(jnp.float32), x_te.astype(jnp.float32)

    def apply(p, x):
        return jax.nn.relu(x @ p["w1"] + p["b1"]) @ p["w2"] + p["b2"]

    k1, k2 = jax.random.split(jax.random.PRNGKey(0))
    params = {"w1": jax.random.normal(k1, (64, 32)) * 0.18, "b1": jnp.zeros(32),
              "w2": jax.random.normal(k2, (32, 10)) * 0.25, "b2": jnp.zeros(10)}
    model = analog_model(apply, params, x_tr[:64], config=cimsim.presets.PCM)
    hwa = HWAConfig()
    opt = optax.adam(3e-3)
    state = opt.init(params)

    @jax.jit
    def step(params, state, xb, yb, key):
        loss, g = jax.value_and_grad(lambda p: optax.softmax_cross_entropy_with_integer_labels(
            model.hwa(p, xb, key=key, hwa=hwa), yb).mean())(params)
        updates, state = opt.update(g, state)
        return model.clip_weights(optax.apply_updates(params, updates), hwa.clip_sigma), state, loss

    key = jax.random.PRNGKey(1)
    for epoch in range(12):
        for s in range(0, 1344, 64):
            key, sub = jax.random.split(key)
            params, state, loss = step(params, state, x_tr[s:s + 64], y_tr[s:s + 64], sub)
    acc = jax.vmap(lambda k: jnp.mean(jnp.argmax(model.inference(params, x_te, t_s=3600.0, key=k), 1) == y_te))(
        jax.random.split(jax.random.PRNGKey(2), 3))
    assert float(acc.mean()) > 0.9  # 64-32-10 on PCM at 1 h


def test_errors_missing_key_and_loops():
    p, x = _plain_params(), jnp.asarray(RNG.standard_normal((3, 8, 6, 2)), jnp.float32)
    p = jax.tree_util.tree_map(lambda a: a.astype(jnp.float32), p)
    model = analog_model(_plain_apply, p, x, config=cimsim.presets.PCM)
    with pytest.raises(ValueError, match="key is required for inference"):
        model.inference(p, x, t_s=1.0, key=None)
    with pytest.raises(ValueError, match="key is required for the hardware-aware forward"):
        model.hwa(p, x, key=None)

    def scanned(ws, x):
        return lax.scan(lambda h, w: (jnp.tanh(h @ w), None), x, ws)[0]

    with pytest.raises(NotImplementedError, match="inside `scan`"):
        analog_model(scanned, jnp.ones((3, 4, 4)), jnp.ones((2, 4)), config=cimsim.presets.PCM)
    with pytest.raises(ValueError, match=r"layers\['\*'\] must be a CrossbarConfig or None"):
        analog_model(_plain_apply, p, x, config=None, layers={"*": "pcm"})


def test_per_layer_choice_by_path():
    p, x = _plain_params(), jnp.asarray(RNG.standard_normal((3, 8, 6, 2)))
    model = analog_model(_plain_apply, p, x, config=cimsim.presets.PCM, layers={"conv/*": None, "out/*": IDEAL})
    where = {s.path: s.analog for s in model.report if s.path}
    assert where == {"conv/k": False, "dense/w": True, "out/w": True}
