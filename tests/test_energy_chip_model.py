"""cimsim.energy.chip_model against hand counts, published parameter counts, architecture.price and the
hwcomponents-library models called directly. Every expected number is written out here from its source
(He et al. 2016 for ResNet-20's layers; Radford et al. 2019 for GPT-2's shapes), never from the code under
test; comparisons use assert_allclose with a relative tolerance.
"""

import dataclasses
import math

import hwcomponents_library as lib
import pytest
from numpy.testing import assert_allclose

from cimsim.energy import hermes_like
from cimsim.energy.architecture import counts_of_full_mvms, price
from cimsim.energy.chip_model import DigitalWork, Site, mean_hops, price_model, size_chip

EXACT = 1e-12


def differential(design):
    """The design with a weight on a differential pair of columns (G+ and G-)."""
    return dataclasses.replace(design, converters=dataclasses.replace(design.converters, columns_per_weight=2))


DESIGN = differential(hermes_like(sram_model="table"))  # 64 tiles of 256 x 256, 14 nm

# ResNet-20 for CIFAR-10 (He et al., CVPR 2016, s.4.2): a 3x3 conv 3 -> 16 on 32 x 32, three stages of
# 3 basic blocks (two 3x3 convs each) at 16, 32, 64 channels on 32x32, 16x16, 8x8 outputs, option-A
# (parameter-free) shortcuts, global average pooling, a 64 -> 10 dense layer.
# (name, layer, rows = c_in*3*3, outputs = c_out, output pixels, tiles by hand on 256 x 256 with 2 columns
# per weight: ceil(rows/256) * ceil(2*c_out/256))
RESNET20 = [("conv0", "conv0", 27, 16, 1024, 1 * 1)]
for _b in range(3):
    RESNET20 += [(f"s1b{_b}c1", f"s1b{_b}", 144, 16, 1024, 1 * 1), (f"s1b{_b}c2", f"s1b{_b}", 144, 16, 1024, 1 * 1)]
RESNET20 += [("s2b0c1", "s2b0", 144, 32, 256, 1 * 1), ("s2b0c2", "s2b0", 288, 32, 256, 2 * 1)]
for _b in (1, 2):
    RESNET20 += [(f"s2b{_b}c1", f"s2b{_b}", 288, 32, 256, 2 * 1), (f"s2b{_b}c2", f"s2b{_b}", 288, 32, 256, 2 * 1)]
RESNET20 += [("s3b0c1", "s3b0", 288, 64, 64, 2 * 1), ("s3b0c2", "s3b0", 576, 64, 64, 3 * 1)]
for _b in (1, 2):
    RESNET20 += [(f"s3b{_b}c1", f"s3b{_b}", 576, 64, 64, 3 * 1), (f"s3b{_b}c2", f"s3b{_b}", 576, 64, 64, 3 * 1)]
RESNET20 += [("fc", "fc", 64, 10, 1, 1 * 1)]
RESNET20_TILES = 1 + 6 * 1 + (1 + 2 + 4 * 2) + (2 + 3 + 4 * 3) + 1  # = 36
RESNET20_PARAMS = 0.27e6  # He et al. 2016, Table 6: ResNet-20 has 0.27 M parameters


def resnet20_sites():
    return [Site(n, lay, i, o, v) for n, lay, i, o, v, _ in RESNET20]


def test_resnet20_tiles_and_weights_by_hand():
    s = size_chip(resnet20_sites(), DESIGN)
    assert RESNET20_TILES == 36
    assert s["tiles"] == RESNET20_TILES
    assert [p["tiles"] for p in s["sites"]] == [t for *_, t in RESNET20]
    assert s["chips"] == 1
    assert_allclose(s["weights"], RESNET20_PARAMS, rtol=0.01)  # conv weights and the dense layer (no biases, BN)
    cells = sum(2 * i * o for _, _, i, o, _, _ in RESNET20)
    assert_allclose(s["utilization"], cells / (36 * 256 * 256), rtol=EXACT)
    assert_allclose(s["area_mm2"], 64 * 0.62, rtol=EXACT)  # one chip of 64 cores of 0.62 mm^2 (s.13)
    assert s["active_tile_mvms"] == sum(v * t for *_, v, t in RESNET20)


