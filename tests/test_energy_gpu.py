"""The GPU roofline (latency, static and dynamic energy, power cap, batch sweep, NVML) and the facility layer
(PUE, carbon, water, cost) against the formulas and datasheet numbers of docs/references.md s.5-6.

As in tests/test_energy.py: expected numbers come from their sources, never from the code under test or its
tables; comparisons use numpy.testing.assert_allclose with a relative tolerance and atol = 0.
"""

import pytest
from numpy.testing import assert_allclose

from cimsim.energy import Facility, batch_sweep, gpu_ledger, load_gpu, load_table, measure_nvml, roofline

EXACT = 1e-12  # rtol for numbers that should agree to float rounding


# --- GPU roofline -----------------------------------------------------------------------------------------

GPUS = {  # docs/references.md s.5 and the datasheets the table cites
    "h100": dict(P=700.0, idle=70.0,  # idle: the table's 70 W within docs/references.md's unverified 60-80 W
                 peak={"fp32": 67e12, "fp16": 989e12, "fp8": 1979e12, "int8": 1979e12}, bw=3.35e12),
    "a100": dict(P=400.0, idle=60.0,  # idle: the table's 60 W within the unverified 50-75 W
                 peak={"fp32": 19.5e12, "fp16": 312e12, "int8": 624e12}, bw=2.04e12),
    "orin": dict(P=60.0, idle=15.0,  # 15-60 W modes; the lowest used as idle
                 peak={"fp32": 5.3e12,  # 2048 CUDA cores x 2 x 1.3 GHz = 5.32e12, rounded
                       "fp16": 85e12 / 2, "int8": 85e12}, bw=204.8e9),
    # NVIDIA Ada architecture whitepaper: 450 W; FP32 82.6, dense FP16 tensor (FP32 accumulate) 165.2, INT8 660.6 T
    "rtx4090": dict(P=450.0, idle=20.0, peak={"fp32": 82.6e12, "fp16": 165.2e12, "int8": 660.6e12}, bw=1008e9),
    # Jetson Nano module datasheet: 472 GFLOP/s FP16 (FP32 half of it), 25.6 GB/s, 10 W mode
    "jetson-nano": dict(P=10.0, idle=1.5, peak={"fp32": 236e9, "fp16": 472e9}, bw=25.6e9),
}
WIDTH = {"fp32": 4, "fp16": 2, "fp8": 1, "int8": 1, "int4": 0.5}  # bytes per value of each format
FALLBACK = {"fp8": "fp16", "int4": "int8"}  # a format without its own rate runs at this one's


def roofline_by_hand(layers, g, precision, batch, overhead_s=5e-6, s=1.0):
    """The roofline of gpu.py's docstring, written out: (latency, J per inference)."""
    peak = g["peak"].get(precision) or g["peak"][FALLBACK[precision]]
    t, e_dyn = 0.0, 0.0
    for n_in, n_out in layers:
        t_busy = max(2 * batch * n_in * n_out / (peak * s),
                     WIDTH[precision] * (n_in * n_out + batch * (n_in + n_out)) / g["bw"])
        t += t_busy + overhead_s
        e_dyn += (g["P"] - g["idle"]) * s**3 * t_busy  # utilization x layer time = busy time
    return t, (g["idle"] * t + e_dyn) / batch


CASES = [(key, p, batch) for key, g in GPUS.items() for p in WIDTH
         if p in g["peak"] or FALLBACK.get(p) in g["peak"] for batch in (1, 4096)]


@pytest.mark.parametrize("key,precision,batch", CASES)
def test_roofline_by_formula(key, precision, batch):
    layers = [(8192, 8192), (64, 32)]
    rf = roofline(layers, load_gpu(key), precision=precision, batch=batch)
    t, e = roofline_by_hand(layers, GPUS[key], precision, batch)
    assert_allclose(rf["latency_s"], t, rtol=EXACT)
    assert_allclose(rf["energy_J_per_inference"], e, rtol=EXACT)


