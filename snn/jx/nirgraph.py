"""Spiking networks in and out through NIR, the Neuromorphic Intermediate Representation (the ``nir`` package).

NIR describes a network as a graph of continuous-time nodes (Pedersen et al., Nat. Commun. 15:8122, 2024):
``Affine``/``Linear``/``Conv2d`` (synapses), ``IF`` (dv/dt = R I), ``LIF`` (tau dv/dt = v_leak - v + R I),
``Delay``, ``Flatten``, pooling; a neuron fires when v > v_threshold. Tools that run a graph in time
steps choose dt and a discretization. Here:

``NIRNetwork`` (``from_nir(graph, dt_s=)``) runs a sequential graph by forward Euler at dt with the
spikes of one node reaching the next in the same step, the discretization snnTorch's ``import_from_nir``
uses (``snn.Leaky`` with beta = 1 - dt/tau, input gain r dt/tau, reset to v_reset without delay):
    v <- v + (dt / tau) (v_leak - v + r I)      LIF          v <- v + dt r I      IF
    s = v > v_threshold;  v <- v_reset where s (NIR's reset), or v <- v - v_threshold ("subtract")
Supported nodes: Input, Output, Affine, Linear, Scale, Conv2d, Flatten, SumPool2d, AvgPool2d, Delay (whole
steps), IF, LIF. Branching graphs, recurrent edges and CubaLIF raise NotImplementedError.

``to_nir(params, config)`` writes an ``snn.jx`` network (snn.jx.layers; the Brian2 schedule) as a graph
that this discretization runs spike for spike: in snn.jx the synaptic input of step t is added after
that step's threshold test and leaks with the membrane, so each synapse that carries spikes is preceded
by a one-step ``Delay`` and each neuron's input gain is its leak factor beta (LIF: tau = dt / (1 - beta),
r = beta tau / dt; IF: r = 1 / dt). Reset by subtraction is not a NIR parameter (in continuous time it
equals reset to zero; in time steps it does not): it is written in the graph's metadata
(``metadata["cimsim"]``, with the encoder, steps and tau_s), which ``from_nir`` reads. ``reset="zero"``
of snn.jx drops the synaptic input of the spike step, which no NIR graph expresses: ``to_nir`` refuses it.
``to_spiking(graph)`` turns a graph of that form back into (params, SpikingConfig), so Brian2
(``snn.jx.export.run_brian2``) runs an imported graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from cimsim import _validate as v

from .. import synapses
from ..network import DT_S
from .layers import SpikingConfig

_SUPPORTED = ("Input", "Output", "Affine", "Linear", "Scale", "Conv2d", "Flatten", "SumPool2d", "AvgPool2d",
              "Delay", "IF", "LIF")


def _nir():
    try:
        import nir
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("snn.jx.nirgraph needs the nir package: pip install nir") from e
    return nir


def to_nir(params, config: SpikingConfig, *, dt_s: float = DT_S, input_shape=None):
    """The snn.jx network as a NIR graph (see the module docstring for the mapping).

    Args:
        params: (W, b) per layer, as snn.jx.init_params, init_dense and init_conv give them: W (out, in) is
            an ``Affine``; a ``Conv2d`` a NIR ``Conv2d``; a layer's ``pool`` a ``SumPool2d`` before it; a
            product of a (channels, height, width) map a ``Flatten`` before its ``Affine``.
        config: its SpikingConfig (reset "subtract"; "zero" raises).
        dt_s: the time step the graph's time constants are written for (snn.jx's is 1 ms).
        input_shape: the input's shape without the batch axis; needed when the first layer is a
            convolution or pools (default: n_in of the first W).

    Returns:
        nir.NIRGraph: input -> [pool_0 ->] [flatten_0 ->] affine_0 (or conv_0) -> neuron_0 -> delay_1 -> ...
        -> output.
    """
    nir = _nir()
    if not isinstance(config, SpikingConfig):
        raise ValueError(f"config must be a SpikingConfig, got {type(config).__name__}")
    v.positive("dt_s", dt_s)
    if config.reset != "subtract":
        raise ValueError("config.reset='zero' drops the synaptic input of the spike step (snn.jx.layers), which a "
                         "NIR graph cannot express; export a network with reset='subtract'")
    layers = [(synapses.map_weight(W, _arr), _arr(b)) for W, b in params]
    if input_shape is None:
        first = synapses.as_synapse(layers[0][0])
        if isinstance(first, synapses.Conv2d) or first.pool > 1:
            raise ValueError("input_shape (channels, height, width) is needed when the first layer is a convolution "
                             "or pools its input")
        input_shape = (np.shape(first.weight)[1],)
    shapes = synapses.shapes([W for W, _ in layers], tuple(input_shape), name="params")
    for k, ((W, b), shape) in enumerate(zip(layers, shapes[1:])):
        if b.shape != (shape[0],):
            raise ValueError(f"params[{k}] must be (W, b) with b of shape ({shape[0]},), got {b.shape}")
    beta = config.beta
    nodes: dict[str, Any] = {"input": nir.Input(input_type={"input": np.array(shapes[0])})}
    edges, prev = [], "input"

    def add(name, node):
        nonlocal prev
        nodes[name] = node
        edges.append((prev, name))
        prev = name

    spiking_input = config.encoder != "current"
    for k, ((W, b), pre, post) in enumerate(zip(layers, shapes[:-1], shapes[1:])):
        syn = synapses.as_synapse(W)
        if k > 0 or spiking_input:  # spikes of step t are seen by the threshold at t + 1 (Brian2's schedule)
            add(f"delay_{k}", nir.Delay(delay=np.full(pre, dt_s)))
        if syn.pool > 1:
            add(f"pool_{k}", nir.SumPool2d(kernel_size=np.array([syn.pool] * 2), stride=np.array([syn.pool] * 2),
                                           padding=np.array([0, 0])))
            pre = (pre[0], pre[1] // syn.pool, pre[2] // syn.pool)
        if isinstance(syn, synapses.Conv2d):
            add(f"conv_{k}", nir.Conv2d(input_shape=pre[1:], weight=_arr(syn.weight), stride=syn.stride,
                                        padding=syn.padding, dilation=1, groups=1, bias=b))
        else:
            if len(pre) > 1:
                add(f"flatten_{k}", nir.Flatten(input_type={"input": np.array(pre)}, start_dim=0, end_dim=-1))
            add(f"affine_{k}", nir.Affine(weight=_arr(syn.weight), bias=b))
        thr = np.full(post, config.threshold)
        if config.neuron == "lif":
            tau = dt_s / (1.0 - beta)
            add(f"neuron_{k}", nir.LIF(tau=np.full(post, tau), r=np.full(post, beta * tau / dt_s),
                                       v_leak=np.zeros(post), v_threshold=thr, v_reset=np.zeros(post)))
        else:
            add(f"neuron_{k}", nir.IF(r=np.full(post, 1.0 / dt_s), v_threshold=thr, v_reset=np.zeros(post)))
    add("output", nir.Output(output_type={"output": np.array(shapes[-1])}))
    meta = {"cimsim": {"reset": config.reset, "encoder": config.encoder, "steps": int(config.steps),
                       "tau_s": float(config.tau_s), "neuron": config.neuron, "dt_s": float(dt_s),
                       "schedule": "snn.jx (Brian2): synaptic input after the threshold test, as a one-step Delay"}}
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata=meta)


def _chain(graph) -> list[str]:
    """The node names of a sequential graph from input to output (raises for branches and cycles)."""
    kinds = {name: type(node).__name__ for name, node in graph.nodes.items()}
    bad = sorted({k for k in kinds.values() if k not in _SUPPORTED})
    if bad:
        raise NotImplementedError(f"NIR nodes {bad} are not supported (supported: {', '.join(_SUPPORTED)})")
    out: dict[str, list[str]] = {n: [] for n in graph.nodes}
    into: dict[str, int] = {n: 0 for n in graph.nodes}
    for a, b in graph.edges:
        if a not in out or b not in out:
            raise ValueError(f"graph edge ({a!r}, {b!r}) names a node that is not in the graph")
        out[a].append(b)
        into[b] += 1
    inputs = [n for n, k in kinds.items() if k == "Input"]
    if len(inputs) != 1:
        raise NotImplementedError(f"graphs with one Input node are supported, this one has {len(inputs)}")
    order, node = [], inputs[0]
    while True:
        order.append(node)
        if len(out[node]) > 1 or into[node] > 1:
            raise NotImplementedError(f"node {node!r} branches or merges: only sequential graphs are supported")
        if not out[node]:
            break
        node = out[node][0]
        if node in order:
            raise NotImplementedError(f"recurrent edge into {node!r}: recurrent graphs are not supported")
    if len(order) != len(graph.nodes):
        raise NotImplementedError(f"nodes {sorted(set(graph.nodes) - set(order))} are not on the input-output path")
    return order


def _read(graph) -> tuple[Any, dict]:
    """The graph (read from a file when given a path) and its ``metadata["cimsim"]`` ({} when absent)."""
    nir = _nir()
    if not isinstance(graph, nir.NIRGraph):
        graph = nir.read(graph)
    return graph, dict(dict(getattr(graph, "metadata", {}) or {}).get("cimsim") or {})


def _pair(x) -> tuple[int, int]:
    """A NIR size given as one number or two (height, width) as two ints."""
    return tuple(int(a) for a in np.broadcast_to(np.asarray(x), (2,)))


def _arr(x) -> np.ndarray:
    return np.asarray(x, np.float64)


def _scalar(name: str, x, what: str) -> float:
    u = np.unique(_arr(x))
    if u.size != 1:
        raise NotImplementedError(f"{name}: {what} differs between neurons ({u[:4]} ...); one value per node is supported")
    return float(u[0])


@dataclass(frozen=True, eq=False)
class NIRNetwork:
    """A sequential NIR graph run in time steps of dt (forward Euler, same-step propagation).

    Attributes:
        graph: the nir.NIRGraph. dt_s: the step. reset: "zero" (NIR's reset to v_reset) or "subtract".
        order: node names from input to output.
    """

    graph: Any
    dt_s: float
    reset: str
    order: tuple

    def run(self, inputs, *, dtype=jnp.float32) -> dict[str, jax.Array]:
        """Runs the graph on an input sequence.

        Args:
            inputs: (T, batch, *input shape): the input node's value at each step (spikes or currents).
            dtype: the arithmetic (float32 as snnTorch; float64 inside ``jax.enable_x64``).

        Returns:
            {neuron node name: spikes (T, batch, *shape)} and "output": the output node's value per step.
        """
        x = jnp.asarray(inputs, dtype)
        if x.ndim < 3:
            raise ValueError(f"inputs must be (T, batch, *input shape), got shape {x.shape}")
        nodes = [(n, self.graph.nodes[n]) for n in self.order]
        # initial state: membranes and delay lines, shaped by one step through the graph
        shapes = self._shapes(x.shape[1:], dtype)
        state0 = {n: jnp.zeros(shapes[n], dtype) if kind in ("IF", "LIF") else
                  jnp.zeros((self._delay_steps(node, n),) + shapes[n], dtype)
                  for n, node in nodes if (kind := type(node).__name__) in ("IF", "LIF", "Delay")}

        def step(state, xt):
            state, h, spikes = dict(state), xt, {}
            for n, node in nodes:
                kind = type(node).__name__
                if kind == "Delay":
                    buf = state[n]
                    state[n] = jnp.concatenate([buf[1:], h[None]], axis=0)
                    h = buf[0]
                elif kind in ("IF", "LIF"):
                    vm, s = self._neuron(node, state[n], h, dtype)
                    state[n] = vm
                    spikes[n] = h = s
                else:
                    h = _synapse(node, kind, h, dtype)
            spikes["output"] = h
            return state, spikes

        return jax.lax.scan(step, state0, x)[1]

    def _delay_steps(self, node, name: str) -> int:
        steps = _scalar(name, node.delay, "delay") / self.dt_s
        if steps < 1 or abs(steps - round(steps)) > 1e-9 * steps:
            raise NotImplementedError(f"{name}: a delay of {steps:g} steps of dt; whole steps >= 1 are supported")
        return int(round(steps))

    def _shapes(self, in_shape, dtype) -> dict[str, tuple]:
        """Each node's output shape for one step's input (traced abstractly: no arithmetic is done)."""
        def values(h):
            out = {}
            for n in self.order:
                node = self.graph.nodes[n]
                kind = type(node).__name__
                if kind not in ("IF", "LIF", "Delay", "Input", "Output"):
                    h = _synapse(node, kind, h, dtype)
                out[n] = h
            return out

        return {n: a.shape for n, a in jax.eval_shape(values, jax.ShapeDtypeStruct(in_shape, dtype)).items()}

    def _neuron(self, node, vm, i, dtype):
        dt = self.dt_s
        if type(node).__name__ == "LIF":
            a = jnp.asarray(dt / _arr(node.tau), dtype)  # dt / tau per neuron
            vm = (1 - a) * vm + a * (jnp.asarray(_arr(node.v_leak), dtype) + jnp.asarray(_arr(node.r), dtype) * i)
        else:
            vm = vm + jnp.asarray(dt * _arr(node.r), dtype) * i
        thr = jnp.asarray(_arr(node.v_threshold), dtype)
        s = (vm > thr).astype(dtype)
        if self.reset == "subtract":
            vm = vm - thr * s
        else:
            vm = jnp.where(s > 0, jnp.asarray(_arr(node.v_reset), dtype), vm)
        return vm, s

    def counts(self, spikes: dict) -> dict[str, np.ndarray]:
        """Spike counts per neuron node, summed over time: {name: (batch, *shape)} int64."""
        return {n: np.asarray(s).sum(axis=0).astype(np.int64) for n, s in spikes.items() if n != "output"}


def _synapse(node, kind: str, h, dtype):
    if kind in ("Input", "Output"):
        return h
    if kind == "Affine":
        return h @ jnp.asarray(_arr(node.weight), dtype).T + jnp.asarray(_arr(node.bias), dtype)
    if kind == "Linear":
        return h @ jnp.asarray(_arr(node.weight), dtype).T
    if kind == "Scale":
        return h * jnp.asarray(_arr(node.scale), dtype)
    if kind == "Flatten":  # NIR's dims count without the batch axis
        start = node.start_dim % (h.ndim - 1) + 1
        end = node.end_dim % (h.ndim - 1) + 1
        return h.reshape(h.shape[:start] + (-1,) + h.shape[end + 1:])
    if kind == "Conv2d":
        pad = node.padding.upper() if isinstance(node.padding, str) else [(p, p) for p in _pair(node.padding)]
        y = jax.lax.conv_general_dilated(
            h, jnp.asarray(_arr(node.weight), dtype), _pair(node.stride), pad, rhs_dilation=_pair(node.dilation),
            dimension_numbers=("NCHW", "OIHW", "NCHW"), feature_group_count=int(node.groups))
        return y + jnp.asarray(_arr(node.bias), dtype)[None, :, None, None]
    if kind in ("SumPool2d", "AvgPool2d"):
        k, st, p = _pair(node.kernel_size), _pair(node.stride), _pair(node.padding)
        y = jax.lax.reduce_window(h, jnp.asarray(0, dtype), jax.lax.add, (1, 1) + k, (1, 1) + st,
                                  ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
        return y / (k[0] * k[1]) if kind == "AvgPool2d" else y
    raise NotImplementedError(f"NIR node {kind}")  # pragma: no cover - _chain refuses it first


def from_nir(graph, *, dt_s: float | None = None, reset: str | None = None) -> NIRNetwork:
    """A NIR graph (a nir.NIRGraph or a file path) as a network that runs in time steps.

    Args:
        graph: nir.NIRGraph, or the path of a file nir.write wrote.
        dt_s: the step; default the graph's ``metadata["cimsim"]["dt_s"]``, else snnTorch's 1e-4 s. A graph
            has no time step of its own: the one its writer discretized with is the one that reproduces it.
        reset: "zero" (NIR's reset to v_reset) or "subtract"; default the graph's metadata, else "zero".
    """
    graph, meta = _read(graph)
    dt_s = float(meta.get("dt_s", 1e-4)) if dt_s is None else dt_s
    v.positive("dt_s", dt_s)
    reset = str(meta.get("reset", "zero")) if reset is None else reset
    if reset not in ("zero", "subtract"):
        raise ValueError(f"reset must be 'zero' or 'subtract', got {reset!r}")
    return NIRNetwork(graph, float(dt_s), reset, tuple(_chain(graph)))


def to_spiking(graph) -> tuple[list[tuple[Any, np.ndarray]], SpikingConfig]:
    """A graph of ``to_nir``'s form as snn.jx (params, SpikingConfig): runs on snn.jx.run and on Brian2.

    Convolutions come back as ``snn.synapses.Conv2d``, a pooled product as a ``Dense`` with its pool.

    Raises NotImplementedError for other graphs (run those with ``from_nir``)."""
    graph, meta = _read(graph)
    if not meta:
        raise NotImplementedError("this graph was not written by snn.jx.nirgraph.to_nir (no metadata['cimsim']); "
                                  "run it with from_nir")
    order = _chain(graph)
    params, kinds, pool = [], [], 1
    for n in order:
        node = graph.nodes[n]
        kind = type(node).__name__
        if kind == "SumPool2d":
            k, st, p = _pair(node.kernel_size), _pair(node.stride), _pair(node.padding)
            if k[0] != k[1] or k != st or p != (0, 0) or pool != 1:
                raise NotImplementedError(f"node {n!r}: pooling other than one square window = stride, no padding")
            pool = k[0]
        elif kind == "Affine":
            W = _arr(node.weight)
            params.append((synapses.Dense(W, pool=pool) if pool > 1 else W, _arr(node.bias)))
            pool = 1
        elif kind == "Conv2d":
            if _pair(node.dilation) != (1, 1) or int(node.groups) != 1 or isinstance(node.padding, str):
                raise NotImplementedError(f"node {n!r}: dilated, grouped or named-padding convolutions")
            (s1, s2), (p1, p2) = _pair(node.stride), _pair(node.padding)
            if s1 != s2 or p1 != p2:
                raise NotImplementedError(f"node {n!r}: different strides or paddings along height and width")
            params.append((synapses.Conv2d(_arr(node.weight), stride=s1, padding=p1, pool=pool), _arr(node.bias)))
            pool = 1
        elif kind in ("IF", "LIF"):
            kinds.append(kind)
            thr = _scalar(n, node.v_threshold, "v_threshold")
        elif kind not in ("Input", "Output", "Delay", "Flatten"):
            raise NotImplementedError(f"node {n!r} ({kind}) is not of to_nir's form")
    cfg = SpikingConfig(steps=int(meta["steps"]), neuron=str(meta["neuron"]), reset=str(meta["reset"]),
                        tau_s=float(meta["tau_s"]), threshold=thr, encoder=str(meta["encoder"]))
    if {k.lower() for k in kinds} != {cfg.neuron} or len(kinds) != len(params):
        raise NotImplementedError(f"graph neurons {kinds} do not match its metadata neuron {cfg.neuron!r}")
    dt = float(meta["dt_s"])
    for n in order:  # the nodes say what the metadata says (a graph edited elsewhere would not)
        node = graph.nodes[n]
        if type(node).__name__ in ("IF", "LIF") and _scalar(n, node.v_threshold, "v_threshold") != thr:
            raise NotImplementedError(f"node {n!r}: thresholds differ between layers")
        if type(node).__name__ == "LIF":
            tau = _scalar(n, node.tau, "tau")
            if not np.isclose(tau, dt / (1.0 - cfg.beta), rtol=1e-9, atol=0):
                raise ValueError(f"node {n!r}: tau {tau!r} is not dt / (1 - beta) of metadata tau_s {cfg.tau_s!r}")
    return params, cfg