def test_gpt2_tiles_and_chips_by_hand():
    # GPT-2 small (Radford et al. 2019): 12 layers of d = 768; per layer qkv 768 x 2304, out 768 x 768,
    # MLP 768 x 3072 and 3072 x 768; the LM head 768 x 50257 (vocabulary).
    sites = []
    for k in range(12):
        sites += [Site(f"h{k}.qkv", f"h{k}", 768, 2304), Site(f"h{k}.o", f"h{k}", 768, 768),
                  Site(f"h{k}.fc", f"h{k}", 768, 3072), Site(f"h{k}.proj", f"h{k}", 3072, 768)]
    sites.append(Site("head", "head", 768, 50257))
    per_layer = 3 * 18 + 3 * 6 + 3 * 24 + 12 * 6  # ceil(rows/256) * ceil(2 cols/256) = 54 + 18 + 72 + 72
    head = 3 * math.ceil(2 * 50257 / 256)  # 3 * 393
    tiles = 12 * per_layer + head
    assert tiles == 3771
    s = size_chip(sites, DESIGN)
    assert s["tiles"] == tiles
    assert s["chips"] == math.ceil(tiles / 64) == 59
    assert size_chip(sites, DESIGN, chip_tiles=1024)["chips"] == 4


def test_site_energy_equals_architecture_price():
    # one site filling one tile exactly (256 rows, 128 weights on 256 columns): the per-MVM analog energy
    # of both paths agrees, and 5 vectors cost 5 MVMs
    one = price(counts_of_full_mvms(DESIGN, 1), DESIGN, layers=[(256, 128)]).core.per_inference_J
    for v in (1, 5):
        r = price_model([Site("w", "l", 256, 128, v)], DigitalWork(), DESIGN)
        assert_allclose(r["core_energy_J"], v * one, rtol=EXACT)
    r = price_model([Site("w", "l", 512, 128, 3)], DigitalWork(), DESIGN)  # two tiles, 3 vectors
    assert_allclose(r["core_energy_J"], 6 * one, rtol=EXACT)
    assert r["core"].scope == "per-operation" and r["chip"].scope == "chip all-in"


def test_digital_macs_equal_the_library_models():
    n = 1000
    r = price_model([Site("w", "l", 256, 128)], DigitalWork(act_macs=n, bits=8), DESIGN)
    mac = (lib.AladdinMultiplier(tech_node=14e-9, width=8).multiply().energy
           + lib.AladdinAdder(tech_node=14e-9, width=8).add().energy)
    got = sum(b["energy_J"] for b in r["breakdown"] if b["component"] == "digital/attention")
    assert_allclose(got, n * mac, rtol=EXACT)


def test_noc_bits_hops_and_wire_energy_by_hand():
    moved = 1000  # bytes
    r = price_model(resnet20_sites(), DigitalWork(moved_bytes=moved), DESIGN)
    k = 6  # 36 tiles on a 6 x 6 grid: mean Manhattan distance 2 (k^2 - 1) / (3 k)
    assert_allclose(mean_hops(36), 2 * (k * k - 1) / (3 * k), rtol=EXACT)
    noc = 8 * moved * 2 * (k * k - 1) / (3 * k) * math.sqrt(0.62) * 40.4e-15  # Park et al. 2013, 40.4 fJ/bit/mm
    assert_allclose(r["by_component_J"]["chip/noc"], noc, rtol=1e-9)


def test_latency_layers_in_sequence_vectors_serial():
    r = price_model(resnet20_sites(), DigitalWork(), DESIGN)
    # per layer the longest site's output pixels x one MVM: conv0 + 3 blocks x 1024 + 3 x 256 + 3 x 64 + fc
    mvms = 1024 + 3 * 1024 + 3 * 256 + 3 * 64 + 1
    assert_allclose(r["latency_s"], mvms * DESIGN.mvm_time_s, rtol=EXACT)
    assert r["lower_bound"] is True
    assert_allclose(sum(r["by_layer_J"].values()), r["energy_J"], rtol=1e-12)


@pytest.mark.parametrize("make, field", [
    (lambda: Site("a", "l", 0, 3), "n_in"),
    (lambda: Site("a", "l", 3, 0), "n_out"),
    (lambda: Site("a", "l", 3, 3, -1), "vectors"),
    (lambda: Site("", "l", 3, 3), "name"),
    (lambda: DigitalWork(bits=4), "bits"),
    (lambda: DigitalWork(act_macs=-1), "act_macs"),
    (lambda: DigitalWork(kv_read_bytes=10), "kv_cache_bytes"),
    (lambda: price_model([Site("a", "l", 3, 3)], DigitalWork(layer="nope"), DESIGN), "layer"),
    (lambda: price_model([Site("a", "l", 3, 3), Site("a", "m", 3, 3)], DigitalWork(), DESIGN), "site names"),
    (lambda: size_chip([Site("a", "l", 3, 3)], DESIGN, chip_tiles=0), "chip_tiles"),
    (lambda: size_chip([], DESIGN), "sites"),
])
def test_bad_inputs_name_the_parameter(make, field):
    with pytest.raises(ValueError, match=field):
        make()
