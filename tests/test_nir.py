"""Spiking networks through NIR (snn.jx.nirgraph).

An snn.jx network written as a NIR graph runs, by forward Euler in NIRNetwork, spike for spike as snn.jx
runs it (IF and LIF, current and Poisson input); the graph survives nir.write/nir.read and comes back as
the same parameters, and Brian2 runs the imported network with the same spikes; a graph written by
snnTorch runs with the spike counts of snnTorch's own simulation of it; a convolutional graph runs as an
explicit numpy loop of NIR's equations says."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import snn.jx as sj
from snn.jx import SpikingConfig, export, init_params, run
from snn.jx import nirgraph as ng

nir = pytest.importorskip("nir")


def _grid_net(neuron, encoder, seed=0, sizes=(12, 10, 6)):
    cfg = SpikingConfig(steps=20, neuron=neuron, encoder=encoder, tau_s=5e-3)
    W, b = export.to_grid(init_params(sizes, key=jax.random.PRNGKey(seed), gain=1.5))
    W, b = export.to_grid(list(zip(W, [bb + 0.05 for bb in b])))  # a bias, so that the bias path is tested
    x = np.round(np.random.default_rng(seed).uniform(0, 1, (8, sizes[0])) * 16) / 16
    spikes_in = export.input_spikes(x, cfg, key=jax.random.PRNGKey(seed + 3))
    return cfg, W, b, x, spikes_in


@pytest.mark.parametrize("neuron", ["if", "lif"])
@pytest.mark.parametrize("encoder", ["current", "poisson"])
def test_exported_graph_runs_spike_for_spike_as_snn_jx(neuron, encoder):
    cfg, W, b, x, spikes_in = _grid_net(neuron, encoder)
    r = export.run_float64(W, b, x, cfg, spikes_in=spikes_in)
    net = ng.from_nir(ng.to_nir(list(zip(W, b)), cfg))
    assert net.dt_s == 1e-3 and net.reset == "subtract"  # from the graph's metadata
    inputs = np.broadcast_to(x, (cfg.steps,) + x.shape) if encoder == "current" else spikes_in
    with jax.enable_x64(True):
        out = net.run(inputs, dtype=jnp.float64)
        counts = list(net.counts(out).values())
        layers = [np.asarray(s) for s in r.spikes]
        assert len(counts) == len(layers) == 2
        for k, (name, s) in enumerate((n, s) for n, s in out.items() if n != "output"):
            np.testing.assert_array_equal(np.asarray(s), layers[k])  # every spike at its step
    assert sum(int(c.sum()) for c in counts) > 300  # the networks do spike


def test_file_round_trip_and_brian2_runs_the_imported_graph(tmp_path):
    cfg, W, b, x, _ = _grid_net("if", "current", seed=1, sizes=(10, 8, 4))
    cfg = SpikingConfig(steps=12, neuron="if", encoder="current")
    path = tmp_path / "net.nir"
    nir.write(path, ng.to_nir(list(zip(W, b)), cfg))
    params, cfg2 = ng.to_spiking(path)
    assert cfg2 == cfg
    for (W1, b1), W0, b0 in zip(params, W, b):
        np.testing.assert_array_equal(W1, W0)
        np.testing.assert_array_equal(b1, b0)
    W2, b2 = [p[0] for p in params], [p[1] for p in params]
    r = export.run_float64(W2, b2, x, cfg2)
    res = export.run_brian2(W2, b2, x, cfg2)
    same = export.compare(r, res)
    assert same["equal"] and sum(same["spikes_brian2"]) > 50, same
    # and the imported graph through NIRNetwork: the same spikes again
    with jax.enable_x64(True):
        out = ng.from_nir(path).run(np.broadcast_to(x, (cfg.steps,) + x.shape), dtype=jnp.float64)
    assert [int(np.asarray(s).sum()) for n, s in out.items() if n != "output"] == same["spikes_jax"]


# snnTorch 1.0's exporter calls nirtorch's older API, deprecated in nirtorch 2 (third-party, harmless)
@pytest.mark.filterwarnings("ignore:nirtorch.extract_nir_graph is being deprecated:DeprecationWarning")
def test_a_graph_written_by_snntorch_runs_with_snntorchs_counts():
    torch = pytest.importorskip("torch")
    snn = pytest.importorskip("snntorch")
    from snntorch import utils
    from snntorch.export_nir import export_to_nir
    from snntorch.import_nir import import_from_nir

    torch.manual_seed(0)
    lif = [snn.Leaky(beta=torch.full((n,), beta), threshold=torch.ones(n), init_hidden=True, output=out)
           for n, beta, out in ((24, 0.9, False), (8, 0.8, True))]
    module = torch.nn.Sequential(torch.nn.Linear(16, 24), lif[0], torch.nn.Linear(24, 8), lif[1])
    graph = export_to_nir(module, torch.randn(16))
    T, B = 50, 32
    x = (torch.rand(T, B, 16) < 0.3).float()

    imported = import_from_nir(graph)  # snnTorch's own simulation of the graph it wrote
    utils.reset(imported)
    rec: dict = {}
    leaks = [m for m in imported.modules() if isinstance(m, snn.Leaky)]
    hooks = [m.register_forward_hook(lambda m, i, o, k=k: rec.setdefault(k, []).append(
        (o[0] if isinstance(o, tuple) else o).detach().clone())) for k, m in enumerate(leaks)]
    with torch.no_grad():
        for t in range(T):
            imported(x[t])
    for h in hooks:
        h.remove()
    ref = [torch.stack(rec[k]).sum(0).numpy().astype(np.int64) for k in sorted(rec)]

    net = ng.from_nir(graph)  # no cimsim metadata: snnTorch's dt (1e-4 s) and NIR's reset to v_reset
    assert net.dt_s == 1e-4 and net.reset == "zero"
    ours = list(net.counts(net.run(x.numpy())).values())
    assert [c.shape for c in ours] == [(B, 24), (B, 8)]
    for a, b in zip(ours, ref):
        # both float32 forward Euler; the products are rounded in another order, which could flip a
        # decision within a float32 ulp of the threshold: at most 0.5 % of the neuron-sample counts
        assert int((a != b).sum()) <= 0.005 * a.size and abs(int(a.sum()) - int(b.sum())) <= 0.005 * b.sum()
    assert int(ours[0].sum()) > 1000  # a network that spikes


def _numpy_conv_reference(graph, x, dt):
    """NIR's equations for Conv2d -> IF -> SumPool2d -> Flatten -> Affine -> LIF, forward Euler, numpy loops."""
    c, i, p, f, a, l = (graph.nodes[n] for n in ("conv", "if", "pool", "flat", "aff", "lif"))
    Wc, bc = np.asarray(c.weight, np.float64), np.asarray(c.bias, np.float64)
    T, B, C, H, Wd = x.shape
    O, _, kh, kw = Wc.shape
    Ho, Wo = H - kh + 1, Wd - kw + 1
    v1, v2 = np.zeros((B, O, Ho, Wo)), np.zeros((B, a.weight.shape[0]))
    counts1, counts2 = np.zeros_like(v1, np.int64), np.zeros_like(v2, np.int64)
    for t in range(T):
        cur = np.zeros((B, O, Ho, Wo))
        for o in range(O):
            for y in range(Ho):
                for z in range(Wo):
                    cur[:, o, y, z] = np.sum(x[t][:, :, y:y + kh, z:z + kw] * Wc[o], axis=(1, 2, 3)) + bc[o]
        v1 = v1 + dt * np.asarray(i.r) * cur
        s1 = v1 > np.asarray(i.v_threshold)
        v1 = np.where(s1, 0.0, v1)
        pooled = s1.reshape(B, O, Ho // 2, 2, Wo // 2, 2).sum(axis=(3, 5))
        cur2 = pooled.reshape(B, -1) @ np.asarray(a.weight).T + np.asarray(a.bias)
        g = dt / np.asarray(l.tau)
        v2 = (1 - g) * v2 + g * np.asarray(l.r) * cur2
        s2 = v2 > np.asarray(l.v_threshold)
        v2 = np.where(s2, 0.0, v2)
        counts1 += s1
        counts2 += s2
    return counts1, counts2


def test_a_convolutional_graph_runs_as_nirs_equations_say():
    rng = np.random.default_rng(4)
    dt = 1e-3
    graph = nir.NIRGraph(nodes={
        "input": nir.Input(input_type={"input": np.array([2, 8, 8])}),
        "conv": nir.Conv2d(input_shape=(8, 8), weight=rng.normal(0, 0.5, (3, 2, 3, 3)), stride=1, padding=0,
                           dilation=1, groups=1, bias=rng.normal(0, 0.1, 3)),
        "if": nir.IF(r=np.full((3, 6, 6), 1 / dt), v_threshold=np.ones((3, 6, 6))),
        "pool": nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]), padding=np.array([0, 0])),
        "flat": nir.Flatten(input_type={"input": np.array([3, 3, 3])}, start_dim=0),
        "aff": nir.Affine(weight=rng.normal(0, 0.5, (5, 27)), bias=np.zeros(5)),
        "lif": nir.LIF(tau=np.full(5, 10e-3), r=np.full(5, 1.0), v_leak=np.zeros(5), v_threshold=np.full(5, 0.2)),
        "output": nir.Output(output_type={"output": np.array([5])})},
        edges=[("input", "conv"), ("conv", "if"), ("if", "pool"), ("pool", "flat"), ("flat", "aff"),
               ("aff", "lif"), ("lif", "output")], type_check=False)
    x = (rng.uniform(size=(15, 4, 2, 8, 8)) < 0.5).astype(np.float64)
    with jax.enable_x64(True):
        net = ng.from_nir(graph, dt_s=dt)
        counts = net.counts(net.run(x, dtype=jnp.float64))
    ref1, ref2 = _numpy_conv_reference(graph, x, dt)
    assert int(ref1.sum()) > 100 and int(ref2.sum()) > 10
    np.testing.assert_array_equal(counts["if"], ref1)
    np.testing.assert_array_equal(counts["lif"], ref2)


