"""Serving a decoder-only language model on GPUs: prefill and decode on the roofline, per token and per query.

A language model's inference has two phases (e.g. Pope et al., MLSys 2023; Kwon et al., SOSP 2023):
  prefill  the P prompt tokens of each of ``batch`` sequences in one pass: ops = batch (2 W P + 2 A_causal(P))
           with W the matmul weights and A_causal(P) = 2 L h d_h P (P + 1) / 2 the attention MACs of a causal
           prompt; bytes = weights + the KV cache written + activations. Compute-bound.
  decode   one new token for each of ``batch`` sequences per step, each attending to its context c:
           ops = batch (2 W + 2 A(c)), A(c) = 2 L h d_h c; bytes = weights + batch c (KV bytes per token) +
           activations: the weights and the whole KV cache are read for every step. Memory-bound at small
           batch; continuous batching (Yu et al., OSDI 2022) raises the batch until compute or memory
           capacity binds.
Time per step t = max(ops / (n peak s), bytes / (n bandwidth)) + (L + 1) x kernel overhead (one per block:
fused kernels and CUDA graphs as serving engines run them; an estimate). Power as in cimsim.energy.gpu:
n (P_idle + (P_limit - P_idle) u s^3), u = t_busy / t, on the n GPUs the model is split over (tensor
parallel; the smallest power of two whose memory holds the weights, the KV cache and a 10 % reserve). The
traffic between those GPUs is not modelled, nor the host: a lower bound on the GPU's energy. Scope: board
all-in (static: idle power x time; dynamic: the power above it).

A query of P prompt and O output tokens: one prefill, then O decode steps, the i-th at context P + i.
Reported per query (J, Wh), per output token (the decode steps only, the quantity measured per generated
token) and per token (the whole query over P + O tokens), with time to first token, time per output token
and output tokens per second. ``token_cost`` prices a million output tokens: the hardware amortised over
its years (at a stated utilisation), the energy at the facility's PUE and price, and hosting (colocation per
kW of the boards' power limit).

References: docs/references.md s.5 and s.14; entries of the serving table (cimsim/energy/data/serving.json).
"""

from __future__ import annotations

import math
from typing import Any

from .facility import J_PER_KWH, Facility
from .gpu import BYTES, DVFS_EXPONENT, GPU, KERNEL_OVERHEAD_S, _peak, clock_for
from .tables import value_entry

MEMORY_RESERVE = 0.10  # of each GPU's memory kept for activations, workspace and the runtime (estimate)
SECONDS_PER_MONTH = 365.25 / 12 * 86400


