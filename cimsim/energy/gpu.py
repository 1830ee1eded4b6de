"""Digital GPU baseline: a roofline model with a utilization-based power model, power capping and DVFS;
and a measured mode that reads NVML's energy counter where an NVIDIA GPU is present.

Roofline (per layer of a dense network, batch B): ops = 2 B n_in n_out, bytes = weights + B (n_in + n_out)
activations at the precision's width; t_compute = ops / (peak(precision) s), t_memory = bytes / bandwidth,
t_busy = max of the two, t_layer = t_busy + kernel overhead (launch and synchronisation; 5 us per layer by
default, an estimate). The peak is the datasheet's dense peak, so the model is optimistic for the GPU.
Power: P_layer = P_idle + (P_limit - P_idle) u s^3 with u = t_busy / t_layer (utilization) and s the clock
scale (DVFS: dynamic power ~ f V^2 ~ f^3, an estimate; memory bandwidth taken as clock-independent). A power
cap P_cap lowers s to min(s, ((P_cap - P_idle) / (P_limit - P_idle))^(1/3)). Energy is reported with and
without idle power (docs/references.md s.5). All of it is labelled "estimated". Scope: "board all-in" (the
board's power limit and idle power are board figures): every row splits into the static part (idle power x
time, charged whether or not the GPU computes) and the dynamic part (the power above idle while busy).
``gpu_ledger`` turns a roofline run into a ledger of those two records; ``batch_sweep`` runs it over batch
sizes (the static part per inference falls as 1 / batch until the work stops being launch-bound).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

from .ledger import Ledger, Record
from .tables import load_table

BYTES = {"fp32": 4, "fp16": 2, "fp8": 1, "int8": 1, "int4": 0.5}  # bytes per value of each format
KERNEL_OVERHEAD_S = 5e-6  # launch and synchronisation per layer (estimate)
DVFS_EXPONENT = 3.0  # dynamic power ~ f V^2 ~ f^3 (estimate)
GPU_FIELDS = ("name", "power_limit_W", "idle_W", "peak_ops_per_s", "bandwidth_B_per_s", "source")


@dataclass(frozen=True)
class GPU:
    """A GPU's datasheet numbers (cimsim/energy/data/gpus.json)."""

    key: str
    name: str
    power_limit_W: float
    idle_W: float
    peak_ops_per_s: dict
    bandwidth_B_per_s: float
    source: str
    memory_B: float | None = None  # HBM/DRAM capacity (None: not tabulated; language models then need n_gpus)


def load_gpu(key: str, *, tables: tuple = ()) -> GPU:
    """A GPU by key: the entry from the first user table that has it, else the built-in gpus table
    (h100, a100, orin). Every number the roofline prices and the source it cites come from that entry."""
    builtin = load_table("gpus")["entries"]
    e = next((t["entries"][key] for t in tables if key in t["entries"]), builtin.get(key))
    if e is None:
        raise ValueError(f"unknown GPU {key!r}; known: {', '.join(builtin)}")
    missing = [f for f in GPU_FIELDS if f not in e]
    if missing:
        raise ValueError(f"GPU entry {key!r} lacks {', '.join(missing)}")
    return GPU(key, e["name"], e["power_limit_W"], e["idle_W"], dict(e["peak_ops_per_s"]), e["bandwidth_B_per_s"],
               e["source"], e.get("memory_B"))


def _peak(gpu: GPU, precision: str) -> tuple[float, str]:
    if precision not in BYTES:
        raise ValueError(f"precision must be one of {tuple(BYTES)}, got {precision!r}")
    if precision in gpu.peak_ops_per_s:
        return gpu.peak_ops_per_s[precision], precision
    if precision == "int4" and "int8" in gpu.peak_ops_per_s:
        return gpu.peak_ops_per_s["int8"], "int8"  # no dense INT4 rate tabulated: runs at the INT8 rate
    if precision == "fp8" and "fp16" in gpu.peak_ops_per_s:
        return gpu.peak_ops_per_s["fp16"], "fp16"
    raise ValueError(f"{gpu.name} has no {precision} rate in the table")


