"""Synapse layers of a spiking network beyond all-to-all: convolutions and pooled inputs (numpy only).

A layer's synapses are given by its weight ``W`` in ``(W, b)``: a 2-D array (all-to-all, ``Dense``), a
``Dense`` with pooling, or a ``Conv2d``. Spike maps are (channels, height, width), flattened in that order
(NCHW, as PyTorch and NIR do), so neuron u of a (C, H, W) layer is c H W + y W + x.

``pool`` sum-pools the presynaptic spike map over non-overlapping pool x pool windows (kernel = stride =
pool, no padding; rows and columns past the last whole window are dropped) before the weights: the "spiking
layer -> pooling -> convolution" pattern of convolutional SNNs (e.g. Fang et al., ICCV 2021), where the pool
is a sum of events and needs no neuron of its own. The pooled map enters the convolution (or, flattened,
the dense product); average pooling is sum pooling with the weights divided by pool^2.

A synapse is one (presynaptic unit, postsynaptic unit, weight) triple: ``connections`` lists them for the
Brian2 network (one Brian2 synapse each, the same weight shared where a convolution shares it), sorted by
presynaptic unit as Brian2's numpy target adds them; the number with a given presynaptic unit is that
unit's out-degree, which prices its spikes (synaptic events).

References:
    LeCun et al., Proc. IEEE 86:2278 (1998) (convolution, pooling); Dumoulin & Visin, arXiv:1603.07285 (2016)
    (output size floor((H + 2p - k) / s) + 1).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from cimsim import _validate as v


def _check_int(name: str, value: Any, minimum: int) -> int:
    v.integer_at_least(name, value, minimum)
    return int(value)


def _pooled(in_shape: tuple, pool: int, name: str) -> tuple:
    if pool == 1:
        return tuple(in_shape)
    if len(in_shape) != 3:
        raise ValueError(f"{name}: pool={pool} needs a (channels, height, width) input map, got shape {tuple(in_shape)}")
    c, h, w = in_shape
    if h < pool or w < pool:
        raise ValueError(f"{name}: pool={pool} is larger than the input map {h} x {w}")
    return (c, h // pool, w // pool)


def _pool_index(in_shape: tuple, pool: int) -> np.ndarray:
    """For each presynaptic unit (flat), its pooled unit (flat), or -1 where the pool drops it."""
    if pool == 1:
        return np.arange(int(np.prod(in_shape)))
    c, h, w = in_shape
    cc, yy, xx = np.meshgrid(np.arange(c), np.arange(h), np.arange(w), indexing="ij")
    hp, wp = h // pool, w // pool
    py, px = yy // pool, xx // pool
    out = cc * hp * wp + py * wp + px
    return np.where((py < hp) & (px < wp), out, -1).ravel()


@dataclass(frozen=True)
class Dense:
    """All-to-all synapses from the (pooled, flattened) presynaptic layer: ``weight`` (out, in)."""

    weight: Any
    pool: int = 1

    def __post_init__(self) -> None:
        _check_int("pool", self.pool, 1)

    @property
    def out_channels(self) -> int:
        return int(np.shape(self.weight)[0])

    def out_shape(self, in_shape: tuple, name: str = "weights") -> tuple:
        """The postsynaptic layer's shape for a presynaptic one of ``in_shape``."""
        n_in = int(np.prod(_pooled(in_shape, self.pool, name)))
        if np.ndim(self.weight) != 2 or np.shape(self.weight)[1] != n_in:
            raise ValueError(f"{name} does not chain to the layer below: weight must be (out, {n_in}) for an input of shape {tuple(in_shape)}"
                             f"{f' pooled by {self.pool}' if self.pool > 1 else ''}, got {np.shape(self.weight)}")
        return (self.out_channels,)

    def connections(self, in_shape: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(pre, post, index into weight.ravel()) of every synapse, sorted by pre, then post."""
        pooled = _pool_index(in_shape, self.pool)
        n_out, n_in = np.shape(self.weight)
        pre = np.repeat(np.flatnonzero(pooled >= 0), n_out)
        post = np.tile(np.arange(n_out), pre.size // n_out)
        return pre, post, post * n_in + pooled[pre]


@dataclass(frozen=True)
class Conv2d:
    """Convolutional synapses: ``weight`` (out channels, in channels, kh, kw), zero padding, one stride."""

    weight: Any
    stride: int = 1
    padding: int = 0
    pool: int = 1

    def __post_init__(self) -> None:
        _check_int("stride", self.stride, 1)
        _check_int("padding", self.padding, 0)
        _check_int("pool", self.pool, 1)

    @property
    def out_channels(self) -> int:
        return int(np.shape(self.weight)[0])

    def out_shape(self, in_shape: tuple, name: str = "weights") -> tuple:
        """(out channels, height, width) for an input map of ``in_shape`` (channels, height, width)."""
        if len(in_shape) != 3:
            raise ValueError(f"{name}: a Conv2d needs a (channels, height, width) input, got shape {tuple(in_shape)}")
        c, h, w = _pooled(in_shape, self.pool, name)
        if np.ndim(self.weight) != 4 or np.shape(self.weight)[1] != c:
            raise ValueError(f"{name}: weight must be (out, {c}, kh, kw) for {c} input channels, got {np.shape(self.weight)}")
        kh, kw = np.shape(self.weight)[2:]
        ho = (h + 2 * self.padding - kh) // self.stride + 1
        wo = (w + 2 * self.padding - kw) // self.stride + 1
        if ho < 1 or wo < 1:
            raise ValueError(f"{name}: a {kh} x {kw} kernel with padding {self.padding} does not fit the {h} x {w} input")
        return (self.out_channels, ho, wo)

    def connections(self, in_shape: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(pre, post, index into weight.ravel()) of every synapse, sorted by pre, then post."""
        c, h, w = _pooled(in_shape, self.pool, "weights")
        o, ho, wo = self.out_shape(in_shape)
        kh, kw = np.shape(self.weight)[2:]
        # every (output channel, output row, column, input channel, kernel row, column)
        oc, oy, ox, ic, ky, kx = np.meshgrid(np.arange(o), np.arange(ho), np.arange(wo), np.arange(c),
                                             np.arange(kh), np.arange(kw), indexing="ij")
        iy = oy * self.stride - self.padding + ky
        ix = ox * self.stride - self.padding + kx
        ok = (iy >= 0) & (iy < h) & (ix >= 0) & (ix < w)  # zero padding has no synapse
        pooled_unit = (ic * h * w + iy * w + ix)[ok]
        post = (oc * ho * wo + oy * wo + ox)[ok]
        kidx = (((oc * c + ic) * kh + ky) * kw + kx)[ok]
        # back from the pooled map to the presynaptic units that are summed into it
        pool_of = _pool_index(tuple(in_shape), self.pool)
        pre_units = np.flatnonzero(pool_of >= 0)
        by_pool = np.argsort(pool_of[pre_units], kind="stable")
        members = pre_units[by_pool].reshape(-1, self.pool * self.pool)  # the units of each pooled unit
        pre = members[pooled_unit].ravel()
        post = np.repeat(post, self.pool * self.pool)
        kidx = np.repeat(kidx, self.pool * self.pool)
        order = np.lexsort((post, pre))
        return pre[order], post[order], kidx[order]


LAYERS = (Dense, Conv2d)


def as_synapse(W: Any) -> Dense | Conv2d:
    """A layer's weight as a synapse object: a 2-D array is a Dense without pooling."""
    return W if isinstance(W, LAYERS) else Dense(W)


def map_weight(W: Any, f) -> Any:
    """f applied to a layer's weight array, a Dense/Conv2d keeping its stride, padding and pool."""
    return dataclasses.replace(W, weight=f(W.weight)) if isinstance(W, LAYERS) else f(W)


def spike_fanout(weights, in_shape: tuple, units, *, spiking_input: bool) -> tuple[tuple, int]:
    """The out-degree of every spike, and the synapses of the first layer per sample.

    Args:
        weights: the layers' weights; in_shape: the input's shape.
        units: per spiking layer (the input first when ``spiking_input``), the unit of each of its spikes.

    Returns:
        (per spiking layer the out-degree of each spike (0 in the output layer), first-layer synapses).
    """
    sh = shapes(weights, in_shape)
    degree = [np.bincount(as_synapse(W).connections(s)[0], minlength=int(np.prod(s))) for W, s in zip(weights, sh)]
    degree.append(np.zeros(int(np.prod(sh[-1])), np.int64))
    first = 0 if spiking_input else 1
    return tuple(degree[j + first][u].astype(np.int64) for j, u in enumerate(units)), int(degree[0].sum())


def shapes(weights, in_shape: tuple, *, name: str = "weights") -> list[tuple]:
    """Each layer's shape, the input's first, for layers whose weights are ``weights`` (raises, naming
    ``name[k]``, where they do not chain)."""
    out = [tuple(int(n) for n in in_shape)]
    for k, W in enumerate(weights):
        out.append(as_synapse(W).out_shape(out[-1], f"{name}[{k}]"))
    return out


def apply(W: Any, x: np.ndarray, in_shape: tuple) -> np.ndarray:
    """The synaptic sum (samples, n_post) of inputs x (samples, n_pre), synapse by synapse (numpy reference)."""
    syn = as_synapse(W)
    pre, post, kidx = syn.connections(in_shape)
    w = np.asarray(syn.weight, np.float64).ravel()[kidx]
    out = np.zeros((x.shape[0], int(np.prod(syn.out_shape(in_shape)))))
    for s in range(x.shape[0]):  # ascending presynaptic unit, the order Brian2 adds in
        np.add.at(out[s], post, x[s, pre] * w)
    return out
