"""Gain-cell analog attention (Leroux et al., Nat. Comput. Sci. 5:813, 2025): Q K^T and phi(S) V on gain-cell
arrays, with the HardSigmoid charge-to-pulse circuit in place of softmax, in JAX with straight-through
gradients so a model can be adapted to it.

Per head, for queries q (T, D) and the window's keys and values k, v (T, D):

    x = Qz(clip(a_q q + b_q, 0, 1), q_levels)                       query pulse widths (units of T_max)
    y_k = Qz(clip(a_k k + b_k, 0, v_max), kv_levels) - v_offset      stored voltages minus the offset
    S_ts = sum_d f(x_td, y_k,sd d_ts)   d_ts = exp(-lambda (t - s)) the decay by age (s <= t, in the window)
    phi_ts = clip(S_ts / S_sat, 0, 1)   (0 outside the causal sliding window: no pulse)
    O_td = sum_tiles Qz(clip(sum_{s in tile} f(phi_ts, y_v,sd d_ts) / out_scale, -1, 1), out_levels)
    out = a_o O + b_o

with f the cell's transfer (cimsim.devices.GainCellRead): "linear", f = slope x y with the decay
multiplying the product (the study's linear intermediate model), or "nonlinear", f = x P(y) with P the
study's cubic fit and the decay shrinking y toward the offset (y -> d y, the charge leaking toward
V_DD / 2). The nonlinear model's gradient is the linear model's (the study's surrogate); every
quantizer Qz rounds in the forward pass and passes the gradient straight through (zero where it clips).
Keys are assigned to tiles as a circular buffer over the window: key s sits in tile (s mod window) //
tile_keys, as a generating chip writes it.

Simplifications (docs/jax.md, "Gain-cell attention"): the cells' write noise, read noise and
device-to-device variation are left out (the study models none; the device's kT/C noise, 2 mV at 1 fF,
is a sixtieth of a write level); the query pulse and the HardSigmoid are ideal; tiles see no wire
resistance; the decay uses each key's age in tokens, as if a token took the same time at every step.
The per-head affine scalers (a, b) are trainable, initialised as the study does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import jax
import jax.numpy as jnp
import numpy as np

from ..devices._gaincell import STUDY_DECAY_PER_TOKEN, GainCellRead

MODELS = ("linear", "nonlinear", "ideal")


@dataclass(frozen=True)
class GainCellAttentionConfig:
    """The analog attention's parts. Defaults: the study's.

    Args:
        model: "linear", "nonlinear" or "ideal" (the linear transfer with no quantization and no decay: a
            plain HardSigmoid attention, the reference of the tests).
        read: the cell transfer (cimsim.devices.GainCellRead).
        q_levels: query levels on [0, 1] (16); None for no quantization.
        kv_levels: K/V levels on [0, v_max] (8); None for none.
        out_levels: tile output levels on [-1, 1] (32); None for none.
        v_max: the write window's top (0.9 V); v_offset: its midpoint (0.45 V).
        s_sat: HardSigmoid saturation (80); out_scale: tile output divisor (40).
        decay_per_token: lambda in exp(-lambda x age) (the study's 1.6e-4; GainCellDevice.decay_per_token
            from a retention time); 0 for none.
        window: sliding window in tokens; None for the whole context.
        tile_keys: keys per tile (64).
    """

    model: str = "nonlinear"
    read: GainCellRead = field(default_factory=GainCellRead)
    q_levels: int | None = 16
    kv_levels: int | None = 8
    out_levels: int | None = 32
    v_max: float = 0.9
    v_offset: float = 0.45
    s_sat: float = 80.0
    out_scale: float = 40.0
    decay_per_token: float = STUDY_DECAY_PER_TOKEN
    window: int | None = 1024
    tile_keys: int = 64

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ValueError(f"model must be one of {MODELS}, got {self.model!r}")
        if not isinstance(self.read, GainCellRead):
            raise ValueError(f"read must be a cimsim.devices.GainCellRead, got {type(self.read).__name__}")
        for name in ("q_levels", "kv_levels", "out_levels"):
            val = getattr(self, name)
            if val is not None and (isinstance(val, bool) or not isinstance(val, int) or val < 2):
                raise ValueError(f"{name} must be an int >= 2 or None, got {val!r}")
        for name in ("v_max", "s_sat", "out_scale"):
            val = getattr(self, name)
            if isinstance(val, bool) or not isinstance(val, (int, float)) or not np.isfinite(val) or val <= 0:
                raise ValueError(f"{name} must be a finite number > 0, got {val!r}")
        if not (isinstance(self.v_offset, (int, float)) and 0 <= self.v_offset <= self.v_max):
            raise ValueError(f"v_offset must lie in [0, v_max={self.v_max}], got {self.v_offset!r}")
        if not (isinstance(self.decay_per_token, (int, float)) and np.isfinite(self.decay_per_token)
                and self.decay_per_token >= 0):
            raise ValueError(f"decay_per_token must be a finite number >= 0, got {self.decay_per_token!r}")
        for name in ("window", "tile_keys"):
            val = getattr(self, name)
            if val is None and name == "window":
                continue
            if isinstance(val, bool) or not isinstance(val, int) or val < 1:
                raise ValueError(f"{name} must be an int >= 1{' or None' if name == 'window' else ''}, got {val!r}")
        if self.window is not None and self.window % self.tile_keys:
            raise ValueError(f"window ({self.window}) must be a multiple of tile_keys ({self.tile_keys})")

    def ideal(self) -> "GainCellAttentionConfig":
        """The same geometry with ideal parts."""
        from dataclasses import replace

        return replace(self, model="ideal", q_levels=None, kv_levels=None, out_levels=None, decay_per_token=0.0)


def init_scalers(n_head: int, cfg: GainCellAttentionConfig) -> dict[str, jax.Array]:
    """Per-head affine maps, initialised as the study: query a 1, b 0; K and V a 1, b = v_offset; output
    a 1 (linear) or 1 / slope (nonlinear, whose output is about slope times larger), b 0."""
    one, zero = jnp.ones(n_head), jnp.zeros(n_head)
    a_o = 1.0 / cfg.read.linear_slope if cfg.model == "nonlinear" else 1.0
    return {"q_a": one, "q_b": zero, "k_a": one, "k_b": zero + cfg.v_offset, "v_a": one,
            "v_b": zero + cfg.v_offset, "o_a": one * a_o, "o_b": zero}


def quantize_range(x: jax.Array, lo: float, hi: float, levels: int | None) -> jax.Array:
    """Clip to [lo, hi] and round to ``levels`` evenly spaced values including both ends (None: clip only);
    straight-through gradient inside the range, zero where it clips."""
    xc = jnp.clip(x, lo, hi)
    if levels is None:
        return xc
    step = (hi - lo) / (levels - 1)
    q = lo + step * jnp.round((xc - lo) / step)
    return xc + jax.lax.stop_gradient(q - xc)


def _masks(T: int, cfg: GainCellAttentionConfig):
    t = np.arange(T)[:, None]
    s = np.arange(T)[None, :]
    live = s <= t
    if cfg.window is not None:
        live &= (t - s) < cfg.window
    age = np.where(live, t - s, 0).astype(np.float32)
    return jnp.asarray(live), jnp.asarray(age)


def _tiles(T: int, cfg: GainCellAttentionConfig) -> np.ndarray:
    """One-hot (n_tiles, T) of each key's tile: (s mod window) // tile_keys."""
    slots = np.arange(T) if cfg.window is None else np.arange(T) % cfg.window
    tile = slots // cfg.tile_keys
    n = int(tile.max()) + 1
    return (tile[None, :] == np.arange(n)[:, None]).astype(np.float32)


