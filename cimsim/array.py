"""Programming a weight matrix onto analog tiles, reading it at a time t, and running MVMs.

    A = program(W, config, rng=rng)      # t = 0: conductances programmed, drift exponents drawn
    R = A.read(t_s, rng=rng)             # slow noise at time t drawn once (drift, 1/f read noise)
    y = R.mvm(x, rng=rng)                # per-MVM noise, DAC, ADC drawn/applied on every call

The pipeline (``program_tiles``, ``read_tiles``) is written once over an array namespace; cimsim.jx runs
the same functions on jax.numpy with JAX keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from . import _validate as v
from .backends import get_backend
from .config import CrossbarConfig
from .counts import OpCounts
from .forward import RowBlock, forward
from ._normals import standard_normals
from .draws import as_draws
from ._xp import repeat_blocks
from .mapping import conductance_scales, edges, gdc_factors, gdc_readout, map_to_pairs, weight_noise_coeff
from .slicing import slice_targets


def effective(g_S: Any, cfg: CrossbarConfig, row_edges: np.ndarray, col_edges: np.ndarray, *, xp: Any = np) -> Any:
    """G+ - G- (out, in) as the tiles' circuits see it (with IR drop when the wires have resistance)."""
    if not cfg.has_wire_resistance:
        return g_S[0] - g_S[1]
    from .circuit._tiles import effective_differential

    return effective_differential(g_S, row_edges, col_edges, cfg.r_row_ohm, cfg.r_col_ohm, cfg.ir_drop, xp=xp)


class Programmed(NamedTuple):
    """What programming leaves on the tiles (any array namespace)."""

    state: Any
    scales_S: Any
    gdc_ref: Any


class ReadTiles(NamedTuple):
    """The arrays of every plane at read time (any array namespace): see cimsim.forward.RowBlock and
    cimsim.forward.forward (one plane per row block, or one per row block and weight slice)."""

    g_S: Any
    gd_T: tuple
    k_T: tuple
    col_factor: tuple
    offsets: tuple | None = None


def _check_scales(scales: np.ndarray, cfg: CrossbarConfig) -> None:
    """The weights' magnitudes must map onto conductances and back within float64."""
    back = 1.0 / (cfg.v_read_V * scales)
    fi = np.finfo(cfg.dtype)
    bad = ~(np.isfinite(scales) & np.isfinite(back) & (scales > 0) & (back > fi.tiny) & (back < fi.max / 1e6))
    if bad.any():
        g_span = cfg.device.g_max_S - cfg.device.g_min_S
        raise ValueError(f"W cannot be mapped onto conductances: a tile's (or column's) max |W| of "
                         f"{g_span / scales[bad].flat[0]:.3g} gives a scale of {scales[bad].flat[0]:.3g} S per unit weight, "
                         f"outside the range of the configuration's dtype {cfg.dtype}; rescale W (e.g. to max |W| = 1) "
                         "and fold the factor into the digital side")


def program_tiles(W: Any, cfg: CrossbarConfig, rng: Any, *, xp: Any = np) -> Programmed:
    """Maps W (out, in) onto differential pairs tile by tile, programs the device, records GDC references.

    ``rng`` (a numpy Generator, a JAX key or a cimsim.draws.Draws) goes to the device unchanged.
    """
    dev = cfg.device
    row_edges, col_edges = edges(W.shape[1], cfg.tile_rows), edges(W.shape[0], cfg.tile_cols)
    with np.errstate(over="ignore", divide="ignore"):
        scales = conductance_scales(W, row_edges, col_edges, cfg.weight_scaling, dev.g_max_S - dev.g_min_S, xp=xp)
        if xp is np:
            _check_scales(scales, cfg)
    if cfg.slicing is None:
        targets = map_to_pairs(W, scales, row_edges, dev.g_min_S, dev.g_max_S, xp=xp)
    else:
        u = repeat_blocks(xp, scales, row_edges) * W / (dev.g_max_S - dev.g_min_S)
        targets = slice_targets(u, cfg.slicing, dev.g_min_S, dev.g_max_S, xp=xp)
    state = dev.program(targets, rng)
    gdc_ref = None
    if cfg.gdc:
        gdc_ref = xp.stack([gdc_readout(effective(g, cfg, row_edges, col_edges, xp=xp), row_edges, col_edges, xp=xp)
                            for g in _slice_pairs(state.g_prog_S, cfg, xp)])
        gdc_ref = gdc_ref[0] if cfg.slicing is None else gdc_ref
    return Programmed(state, scales, gdc_ref)