def test_roofline_bounds():
    g = load_gpu("h100")
    big = roofline([(8192, 8192)], g, precision="fp16", batch=4096, kernel_overhead_s=0.0)
    assert big["layers"][0]["bound"] == "compute"
    assert_allclose(big["latency_s"], 2 * 4096 * 8192 * 8192 / 989e12, rtol=EXACT)
    assert_allclose(big["avg_power_W"], 700.0, rtol=EXACT)  # full utilization at the power limit
    mem = roofline([(8192, 8192)], g, precision="fp16", batch=1, kernel_overhead_s=0.0)
    assert mem["layers"][0]["bound"] == "memory"
    assert_allclose(mem["latency_s"], 2 * (8192 * 8192 + 2 * 8192) / 3.35e12, rtol=EXACT)
    tiny = roofline([(64, 32)], g, batch=1)
    assert tiny["layers"][0]["bound"] == "overhead"
    assert_allclose(tiny["energy_J_per_inference"], 70 * 5e-6, rtol=0.01)  # idle power x overhead
    with pytest.raises(ValueError, match="unknown GPU 'tpu'"):
        load_gpu("tpu")
    with pytest.raises(ValueError, match="power_cap_W must exceed the idle power"):
        roofline([(4, 4)], g, power_cap_W=50.0)


@pytest.mark.parametrize("cap_W,clock", [(175.0, 1.0), (None, 0.5), (300.0, 0.7)])
def test_power_cap_and_clock_scale_by_formula(cap_W, clock):
    """DVFS: P_dyn ~ s^3; a cap sets s = ((P_cap - P_idle) / (P_limit - P_idle))^(1/3)."""
    g, layers = GPUS["a100"], [(8192, 8192)] * 2
    s = clock if cap_W is None else min(clock, ((cap_W - 60.0) / (400.0 - 60.0)) ** (1 / 3))
    rf = roofline(layers, load_gpu("a100"), precision="fp16", batch=4096, power_cap_W=cap_W, clock_scale=clock)
    t, e = roofline_by_hand(layers, g, "fp16", 4096, s=s)
    assert_allclose(rf["clock_scale"], s, rtol=EXACT)
    assert_allclose(rf["latency_s"], t, rtol=EXACT)
    assert_allclose(rf["energy_J_per_inference"], e, rtol=EXACT)


def test_power_cap_against_samsi_2023():
    """Samsi et al. (HPEC 2023): capping A100s 250 -> 175 W saved 23 % energy for 6-7 % more latency on
    memory-bound LLM inference. The model on a memory-bound layer: a real saving, little latency cost."""
    g = load_gpu("a100")
    layers = [(8192, 8192)] * 4
    a = roofline(layers, g, precision="fp16", batch=16, power_cap_W=250.0)
    b = roofline(layers, g, precision="fp16", batch=16, power_cap_W=175.0)
    saving = 1 - b["energy_J_per_inference"] / a["energy_J_per_inference"]
    slowdown = b["latency_s"] / a["latency_s"] - 1
    assert 0.05 < saving < 0.4 and slowdown < 0.1


@pytest.mark.parametrize("field,scale,batch", [("power_limit_W", 1.3, 4096), ("idle_W", 0.5, 1),
                                               ("peak_ops_per_s", 0.25, 4096), ("bandwidth_B_per_s", 0.4, 1)])
def test_gpu_override_prices_and_cites_the_same_entry(tmp_path, field, scale, batch, user_table):
    mine = dict(load_table("gpus")["entries"]["h100"], source="my H100")
    hand = dict(GPUS["h100"])
    if field == "peak_ops_per_s":
        mine[field] = {p: r * scale for p, r in mine[field].items()}
        hand["peak"] = {p: r * scale for p, r in hand["peak"].items()}
    else:
        mine[field] = mine[field] * scale
        hand[{"power_limit_W": "P", "idle_W": "idle", "bandwidth_B_per_s": "bw"}[field]] *= scale
    layers = [(8192, 8192), (64, 32)]
    rf = roofline(layers, load_gpu("h100", tables=(user_table({"h100": mine}),)), precision="fp16", batch=batch)
    base = roofline(layers, load_gpu("h100"), precision="fp16", batch=batch)
    t, e = roofline_by_hand(layers, hand, "fp16", batch)
    assert rf["source"] == "my H100"
    assert_allclose(rf["latency_s"], t, rtol=EXACT)
    assert_allclose(rf["energy_J_per_inference"], e, rtol=EXACT)
    assert_allclose(rf["energy_J_per_inference"] - base["energy_J_per_inference"],
                    e - roofline_by_hand(layers, GPUS["h100"], "fp16", batch)[1], rtol=1e-9)


