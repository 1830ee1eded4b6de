"""Programming a weight matrix onto analog tiles, reading it at a time t, and running MVMs.

    A = program(W, config, rng=rng)      # t = 0: conductances programmed, drift exponents drawn
    R = A.read(t_s, rng=rng)             # slow noise at time t drawn once (drift, 1/f read noise)
    y = R.mvm(x, rng=rng)                # per-MVM noise, DAC, ADC drawn/applied on every call
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _validate as v
from .backends import get_backend
from .config import CrossbarConfig
from .counts import OpCounts
from .forward import RowBlock, forward
from .mapping import conductance_scales, edges, gdc_readout, map_to_pairs


def _effective(g_S: np.ndarray, cfg: CrossbarConfig, row_edges: np.ndarray, col_edges: np.ndarray) -> np.ndarray:
    """G+ - G- (out, in) as the tiles' circuits see it (with IR drop when the wires have resistance)."""
    if not cfg.has_wire_resistance:
        return g_S[0] - g_S[1]
    from .circuit._tiles import effective_differential

    return effective_differential(g_S, row_edges, col_edges, cfg.r_row_ohm, cfg.r_col_ohm, cfg.ir_drop)


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
    per_vector = OpCounts(
        input_vectors=1,
        tile_mvms=n_rb * n_cb,
        dac_conversions=int(rows.sum()) * n_cb,
        cell_reads=2 * n_in * n_out,
        adc_conversions=n_out * n_rb,
        digital_mults=n_in + 2 * n_out * n_rb,
        digital_adds=(int((rows - 1).sum()) if abs_max else 0) + n_out * (n_rb - 1) + (n_out if bias else 0),
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

    @property
    def shape(self) -> tuple[int, int]:
        """(out, in) of the weight matrix."""
        return self.g_S.shape[1], self.g_S.shape[2]

    def weights(self) -> np.ndarray:
        """Effective weights (out, in) the conductances represent, after digital scaling and GDC.

        Excludes converters and per-MVM noise: the matrix an ideal periphery would apply.
        """
        return np.concatenate([(b.gd_T * b.col_factor[None, :]).T for b in self.blocks], axis=1) * self.config.v_read_V

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
        be = get_backend(backend if backend is not None else self.config.backend)
        v.generator("rng", rng, required=self.config.per_mvm_noise)
        z = None
        if self.config.per_mvm_noise:
            z = rng.standard_normal((len(self.blocks), x2.shape[0], self.shape[0]))
        y = forward(x2, self.blocks, self.config, z, be)
        if self.bias is not None:
            y += self.bias
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
        return self.state.g_prog_S.shape[1], self.state.g_prog_S.shape[2]

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
        g = cfg.device.read(self.state, t_s, rng)
        gd = _effective(g, cfg, self.row_edges, self.col_edges)
        alpha = np.ones_like(self.scales_S)
        if self.gdc_ref is not None:
            current = gdc_readout(gd, self.row_edges, self.col_edges)
            ratio = np.where((current > 0) & (self.gdc_ref > 0), self.gdc_ref / np.where(current > 0, current, 1.0), 1.0)
            alpha = np.repeat(ratio, np.diff(self.col_edges), axis=1)
        k = None
        if cfg.w_noise > 0:
            g_max = cfg.device.g_max_S
            if cfg.w_noise_type == "pcm_read":
                k = cfg.w_noise**2 * g_max * (g[0] + g[1])
            else:
                k = np.full(gd.shape, 2.0 * (cfg.w_noise * g_max) ** 2)
        blocks = []
        for r in range(len(self.row_edges) - 1):
            a, b = int(self.row_edges[r]), int(self.row_edges[r + 1])
            blocks.append(RowBlock(
                start=a, stop=b,
                gd_T=np.ascontiguousarray(gd[:, a:b].T),
                k_T=None if k is None else np.ascontiguousarray(k[:, a:b].T, dtype=np.float32),
                col_factor=alpha[r] / (cfg.v_read_V * self.scales_S[r]),
            ))
        return ReadArray(config=cfg, t_s=t_s, g_S=g, blocks=tuple(blocks), bias=self.bias)

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
        Joshi et al., Nat. Commun. 11:2473 (2020) (mapping, GDC); REFERENCES.md s.1.
    """
    if not isinstance(config, CrossbarConfig):
        raise ValueError(f"config must be a cimsim.CrossbarConfig, got {type(config).__name__}")
    W = v.finite_array("W", W, ndim=(2,))
    if bias is not None:
        bias = v.finite_array("bias", bias, ndim=(1,))
        if bias.shape[0] != W.shape[0]:
            raise ValueError(f"bias must have shape ({W.shape[0]},) to match W {W.shape}, got {bias.shape}")
    v.generator("rng", rng, required=config.device.stochastic)
    dev = config.device
    row_edges, col_edges = edges(W.shape[1], config.tile_rows), edges(W.shape[0], config.tile_cols)
    scales = conductance_scales(W, row_edges, col_edges, config.weight_scaling, dev.g_max_S - dev.g_min_S)
    state = dev.program(map_to_pairs(W, scales, row_edges, dev.g_min_S, dev.g_max_S), rng)
    gdc_ref = None
    if config.gdc:
        gdc_ref = gdc_readout(_effective(state.g_prog_S, config, row_edges, col_edges), row_edges, col_edges)
    return ProgrammedArray(config=config, state=state, scales_S=scales, row_edges=row_edges,
                           col_edges=col_edges, bias=bias, gdc_ref=gdc_ref)
