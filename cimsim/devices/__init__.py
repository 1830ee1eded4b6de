"""Device models: ``program(g_target_S, rng) -> state`` and ``read(state, t_s, rng) -> g_S``.

Any object satisfying :class:`Device` works in a CrossbarConfig (see ``_protocol.py``)."""

from ._gaincell import GainCellDevice, GainCellRead, GainCellState
from ._ideal import IdealDevice, IdealState
from ._pcm import PCMDevice, PCMState
from ._protocol import Device, check_device
from ._reram import ReRAMDevice, ReRAMState

__all__ = ["Device", "GainCellDevice", "GainCellRead", "GainCellState", "IdealDevice", "IdealState", "PCMDevice", "PCMState", "ReRAMDevice", "ReRAMState",
           "check_device"]
