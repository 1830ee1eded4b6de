"""Operation counts per MVM, checked against counts worked out by hand for a tiled layout."""

import dataclasses

import numpy as np
import pytest

import cimsim
from cimsim import OpCounts


def test_counts_by_hand():
    # W (300 out, 700 in) on 256 x 256 tiles: row blocks 256, 256, 188; column blocks 256, 44 -> 6 tiles
    cfg = dataclasses.replace(cimsim.presets.IDEAL, tile_rows=256, tile_cols=256)
    A = cimsim.program(np.ones((300, 700)), cfg, bias=np.zeros(300))
    y, c = A.mvm(np.ones((5, 700)), return_counts=True)
    per = dict(input_vectors=1, tile_mvms=6, dac_conversions=700 * 2, cell_reads=2 * 300 * 700,
               adc_conversions=300 * 3, digital_mults=700 + 2 * 300 * 3,
               digital_adds=(255 + 255 + 187) + 300 * 2 + 300)
    assert c == OpCounts(**{k: 5 * v for k, v in per.items()})
    assert A.op_counts(5) == c


def test_counts_add_and_validate():
    a = OpCounts(input_vectors=1, cell_reads=4)
    assert (a + a).cell_reads == 8 and a.scaled(3).input_vectors == 3
    assert set(a.to_dict()) >= {"dac_conversions", "adc_conversions", "digital_adds", "digital_mults"}
    with pytest.raises(ValueError, match="cell_reads"):
        OpCounts(cell_reads=-1)


def test_fixed_range_has_no_max_search():
    cfg = dataclasses.replace(cimsim.presets.IDEAL, dac=cimsim.DAC(bits=None, input_scaling="fixed"))
    c = cimsim.program(np.ones((2, 3)), cfg).op_counts(1)
    assert c.digital_adds == 0 and c.dac_conversions == 3 and c.adc_conversions == 2
