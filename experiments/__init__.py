"""Experiments: one script per figure, each ``main(seed, out_dir, quick) -> Path`` of NAME.json.

Every script writes NAME.json first and then NAME.png from that JSON. ``cimsim list`` shows them and
``cimsim reproduce`` runs them.
"""

from __future__ import annotations

import importlib
from types import ModuleType

# name -> (module, one-line description, what it reproduces)
REGISTRY: dict[str, tuple[str, str, str]] = {
    "pcm-model": ("experiments.pcm_model",
                  "PCM statistical model: sigma_prog, mu_nu, sigma_nu, Q_s vs conductance, with Monte Carlo samples",
                  "Joshi et al., Nat. Commun. 11:2473 (2020), Methods / Suppl. Note 1"),
    "tile-drift": ("experiments.tile_drift",
                   "Relative MVM error of a 512x512 PCM tile from 1 s to 10 years, with and without GDC",
                   "Joshi et al. 2020, Fig. 3 (drift and global drift compensation)"),
    "ir-drop": ("experiments.ir_drop",
                "IR-drop error of column currents vs array size (32..512) and wire resistance, ngspice overlaid",
                "docs/references.md s.3 error table; ngspice ground truth"),
    "ir-drop-tiling": ("experiments.ir_drop_tiling",
                       "256-point DFT on one array vs 128 and 64 tiles at 0.005-0.05 ohm: spectrum error",
                       "CrossSim (Sandia) DFT tutorial, parasitic-resistance figure"),
    "iv-nonlinearity": ("experiments.iv_nonlinearity",
                        "MVM error of sinh-law cells vs read voltage and wire resistance, with/without wires, Newton solve",
                        "Stanford-PKU RRAM sinh law (docs/references.md s.11); ngspice ground truth"),
    "energy-breakdown": ("experiments.energy_breakdown",
                         "Where one digits-MLP inference's energy goes: ADC/DAC/array/digital; SOP/neuron; GPU idle/busy",
                         "cimsim ledger (docs/references.md s.4-5)"),
    "seed-claims": ("experiments.seed_claims",
                    "The founding report's claims recomputed with the ledger, beside what the sources say",
                    "Leroux et al. 2025; Samsi et al. 2023; Davies et al. 2021; de Vries 2023 (docs/references.md s.7)"),
    "macro-validation": ("experiments.macro_validation",
                         "ISAAC's chip power and energy per op, HERMES's four-phase TOPS/W, from the architecture model",
                         "Shafiee et al., ISCA 2016 (Table 1); Le Gallo et al., Nat. Electron. 2023 (docs/references.md s.10)"),
    "pareto": ("experiments.pareto",
               "Accuracy vs energy per inference: crossbar ADC bits x tiles, digital precisions, SNN time steps",
               "cimsim ledger; digits MLP"),
    "cuba": ("experiments.cuba",
             "Vogels-Abbott CUBA benchmark on Brian2: spikes, synaptic events, events/s; cpp_standalone sweep",
             "Vogels & Abbott 2005; Brian2 examples/CUBA.py (docs/references.md s.8)"),
    "snn-conversion": ("experiments.snn_conversion",
                       "Digits MLP as an SNN: accuracy vs T for max / 99.9 / 99 percentile normalization, events",
                       "Diehl et al. 2015; Rueckauer et al. 2017 (docs/references.md s.8)"),
    "snn-crossbar": ("experiments.snn_crossbar",
                     "The digits SNN with its synapses on PCM crossbars: accuracy from 1 s to 10 y, with/without GDC",
                     "PCM model of Joshi et al. 2020"),
    "snn-training": ("experiments.snn_training",
                     "Digits SNN trained with surrogate gradients (JAX) vs converted, T = 2-16; Brian2 = JAX spikes",
                     "Neftci et al. 2019; Zenke & Ganguli 2018 (docs/snn-training.md)"),
    "hwa-drift": ("experiments.hwa_drift",
                  "Digits MLP on PCM from 1 s to 10 y: FP vs HWA training, with and without GDC, 20 noise seeds",
                  "Joshi et al. 2020; Rasch et al. 2023 (docs/references.md s.2 pilot)"),
    "hwa-noise-grid": ("experiments.hwa_noise_grid",
                       "Accuracy over training noise x inference noise (0-10 %)",
                       "Joshi et al., Nat. Commun. 2020, Fig. 2"),
    "adc-bits": ("experiments.adc_bits",
                 "Accuracy vs ADC bits (4-10), FP- vs HWA-trained, on PCM at 1 h",
                 "Rasch et al. 2023 (converter sensitivity)"),
    "resnet-drift": ("experiments.resnet_drift",
                     "CIFAR ResNet on PCM from 1 s to 10 y: FP vs HWA training, with and without GDC (digits; --data CIFAR-10)",
                     "Joshi et al., Nat. Commun. 11:2473 (2020): ResNet-32 on CIFAR-10"),
    "lm-drift": ("experiments.lm_drift",
                 "Character-level transformer LM on PCM from 1 s to 1 y: FP vs HWA perplexity and accuracy (--data TEXT)",
                 "Rasch et al. 2023 (HWA); Joshi et al. 2020 (PCM); corpus: Debian fortunes"),
    "gain-cell-attention": ("experiments.gain_cell_attention",
                            "Char-lm with analog gain-cell attention (linear, nonlinear, adapted) vs softmax; its energy "
                            "ledger from circuit parameters and the 'up to 100 000x' claim scope for scope (--data TEXT)",
                            "Leroux et al., Nat. Comput. Sci. 5:813 (2025)"),
    "bit-slicing": ("experiments.bit_slicing",
                    "Accuracy and energy per inference over weight slices x bits per cell x input bits per cycle",
                    "ISAAC (Shafiee et al. 2016) and NeuroSim-style bit slicing; HERMES-like energy model"),
}


def names() -> list[str]:
    """Known experiment names, in registry order."""
    return list(REGISTRY)


def load(name: str) -> ModuleType:
    """Imports the module of experiment ``name``."""
    if name not in REGISTRY:
        raise ValueError(f"unknown experiment {name!r}; known experiments: {', '.join(REGISTRY)}")
    return importlib.import_module(REGISTRY[name][0])