def test_a_conv_network_round_trips_and_runs_spike_for_spike(tmp_path):
    """Conv2d (padding) -> LIF -> pooled Conv2d -> LIF -> Affine -> LIF, Poisson input: exported, written, read
    back as the same layers, and run spike for spike by NIRNetwork and snn.jx."""
    k = jax.random.split(jax.random.PRNGKey(0), 3)
    params = [sj.init_conv(k[0], 1, 4, 3, padding=1, gain=2.0), sj.init_conv(k[1], 4, 6, 3, pool=2, gain=2.0),
              sj.init_dense(k[2], 24, 5, gain=2.0)]
    W, b = export.to_grid([(w, bb + 0.05) for w, bb in params])
    cfg = SpikingConfig(steps=12, neuron="lif", encoder="poisson", tau_s=5e-3)
    x = np.round(np.random.default_rng(0).uniform(0, 1, (6, 1, 8, 8)) * 16) / 16
    spikes_in = export.input_spikes(x, cfg, key=jax.random.PRNGKey(2))
    graph = ng.to_nir(list(zip(W, b)), cfg, input_shape=(1, 8, 8))
    assert [type(graph.nodes[n]).__name__ for n in ng._chain(graph)][1:8] == [
        "Delay", "Conv2d", "LIF", "Delay", "SumPool2d", "Conv2d", "LIF"]
    nir.write(tmp_path / "conv.nir", graph)
    params2, cfg2 = ng.to_spiking(tmp_path / "conv.nir")
    assert cfg2 == cfg
    for (W1, b1), W0, b0 in zip(params2, W, b):
        assert type(W1) is type(W0) and getattr(W1, "__dict__", {}).keys() == getattr(W0, "__dict__", {}).keys()
        np.testing.assert_array_equal(getattr(W1, "weight", W1), getattr(W0, "weight", W0))
        np.testing.assert_array_equal(b1, b0)
    assert (params2[0][0].padding, params2[1][0].pool) == (1, 2)
    # the same layers, so Brian2 runs them spike for spike as snn.jx does (tests/test_snn_conv.py)
    r = export.run_float64([p[0] for p in params2], [p[1] for p in params2], x, cfg2, spikes_in=spikes_in)
    assert min(int(np.asarray(s).sum()) for s in r.spikes) > 50
    with jax.enable_x64(True):
        out = ng.from_nir(tmp_path / "conv.nir").run(spikes_in, dtype=jnp.float64)
    for k, (name, s) in enumerate((n, s) for n, s in out.items() if n != "output"):
        np.testing.assert_array_equal(np.asarray(s), np.asarray(r.spikes[k]))


