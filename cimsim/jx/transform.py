"""Any JAX model on simulated crossbars: a jaxpr interpreter that maps weight x activation products to tiles.

    model = analog_model(apply_fn, params, x_example, config=presets.PCM)
    model.report                                   # which product went where (analog tiles or digital)
    y = model.hwa(params, x, key=k, hwa=HWAConfig())          # hardware-aware training forward (jax.grad)
    y = model.inference(params, x, t_s=3600.0, key=k)         # program at t = 0, read at t, noisy MVMs
    arrays = model.program(params, key=k)                     # or step by step: program once,
    reads = model.read(arrays, t_s, key=k)                    # read at a time t (drift drawn once),
    y = model.apply_read(params, reads, x, key=k)             # and run many forwards with per-MVM noise

How the weights are found. ``apply_fn(params, *args)`` is traced once to a jaxpr (``jax.make_jaxpr``)
with the parameter leaves as inputs. Walking the jaxpr, every value is marked either as coming only from
parameters (and constants) or as depending on the inputs. A ``dot_general`` whose one operand comes only
from parameters and whose other operand depends on the inputs is a weight x activation product: it runs
on crossbar tiles, the parameter-side operand reshaped to a matrix (out, in) = (free dims, contracted
dims). A ``conv_general_dilated`` whose kernel comes only from parameters runs as patches
(``lax.conv_general_dilated_patches``: one row of kh * kw * c_in inputs per output pixel) times the
kernel matrix (c_out, c_in * kh * kw), so any layout (NHWC, NCHW), stride, padding and dilation maps;
with a fixed-range DAC, ``apply_read`` runs it as one convolution per row block of tiles instead, the
same numbers without the patches (cimsim.jx.conv).
Products of two activations (attention scores, score x value) stay digital, and so do grouped and
depthwise convolutions (listed in the report with the reason), products with batch dimensions on the
weight side, and products of two parameters (weight preprocessing). Calls to ``jax.jit``-ed functions
and custom-derivative functions are entered when they hold a product to map; ``scan``, ``while`` and
``cond`` bodies holding one raise NotImplementedError (unroll the loop, or keep that part digital).
Everything else is bound unchanged, so the model's own numerics (and custom gradients) are kept.

Works for plain JAX functions, Flax (linen ``module.apply``; NNX through ``nnx.split`` / ``nnx.merge``)
and Equinox (``eqx.partition`` / ``eqx.combine``): anything that is a function of a parameter pytree.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.extend import core as jcore

from .. import _validate as v
from .._memory import release_arrays
from ..config import CrossbarConfig
from . import array as ja
from .conv import hwa_conv, inexact_reason, mvm_conv
from .conv import spec_of as conv_spec
from .hwa import HWAConfig, hwa_matmul
from .views import conv_matrices, conv_output, conv_plan, dot_matrices, dot_output, dot_plan

_CALLS = {"jit", "pjit", "closed_call", "core_call", "remat", "checkpoint", "custom_jvp_call", "custom_vjp_call",
          "custom_vjp_call_jaxpr"}
_LOOPS = {"scan", "while", "cond"}
_MAPPABLE = {"dot_general", "conv_general_dilated"}


class Site(NamedTuple):
    """One weight x activation product found in the model.

    Attributes:
        index: order of appearance. path: the parameter leaf (or leaves) the weight comes from.
        primitive: "dot_general" or "conv_general_dilated". shape: the weight as a crossbar matrix (out, in).
        analog: whether it runs on tiles. reason: why it stays digital (or the config's name).
        macs: multiply-accumulates per forward of the example input.
    """

    index: int
    path: str
    primitive: str
    shape: tuple[int, int]
    analog: bool
    reason: str
    macs: int


def _key_name(k) -> str:
    for attr in ("key", "name", "idx"):
        if hasattr(k, attr):
            return str(getattr(k, attr))
    return str(k)


def _paths(params) -> list[str]:
    return ["/".join(_key_name(k) for k in path) for path, _ in jax.tree_util.tree_flatten_with_path(params)[0]]


def _sub_jaxpr(eqn):
    for name in ("jaxpr", "call_jaxpr", "fun_jaxpr"):
        j = eqn.params.get(name)
        if j is not None:
            return j
    return None


def _has_product(jaxpr) -> bool:
    inner = jaxpr.jaxpr if hasattr(jaxpr, "jaxpr") else jaxpr
    for eqn in inner.eqns:
        if eqn.primitive.name in _MAPPABLE:
            return True
        sub = _sub_jaxpr(eqn)
        if sub is not None and _has_product(sub):
            return True
        for b in eqn.params.get("branches", ()):
            if _has_product(b):
                return True
        for name in ("body_jaxpr", "cond_jaxpr"):
            if name in eqn.params and _has_product(eqn.params[name]):
                return True
    return False


# --- the interpreter --------------------------------------------------------------------------------------

class _Walker:
    """Evaluates a jaxpr, calling ``product(site, cfg, W (out, in), X (m, in)) -> Y (m, out)`` at every mapped
    site; at a convolution, ``conv(site, cfg, x, kernel, spec)`` first, where given: its output in the equation's
    layout, or None for the patches product."""

    def __init__(self, paths: list[str], layers: Callable[[str], CrossbarConfig | None], product, record: bool,
                 conv: Callable | None = None):
        self.paths, self.layers, self.product, self.record, self.conv = paths, layers, product, record, conv
        self.sites: list[Site] = []
        self.count = 0

    def run(self, closed, args, origins):
        return self._eval(closed.jaxpr, closed.consts, args, origins)

    def _eval(self, jaxpr, consts, args, origins):
        env, org = {}, {}

        def read(v):
            if isinstance(v, jcore.Literal):
                return v.val, frozenset()
            return env[v], org[v]

        for v, c in zip(jaxpr.constvars, consts):
            env[v], org[v] = c, frozenset()
        for v, a, o in zip(jaxpr.invars, args, origins):
            env[v], org[v] = a, o
        for eqn in jaxpr.eqns:
            vals, os_ = zip(*(read(v) for v in eqn.invars)) if eqn.invars else ((), ())
            outs, out_org = self._eqn(eqn, list(vals), list(os_))
            for v, val, o in zip(eqn.outvars, outs, out_org):
                env[v], org[v] = val, o
        results = [read(v) for v in jaxpr.outvars]
        return [r[0] for r in results], [r[1] for r in results]

    def _eqn(self, eqn, vals, origins):
        name = eqn.primitive.name
        param_only = all(o is not None for o in origins)
        if name in _MAPPABLE and not param_only:
            out = self._product(eqn, vals, origins)
            if out is not None:
                return [out], [None]
        elif name in _CALLS and not param_only and _has_product(_sub_jaxpr(eqn)):
            sub = _sub_jaxpr(eqn)
            inner, consts = (sub.jaxpr, sub.consts) if hasattr(sub, "jaxpr") else (sub, ())
            return self._eval(inner, consts, vals, origins)
        elif name in _LOOPS and not param_only and any(
                _has_product(j) for j in self._loop_jaxprs(eqn)):
            raise NotImplementedError(
                f"a weight x activation product inside `{name}` cannot be mapped onto crossbars yet: unroll the "
                "loop (e.g. a Python for over layers instead of lax.scan), or keep that part digital")
        bind_params = eqn.primitive.get_bind_params(eqn.params)
        if isinstance(bind_params, tuple):  # older JAX: (subfuns, params)
            subfuns, bind_params = bind_params
            vals = [*subfuns, *vals]
        with eqn.ctx.manager:
            out = eqn.primitive.bind(*vals, **bind_params)
        outs = out if eqn.primitive.multiple_results else [out]
        org = frozenset().union(*origins) if param_only else None
        return outs, [org] * len(outs)

    @staticmethod
    def _loop_jaxprs(eqn):
        p = eqn.params
        return [j for j in (p.get("jaxpr"), p.get("body_jaxpr"), p.get("cond_jaxpr")) if j is not None] + list(
            p.get("branches", ()))

    def _product(self, eqn, vals, origins):
        name = eqn.primitive.name
        shapes = [np.shape(v) for v in vals]
        if name == "dot_general":
            sides = [i for i in (0, 1) if origins[i] is not None and origins[i]]
            if len(sides) != 1:
                return self._digital(eqn, "activation x activation", shapes)
            w_side = sides[0]
            plan = dot_plan(eqn, w_side, shapes)
            if plan is None:
                return self._digital(eqn, "weight with batch dimensions", shapes, origins[w_side])
        else:
            if not origins[1]:
                return self._digital(eqn, "kernel computed from activations", shapes)
            w_side = 1
            plan = conv_plan(eqn, shapes)
            if plan is None:
                return self._digital(eqn, "grouped/depthwise convolution (kept digital)", shapes, origins[1])
        path = ",".join(self.paths[i] for i in sorted(origins[w_side]))
        cfg = self.layers(path)
        index = self.count
        self.count += 1
        if self.conv is not None and name != "dot_general" and not self.record and cfg is not None:
            out = self.conv(index, cfg, vals[0], vals[1], conv_spec(eqn.params, shapes[1]))
            if out is not None:
                return out.astype(eqn.outvars[0].aval.dtype)
        if name == "dot_general":
            W, X = dot_matrices(plan, vals[w_side], vals[1 - w_side])
            macs = plan["m"] * plan["n_in"] * plan["n_out"]
        else:
            W, X, lead = conv_matrices(plan, eqn, vals[0], vals[1])
            macs = int(np.prod(lead, dtype=np.int64)) * plan["n_in"] * plan["n_out"]
        if self.record:
            self.sites.append(Site(index, path, name, (plan["n_out"], plan["n_in"]), cfg is not None,
                                   "digital by the layers choice" if cfg is None else "crossbar tiles", macs))
        if cfg is None:
            return None
        Y = self.product(index, cfg, W, X).astype(eqn.outvars[0].aval.dtype)
        return dot_output(plan, Y) if name == "dot_general" else conv_output(plan, Y, lead)

    def _digital(self, eqn, reason, shapes, origin=None):
        if self.record:
            path = "" if not origin else ",".join(self.paths[i] for i in sorted(origin))
            macs = int(np.prod(eqn.outvars[0].aval.shape, dtype=np.int64))
            self.sites.append(Site(-1, path, eqn.primitive.name, (0, 0), False, reason, macs))
        return None


# --- the model --------------------------------------------------------------------------------------------

def _layer_rule(config: CrossbarConfig | None, layers: dict | Callable | None) -> Callable[[str], CrossbarConfig | None]:
    if callable(layers):
        return layers
    rules = dict(layers or {})
    for pattern, cfg in rules.items():
        if cfg is not None and not isinstance(cfg, CrossbarConfig):
            raise ValueError(f"layers[{pattern!r}] must be a CrossbarConfig or None (digital), got {type(cfg).__name__}")

    def rule(path: str):
        for pattern, cfg in rules.items():
            if fnmatch.fnmatchcase(path, pattern):
                return cfg
        return config

    return rule


def _need_key(key, what: str):
    if key is None:
        raise ValueError(f"key is required for {what}: pass key=jax.random.PRNGKey(seed)")
    return key


@dataclass(frozen=True, eq=False)
class AnalogModel:
    """A JAX model whose weight x activation products run on simulated crossbars (see the module docstring).

    Attributes:
        apply_fn: the user's ``apply_fn(params, *args)``.
        report: the products found, in order, with where each runs.
    """

    apply_fn: Callable
    treedef: Any
    paths: list[str]
    example_args: tuple
    layer_rule: Callable[[str], CrossbarConfig | None]
    report: list[Site] = field(default_factory=list)

    # one interpreter pass with a product rule
    def _run(self, params, args, product, conv=None):
        leaves, treedef = jax.tree_util.tree_flatten(params)
        if treedef != self.treedef:
            raise ValueError(f"params must have the structure the model was built with ({self.treedef}), got {treedef}")
        closed, out_tree = _trace(self.apply_fn, params, args)
        arg_leaves = jax.tree_util.tree_leaves(args)
        walker = _Walker(self.paths, self.layer_rule, product, record=False, conv=conv)
        origins = [frozenset([i]) for i in range(len(leaves))] + [None] * len(arg_leaves)
        outs, _ = walker.run(closed, leaves + arg_leaves, origins)
        return jax.tree_util.tree_unflatten(out_tree, outs)

    def digital(self, params, *args):
        """The model through the interpreter with every product digital (equals ``apply_fn``)."""
        return self._run(params, args, lambda i, cfg, W, X: X @ W.T)

    def hwa(self, params, *args, key: jax.Array, hwa: HWAConfig = HWAConfig(), conv: str = "auto"):
        """Hardware-aware training forward: weight noise, straight-through converters, output noise on every
        mapped product (Rasch et al. 2023); differentiable with jax.grad.

        conv: "auto" trains a convolution as one convolution when ``hwa.input_range`` is fixed
        (cimsim.jx.conv.hwa_conv, the same draws), else as patches x kernel matrix; "patches" always the latter."""
        _need_key(key, "the hardware-aware forward (weight and output noise)")
        v.one_of("conv", conv, ("auto", "patches"))

        def tile_conv(i, cfg, x, k, spec):
            return None if hwa.input_range is None else hwa_conv(k, x, jax.random.fold_in(key, i), hwa, spec)

        return self._run(params, args, lambda i, cfg, W, X: hwa_matmul(W, X, jax.random.fold_in(key, i), hwa),
                         tile_conv if conv == "auto" else None)

    def program(self, params, *, key: jax.Array | None) -> dict[int, ja.ProgrammedArrayJ]:
        """Programs every mapped weight onto its tiles (t = 0): {site index: programmed array}.

        The sites are programmed largest first, after one pass has collected their weight matrices: the
        peak memory is then about the programmed state plus one site's temporaries (a site's draws come
        from its own key, so the order changes no number)."""
        pending: dict[int, tuple] = {}

        def product(i, cfg, W, X):
            pending[i] = (cfg, W)
            return X @ W.T

        self._run(params, self._example(), product)
        arrays: dict[int, Any] = {}
        for i in sorted(pending, key=lambda i: -int(np.prod(np.shape(pending[i][1])))):
            cfg, W = pending.pop(i)  # the weight copy is released as soon as its site is programmed
            k = None if key is None else jax.random.fold_in(key, 2 * i)
            arrays[i] = ja.program(W, cfg, key=_need_key(k, "programming") if cfg.device.stochastic else k)
            del W
            release_arrays(arrays[i])
        return {i: arrays[i] for i in sorted(arrays)}

    def read(self, arrays: dict, t_s, *, key: jax.Array | None) -> dict[int, Any]:
        """Reads every programmed array at t_s (drift and slow noise drawn once per array), largest first."""
        out = {}
        for i in sorted(arrays, key=lambda i: -int(np.prod(arrays[i].shape))):
            out[i] = arrays[i].read(t_s, key=None if key is None else jax.random.fold_in(key, 2 * i + 1))
            release_arrays(out[i])
        return {i: out[i] for i in sorted(out)}

    def apply_read(self, params, reads: dict, *args, key: jax.Array | None, conv: str = "auto"):
        """The forward with every mapped product an MVM on its read array (per-MVM noise from ``key``).

        conv: "auto" runs a convolution as tile convolutions where that is exact (a fixed-range DAC, no
        bit slicing: cimsim.jx.conv), else as patches x kernel matrix; "patches" always the latter. Both
        draw the same normals from a key, so they agree to the rounding of the products."""
        v.one_of("conv", conv, ("auto", "patches"))

        def product(i, cfg, W, X):
            k = None if key is None else jax.random.fold_in(key, i)
            return reads[i].mvm(X, key=k)

        def tile_conv(i, cfg, x, k, spec):
            if inexact_reason(cfg) is not None or not isinstance(reads[i], ja.ReadArrayJ):
                return None
            return mvm_conv(reads[i].blocks, x, cfg, spec, None if key is None else jax.random.fold_in(key, i))

        return self._run(params, args, product, tile_conv if conv == "auto" else None)

    def inference(self, params, *args, t_s, key: jax.Array, conv: str = "auto"):
        """Program at t = 0, read at t_s, run: one noise realization per key (vmap over keys for seeds).

        The programming and read draws come from ``key`` independently of t_s, so runs at several times with
        one key are paired (the same devices, read later). conv: as in ``apply_read``."""
        _need_key(key, "inference on noisy devices")
        v.one_of("conv", conv, ("auto", "patches"))
        k_prog, k_read, k_mvm = jax.random.split(key, 3)
        return self.apply_read(params, self.read(self.program(params, key=k_prog), t_s, key=k_read), *args,
                               key=k_mvm, conv=conv)

    def clip_weights(self, params, clip_sigma: float | None):
        """Clips the leaves that feed mapped products at clip_sigma standard deviations (HWA training)."""
        if clip_sigma is None:
            return params
        mapped = {p for s in self.report if s.analog for p in s.path.split(",")}
        leaves = jax.tree_util.tree_leaves(params)
        out = [jnp.clip(x, -clip_sigma * jnp.std(x), clip_sigma * jnp.std(x)) if path in mapped else x
               for path, x in zip(self.paths, leaves)]
        return jax.tree_util.tree_unflatten(self.treedef, out)

    def _example(self):
        """The example inputs, with any ``jax.ShapeDtypeStruct`` made zeros (a pass that collects weights)."""
        return jax.tree_util.tree_map(
            lambda a: jnp.zeros(a.shape, a.dtype) if isinstance(a, jax.ShapeDtypeStruct) else a, self.example_args)

    def state_bytes(self, params) -> dict[str, Any]:
        """Bytes of the programmed and the read state from shapes alone (cimsim.jx.memory.state_bytes)."""
        from .memory import state_bytes

        return state_bytes(self, params)

    def summary(self) -> str:
        """The report as a table: where each product runs and its share of the MACs."""
        total = sum(s.macs for s in self.report) or 1
        lines = [f"{'site':>4}  {'primitive':<20} {'weight (out, in)':<18} {'MACs %':>7}  where / why  [parameter]"]
        for s in self.report:
            where = "analog" if s.analog else f"digital: {s.reason}"
            lines.append(f"{s.index:>4}  {s.primitive:<20} {str(s.shape):<18} {100 * s.macs / total:7.2f}  {where}  [{s.path}]")
        analog = sum(s.macs for s in self.report if s.analog)
        lines.append(f"analog share of the MACs: {100 * analog / total:.1f} %")
        return "\n".join(lines)


def analog_model(apply_fn: Callable, params, *example_args, config: CrossbarConfig | None,
                 layers: dict[str, CrossbarConfig | None] | Callable[[str], CrossbarConfig | None] | None = None
                 ) -> AnalogModel:
    """Puts a JAX model's weight x activation products on crossbar tiles.

    Args:
        apply_fn: ``apply_fn(params, *args) -> outputs`` (a pytree of arrays).
        params: the parameter pytree (its leaves' paths name the layers, "/"-joined, e.g.
            "params/Dense_0/kernel" for Flax, "layers/0/weight" for Equinox).
        example_args: example inputs (shapes and dtypes matter, values do not).
        config: the CrossbarConfig of every mapped product (None: all digital unless ``layers`` says).
        layers: per-layer choice by parameter path: {glob pattern: CrossbarConfig or None (digital)}, first
            match wins, e.g. {"*Conv_0*": None, "*Dense_1*": None} keeps the first and last layers digital;
            or a function path -> config.

    Returns:
        AnalogModel with the report of every product found.
    """
    if config is not None and not isinstance(config, CrossbarConfig):
        raise ValueError(f"config must be a CrossbarConfig or None, got {type(config).__name__}")
    rule = _layer_rule(config, layers)
    leaves, treedef = jax.tree_util.tree_flatten(params)
    closed, _ = _trace(apply_fn, params, example_args)
    walker = _Walker(_paths(params), rule, lambda i, cfg, W, X: X @ W.T, record=True)
    arg_leaves = jax.tree_util.tree_leaves(example_args)
    origins = [frozenset([i]) for i in range(len(leaves))] + [None] * len(arg_leaves)
    # the walk only finds and records the products: traced abstractly, it computes nothing (and takes shapes)
    jax.eval_shape(lambda *flat: walker.run(closed, list(flat), origins)[0], *leaves, *arg_leaves)
    return AnalogModel(apply_fn, treedef, _paths(params), example_args, rule, walker.sites)


def _trace(apply_fn: Callable, params, args):
    """The closed jaxpr of apply_fn(params, *args) over flat leaves, and the output's tree structure."""
    leaves, treedef = jax.tree_util.tree_flatten(params)
    arg_leaves, arg_def = jax.tree_util.tree_flatten(args)

    def flat_fn(*flat):
        p = jax.tree_util.tree_unflatten(treedef, list(flat[:len(leaves)]))
        a = jax.tree_util.tree_unflatten(arg_def, list(flat[len(leaves):]))
        return apply_fn(p, *a)

    closed, out_shape = jax.make_jaxpr(flat_fn, return_shape=True)(*leaves, *arg_leaves)
    return closed, jax.tree_util.tree_structure(out_shape)
