"""PyTorch models on crossbars (cimsim.jx.from_torch, through torchax).

IDEAL equals the torch module's own forward (an MLP, a CNN with BatchNorm, a transformer block written
here); PCM equals the same model written in JAX draw by draw; HWA training of a torch-defined MLP follows
the JAX-defined one from the same initial weights and reaches its accuracy; the trained parameters load
back into the torch module, whose own forward then gives the JAX model's digital outputs."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from jax import lax

import cimsim
from cimsim.jx import HWAConfig, analog_model, from_torch, torch_state_dict

torch = pytest.importorskip("torch")
pytest.importorskip("torchax")
nn = torch.nn

IDEAL = dataclasses.replace(cimsim.presets.IDEAL, tile_rows=16, tile_cols=8)  # several tiles per layer


class MLP(nn.Module):
    def __init__(self, n_in=64, n_h=32, n_out=10):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(n_in, n_h), nn.Linear(n_h, n_out)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 6, 3, stride=2, padding=1)
        self.bn = nn.BatchNorm2d(6)
        self.fc = nn.Linear(6 * 4 * 4, 5)

    def forward(self, x):
        return self.fc(torch.relu(self.bn(self.conv(x))).flatten(1))


class Block(nn.Module):
    """Pre-norm transformer block: LayerNorm, causal multi-head attention, GELU MLP, residuals."""

    def __init__(self, d=16, heads=2):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.up, self.down = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    def forward(self, x):
        B, T, D = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(D, dim=-1)
        q, k, v = (a.reshape(B, T, self.heads, D // self.heads).transpose(1, 2) for a in (q, k, v))
        a = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(a.transpose(1, 2).reshape(B, T, D))
        return x + self.down(torch.nn.functional.gelu(self.up(self.ln2(x))))


def _seeded(cls, seed=0):
    torch.manual_seed(seed)
    m = cls().eval()
    if isinstance(m, CNN):  # running statistics that are not the identity
        with torch.no_grad():
            m.bn.running_mean.uniform_(-0.5, 0.5)
            m.bn.running_var.uniform_(0.5, 2.0)
            m.bn.weight.uniform_(0.5, 1.5)
    return m


@pytest.mark.parametrize("cls, shape, analog_sites", [(MLP, (8, 64), 2), (CNN, (4, 2, 8, 8), 2), (Block, (2, 6, 16), 4)])
def test_ideal_equals_the_torch_modules_own_forward(cls, shape, analog_sites):
    m = _seeded(cls)
    x = torch.from_numpy(np.random.default_rng(1).standard_normal(shape).astype(np.float32))
    model, params = from_torch(m, x, config=IDEAL)
    assert sum(s.analog for s in model.report) == analog_sites  # every nn.Linear / nn.Conv2d, nothing else
    assert {s.path for s in model.report if s.analog} <= set(params)
    if cls is Block:  # q k^T and attention x v are activation x activation: digital, with the reason
        assert any(not s.analog for s in model.report)
    with torch.no_grad():
        ref = m(x).numpy()
    y = np.asarray(model.inference(params, jnp.asarray(x.numpy()), t_s=0.0, key=jax.random.PRNGKey(0)))
    # IDEAL: the tiles' sums in float64, torch's in float32: equal to float32 rounding
    np.testing.assert_allclose(y, ref, rtol=0, atol=2e-5 * np.abs(ref).max())
    np.testing.assert_allclose(np.asarray(model.digital(params, jnp.asarray(x.numpy()))), ref, rtol=0,
                               atol=2e-6 * np.abs(ref).max())


def _cnn_jax(p, x, m):
    """The CNN written in JAX with the torch parameter names (NCHW, OIHW), BatchNorm in eval mode."""
    h = lax.conv_general_dilated(x, p["conv.weight"], (2, 2), ((1, 1), (1, 1)),
                                 dimension_numbers=("NCHW", "OIHW", "NCHW")) + p["conv.bias"][None, :, None, None]
    mean, var = (jnp.asarray(t.numpy())[None, :, None, None] for t in (m.bn.running_mean, m.bn.running_var))
    h = (h - mean) / jnp.sqrt(var + m.bn.eps) * p["bn.weight"][None, :, None, None] + p["bn.bias"][None, :, None, None]
    return jax.nn.relu(h).reshape(x.shape[0], -1) @ p["fc.weight"].T + p["fc.bias"]


def test_pcm_equals_the_same_model_written_in_jax_draw_by_draw():
    m = _seeded(CNN, 3)
    x = jnp.asarray(np.random.default_rng(2).uniform(0, 1, (16, 2, 8, 8)).astype(np.float32))
    model, params = from_torch(m, x, config=cimsim.presets.PCM)
    ref = analog_model(lambda p, x: _cnn_jax(p, x, m), params, x, config=cimsim.presets.PCM)
    assert [(s.primitive, s.shape, s.path) for s in model.report if s.analog] == \
        [(s.primitive, s.shape, s.path) for s in ref.report if s.analog]
    key = jax.random.PRNGKey(5)
    y, y_ref = (np.asarray(mm.inference(params, x, t_s=86400.0, key=key)) for mm in (model, ref))
    np.testing.assert_allclose(y, y_ref, rtol=0, atol=1e-5 * np.abs(y_ref).max())
    # and it is the noisy device, not the digital model: another key, other numbers
    y2 = np.asarray(model.inference(params, x, t_s=86400.0, key=jax.random.PRNGKey(6)))
    assert np.abs(y2 - y).max() > 100 * 1e-5 * np.abs(y_ref).max()


def test_hwa_training_of_a_torch_model_follows_the_jax_model():
    """Same initial weights, same keys, same optimizer: the torch-defined MLP and the JAX-defined one train
    along the same path and reach the same accuracy on PCM after 1 h."""
    from cimsim.workloads import load_digits_split

    x_tr, y_tr, x_te, y_te = (jnp.asarray(a) for a in load_digits_split())
    x_tr, x_te = x_tr.astype(jnp.float32), x_te.astype(jnp.float32)
    m = _seeded(MLP, 4)
    t_model, t_params = from_torch(m, x_tr[:64], config=cimsim.presets.PCM)
    j_model = analog_model(lambda p, x: jax.nn.relu(x @ p["fc1.weight"].T + p["fc1.bias"]) @ p["fc2.weight"].T
                           + p["fc2.bias"], t_params, x_tr[:64], config=cimsim.presets.PCM)
    hwa, opt = HWAConfig(), optax.adam(3e-3)

    def train(model, params):
        state = opt.init(params)

        @jax.jit
        def step(params, state, xb, yb, key):
            g = jax.grad(lambda p: optax.softmax_cross_entropy_with_integer_labels(
                model.hwa(p, xb, key=key, hwa=hwa), yb).mean())(params)
            updates, state = opt.update(g, state)
            return model.clip_weights(optax.apply_updates(params, updates), hwa.clip_sigma), state

        key = jax.random.PRNGKey(1)
        for _ in range(3):
            for s in range(0, 1344, 64):
                key, sub = jax.random.split(key)
                params, state = step(params, state, x_tr[s:s + 64], y_tr[s:s + 64], sub)
        acc = jax.vmap(lambda k: jnp.mean(jnp.argmax(model.inference(params, x_te, t_s=3600.0, key=k), 1) == y_te))(
            jax.random.split(jax.random.PRNGKey(2), 3))
        return params, float(acc.mean())

    p_t, acc_t = train(t_model, t_params)
    p_j, acc_j = train(j_model, t_params)
    assert acc_j > 0.85 and abs(acc_t - acc_j) <= 0.01, (acc_t, acc_j)
    for k in p_t:  # the same path, to float32 rounding accumulated over 63 steps
        np.testing.assert_allclose(np.asarray(p_t[k]), np.asarray(p_j[k]), rtol=0, atol=1e-3)
    # the trained parameters go back into torch; torch's forward is the JAX model's digital forward
    m.load_state_dict(torch_state_dict(m, p_t))
    with torch.no_grad():
        ref = m(torch.from_numpy(np.array(x_te))).numpy()
    np.testing.assert_allclose(np.asarray(t_model.digital(p_t, x_te)), ref, rtol=0, atol=1e-5 * np.abs(ref).max())


def test_tied_weights_appear_once_and_load_back():
    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Linear(8, 4, bias=False)
            self.out = nn.Linear(4, 8, bias=False)
            self.out.weight = nn.Parameter(self.emb.weight.T.contiguous())
            self.out2 = nn.Linear(8, 4, bias=False)
            self.out2.weight = self.emb.weight  # tied

        def forward(self, x):
            return self.out2(self.out(self.emb(x)))

    torch.manual_seed(0)
    m = Tied().eval()
    x = torch.randn(3, 8)
    model, params = from_torch(m, x, config=IDEAL)
    assert sorted(params) == ["emb.weight", "out.weight"]
    with torch.no_grad():
        ref = m(x).numpy()
    np.testing.assert_allclose(np.asarray(model.digital(params, jnp.asarray(x.numpy()))), ref, rtol=0, atol=1e-6)
    new = {k: 2 * v for k, v in params.items()}
    sd = torch_state_dict(m, new)
    np.testing.assert_array_equal(sd["out2.weight"].numpy(), np.asarray(new["emb.weight"]))
    m.load_state_dict(sd)


def test_errors_name_the_parameter():
    m = MLP()
    with pytest.raises(ValueError, match="module must be a torch.nn.Module"):
        from_torch(lambda x: x, np.zeros((1, 64)), config=IDEAL)
    with pytest.raises(ValueError, match="example_inputs"):
        from_torch(m.eval(), config=IDEAL)
    drop = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5)).train()
    with pytest.raises(ValueError, match=r"dropout \(1\).*module.eval\(\)"):
        from_torch(drop, np.zeros((1, 4), np.float32), config=IDEAL)
    _, params = from_torch(m.eval(), np.zeros((1, 64), np.float32), config=IDEAL)
    with pytest.raises(ValueError, match=r"params lacks parameters of the module: \['fc2.bias'\]"):
        torch_state_dict(m, {k: v for k, v in params.items() if k != "fc2.bias"})
    with pytest.raises(ValueError, match=r"not parameters of the module: \['nope'\]"):
        torch_state_dict(m, {**params, "nope": params["fc1.bias"]})
    with pytest.raises(ValueError, match=r"params\['fc1.bias'\] has shape \(3,\)"):
        torch_state_dict(m, {**params, "fc1.bias": jnp.zeros(3)})