def test_roofline_static_and_dynamic_parts():
    """Board all-in = static (idle power x time, charged whatever the GPU does) + dynamic (above idle)."""
    g, layers = GPUS["h100"], [(64, 32), (32, 10)]
    for batch in (1, 1024):
        rf = roofline(layers, load_gpu("h100"), precision="fp16", batch=batch)
        t, e = roofline_by_hand(layers, g, "fp16", batch)
        assert_allclose(rf["energy_J_per_inference_static"], g["idle"] * t / batch, rtol=EXACT)
        assert_allclose(rf["energy_J_per_inference_dynamic"], e - g["idle"] * t / batch, rtol=1e-9)
        assert rf["scope"] == "board all-in"
        L = gpu_ledger(rf)
        assert L.scope == "board all-in" and L.inferences == batch
        assert_allclose(L.per_inference_J, e, rtol=1e-9)
        assert_allclose(L.by("component")["gpu/static"], g["idle"] * t / batch, rtol=EXACT)


def test_batch_sweep_is_the_roofline_per_batch():
    sweep = batch_sweep([(64, 32), (32, 10)], load_gpu("a100"), precision="int8", batches=(1, 16, 4096))
    assert [s["batch"] for s in sweep] == [1, 16, 4096]
    for s in sweep:
        t, e = roofline_by_hand([(64, 32), (32, 10)], GPUS["a100"], "int8", s["batch"])
        assert_allclose([s["latency_s"], s["energy_J_per_inference"]], [t, e], rtol=EXACT)
        assert_allclose(s["static_J_per_inference"] + s["dynamic_J_per_inference"], e, rtol=1e-9)
    # launch-bound: the batch shares the same idle time, so the static part per inference falls as 1 / batch
    assert_allclose(sweep[1]["static_J_per_inference"] * 16, sweep[0]["static_J_per_inference"], rtol=1e-3)
    assert [s["batch"] for s in batch_sweep([(4, 4)], load_gpu("h100"))] == [1, 4, 16, 64, 256, 1024, 4096, 16384]


def test_gpu_override_errors(tmp_path, user_table):
    with pytest.raises(ValueError, match="GPU entry 'h100' lacks peak_ops_per_s"):
        load_gpu("h100", tables=(user_table({"h100": {"name": "x", "power_limit_W": 1, "idle_W": 0,
                                                            "bandwidth_B_per_s": 1, "source": "s",
                                                            "label": "measured"}}),))


# --- facility ---------------------------------------------------------------------------------------------

def test_facility_by_hand():
    f = Facility(pue=1.5, grid_gco2_per_kwh=400, wue_l_per_kwh=2.0, usd_per_kwh=0.1)
    r = f.report(7.2e6)  # 2 kWh of IT energy per inference (1 kWh = 3.6 MJ)
    assert_allclose(r["wall_J_per_inference"], 1.5 * 7.2e6, rtol=EXACT)
    assert_allclose(r["gco2e_per_million"], 1.5 * 2 * 400 * 1e6, rtol=EXACT)
    assert_allclose(r["water_mL_per_million"], 2.0 * 2 * 1e3 * 1e6, rtol=EXACT)
    assert_allclose(r["usd_per_million"], 1.5 * 2 * 0.1 * 1e6, rtol=EXACT)
    assert_allclose(r["inferences_per_kwh"], 1 / (1.5 * 2), rtol=EXACT)
    assert_allclose(f.cue_kg_per_kwh, 0.6, rtol=EXACT)
    with pytest.raises(ValueError, match="pue must be >= 1"):
        Facility(pue=0.9)


def test_facility_defaults_and_tables(tmp_path, user_table):
    """docs/references.md s.6: PUE 1.56 (Uptime 2024), 480 gCO2e/kWh (Ember 2024), 1.1 L/kWh, 0.127 USD/kWh."""
    f = Facility()
    assert_allclose([f.pue, f.grid_gco2_per_kwh, f.wue_l_per_kwh, f.usd_per_kwh], [1.56, 480, 1.1, 0.127], rtol=EXACT)
    g = Facility.from_tables(pue="pue_google_2023", grid_gco2_per_kwh="grid_us_gco2_per_kwh")
    assert_allclose([g.pue, g.grid_gco2_per_kwh], [1.10, 367], rtol=EXACT)
    pue = {"pue_industry_2024": {"value": 1.3, "source": "s", "label": "measured"}}
    mine = Facility.from_tables(user_table(pue))
    assert_allclose(mine.report(3.6e6)["wall_J_per_inference"], 1.3 * 3.6e6, rtol=EXACT)
    assert_allclose(mine.grid_gco2_per_kwh, 480, rtol=EXACT)
    with pytest.raises(ValueError, match="unknown facility fields"):
        Facility.from_tables(power="x")


def test_nvml_without_gpu_says_so():
    called = []
    out = measure_nvml(lambda: called.append(1), min_window_s=0.01, idle_window_s=0.0)
    if not out["available"]:
        assert out["reason"] and not called