def test_a_conv_graph_runs_with_snntorchs_counts():
    """A convolutional NIR graph (Conv2d with padding, LIF, SumPool2d, Flatten, Affine, LIF) simulated by
    snnTorch's own importer and by NIRNetwork. snnTorch maps NIR's Flatten to torch's with the same start_dim,
    which counts the batch axis and NIR's does not (the bug Norse fixed in its exporter, norse PR #438), so
    snnTorch runs each sample unbatched, where the two conventions agree."""
    torch = pytest.importorskip("torch")
    snn = pytest.importorskip("snntorch")
    import contextlib
    import io

    from snntorch import utils
    from snntorch.import_nir import import_from_nir

    rng = np.random.default_rng(4)
    sh = (4, 8, 8)
    graph = nir.NIRGraph(nodes={
        "input": nir.Input(input_type={"input": np.array([2, 8, 8])}),
        "conv": nir.Conv2d(input_shape=(8, 8), weight=rng.normal(0, 0.5, (4, 2, 3, 3)).astype(np.float32), stride=1,
                           padding=1, dilation=1, groups=1, bias=rng.normal(0, 0.1, 4).astype(np.float32)),
        "lif1": nir.LIF(tau=np.full(sh, 1e-3), r=np.full(sh, 2.0), v_leak=np.zeros(sh), v_threshold=np.ones(sh),
                        v_reset=np.zeros(sh)),
        "pool": nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]), padding=np.array([0, 0])),
        "flat": nir.Flatten(input_type={"input": np.array([4, 4, 4])}, start_dim=0),
        "aff": nir.Affine(weight=rng.normal(0, 0.5, (5, 64)).astype(np.float32), bias=np.zeros(5, np.float32)),
        "lif2": nir.LIF(tau=np.full(5, 5e-4), r=np.ones(5), v_leak=np.zeros(5), v_threshold=np.ones(5),
                        v_reset=np.zeros(5)),
        "output": nir.Output(output_type={"output": np.array([5])})},
        edges=[("input", "conv"), ("conv", "lif1"), ("lif1", "pool"), ("pool", "flat"), ("flat", "aff"),
               ("aff", "lif2"), ("lif2", "output")])
    with contextlib.redirect_stdout(io.StringIO()):  # its importer prints how it rescales thresholds
        imported = import_from_nir(graph)
    T, B = 40, 12
    x = (torch.rand(T, B, 2, 8, 8, generator=torch.Generator().manual_seed(0)) < 0.4).float()
    rec: dict = {}
    leaks = [m for m in imported.modules() if isinstance(m, snn.Leaky)]
    hooks = [m.register_forward_hook(lambda m, i, o, k=k: rec.setdefault(k, []).append(
        (o[0] if isinstance(o, tuple) else o).detach().clone())) for k, m in enumerate(leaks)]
    ref: list = [[], []]
    with torch.no_grad():
        for b in range(B):
            rec.clear()
            utils.reset(imported)  # its neurons keep their membrane between calls
            state = None
            for t in range(T):
                _, state = imported(x[t, b], state)
            for k in range(2):
                ref[k].append(torch.stack(rec[k]).sum(0).numpy().astype(np.int64))
    for h in hooks:
        h.remove()
    net = ng.from_nir(graph)
    assert net.dt_s == 1e-4 and net.reset == "zero"
    ours = list(net.counts(net.run(x.numpy())).values())
    for a, b in zip(ours, [np.stack(r) for r in ref]):
        assert a.shape == b.shape and int((a != b).sum()) <= 0.005 * a.size  # float32 threshold flips at most
    assert int(ours[0].sum()) > 1000 and int(ours[1].sum()) > 50