def clock_for(gpu: GPU, clock_scale: float = 1.0, power_cap_W: float | None = None) -> float:
    """The clock scale s a run gets: ``clock_scale``, lowered by a power cap to
    ((P_cap - P_idle) / (P_limit - P_idle))^(1/3) where that is smaller (dynamic power ~ s^3)."""
    if not 0 < clock_scale <= 1:
        raise ValueError(f"clock_scale must be in (0, 1], got {clock_scale}")
    if power_cap_W is not None and not gpu.idle_W < power_cap_W:
        raise ValueError(f"power_cap_W must exceed the idle power {gpu.idle_W} W, got {power_cap_W}")
    s = clock_scale
    if power_cap_W is not None and power_cap_W < gpu.power_limit_W:
        s = min(s, ((power_cap_W - gpu.idle_W) / (gpu.power_limit_W - gpu.idle_W)) ** (1.0 / DVFS_EXPONENT))
    return s


def roofline(layers: list[tuple[int, int]], gpu: GPU, *, precision: str = "fp16", batch: int = 1,
             power_cap_W: float | None = None, clock_scale: float = 1.0,
             kernel_overhead_s: float = KERNEL_OVERHEAD_S) -> dict[str, Any]:
    """Latency and energy of one batch of a dense network (layers as (n_in, n_out)) on a GPU.

    A layer may be (n_in, n_out, vectors): a convolution as a matrix of (c_in k^2) x c_out applied to
    ``vectors`` output pixels per input (im2col; its activation bytes are then an upper bound on a direct
    convolution's, which reads each input pixel once rather than k^2 times).

    Returns a dict with per-layer detail, batch latency, energy per inference with and without idle power,
    the clock scale used and the bound (compute / memory / overhead) of each layer.
    """
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise ValueError(f"batch must be an int >= 1, got {batch!r}")
    if kernel_overhead_s < 0:
        raise ValueError(f"kernel_overhead_s must be >= 0, got {kernel_overhead_s}")
    s = clock_for(gpu, clock_scale, power_cap_W)
    peak, used = _peak(gpu, precision)
    dyn = gpu.power_limit_W - gpu.idle_W
    width = BYTES[precision]
    detail, t_total, e_dyn, ops_total = [], 0.0, 0.0, 0.0
    for layer in layers:
        n_in, n_out, vectors = (*layer, 1) if len(layer) == 2 else layer
        ops = 2.0 * batch * vectors * n_in * n_out
        nbytes = width * (n_in * n_out + batch * vectors * (n_in + n_out))
        t_c, t_m = ops / (peak * s), nbytes / gpu.bandwidth_B_per_s
        t_busy = max(t_c, t_m)
        t_layer = t_busy + kernel_overhead_s
        u = t_busy / t_layer
        e_dyn += dyn * u * s**DVFS_EXPONENT * t_layer
        t_total += t_layer
        ops_total += ops
        bound = "overhead" if kernel_overhead_s > t_busy else ("compute" if t_c >= t_m else "memory")
        detail.append({"n_in": n_in, "n_out": n_out, "vectors": vectors, "ops": ops, "bytes": nbytes, "t_compute_s": t_c,
                       "t_memory_s": t_m, "t_s": t_layer, "utilization": u, "bound": bound})
    e_idle = gpu.idle_W * t_total
    return {
        "gpu": gpu.name, "precision": precision, "rate_used": used, "batch": batch, "clock_scale": s,
        "power_cap_W": power_cap_W, "kernel_overhead_s": kernel_overhead_s, "layers": detail,
        "latency_s": t_total, "energy_J_per_inference": (e_idle + e_dyn) / batch,
        "energy_J_per_inference_without_idle": e_dyn / batch, "energy_J_per_inference_static": e_idle / batch,
        "energy_J_per_inference_dynamic": e_dyn / batch, "idle_W": gpu.idle_W,
        "avg_power_W": (e_idle + e_dyn) / t_total,
        "ops_per_inference": ops_total / batch, "source": gpu.source, "label": "estimated", "scope": "board all-in",
    }


