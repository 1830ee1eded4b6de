"""Programming and reading crossbar arrays in JAX: the twin of cimsim.program / ProgrammedArray.read.

    A = program(W, cfg, key, bias=b)      # mapping to differential pairs, PCM programming noise, drift exponents
    blocks = read(A, t_s, key, cfg)       # drift and 1/f read noise at t_s (drawn once), GDC
    y = tile.mvm(blocks, x, cfg, key)     # per-MVM noise, DAC, ADC

Devices: IdealDevice and PCMDevice (the equations of cimsim.devices._pcm, the same fitted constants).
Not implemented in JAX (they raise NotImplementedError; use the numpy/numba backends): ReRAMDevice, and
exact IR drop (ir_drop="exact"); the first-order IR-drop model is supported.
The *_from_normals functions take the standard normals explicitly, so tests hold them to numpy draw by draw.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ..devices import IdealDevice, PCMDevice
from ..devices import _pcm as P
from ..mapping import edges
from .tile import Blocks


class ProgrammedJ(NamedTuple):
    """A programmed array in JAX (pytree). g_prog_S: (2, out, in); nu: same or None; scales_S: (n_rb, out)."""

    g_prog_S: jax.Array
    nu: jax.Array | None
    scales_S: jax.Array
    gdc_ref: jax.Array | None
    bias: jax.Array | None


def _supported(cfg) -> None:
    if not isinstance(cfg.device, (IdealDevice, PCMDevice)):
        raise NotImplementedError(f"{type(cfg.device).__name__} is not implemented in the JAX backend; "
                                  "use cimsim.program (numpy/numba backends)")
    if cfg.has_wire_resistance and cfg.ir_drop == "exact":
        raise NotImplementedError("exact IR drop is not implemented in the JAX array path; use ir_drop='first_order', "
                                  "or cimsim.circuit._jax.solve_ir_drop_jax on the conductances")


def scales(W: jax.Array, cfg) -> jax.Array:
    """Conductance per unit weight (n_row_blocks, out): the twin of cimsim.mapping.conductance_scales."""
    span = cfg.device.g_max_S - cfg.device.g_min_S
    re, ce = edges(W.shape[1], cfg.tile_rows), edges(W.shape[0], cfg.tile_cols)
    rows = []
    for r in range(len(re) - 1):
        col_max = jnp.max(jnp.abs(W[:, re[r]:re[r + 1]]), axis=1)
        if cfg.weight_scaling == "tile":
            col_max = jnp.concatenate([jnp.full((ce[c + 1] - ce[c],), jnp.max(col_max[ce[c]:ce[c + 1]]))
                                       for c in range(len(ce) - 1)])
        rows.append(span / jnp.where(col_max > 0, col_max, 1.0))
    return jnp.stack(rows)


def _targets(W, s, cfg):
    re = edges(W.shape[1], cfg.tile_rows)
    s_full = jnp.repeat(s.T, np.diff(re), axis=1, total_repeat_length=W.shape[1])
    sw = s_full * W
    span = cfg.device.g_max_S - cfg.device.g_min_S
    g0 = cfg.device.g_min_S
    return jnp.stack([g0 + jnp.clip(sw, 0.0, span), g0 + jnp.clip(-sw, 0.0, span)])


def _gdc_readout(gd, cfg):
    re, ce = edges(gd.shape[1], cfg.tile_rows), edges(gd.shape[0], cfg.tile_cols)
    out = []
    for r in range(len(re) - 1):
        col_sums = jnp.abs(jnp.sum(gd[:, re[r]:re[r + 1]], axis=1))
        out.append(jnp.stack([jnp.mean(col_sums[ce[c]:ce[c + 1]]) for c in range(len(ce) - 1)]))
    return jnp.stack(out)


def _effective(g, cfg):
    gd = g[0] - g[1]
    if not cfg.has_wire_resistance:
        return gd
    from ..circuit._jax import ir_drop_first_order_jax

    re, ce = edges(gd.shape[1], cfg.tile_rows), edges(gd.shape[0], cfg.tile_cols)
    out = jnp.zeros_like(gd)
    for r in range(len(re) - 1):
        for c in range(len(ce) - 1):
            a, b, c0, c1 = re[r], re[r + 1], ce[c], ce[c + 1]
            phys = jnp.stack([g[0, c0:c1, a:b].T, g[1, c0:c1, a:b].T], axis=2).reshape(b - a, 2 * (c1 - c0))
            eff = ir_drop_first_order_jax(phys, cfg.r_row_ohm, cfg.r_col_ohm)
            out = out.at[c0:c1, a:b].set((eff[:, 0::2] - eff[:, 1::2]).T)
    return out


def _check_weights(W, bias) -> None:
    """Validates concrete (non-traced) weights and bias like cimsim.program."""
    from .. import _validate as v

    if isinstance(W, jax.core.Tracer):
        return
    Wn = v.finite_array("W", np.asarray(W), ndim=(2,))
    if bias is not None and not isinstance(bias, jax.core.Tracer):
        b = v.finite_array("bias", np.asarray(bias), ndim=(1,))
        if b.shape[0] != Wn.shape[0]:
            raise ValueError(f"bias must have shape ({Wn.shape[0]},) to match W {Wn.shape}, got {b.shape}")


def program_from_normals(W, cfg, z_prog, z_nu, bias=None) -> ProgrammedJ:
    """program() with the programming and drift-exponent normals given (shape (2, out, in) each)."""
    _supported(cfg)
    _check_weights(W, bias)
    W = jnp.asarray(W)
    s = scales(W, cfg)
    g_t = _targets(W, s, cfg)
    dev = cfg.device
    if isinstance(dev, PCMDevice):
        r = jnp.clip(g_t / dev.g_max_S, 0.0, 1.0)
        c0, c1, c2 = P.PROG_COEFFS_uS
        sigma = jnp.maximum(c0 + c1 * r + c2 * r * r, 0.0) * (dev.g_max_S / P.G_MAX_FIT_S) * 1e-6
        g_prog = jnp.maximum(g_t + sigma * dev.prog_noise_scale * z_prog, 0.0)
        log_r = jnp.log(jnp.maximum(g_t / dev.g_max_S, P.R_MIN))
        a, b, lo, hi = P.MU_NU_FIT
        mu = jnp.clip(a * log_r + b, lo, hi)
        a, b, lo, hi = P.SIGMA_NU_FIT
        sd = jnp.clip(a * log_r + b, lo, hi)
        nu = jnp.abs(mu + sd * z_nu) * dev.drift_scale
    else:
        g_prog, nu = g_t, None
    gdc_ref = _gdc_readout(_effective(g_prog, cfg), cfg) if cfg.gdc else None
    return ProgrammedJ(g_prog, nu, s, gdc_ref, None if bias is None else jnp.asarray(bias))


def program(W, cfg, key: jax.Array, bias=None) -> ProgrammedJ:
    """Maps W (out, in) onto differential pairs and programs them (t = 0), drawing from ``key``."""
    _supported(cfg)
    _check_weights(W, bias)
    shape = (2,) + tuple(np.shape(W))
    k1, k2 = jax.random.split(key)
    dt = jnp.asarray(W).dtype
    return program_from_normals(W, cfg, jax.random.normal(k1, shape, dt), jax.random.normal(k2, shape, dt), bias)


def read_from_normals(A: ProgrammedJ, t_s: float, cfg, z_read) -> Blocks:
    """read() with the read-noise normals given (shape (2, out, in))."""
    _supported(cfg)
    if isinstance(t_s, (int, float)) and not t_s >= 0:  # traced times are checked by the caller
        raise ValueError(f"t_s must be finite and >= 0, got {t_s}")
    dev = cfg.device
    g = A.g_prog_S
    if isinstance(dev, PCMDevice):
        t = t_s + dev.t0_s
        g_drift = A.g_prog_S * (t / dev.t0_s) ** (-A.nu)
        num, expo, floor, cap = P.Q_S_FIT
        q = jnp.minimum(num / jnp.maximum((jnp.abs(A.g_prog_S) / dev.g_max_S) ** expo, floor), cap)
        sig = q * jnp.sqrt(jnp.log((t + dev.t_read_s) / (2.0 * dev.t_read_s))) * dev.read_noise_scale
        g = jnp.maximum(g_drift + jnp.abs(g_drift) * sig * z_read, 0.0)
    gd = _effective(g, cfg)
    alpha = jnp.ones_like(A.scales_S)
    ce = edges(gd.shape[0], cfg.tile_cols)
    if A.gdc_ref is not None:
        cur = _gdc_readout(gd, cfg)
        ratio = jnp.where((cur > 0) & (A.gdc_ref > 0), A.gdc_ref / jnp.where(cur > 0, cur, 1.0), 1.0)
        alpha = jnp.repeat(ratio, np.diff(ce), axis=1, total_repeat_length=gd.shape[0])
    re = edges(gd.shape[1], cfg.tile_rows)
    gd_T, k_T, cfs = [], [], []
    for r in range(len(re) - 1):
        a, b = re[r], re[r + 1]
        gd_T.append(gd[:, a:b].T)
        if cfg.w_noise > 0:
            k = (cfg.w_noise**2 * dev.g_max_S * (g[0] + g[1]) if cfg.w_noise_type == "pcm_read"
                 else jnp.full(gd.shape, 2.0 * (cfg.w_noise * dev.g_max_S) ** 2, gd.dtype))
            k_T.append(k[:, a:b].T)
        else:
            k_T.append(None)
        cfs.append(alpha[r] / (cfg.v_read_V * A.scales_S[r]))
    return Blocks(tuple(gd_T), tuple(k_T), tuple(cfs), A.bias)


def read(A: ProgrammedJ, t_s: float, cfg, key: jax.Array) -> Blocks:
    """The array read t_s seconds after programming: drift and 1/f noise drawn once from ``key``."""
    return read_from_normals(A, t_s, cfg, jax.random.normal(key, A.g_prog_S.shape, A.g_prog_S.dtype))