def test_errors_name_what_is_refused():
    cfg, W, b, *_ = _grid_net("if", "current")
    with pytest.raises(ValueError, match="reset='zero' drops the synaptic input"):
        ng.to_nir(list(zip(W, b)), SpikingConfig(reset="zero"))
    with pytest.raises(ValueError, match=r"params\[1\] does not chain to the layer below"):
        ng.to_nir([(W[0], b[0]), (W[0], b[0])], cfg)
    with pytest.raises(ValueError, match=r"params\[0\] must be \(W, b\) with b of shape \(10,\)"):
        ng.to_nir([(W[0], b[1])], cfg)
    with pytest.raises(ValueError, match="input_shape .* is needed"):
        ng.to_nir([sj.init_conv(jax.random.PRNGKey(0), 1, 2, 3)], cfg)
    g = ng.to_nir(list(zip(W, b)), cfg)
    with pytest.raises(ValueError, match="reset must be 'zero' or 'subtract'"):
        ng.from_nir(g, reset="hard")
    g.edges.append(("input", "output"))
    with pytest.raises(NotImplementedError, match="branches or merges"):
        ng.from_nir(g)
    cuba = nir.NIRGraph(nodes={"input": nir.Input(input_type={"input": np.array([2])}),
                               "c": nir.CubaLIF(tau_syn=np.ones(2), tau_mem=np.ones(2), r=np.ones(2),
                                                v_leak=np.zeros(2), v_threshold=np.ones(2)),
                               "output": nir.Output(output_type={"output": np.array([2])})},
                        edges=[("input", "c"), ("c", "output")], type_check=False)
    with pytest.raises(NotImplementedError, match=r"NIR nodes \['CubaLIF'\] are not supported"):
        ng.from_nir(cuba)
    plain = ng.to_nir(list(zip(W, b)), cfg)
    plain.metadata = {}
    with pytest.raises(NotImplementedError, match="not written by snn.jx.nirgraph.to_nir"):
        ng.to_spiking(plain)
    with pytest.raises(ValueError, match=r"inputs must be \(T, batch"):
        ng.from_nir(ng.to_nir(list(zip(W, b)), cfg)).run(np.zeros((3, 12)))
