"""Device models: ``program(g_target_S, rng) -> state`` and ``read(state, t_s, rng) -> g_S``."""

from ._ideal import IdealDevice, IdealState
from ._pcm import PCMDevice, PCMState
from ._reram import ReRAMDevice, ReRAMState

Device = IdealDevice | PCMDevice | ReRAMDevice

__all__ = ["Device", "IdealDevice", "IdealState", "PCMDevice", "PCMState", "ReRAMDevice", "ReRAMState"]