def _slice_pairs(g: Any, cfg: CrossbarConfig, xp: Any) -> list:
    """The (2, out, in) conductance pairs of every slice (one plain pair without slicing; offset cells
    paired with their reference at g_min)."""
    if cfg.slicing is None:
        return [g]
    if cfg.slicing.signed == "differential":
        return [g[i] for i in range(g.shape[0])]
    return [xp.stack([g[i, 0], xp.full(g.shape[2:], cfg.device.g_min_S, dtype=g.dtype)]) for i in range(g.shape[0])]


def read_tiles(P: Programmed, cfg: CrossbarConfig, t_s: Any, rng: Any, *, xp: Any = np,
               k_dtype: Any = None) -> ReadTiles:
    """Reads the device at t_s (drift and slow noise drawn once), applies IR drop and GDC, and splits the
    result into row blocks: transposed effective conductances, per-MVM noise coefficients, column factors.

    ``k_dtype`` casts the noise coefficients (the numpy path keeps them float32: they only scale noise).
    """
    g = cfg.device.read(P.state, t_s, rng)
    n_out, n_in = g.shape[-2], g.shape[-1]
    row_edges, col_edges = edges(n_in, cfg.tile_rows), edges(n_out, cfg.tile_cols)
    pairs = _slice_pairs(g, cfg, xp)
    weights = [1.0] if cfg.slicing is None else cfg.slicing.slice_weights()
    refs = [P.gdc_ref] if cfg.slicing is None else [None if P.gdc_ref is None else P.gdc_ref[i] for i in range(len(pairs))]
    planes = []  # per slice: (gd, k, alpha)
    for gp, ref in zip(pairs, refs):
        gd = effective(gp, cfg, row_edges, col_edges, xp=xp)
        alpha = xp.ones_like(P.scales_S)
        if ref is not None:
            alpha = gdc_factors(ref, gdc_readout(gd, row_edges, col_edges, xp=xp), col_edges, xp=xp)
        k = weight_noise_coeff(gp, cfg.w_noise, cfg.w_noise_type, cfg.device.g_max_S, xp=xp) if cfg.w_noise > 0 else None
        planes.append((gd, k, alpha))
    gd_T, k_T, cf = [], [], []
    for r in range(len(row_edges) - 1):  # row block by row block, slice by slice within a block
        a, b = int(row_edges[r]), int(row_edges[r + 1])
        for (gd, k, alpha), w in zip(planes, weights):
            gd_T.append(gd[:, a:b].T)
            k_T.append(None if k is None else (k[:, a:b].T if k_dtype is None else k[:, a:b].T.astype(k_dtype)))
            cf.append(w * alpha[r] / (cfg.v_read_V * P.scales_S[r]))
    offsets = None
    if cfg.slicing is not None and cfg.slicing.signed == "offset":  # m = max |W| of each tile / column
        offsets = tuple((cfg.device.g_max_S - cfg.device.g_min_S) / P.scales_S[r] for r in range(len(row_edges) - 1))
    return ReadTiles(g, tuple(gd_T), tuple(k_T), tuple(cf), offsets)


def _check_x(x: Any, n_in: int) -> tuple[np.ndarray, bool]:
    arr = v.finite_array("x", x, ndim=(1, 2))
    if arr.shape[-1] != n_in:
        raise ValueError(f"x must have {n_in} inputs in its last axis (W is (out, {n_in})), got shape {arr.shape}")
    return (arr[None, :], True) if arr.ndim == 1 else (np.ascontiguousarray(arr), False)


def _op_counts(cfg: CrossbarConfig, shape: tuple[int, int], bias: bool, batch: int) -> OpCounts:
    n_out, n_in = shape
    rows = np.diff(edges(n_in, cfg.tile_rows))
    cols = np.diff(edges(n_out, cfg.tile_cols))
    n_rb, n_cb = len(rows), len(cols)
    abs_max = cfg.dac.input_scaling == "abs_max"
    sl = cfg.slicing
    k = 1 if sl is None else sl.weight_slices  # weight slices: planes per row block
    cyc = 1 if sl is None else sl.cycles(cfg.dac.bits)  # input read cycles
    cells = 2 if sl is None else sl.cells_per_slice
    offset = sl is not None and sl.signed == "offset"
    partials = n_rb * k * cyc  # ADC outputs per column, combined by shift-and-add
    per_vector = OpCounts(
        input_vectors=1,
        tile_mvms=n_rb * n_cb * k * cyc,
        dac_conversions=int(rows.sum()) * n_cb * cyc,
        cell_reads=cells * n_in * n_out * k * cyc,
        adc_conversions=n_out * partials,
        digital_mults=n_in + 2 * n_out * partials + (2 * n_rb + n_out * n_rb if offset else 0),
        digital_adds=((int((rows - 1).sum()) if abs_max else 0) + n_out * (partials - 1) + (n_out if bias else 0)
                      + (int((rows - 1).sum()) + n_out * n_rb if offset else 0)),
    )
    return per_vector.scaled(batch)


