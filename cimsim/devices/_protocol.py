"""The Device protocol: what a crossbar needs from a conductance model.

A device is any object with these attributes and methods; it need not inherit from anything in cimsim.
Write the equations over the array namespace of the inputs (``cimsim.namespace(g_target_S)``: numpy or
jax.numpy) and draw through ``cimsim.draws.as_draws(rng)``, and the same class runs in the numpy
reference, the numba backend (devices are evaluated before the kernels) and JAX (jit, vmap, grad).

    class MyDevice:
        g_min_S: float          # smallest programmable conductance (S)
        g_max_S: float          # largest programmable conductance (S)
        stochastic: bool        # whether program/read draw random numbers
        def program(self, g_target_S, rng): ...   # -> state: a NamedTuple of arrays with field g_prog_S
        def read(self, state, t_s, rng): ...      # -> conductances (S) at t_s, shaped like g_target_S

``rng`` is a ``numpy.random.Generator``, a JAX key or a ``cimsim.draws.Draws``; ``state`` must be a
NamedTuple of arrays (a JAX pytree) with at least ``g_prog_S``. See docs/devices.md ("Your own device")
for a worked FeFET-like example.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

REQUIRED = ("g_min_S", "g_max_S", "stochastic", "program", "read")


@runtime_checkable
class Device(Protocol):
    """A conductance model usable in a CrossbarConfig (structural: no base class needed)."""

    g_min_S: float
    g_max_S: float

    @property
    def stochastic(self) -> bool:
        """Whether program/read draw random numbers."""

    def program(self, g_target_S: Any, rng: Any) -> Any:
        """Programs target conductances (S); returns a NamedTuple state with at least g_prog_S."""

    def read(self, state: Any, t_s: float, rng: Any) -> Any:
        """Conductances (S) read t_s seconds after programming."""


def check_device(device: Any) -> None:
    """Raises ValueError naming what a device object lacks (attributes, callables, a valid window)."""
    missing = [a for a in REQUIRED if not hasattr(device, a)]
    if missing:
        raise ValueError(f"device must satisfy the cimsim Device protocol ({', '.join(REQUIRED)}); "
                         f"{type(device).__name__} lacks {', '.join(missing)}")
    for name in ("program", "read"):
        if not callable(getattr(device, name)):
            raise ValueError(f"device.{name} must be callable, got {getattr(device, name)!r}")
    g_min, g_max = device.g_min_S, device.g_max_S
    for name, val in (("device.g_min_S", g_min), ("device.g_max_S", g_max)):
        if isinstance(val, bool) or not isinstance(val, (int, float)) or val != val or val in (float("inf"), -float("inf")):
            raise ValueError(f"{name} must be a finite number, got {val!r}")
    if not 0.0 <= g_min < g_max:
        raise ValueError(f"device conductance window must satisfy 0 <= g_min_S < g_max_S, got [{g_min}, {g_max}]")
    if not isinstance(device.stochastic, bool):
        raise ValueError(f"device.stochastic must be True or False, got {device.stochastic!r}")
