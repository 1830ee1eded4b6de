"""Energy: the ledger, energy tables, component models, the CIM chip as an architecture, cost models, GPU
baseline and facility layer."""

from . import components
from .adc import adc_energy_J, adc_energy_survey_J, adc_energy_walden_J, dac_energy_J
from .architecture import (CimDesign, CimResult, Converters, Digital, activity, hermes_like, isaac, mapping,
                           measured_chip)
from .architecture import price as price_design
from .cost import crossbar_ledger, digital_ledger, digital_mac_ledger, snn_chip_ledger, snn_event_time_s, snn_ledger
from .facility import Facility
from .gpu import GPU, batch_sweep, gpu_ledger, load_gpu, measure_nvml, roofline
from .ledger import LABELS, SCOPES, Ledger, Record
from .tables import load_table

__all__ = ["CimDesign", "CimResult", "Converters", "Digital", "Facility", "GPU", "LABELS", "Ledger", "Record",
           "SCOPES", "activity", "adc_energy_J", "adc_energy_survey_J", "adc_energy_walden_J", "batch_sweep",
           "components", "crossbar_ledger", "dac_energy_J", "digital_ledger", "digital_mac_ledger", "gpu_ledger",
           "hermes_like", "isaac", "load_gpu", "load_table", "mapping", "measure_nvml", "measured_chip",
           "price_design", "roofline", "snn_chip_ledger", "snn_event_time_s", "snn_ledger"]