@dataclass(frozen=True, eq=False)
class ReadArray:
    """A programmed array as read at one time t: conductances fixed, ready for MVMs.

    Attributes:
        config: the CrossbarConfig.
        t_s: seconds after programming.
        g_S: conductances (2, out, in) = [G+, G-] at t_s (S).
        blocks: per-row-block read-time arrays (see cimsim.forward.RowBlock).
        bias: digital bias (out,) or None.
    """

    config: CrossbarConfig
    t_s: float
    g_S: np.ndarray
    blocks: tuple[RowBlock, ...]
    bias: np.ndarray | None
    offsets: tuple | None = None

    @property
    def shape(self) -> tuple[int, int]:
        """(out, in) of the weight matrix."""
        return self.g_S.shape[-2], self.g_S.shape[-1]

    def weights(self) -> np.ndarray:
        """Effective weights (out, in) the conductances represent, after digital scaling and GDC.

        Excludes converters and per-MVM noise: the matrix an ideal periphery would apply.
        """
        k = 1 if self.config.slicing is None else self.config.slicing.weight_slices
        parts = [sum((b.gd_T * b.col_factor[None, :]).T for b in self.blocks[r * k:(r + 1) * k]) * self.config.v_read_V
                 for r in range(len(self.blocks) // k)]
        if self.offsets is not None:
            parts = [p - m[:, None] for p, m in zip(parts, self.offsets)]
        return np.concatenate(parts, axis=1)

    def op_counts(self, batch: int = 1) -> OpCounts:
        """Operation counts of ``batch`` MVMs (deterministic in the shapes and config)."""
        v.integer_at_least("batch", batch, 0)
        return _op_counts(self.config, self.shape, self.bias is not None, batch)

    def mvm(self, x: Any, *, rng: np.random.Generator | None = None, backend: str | None = None,
            return_counts: bool = False) -> np.ndarray | tuple[np.ndarray, OpCounts]:
        """Analog matrix-vector product y ~ W x (+ bias).

        Args:
            x: inputs (in,) or (batch, in).
            rng: generator for the per-MVM noise (required when the config has any).
            backend: "numba" or "numpy"; defaults to config.backend.
            return_counts: also return the OpCounts of this call.

        Returns:
            y (out,) or (batch, out), and the counts when asked.
        """
        x2, single = _check_x(x, self.shape[1])
        dt = np.dtype(self.config.dtype)
        if dt != x2.dtype and np.abs(x2).max() > np.finfo(dt).max:
            raise ValueError(f"x must fit the configuration's dtype {dt} (max {np.finfo(dt).max:.3g}), got max |x| = "
                             f"{np.abs(x2).max():.3g}; use dtype='float64'")
        x2 = x2.astype(dt, copy=False)
        be = get_backend(backend if backend is not None else self.config.backend)
        v.generator("rng", rng, required=self.config.per_mvm_noise)
        z = None
        if self.config.per_mvm_noise:
            cycles = 1 if self.config.slicing is None else self.config.slicing.cycles(self.config.dac.bits)
            shape = (len(self.blocks) * cycles, x2.shape[0], self.shape[0])
            z = standard_normals(rng, shape, dt) if isinstance(rng, np.random.Generator) else \
                np.asarray(as_draws(rng).normal(shape), dtype=dt)
        with np.errstate(over="ignore", invalid="ignore"):
            y = forward(x2, [b.gd_T for b in self.blocks], [b.k_T for b in self.blocks],
                        [b.col_factor for b in self.blocks], self.config, z, be, self.offsets)
            if self.bias is not None:
                y += self.bias
        if not np.all(np.isfinite(y)):
            raise ValueError(f"the MVM result overflows {dt} (max |x| = {np.abs(x2).max():.3g}, max |y| beyond "
                             "1.8e308); rescale x or W")
        y = y[0] if single else y
        return (y, self.op_counts(x2.shape[0])) if return_counts else y


@dataclass(frozen=True, eq=False)
class ProgrammedArray:
    """A weight matrix programmed onto tiles at t = 0.

    Attributes:
        config: the CrossbarConfig.
        state: the device state over the stacked pairs (2, out, in), with at least g_prog_S.
        scales_S: conductance per unit weight (n_row_blocks, out) (S).
        row_edges, col_edges: tile boundaries over inputs and outputs.
        bias: digital bias (out,) or None.
        gdc_ref: per-tile calibration readout at programming (n_row_blocks, n_col_blocks), or None.
    """

    config: CrossbarConfig
    state: Any
    scales_S: np.ndarray
    row_edges: np.ndarray
    col_edges: np.ndarray
    bias: np.ndarray | None
    gdc_ref: np.ndarray | None

    @property
    def shape(self) -> tuple[int, int]:
        """(out, in) of the weight matrix."""
        return self.state.g_prog_S.shape[-2], self.state.g_prog_S.shape[-1]

    def read(self, t_s: float = 0.0, *, rng: np.random.Generator | None = None) -> ReadArray:
        """Reads the array t_s seconds after programming; drift and slow read noise are drawn once.

        Args:
            t_s: time after programming (s), >= 0.
            rng: generator (required for stochastic devices).

        Returns:
            ReadArray for MVMs at that time.
        """
        t_s = v.time_s("t_s", t_s)
        cfg = self.config
        v.generator("rng", rng, required=cfg.device.stochastic)
        P = Programmed(self.state, self.scales_S, self.gdc_ref)
        T = read_tiles(P, cfg, t_s, rng, xp=np, k_dtype=np.float32)
        k = 1 if cfg.slicing is None else cfg.slicing.weight_slices
        starts, stops = np.repeat(self.row_edges[:-1], k), np.repeat(self.row_edges[1:], k)
        blocks = tuple(
            RowBlock(start=int(a), stop=int(b), gd_T=np.ascontiguousarray(g, dtype=cfg.dtype),
                     k_T=None if kk is None else np.ascontiguousarray(kk), col_factor=cf.astype(cfg.dtype))
            for a, b, g, kk, cf in zip(starts, stops, T.gd_T, T.k_T, T.col_factor))
        offsets = None if T.offsets is None else tuple(o.astype(cfg.dtype) for o in T.offsets)
        return ReadArray(config=cfg, t_s=t_s, g_S=T.g_S, blocks=blocks, bias=self.bias, offsets=offsets)

    def mvm(self, x: Any, *, t_s: float = 0.0, rng: np.random.Generator | None = None,
            backend: str | None = None, return_counts: bool = False):
        """Shorthand for ``self.read(t_s, rng=rng).mvm(x, rng=rng, ...)``."""
        _check_x(x, self.shape[1])
        return self.read(t_s, rng=rng).mvm(x, rng=rng, backend=backend, return_counts=return_counts)

    def op_counts(self, batch: int = 1) -> OpCounts:
        """Operation counts of ``batch`` MVMs."""
        v.integer_at_least("batch", batch, 0)
        return _op_counts(self.config, self.shape, self.bias is not None, batch)


def program(W: Any, config: CrossbarConfig, *, rng: np.random.Generator | None = None,
            bias: Any = None) -> ProgrammedArray:
    """Maps W onto differential conductance pairs over tiles and programs them (t = 0).

    Args:
        W: weights (out, in).
        config: a CrossbarConfig (e.g. cimsim.presets.PCM).
        rng: generator (required for stochastic devices).
        bias: optional digital bias (out,), added after the ADCs.

    Returns:
        ProgrammedArray.

    References:
        Joshi et al., Nat. Commun. 11:2473 (2020) (mapping, GDC); docs/references.md s.1.
    """
    if not isinstance(config, CrossbarConfig):
        raise ValueError(f"config must be a cimsim.CrossbarConfig, got {type(config).__name__}")
    W = v.finite_array("W", W, ndim=(2,))
    if bias is not None:
        bias = v.finite_array("bias", bias, ndim=(1,))
        if bias.shape[0] != W.shape[0]:
            raise ValueError(f"bias must have shape ({W.shape[0]},) to match W {W.shape}, got {bias.shape}")
    v.generator("rng", rng, required=config.device.stochastic)
    P = program_tiles(W, config, rng, xp=np)
    return ProgrammedArray(config=config, state=P.state, scales_S=P.scales_S,
                           row_edges=edges(W.shape[1], config.tile_rows), col_edges=edges(W.shape[0], config.tile_cols),
                           bias=bias, gdc_ref=P.gdc_ref)
