"""Convolutions on tiles without patches (cimsim.jx.conv): with a fixed-range DAC, each row block's partial
product is a convolution, and the model's forward equals the patches x kernel-matrix path draw by draw
(same key, same normals); with an ideal crossbar it equals XLA's convolution of the model itself."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

import cimsim
from cimsim.jx import analog_model
from cimsim.jx.conv import inexact_reason, mvm_conv

RNG = np.random.default_rng(3)
FIXED = cimsim.DAC(8, "fixed", 1.5)
# 16 rows per tile: the row blocks cut through a channel's kh * kw rows (45 = 16 + 16 + 13); both convolutions
# are (5, 45) matrices, so the tests compile one programming (the suite's time)
PCM_FIXED = dataclasses.replace(cimsim.presets.PCM, dac=FIXED, tile_rows=16, tile_cols=8)


def _params(layout2):
    k2 = RNG.standard_normal((5, 5, 3, 3) if layout2[1] == "OIHW" else (3, 3, 5, 5)) * 0.3
    return {"k1": jnp.asarray(RNG.standard_normal((3, 3, 5, 5)) * 0.3), "k2": jnp.asarray(k2)}


def _apply(layout2, strides, padding, dilation):
    def f(p, x):  # NHWC 3x3 conv, then a second 3x3 conv in layout2 (stride, asymmetric padding, dilation)
        h = lax.conv_general_dilated(x, p["k1"], (1, 1), ((1, 1), (1, 1)), dimension_numbers=("NHWC", "HWIO", "NHWC"))
        h = jax.nn.relu(h)
        if layout2[0] == "NCHW":
            h = jnp.transpose(h, (0, 3, 1, 2))
        return lax.conv_general_dilated(h, p["k2"], strides, padding, rhs_dilation=dilation, dimension_numbers=layout2)
    return f


CASES = [(("NCHW", "OIHW", "NCHW"), (2, 2), ((0, 1), (1, 0)), (1, 2)),
         (("NHWC", "HWIO", "NHWC"), (1, 2), ((1, 1), (0, 2)), (2, 1))]


def _primitives(jaxpr, out=None):
    out = [] if out is None else out
    for eqn in jaxpr.eqns:
        out.append(eqn.primitive.name)
        for sub in jax.core.subjaxprs(eqn) if hasattr(jax.core, "subjaxprs") else ():
            _primitives(sub, out)
        for name in ("jaxpr", "call_jaxpr"):
            j = eqn.params.get(name)
            if j is not None:
                _primitives(j.jaxpr if hasattr(j, "jaxpr") else j, out)
    return out


@pytest.mark.parametrize("layout2,strides,padding,dilation", CASES)
def test_tile_convolution_equals_the_patches_path_draw_by_draw(layout2, strides, padding, dilation):
    with jax.enable_x64(True):
        p = _params(layout2)
        x = jnp.asarray(RNG.uniform(-1.0, 1.0, (4, 9, 9, 5)))
        cfg = dataclasses.replace(PCM_FIXED, dtype="float64")
        model = analog_model(_apply(layout2, strides, padding, dilation), p, x, config=cfg)
        assert [(s.analog, s.shape) for s in model.report] == [(True, (5, 45))] * 2
        key = jax.random.PRNGKey(7)
        reads = model.read(model.program(p, key=key), 3600.0, key=jax.random.PRNGKey(8))
        y_conv = model.apply_read(p, reads, x, key=key)
        y_patch = model.apply_read(p, reads, x, key=key, conv="patches")
        y_quiet = model.apply_read(p, reads, x, key=jax.random.PRNGKey(9))
    np.testing.assert_allclose(np.asarray(y_conv), np.asarray(y_patch), rtol=1e-11, atol=1e-12)
    assert np.abs(np.asarray(y_conv) - np.asarray(y_quiet)).max() > 1e-3  # the draws matter: same key, same draws


def test_ideal_tile_convolution_equals_xla_convolution_of_the_model():
    ideal = dataclasses.replace(cimsim.presets.IDEAL, dac=cimsim.DAC(None, "fixed", 50.0), tile_rows=16, tile_cols=8)
    with jax.enable_x64(True):
        layout2 = CASES[0][0]
        p, f = _params(layout2), _apply(*CASES[0])
        x = jnp.asarray(RNG.uniform(-1.0, 1.0, (3, 9, 9, 5)))
        model = analog_model(f, p, x, config=ideal)
        y = model.inference(p, x, t_s=0.0, key=jax.random.PRNGKey(0))
        ref = f(p, x)
    np.testing.assert_allclose(np.asarray(y), np.asarray(ref), rtol=0, atol=1e-12 * np.abs(np.asarray(ref)).max())


def test_the_forward_has_no_patch_product_and_compiles_whole():
    with jax.enable_x64(True):
        p, f = _params(CASES[1][0]), _apply(*CASES[1])
        x = jnp.asarray(RNG.uniform(-1.0, 1.0, (4, 9, 9, 5)))
        model = analog_model(f, p, x, config=dataclasses.replace(PCM_FIXED, dtype="float64"))
        key = jax.random.PRNGKey(1)
        reads = model.read(model.program(p, key=key), 60.0, key=key)
        prims = {c: _primitives(jax.make_jaxpr(lambda r, xb, k, c=c: model.apply_read(p, r, xb, key=k, conv=c))(
            reads, x, key).jaxpr) for c in ("auto", "patches")}
        y = model.apply_read(p, reads, x, key=key)
        y_jit = jax.jit(lambda r, xb, k: model.apply_read(p, r, xb, key=k))(reads, x, key)
    # patches: each conv site's MVM is dot_generals on the patch matrix; tile convolutions: none
    assert prims["auto"].count("dot_general") == 0 < prims["patches"].count("dot_general")
    assert prims["auto"].count("conv_general_dilated") > prims["patches"].count("conv_general_dilated")
    np.testing.assert_allclose(np.asarray(y_jit), np.asarray(y), rtol=1e-11, atol=1e-12)


def test_abs_max_takes_the_patches_path_and_bad_input_raises():
    cfg = dataclasses.replace(cimsim.presets.PCM, tile_rows=16, dtype="float64")
    assert "abs_max" in inexact_reason(cfg) and inexact_reason(PCM_FIXED) is None
    from cimsim.jx.conv import spec_of

    spec = spec_of({"dimension_numbers": lax.conv_dimension_numbers((1, 9, 9, 5), (3, 3, 5, 5), ("NHWC", "HWIO", "NHWC")),
                    "padding": ((1, 1), (1, 1)), "window_strides": (1, 1), "lhs_dilation": (1, 1),
                    "rhs_dilation": (1, 1)}, (3, 3, 5, 5))
    with jax.enable_x64(True):
        p, f = _params(CASES[0][0]), _apply(*CASES[0])
        x = jnp.asarray(RNG.uniform(-1.0, 1.0, (2, 9, 9, 5)))
        model = analog_model(f, p, x, config=cfg)
        key = jax.random.PRNGKey(2)
        reads = model.read(model.program(p, key=key), 1.0, key=key)
        np.testing.assert_array_equal(np.asarray(model.apply_read(p, reads, x, key=key)),
                                      np.asarray(model.apply_read(p, reads, x, key=key, conv="patches")))
        with pytest.raises(ValueError, match="conv must be one of"):
            model.apply_read(p, reads, x, key=key, conv="im2col")
        with pytest.raises(ValueError, match="conv must be one of"):
            model.inference(p, x, t_s=1.0, key=key, conv="")
        with pytest.raises(ValueError, match="not exact for this config: dac.input_scaling='abs_max'"):
            mvm_conv(reads[0].blocks, x, cfg, spec, key)
        fixed = dataclasses.replace(PCM_FIXED, dtype="float64")
        with pytest.raises(ValueError, match="x must be finite"):
            mvm_conv(reads[0].blocks, x.at[0, 0, 0, 0].set(jnp.nan), fixed, spec, key)
        with pytest.raises(ValueError, match="key is required"):
            mvm_conv(reads[0].blocks, x, fixed, spec, None)


def test_hwa_with_a_fixed_input_range_trains_convolutions_as_convolutions_draw_by_draw():
    from cimsim.jx import HWAConfig
    from cimsim.jx.conv import hwa_conv

    hwa = HWAConfig(input_range=1.5)
    with jax.enable_x64(True):
        p, f = _params(CASES[1][0]), _apply(*CASES[1])
        x = jnp.asarray(RNG.uniform(-1.0, 1.0, (3, 9, 9, 5)))
        model = analog_model(f, p, x, config=dataclasses.replace(PCM_FIXED, dtype="float64"))
        key = jax.random.PRNGKey(4)

        def loss(q, conv):
            return jnp.sum(jnp.tanh(model.hwa(q, x, key=key, hwa=hwa, conv=conv)) ** 2)

        (l_c, g_c), (l_p, g_p) = (jax.value_and_grad(loss)(p, c) for c in ("auto", "patches"))
        prims = _primitives(jax.make_jaxpr(lambda q: model.hwa(q, x, key=key, hwa=hwa))(p).jaxpr)
        y_abs = model.hwa(p, x, key=key)  # abs_max: the patches path
    assert prims.count("dot_general") == 0
    np.testing.assert_allclose(float(l_c), float(l_p), rtol=1e-12)
    for name in p:  # the straight-through gradients through the convolution equal those through the patches
        np.testing.assert_allclose(np.asarray(g_c[name]), np.asarray(g_p[name]), rtol=0,
                                   atol=1e-10 * np.abs(np.asarray(g_p[name])).max())
    assert np.abs(np.asarray(g_c["k1"])).max() > 0 and np.all(np.isfinite(np.asarray(y_abs)))
    with pytest.raises(ValueError, match="input_range must be"):
        HWAConfig(input_range=0.0)
    with pytest.raises(ValueError, match="needs a fixed input range"):
        hwa_conv(p["k1"], x, key, HWAConfig(), None)