def _int(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    return value


def _widths(precision: str, kv_precision: str | None) -> tuple[float, float]:
    if precision not in BYTES:
        raise ValueError(f"precision must be one of {tuple(BYTES)}, got {precision!r}")
    kv = precision if kv_precision is None else kv_precision
    if kv not in BYTES:
        raise ValueError(f"kv_precision must be one of {tuple(BYTES)}, got {kv_precision!r}")
    return BYTES[precision], BYTES[kv]


def _io(shape) -> int:
    """Activations in and out of every matmul of one token (elements)."""
    return sum(i + o for _, _, i, o in shape.matmuls())


def memory_bytes(shape, *, batch: int, context: int, precision: str = "fp16", kv_precision: str | None = None) -> float:
    """Weights plus the KV cache of ``batch`` sequences of ``context`` tokens (bytes)."""
    w, kv = _widths(precision, kv_precision)
    return shape.matmul_weights * w + batch * context * shape.kv_bytes_per_token(kv)


def gpus_needed(shape, gpu: GPU, *, batch: int, context: int, precision: str = "fp16",
                kv_precision: str | None = None) -> int:
    """The smallest power of two of GPUs whose memory (less MEMORY_RESERVE) holds the weights and KV cache."""
    if gpu.memory_B is None:
        raise ValueError(f"{gpu.name} has no memory_B in its table entry: give n_gpus")
    need = memory_bytes(shape, batch=batch, context=context, precision=precision, kv_precision=kv_precision)
    n = 1
    while n * gpu.memory_B * (1 - MEMORY_RESERVE) < need:
        n *= 2
    return n


def _n(shape, gpu, n_gpus, batch, context, precision, kv_precision) -> int:
    if n_gpus is None:
        return gpus_needed(shape, gpu, batch=batch, context=context, precision=precision, kv_precision=kv_precision)
    _int("n_gpus", n_gpus, 1)
    if gpu.memory_B is not None:
        need = memory_bytes(shape, batch=batch, context=context, precision=precision, kv_precision=kv_precision)
        if need > n_gpus * gpu.memory_B:
            raise ValueError(f"n_gpus={n_gpus}: {need / 1e9:.1f} GB of weights and KV cache do not fit in "
                             f"{n_gpus} x {gpu.memory_B / 1e9:.0f} GB of {gpu.name}")
    return n_gpus


def _price(ops: float, nbytes: float, gpu: GPU, n: int, precision: str, s: float, overhead_s: float) -> dict:
    peak, used = _peak(gpu, precision)
    t_c, t_m = ops / (n * peak * s), nbytes / (n * gpu.bandwidth_B_per_s)
    t_busy = max(t_c, t_m)
    t = t_busy + overhead_s
    u = t_busy / t if t > 0 else 0.0
    static = n * gpu.idle_W * t
    dynamic = n * (gpu.power_limit_W - gpu.idle_W) * u * s**DVFS_EXPONENT * t
    bound = "overhead" if overhead_s > t_busy else ("compute" if t_c >= t_m else "memory")
    return {"ops": ops, "bytes": nbytes, "t_compute_s": t_c, "t_memory_s": t_m, "t_s": t, "utilization": u,
            "static_J": static, "dynamic_J": dynamic, "energy_J": static + dynamic, "bound": bound, "rate_used": used}


def _checks(batch, n_tokens_name, n_tokens, kernel_overhead_s):
    _int("batch", batch, 1)
    _int(n_tokens_name, n_tokens, 1)
    if kernel_overhead_s < 0:
        raise ValueError(f"kernel_overhead_s must be >= 0, got {kernel_overhead_s}")


def decode_step(shape, gpu: GPU, *, context: int, batch: int = 1, precision: str = "fp16",
                kv_precision: str | None = None, n_gpus: int | None = None, power_cap_W: float | None = None,
                clock_scale: float = 1.0, kernel_overhead_s: float = KERNEL_OVERHEAD_S) -> dict[str, Any]:
    """One decode step: a token for each of ``batch`` sequences attending to ``context`` tokens each.

    ``shape`` is any object with ``matmuls()``, ``matmul_weights``, ``n_layer``, ``kv_bytes_per_token(width)``
    and ``attention_macs(context)`` (cimsim.workloads.shapes.TransformerShape). Energies are of the whole
    step on all n GPUs (board all-in); ``energy_J_per_token`` divides by the batch.
    """
    _checks(batch, "context", context, kernel_overhead_s)
    w, kvw = _widths(precision, kv_precision)
    n = _n(shape, gpu, n_gpus, batch, context, precision, kv_precision)
    s = clock_for(gpu, clock_scale, power_cap_W)
    ops = batch * (2.0 * shape.matmul_weights + 2.0 * shape.attention_macs(context))
    nbytes = (w * shape.matmul_weights + batch * context * shape.kv_bytes_per_token(kvw)
              + batch * _io(shape) * w)
    r = _price(ops, nbytes, gpu, n, precision, s, (shape.n_layer + 1) * kernel_overhead_s)
    r.update(phase="decode", batch=batch, context=context, n_gpus=n, clock_scale=s, precision=precision,
             kv_precision=kv_precision or precision, energy_J_per_token=r["energy_J"] / batch,
             tokens_per_s=batch / r["t_s"])
    return r


def prefill(shape, gpu: GPU, *, prompt: int, batch: int = 1, precision: str = "fp16", kv_precision: str | None = None,
            n_gpus: int | None = None, power_cap_W: float | None = None, clock_scale: float = 1.0,
            kernel_overhead_s: float = KERNEL_OVERHEAD_S) -> dict[str, Any]:
    """The prefill of ``batch`` prompts of ``prompt`` tokens: causal attention, the KV cache written."""
    _checks(batch, "prompt", prompt, kernel_overhead_s)
    w, kvw = _widths(precision, kv_precision)
    n = _n(shape, gpu, n_gpus, batch, prompt, precision, kv_precision)
    s = clock_for(gpu, clock_scale, power_cap_W)
    causal_macs = shape.attention_macs(1) * prompt * (prompt + 1) / 2.0
    ops = batch * (2.0 * shape.matmul_weights * prompt + 2.0 * causal_macs)
    nbytes = (w * shape.matmul_weights + batch * prompt * shape.kv_bytes_per_token(kvw)
              + batch * prompt * _io(shape) * w)
    r = _price(ops, nbytes, gpu, n, precision, s, (shape.n_layer + 1) * kernel_overhead_s)
    r.update(phase="prefill", batch=batch, prompt=prompt, n_gpus=n, clock_scale=s, precision=precision,
             kv_precision=kv_precision or precision)
    return r


def serve_query(shape, gpu: GPU, *, prompt: int, output: int, batch: int = 1, precision: str = "fp16",
                kv_precision: str | None = None, n_gpus: int | None = None, power_cap_W: float | None = None,
                clock_scale: float = 1.0, kernel_overhead_s: float = KERNEL_OVERHEAD_S) -> dict[str, Any]:
    """``batch`` queries of ``prompt`` prompt and ``output`` output tokens served together: one prefill, then
    ``output`` decode steps, the i-th at context prompt + i. Per-query and per-token energies (board
    all-in, IT energy), their static and dynamic parts, latencies and throughput."""
    _int("output", output, 1)
    kw = dict(batch=batch, precision=precision, kv_precision=kv_precision, power_cap_W=power_cap_W,
              clock_scale=clock_scale, kernel_overhead_s=kernel_overhead_s)
    n = _n(shape, gpu, n_gpus, batch, prompt + output, precision, kv_precision)
    pre = prefill(shape, gpu, prompt=prompt, n_gpus=n, **kw)
    steps = [decode_step(shape, gpu, context=prompt + i, n_gpus=n, **kw) for i in range(1, output + 1)]
    dec = {k: math.fsum(st[k] for st in steps) for k in ("t_s", "energy_J", "static_J", "dynamic_J")}
    total = pre["energy_J"] + dec["energy_J"]
    t = pre["t_s"] + dec["t_s"]
    return {
        "gpu": gpu.name, "n_gpus": n, "precision": precision, "kv_precision": kv_precision or precision,
        "batch": batch, "prompt_tokens": prompt, "output_tokens": output,
        "energy_J_per_query": total / batch, "static_J_per_query": (pre["static_J"] + dec["static_J"]) / batch,
        "dynamic_J_per_query": (pre["dynamic_J"] + dec["dynamic_J"]) / batch,
        "wh_per_query": total / batch / 3600.0,
        "prefill_J_per_query": pre["energy_J"] / batch,
        "energy_J_per_output_token": dec["energy_J"] / (batch * output),
        "static_J_per_output_token": dec["static_J"] / (batch * output),
        "dynamic_J_per_output_token": dec["dynamic_J"] / (batch * output),
        "energy_J_per_output_token_with_prefill": total / (batch * output),
        "energy_J_per_token": total / (batch * (prompt + output)),
        "time_to_first_token_s": pre["t_s"], "time_per_output_token_s": dec["t_s"] / output,
        "query_latency_s": t, "output_tokens_per_s": batch * output / t,
        "prefill_bound": pre["bound"], "decode_bound": {"first": steps[0]["bound"], "last": steps[-1]["bound"]},
        "decode_first": {k: steps[0][k] for k in ("t_s", "energy_J_per_token", "utilization", "bytes", "ops")},
        "decode_last": {k: steps[-1][k] for k in ("t_s", "energy_J_per_token", "utilization", "bytes", "ops")},
        "kernel_overhead_s": kernel_overhead_s, "clock_scale": pre["clock_scale"], "source": gpu.source,
        "label": "estimated", "scope": "board all-in",
        "lower_bound": True,  # GPU-to-GPU traffic, the host and the serving software's overheads not modelled
    }


def token_cost(query: dict[str, Any], gpu: GPU, *, facility: Facility | None = None, utilization: float = 1.0,
               tables: tuple = ()) -> dict[str, Any]:
    """The cost of a million output tokens served as ``query`` (a ``serve_query`` result).

    hardware  the n GPUs' price (serving table: "<gpu key>_price_usd") over "amortization_years", per second
              of service at ``utilization`` (the fraction of the time the boards serve; 1: a lower bound)
    energy    the query's IT energy x PUE x the facility's price per kWh
    hosting   "hosting_usd_per_kw_month" x the boards' power limit, per second of service at ``utilization``
    Energies and times per output token are the query's over its output tokens (the prefill included).
    """
    facility = facility or Facility()
    if not (isinstance(utilization, (int, float)) and 0 < utilization <= 1):
        raise ValueError(f"utilization must be in (0, 1], got {utilization!r}")
    price = value_entry(f"{gpu.key}_price_usd", *tables)
    years = value_entry("amortization_years", *tables)
    host = value_entry("hosting_usd_per_kw_month", *tables)
    n, tokens = query["n_gpus"], query["batch"] * query["output_tokens"]
    seconds_per_token = query["query_latency_s"] / tokens / utilization
    hw = n * price["value"] / (years["value"] * 365.25 * 86400) * seconds_per_token
    kwh = query["energy_J_per_query"] * query["batch"] / tokens / J_PER_KWH * facility.pue
    energy = kwh * facility.usd_per_kwh
    hosting = host["value"] * n * gpu.power_limit_W / 1e3 / SECONDS_PER_MONTH * seconds_per_token
    return {"usd_per_million_output_tokens": 1e6 * (hw + energy + hosting), "hardware_usd_per_million": 1e6 * hw,
            "energy_usd_per_million": 1e6 * energy, "hosting_usd_per_million": 1e6 * hosting,
            "utilization": utilization, "label": "estimated",
            "sources": {"price": price["source"], "years": years["source"], "hosting": host["source"],
                        "energy": f"PUE {facility.pue}, {facility.usd_per_kwh} USD/kWh"}}


def query_footprint(energy_J_per_query: float, facility: Facility | None = None) -> dict[str, float]:
    """Wall energy, carbon and water of one query of ``energy_J_per_query`` IT energy."""
    facility = facility or Facility()
    f = facility.report(energy_J_per_query)
    return {"it_wh_per_query": energy_J_per_query / 3600.0, "wall_wh_per_query": f["wall_J_per_inference"] / 3600.0,
            "gco2e_per_query": f["gco2e_per_million"] / 1e6, "water_mL_per_query": f["water_mL_per_million"] / 1e6}


def devries_wh_per_request(tables: tuple = ()) -> dict[str, Any]:
    """de Vries (Joule 2023)'s 2.9 Wh per ChatGPT request from its own inputs: servers x server power x 24 h
    / requests per day (every server at its maximum power all day; no PUE)."""
    servers = value_entry("devries_chatgpt_servers", *tables)["value"]
    kw = value_entry("devries_server_kW", *tables)["value"]
    req = value_entry("devries_requests_per_day", *tables)["value"]
    return {"wh_per_request": servers * kw * 1e3 * 24 / req, "mwh_per_day": servers * kw * 24 / 1e3,
            "servers": servers, "server_kW": kw, "requests_per_day": req,
            "published_wh": value_entry("devries_wh_per_request", *tables)["value"]}
