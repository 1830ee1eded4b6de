"""Energy: the ledger, energy tables, cost models, GPU baseline and facility layer."""

from .adc import adc_energy_survey_J, adc_energy_walden_J, dac_energy_J
from .cost import crossbar_ledger, digital_ledger, snn_ledger
from .facility import Facility
from .gpu import GPU, load_gpu, measure_nvml, roofline
from .ledger import LABELS, SCOPES, Ledger, Record
from .tables import load_table

__all__ = ["Facility", "GPU", "LABELS", "Ledger", "Record", "SCOPES", "adc_energy_survey_J", "adc_energy_walden_J",
           "crossbar_ledger", "dac_energy_J", "digital_ledger", "load_gpu", "load_table", "measure_nvml",
           "roofline", "snn_ledger"]
