"""Statistical phase-change-memory (PCM) model.

The model of Nandakumar et al. 2019 and Joshi et al., Nat. Commun. 11:2473 (2020), fitted to measurements
of ~1 M PCM devices; the same model is aihwkit's ``PCMLikeNoiseModel``. Conductances in siemens here; the
fits are stated in microsiemens for g_max = 25 uS and scale with g_max / 25 uS. See docs/references.md s.1 and
docs/devices.md.

Equations (r = g_T / g_max):
    programming:  sigma_prog = (0.26348 + 1.9650 r - 1.1731 r^2) (g_max / 25 uS)   [uS]
                  g_prog = max(g_T + sigma_prog N(0,1), 0)
    drift exp.:   mu_nu = clip(-0.0155 ln r + 0.0244, 0.049, 0.1)
                  sigma_nu = clip(-0.0125 ln r - 0.0059, 0.008, 0.045),  r clamped to >= 1e-7
                  nu = |mu_nu + sigma_nu N(0,1)|
    read at t_s:  t = t_s + t0,  g_drift = g_prog (t / t0)^(-nu)
                  Q_s = min(0.0088 / max((|g_prog| / g_max)^0.65, 1e-3), 0.2)
                  sigma_nG = Q_s sqrt(ln((t + t_read) / (2 t_read)))
                  g = max(g_drift + |g_drift| sigma_nG N(0,1), 0)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from typing import Any

import numpy as np

from .. import _validate as v
from .._xp import namespace
from ..draws import as_draws

# Programming-noise polynomial, uS, fitted at g_max = 25 uS (Joshi et al. 2020; measured).
PROG_COEFFS_uS = (0.26348, 1.9650, -1.1731)
# Drift-exponent fits (Joshi et al. 2020, Methods; measured).
MU_NU_FIT = (-0.0155, 0.0244, 0.049, 0.1)  # slope on ln r, offset, clip low, clip high
SIGMA_NU_FIT = (-0.0125, -0.0059, 0.008, 0.045)
R_MIN = 1e-7
# 1/f read-noise fit (Joshi et al. 2020; measured).
Q_S_FIT = (0.0088, 0.65, 1e-3, 0.2)  # numerator, exponent, floor of the denominator, cap
T0_S = 20.0  # reference time of the drift law, s (Joshi et al. 2020)
T_READ_S = 250e-9  # read duration, s (Joshi et al. 2020)
G_MAX_FIT_S = 25e-6  # g_max at which the fits were made
CHUNK = 1 << 18  # cells per chunk when programming large numpy arrays (2 MB of float64 per temporary)


class PCMState(NamedTuple):
    """Programmed PCM state.

    Attributes:
        g_prog_S: programmed conductances at t = 0 (S), same shape as the targets.
        nu: drift exponents drawn at programming, same shape.
    """

    g_prog_S: Any
    nu: Any


def sigma_prog_S(g_target_S: Any, g_max_S: float = G_MAX_FIT_S, *, xp: Any = np) -> Any:
    """Standard deviation of programming noise (S) at target conductances (Joshi et al. 2020).

    ``xp`` is the array namespace (numpy or jax.numpy) of ``g_target_S``; the same code serves both.
    """
    r = xp.clip(xp.asarray(g_target_S) / g_max_S, 0.0, 1.0)
    c0, c1, c2 = PROG_COEFFS_uS
    sigma_uS = xp.maximum(c0 + c1 * r + c2 * r * r, 0.0) * (g_max_S / G_MAX_FIT_S)
    return sigma_uS * 1e-6


def drift_params(g_target_S: Any, g_max_S: float = G_MAX_FIT_S, *, xp: Any = np) -> tuple[Any, Any]:
    """Mean and standard deviation of the drift exponent nu at target conductances (Joshi et al. 2020)."""
    r = xp.maximum(xp.asarray(g_target_S) / g_max_S, R_MIN)
    log_r = xp.log(r)
    a, b, lo, hi = MU_NU_FIT
    mu = xp.clip(a * log_r + b, lo, hi)
    a, b, lo, hi = SIGMA_NU_FIT
    sigma = xp.clip(a * log_r + b, lo, hi)
    return mu, sigma


def q_s(g_prog_S: Any, g_max_S: float = G_MAX_FIT_S, *, xp: Any = np) -> Any:
    """1/f read-noise amplitude Q_s (dimensionless) at programmed conductances (Joshi et al. 2020)."""
    num, expo, floor, cap = Q_S_FIT
    rel = xp.abs(xp.asarray(g_prog_S)) / g_max_S
    return xp.minimum(num / xp.maximum(rel**expo, floor), cap)


def read_noise_rel(g_prog_S: Any, t_s: Any, g_max_S: float = G_MAX_FIT_S,
                   t0_s: float = T0_S, t_read_s: float = T_READ_S, *, xp: Any = np) -> Any:
    """Relative 1/f read-noise std sigma_nG at t_s seconds after programming (Joshi et al. 2020)."""
    t = t_s + t0_s
    return q_s(g_prog_S, g_max_S, xp=xp) * xp.sqrt(xp.log((t + t_read_s) / (2.0 * t_read_s)))


@dataclass(frozen=True)
class PCMDevice:
    """PCM device after Joshi et al. 2020 (aihwkit PCMLikeNoiseModel).

    Args:
        g_max_S: largest target conductance (S); 25 uS in the paper.
        prog_noise_scale: multiplies sigma_prog (1 = as measured).
        drift_scale: multiplies the drift exponents nu (1 = as measured; 0 = no drift).
        read_noise_scale: multiplies sigma_nG (1 = as measured; 0 = no 1/f noise).
        t0_s: reference time of the drift law (s), 20 s in the paper.
        t_read_s: read duration (s), 250 ns in the paper.
        iv: the cell's current-voltage law I(V, G) (cimsim.circuit.SinhIV, PolyIV), None for Ohm's law;
            applied per cell to the read voltage with ideal wires (with wire resistance: the circuit-level
            cimsim.circuit.solve_ir_drop_nonlinear).

    References:
        Joshi et al., Nat. Commun. 11:2473 (2020); Nandakumar et al., J. Appl. Phys. (2019).
    """

    g_max_S: float = G_MAX_FIT_S
    prog_noise_scale: float = 1.0
    drift_scale: float = 1.0
    read_noise_scale: float = 1.0
    t0_s: float = T0_S
    t_read_s: float = T_READ_S

    iv: Any = None

    def __post_init__(self) -> None:
        v.positive("g_max_S", self.g_max_S)
        v.non_negative("prog_noise_scale", self.prog_noise_scale)
        v.non_negative("drift_scale", self.drift_scale)
        v.non_negative("read_noise_scale", self.read_noise_scale)
        v.positive("t0_s", self.t0_s)
        v.positive("t_read_s", self.t_read_s)

    @property
    def g_min_S(self) -> float:
        """Smallest target conductance (S): PCM is reset to ~0 (Joshi et al. 2020)."""
        return 0.0

    @property
    def stochastic(self) -> bool:
        """Whether program/read draw random numbers."""
        return True

    def program(self, g_target_S: Any, rng: Any) -> PCMState:
        """Programs targets with programming noise and draws each device's drift exponent.

        Args:
            g_target_S: target conductances (S) in [0, g_max_S], any shape (numpy or JAX array).
            rng: numpy Generator, JAX key or cimsim.draws.Draws.

        Returns:
            PCMState with g_prog_S and nu, both shaped like g_target_S.
        """
        g_t = v.targets_in_window(g_target_S, 0.0, self.g_max_S)
        xp = namespace(g_t)
        if xp is np and isinstance(rng, np.random.Generator) and g_t.size > CHUNK:
            return self._program_chunked(g_t, rng)
        draws = as_draws(rng)  # the programming normals first, then the drift normals (one held at a time)
        g_prog = self._g_prog(g_t, draws.normal(g_t.shape, g_t.dtype), xp)
        return PCMState(g_prog_S=g_prog, nu=self._nu(g_t, draws.normal(g_t.shape, g_t.dtype), xp))

    def _g_prog(self, g_t: Any, z: Any, xp: Any) -> Any:
        """Programmed conductances for targets g_t and standard normals z (Joshi et al. 2020)."""
        return xp.maximum(g_t + sigma_prog_S(g_t, self.g_max_S, xp=xp) * self.prog_noise_scale * z, 0.0)

    def _nu(self, g_t: Any, z: Any, xp: Any) -> Any:
        """Drift exponents for targets g_t and standard normals z (Joshi et al. 2020)."""
        mu_nu, sigma_nu = drift_params(g_t, self.g_max_S, xp=xp)
        return xp.abs(mu_nu + sigma_nu * z) * self.drift_scale

    def _program_chunked(self, g_t: np.ndarray, rng: np.random.Generator) -> PCMState:
        """program() for large numpy arrays in chunks of CHUNK cells: the same draws in the same order (a
        Generator's stream does not depend on how a draw is split), the same bits, and a peak memory of
        the state plus the targets instead of ~5x the state."""
        flat = g_t.reshape(-1)
        out = (np.empty_like(flat), np.empty_like(flat))
        for k, fn in enumerate((self._g_prog, self._nu)):  # all programming normals first, then all nu normals
            for a in range(0, flat.size, CHUNK):
                chunk = flat[a:a + CHUNK]
                out[k][a:a + CHUNK] = fn(chunk, rng.standard_normal(chunk.size), np)
        return PCMState(g_prog_S=out[0].reshape(g_t.shape), nu=out[1].reshape(g_t.shape))

    def drifted(self, state: PCMState, t_s: Any) -> Any:
        """Conductances (S) after power-law drift at t_s seconds after programming, without read noise."""
        t_s = v.time_or_traced("t_s", t_s)
        t = t_s + self.t0_s
        return state.g_prog_S * (t / self.t0_s) ** (-state.nu)

    def read(self, state: PCMState, t_s: Any, rng: Any) -> Any:
        """Conductances (S) read at t_s seconds after programming: drift plus 1/f read noise, drawn once.

        Args:
            state: the programmed state.
            t_s: time after programming (s), >= 0.
            rng: numpy Generator, JAX key or cimsim.draws.Draws.

        Returns:
            Array of conductances shaped like state.g_prog_S.
        """
        g_drift = self.drifted(state, t_s)
        if self.read_noise_scale == 0.0:
            return g_drift
        xp = namespace(g_drift)
        draws = as_draws(rng)
        sigma_ng = read_noise_rel(state.g_prog_S, t_s, self.g_max_S, self.t0_s, self.t_read_s, xp=xp)
        z = draws.normal(g_drift.shape, g_drift.dtype)
        return xp.maximum(g_drift + xp.abs(g_drift) * sigma_ng * self.read_noise_scale * z, 0.0)