def gpu_ledger(rf: dict[str, Any]) -> Ledger:
    """A roofline run as a ledger of one batch: the static record (idle power x batch time) and the dynamic
    one (power above idle while busy), both "board all-in", per ``batch`` inferences."""
    t, b = rf["latency_s"], rf["batch"]
    src = f"roofline of {rf['gpu']}, {rf['precision']}, batch {b}; {rf['source']}"
    return Ledger((Record("gpu/static", "idle_power_time", t, rf["idle_W"], src, rf["label"], "board all-in"),
                   Record("gpu/dynamic", "busy_energy", 1, rf["energy_J_per_inference_dynamic"] * b, src, rf["label"],
                          "board all-in")), b, "board all-in")


def batch_sweep(layers: list[tuple[int, int]], gpu: GPU, *, precision: str = "fp16", batches=(1, 4, 16, 64, 256, 1024,
                4096, 16384), **kwargs: Any) -> list[dict[str, Any]]:
    """The roofline over batch sizes: per batch, latency and energy per inference (total, static, dynamic)."""
    out = []
    for b in batches:
        rf = roofline(layers, gpu, precision=precision, batch=b, **kwargs)
        out.append({"batch": b, "latency_s": rf["latency_s"], "energy_J_per_inference": rf["energy_J_per_inference"],
                    "static_J_per_inference": rf["energy_J_per_inference_static"],
                    "dynamic_J_per_inference": rf["energy_J_per_inference_dynamic"], "bound": rf["layers"][0]["bound"]})
    return out


def measure_nvml(run: Callable[[], Any], *, min_window_s: float = 10.0, idle_window_s: float = 2.0,
                 device_index: int = 0) -> dict[str, Any]:
    """Measures a workload with NVML's total-energy counter (mJ since driver load, updated every 20-100 ms:
    hence a long window). ``run`` executes one batch and blocks until the GPU is done.

    Returns {"available": False, "reason": ...} where there is no NVIDIA GPU or no NVML, else the window's
    energy, the number of runs, and the energy per run with and without the idle power measured before.
    """
    try:
        import pynvml  # nvidia-ml-py
    except ImportError:
        return {"available": False, "reason": "pynvml (pip install nvidia-ml-py) is not installed"}
    try:
        pynvml.nvmlInit()
    except Exception as exc:  # NVMLError: no driver / no GPU
        return {"available": False, "reason": f"NVML could not start: {exc}"}
    try:
        handle = pynvml.nvmlDeviceGetHandleByIndex(device_index)
        name = pynvml.nvmlDeviceGetName(handle)
        e0 = pynvml.nvmlDeviceGetTotalEnergyConsumption(handle)
        time.sleep(idle_window_s)
        idle_W = (pynvml.nvmlDeviceGetTotalEnergyConsumption(handle) - e0) / 1e3 / idle_window_s
        run()  # warm-up (compilation)
        runs, t0 = 0, time.perf_counter()
        e0 = pynvml.nvmlDeviceGetTotalEnergyConsumption(handle)
        while time.perf_counter() - t0 < min_window_s:
            run()
            runs += 1
        seconds = time.perf_counter() - t0
        energy_J = (pynvml.nvmlDeviceGetTotalEnergyConsumption(handle) - e0) / 1e3
    finally:
        pynvml.nvmlShutdown()
    return {"available": True, "device": str(name), "window_s": seconds, "runs": runs, "energy_J": energy_J,
            "idle_W": idle_W, "energy_J_per_run": energy_J / runs,
            "energy_J_per_run_without_idle": max(0.0, energy_J - idle_W * seconds) / runs,
            "label": "measured", "source": "NVML nvmlDeviceGetTotalEnergyConsumption"}