def _powers_sum(inp, y, decay, poly, eq, *, decay_on_input: bool):
    """sum_i p_i sum_d inp (decay y)^i as one contraction per power: the (t, s) decay^i multiplies the
    result when the contraction runs over d (Q K^T), the input when it runs over s (phi V)."""
    out = 0.0
    for i, p in enumerate(poly):
        w = 1.0 if decay is None else decay ** i
        yi = y ** i if i else jnp.ones_like(y)
        term = jnp.einsum(eq, inp * w, yi) if decay_on_input else jnp.einsum(eq, inp, yi) * w
        out = out + p * term
    return out


def gain_cell_attention(q: jax.Array, k: jax.Array, v: jax.Array, scalers: dict[str, jax.Array],
                        cfg: GainCellAttentionConfig) -> jax.Array:
    """Causal gain-cell attention. q, k, v: (B, T, H, D); scalers from ``init_scalers``. Returns (B, T, H, D)."""
    B, T, H, D = q.shape
    live, age = _masks(T, cfg)
    decay = None if cfg.decay_per_token == 0 else jnp.exp(-cfg.decay_per_token * age)  # (T, S)
    hd = lambda name: scalers[name][None, None, :, None]  # noqa: E731
    x = quantize_range(hd("q_a") * q + hd("q_b"), 0.0, 1.0, cfg.q_levels)
    yk = quantize_range(hd("k_a") * k + hd("k_b"), 0.0, cfg.v_max, cfg.kv_levels) - cfg.v_offset
    yv = quantize_range(hd("v_a") * v + hd("v_b"), 0.0, cfg.v_max, cfg.kv_levels) - cfg.v_offset
    slope = cfg.read.linear_slope
    dec = 1.0 if decay is None else decay

    lin_s = slope * jnp.einsum("bthd,bshd->bhts", x, yk) * dec
    if cfg.model == "nonlinear":
        nl_s = _powers_sum(x, yk, decay, cfg.read.poly(), "bthd,bshd->bhts", decay_on_input=False)
        s = lin_s + jax.lax.stop_gradient(nl_s - lin_s)
    else:
        s = lin_s
    phi = jnp.where(live, jnp.clip(s / cfg.s_sat, 0.0, 1.0), 0.0)  # (B, H, T, S)

    tiles = jnp.asarray(_tiles(T, cfg))  # (n, S)
    phi_t = jnp.einsum("bhts,ns->bhnts", phi, tiles)
    lin_o = slope * jnp.einsum("bhnts,bshd->bhntd", phi_t * dec, yv)
    if cfg.model == "nonlinear":
        nl_o = _powers_sum(phi_t, yv, decay, cfg.read.poly(), "bhnts,bshd->bhntd", decay_on_input=True)
        o = lin_o + jax.lax.stop_gradient(nl_o - lin_o)
    else:
        o = lin_o
    o = quantize_range(o / cfg.out_scale, -1.0, 1.0, cfg.out_levels).sum(axis=2)  # tiles summed digitally
    o = jnp.transpose(o, (0, 2, 1, 3))  # (B, T, H, D)
    return hd("o_a") * o + hd("o_b")


def match_statistics(scalers: dict[str, jax.Array], outputs: jax.Array, target_mean: jax.Array,
                     target_std: jax.Array, alpha: float) -> dict[str, jax.Array]:
    """One step of the study's initialisation of the nonlinear model from the linear one: move the output
    scaler so the per-head mean and std of this model's ``outputs`` (B, T, H, D) approach the linear
    model's (target_mean, target_std per head), with weight ``alpha``:
    a <- alpha a sigma_t / sigma + (1 - alpha) a,  b <- alpha (b + mu_t - mu') + (1 - alpha) b, where mu' is
    the mean after the new a."""
    mu = outputs.mean(axis=(0, 1, 3))
    sd = outputs.std(axis=(0, 1, 3)) + 1e-12
    a, b = scalers["o_a"], scalers["o_b"]
    a_new = alpha * a * target_std / sd + (1 - alpha) * a
    mu_new = (mu - b) * a_new / a + b  # the mean the outputs would have with a_new
    b_new = alpha * (b + target_mean - mu_new) + (1 - alpha) * b
    return {**scalers, "o_a": a_new, "o_b": b_new}
