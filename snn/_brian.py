"""The Brian2 side of snn.network: builds and runs the layered network; Brian2 objects and units stay here."""

from __future__ import annotations

import shutil
import tempfile
import time

import numpy as np

from . import synapses
from ._brian_state import brian2_settings
from .result import SimResult


def _b2():
    import brian2 as b2

    return b2


def _blocks(samples: int, n_pre: int, n_post: int) -> tuple[np.ndarray, np.ndarray]:
    """All-to-all indices within each sample's copy: pre (samples*n_pre) -> post (samples*n_post)."""
    s = np.arange(samples)[:, None, None]
    pre = (s * n_pre + np.arange(n_pre)[None, :, None] + 0 * np.arange(n_post)[None, None, :]).ravel()
    post = (s * n_post + 0 * np.arange(n_pre)[None, :, None] + np.arange(n_post)[None, None, :]).ravel()
    return pre, post


def _connect(W, samples: int, in_shape: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(pre, post, w) of every synapse of all sample copies."""
    if not isinstance(W, synapses.LAYERS):
        pre, post = _blocks(samples, W.shape[1], W.shape[0])
        return pre, post, np.tile(W.T[None, :, :], (samples, 1, 1)).ravel()
    pre, post, kidx = W.connections(in_shape)
    n_pre, n_post = int(np.prod(in_shape)), int(np.prod(W.out_shape(in_shape)))
    s = np.repeat(np.arange(samples), pre.size)
    w = np.asarray(W.weight, np.float64).ravel()[kidx]
    return s * n_pre + np.tile(pre, samples), s * n_post + np.tile(post, samples), np.tile(w, samples)


def _neuron_bias(W, b, shape: tuple) -> np.ndarray:
    """One bias per neuron of a layer of ``shape``: a Conv2d's is per channel, the same at every position."""
    return np.repeat(b, int(np.prod(shape[1:]))) if isinstance(W, synapses.Conv2d) else b


def run(weights, biases, x, *, steps, encoder, neuron, reset, tau_s, threshold, rng, target, count_on_pre,
        input_spikes=None, record_units=False):
    """Builds and runs the network in its own Brian2 Network; returns a SimResult.

    Brian2's code-generation target (or, for "cpp_standalone", its device, with a project in a temporary
    folder that is removed afterwards) is set for this run only: the caller's is restored on return."""
    b2 = _b2()
    standalone = tempfile.mkdtemp(prefix="cimsim-snn-") if target == "cpp_standalone" else None
    try:
        with brian2_settings(b2, target=None if standalone else target, standalone_directory=standalone):
            return _run(b2, weights, biases, x, steps=steps, encoder=encoder, neuron=neuron, reset=reset,
                        tau_s=tau_s, threshold=threshold, rng=rng, target=target, count_on_pre=count_on_pre,
                        input_spikes=input_spikes, record_units=record_units, standalone=standalone)
    finally:
        if standalone:
            shutil.rmtree(standalone, ignore_errors=True)


def _run(b2, weights, biases, x, *, steps, encoder, neuron, reset, tau_s, threshold, rng, target, count_on_pre,
         input_spikes, record_units, standalone=None):
    samples = x.shape[0]
    shapes = synapses.shapes(weights, x.shape[1:])
    sizes = tuple(int(np.prod(sh)) for sh in shapes)
    x_flat = x.reshape(samples, -1)
    if input_spikes is not None:
        input_spikes = input_spikes.reshape(steps, samples, -1)
    dt = 1 * b2.ms
    leak = "dv/dt = -v / tau : 1 (unless refractory)" if neuron == "lif" else "v : 1"
    eqs = leak + "\nb : 1 (constant)\nnev : 1"
    reset_code = f"v -= {threshold!r}" if reset == "subtract" else "v = 0"
    ns = {"tau": tau_s * b2.second}
    objects, groups, monitors = [], [], []
    try:
        for k, (W, b) in enumerate(zip(weights, biases)):
            n = sizes[k + 1]
            G = b2.NeuronGroup(samples * n, eqs, threshold=f"v >= {threshold!r}", reset=reset_code, method="exact",
                               namespace=ns, dt=dt, name=f"layer{k + 1}")
            G.b = np.tile(_neuron_bias(W, b, shapes[k + 1]), samples)
            G.run_regularly("v += b", when="start", dt=dt)
            groups.append(G)
            objects.append(G)
        if encoder == "current":
            # analog input: the first layer's input current W1 x is added every step with its bias
            W0, b0 = weights[0], _neuron_bias(weights[0], biases[0], shapes[1])
            drive = (synapses.apply(W0, x_flat, shapes[0]) if isinstance(W0, synapses.LAYERS)
                     else x_flat @ W0.T)
            groups[0].b = (drive + b0).ravel()
            pre_group, first_w = None, 1
        else:
            fire = rng.random((steps, samples, sizes[0])) < x_flat[None, :, :] if input_spikes is None else input_spikes
            t_idx, s_idx, u_idx = np.nonzero(fire)
            pre_group = b2.SpikeGeneratorGroup(samples * sizes[0], s_idx * sizes[0] + u_idx, t_idx * dt, dt=dt,
                                               name="input")
            objects.append(pre_group)
            first_w = 0
        layer_groups = ([pre_group] if pre_group is not None else []) + groups
        for k in range(first_w, len(weights)):
            src, dst = (pre_group if k == 0 else groups[k - 1]), groups[k]
            on_pre = "v_post += w" + ("\nnev_post += 1" if count_on_pre else "")
            S = b2.Synapses(src, dst, "w : 1", on_pre=on_pre, dt=dt, name=f"syn{k}")
            pre, post, w = _connect(weights[k], samples, shapes[k])
            S.connect(i=pre, j=post)
            S.w = w
            objects.append(S)
        for g in layer_groups:
            m = b2.SpikeMonitor(g, name=f"spikes_{g.name}")
            monitors.append(m)
            objects.append(m)
        vmon = b2.StateMonitor(groups[-1], "v", record=True, dt=dt, when="end", name="out_v")
        objects.append(vmon)
        net = b2.Network(*objects)
        t0 = time.perf_counter()
        net.run(steps * dt, namespace={})
        if standalone:  # compiles and runs the C++ project; the wall time then includes the compile
            b2.device.build(directory=standalone, compile=True, run=True, with_output=False)
        wall = time.perf_counter() - t0
    except Exception as exc:
        if target != "numpy" and "compil" in str(exc).lower():
            raise RuntimeError(f"Brian2 could not compile for target {target!r}: {exc}; "
                               "the 'numpy' target needs no compiler") from exc
        raise
    # --- units end here: everything below is plain numpy ---
    out = monitors[-1]
    i_out = np.asarray(out.i[:], dtype=np.int64)
    t_out = np.rint(np.asarray(out.t[:] / dt)).astype(np.int64)
    n_out = sizes[-1]
    out_v = np.asarray(vmon.v[:]).T.reshape(steps, samples, n_out)
    layer_steps, layer_units = [], []
    for m, n in zip(monitors, (sizes if encoder == "poisson" else sizes[1:])):
        idx = np.asarray(m.i[:], dtype=np.int64)
        layer_steps.append((np.rint(np.asarray(m.t[:] / dt)).astype(np.int64), idx // n))
        layer_units.append(idx % n)
    fanout, input_synapses = None, None
    if any(isinstance(W, synapses.LAYERS) for W in weights):  # the out-degree of every spike
        fanout, first_synapses = synapses.spike_fanout(weights, shapes[0], layer_units, spiking_input=encoder == "poisson")
        input_synapses = first_synapses if encoder == "current" else None
    result = SimResult(out_spike_steps=np.stack([i_out // n_out, i_out % n_out, t_out]), out_v=out_v,
                       layer_spike_steps=tuple(layer_steps), sizes=sizes, steps=steps, samples=samples,
                       encoder=encoder, wall_s=wall, spike_fanout=fanout, input_synapses=input_synapses)
    if count_on_pre:
        object.__setattr__(result, "on_pre_events", int(sum(float(np.sum(g.nev[:])) for g in groups)))
    if record_units:
        object.__setattr__(result, "layer_spike_units", tuple(layer_units))
    return result
