"""Named crossbar configurations, each citing where its numbers come from.

IDEAL  no noise, unlimited converters: mvm equals W @ x to float64 rounding.
PCM    Joshi et al. 2020 PCM device (docs/references.md s.1, measured fits), with the periphery of aihwkit's
       StandardHWATrainingPreset (Rasch et al., Nat. Commun. 14:5282, 2023): 8-bit DAC and ADC
       (inp_res = out_res = 1/254 there, i.e. 2^8 - 1 levels), ADC bound 10, output noise 0.04,
       PCM_READ weight noise 0.0175, column-wise weight scaling, global drift compensation.
       Tiles 256 x 256, the core size of IBM's HERMES chip (Le Gallo et al., Nat. Electron. 2023).
RERAM  multi-level ReRAM-like cell. Conductance window 1-40 uS and 16 levels (4 bits per cell) are
       typical of multi-level ReRAM macros (e.g. Wan et al., Nature 608, 2022 (NeuRRAM)); the noise and
       fault rates are ESTIMATES, not fits: 1 % programming error of the window, 1 % read noise,
       0.1 % stuck ON and 0.1 % stuck OFF. Same 8-bit periphery as PCM, no drift so no GDC.
"""

from __future__ import annotations

from .config import CrossbarConfig
from .converters import ADC, DAC
from .devices import IdealDevice, PCMDevice, ReRAMDevice

IDEAL = CrossbarConfig(
    device=IdealDevice(),
    dac=DAC(bits=None, input_scaling="abs_max"),
    adc=ADC(bits=None, out_bound=None, out_noise=0.0),
    w_noise=0.0,
    gdc=False,
    dtype="float64",  # the exact reference: W @ x to float64 rounding
)

PCM = CrossbarConfig(
    device=PCMDevice(g_max_S=25e-6),  # Joshi et al. 2020
    dac=DAC(bits=8, input_scaling="abs_max"),  # Rasch et al. 2023 (8-bit); aihwkit ABS_MAX noise management
    adc=ADC(bits=8, out_bound=10.0, out_noise=0.04),  # Rasch et al. 2023 StandardHWATrainingPreset
    tile_rows=256,
    tile_cols=256,  # HERMES core, Le Gallo et al. 2023
    weight_scaling="column",  # Rasch et al. 2023 (weight_scaling_columnwise)
    w_noise=0.0175,
    w_noise_type="pcm_read",  # Rasch et al. 2023 (w_noise_type PCM_READ)
    gdc=True,  # Joshi et al. 2020; Rasch et al. 2023
)

RERAM = CrossbarConfig(
    device=ReRAMDevice(g_min_S=1e-6, g_max_S=40e-6, n_levels=16, sigma_prog_rel=0.01, sigma_read_rel=0.01,
                       p_stuck_on=0.001, p_stuck_off=0.001),  # estimates, see module docstring
    dac=DAC(bits=8, input_scaling="abs_max"),
    adc=ADC(bits=8, out_bound=10.0, out_noise=0.04),
    weight_scaling="column",
    gdc=False,
)

ALL = {"IDEAL": IDEAL, "PCM": PCM, "RERAM": RERAM}
