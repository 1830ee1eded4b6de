"""``cimsim compare --workload NAME`` for the decoder-only language models of cimsim.workloads.shapes.

Shape-only (the published configurations, no weights): the CIM chip per decoded token (weights stationary
on tiles, attention and the KV cache digital; cimsim.energy.chip_model), the GPU per token (prefill and
decode on the roofline, cimsim.energy.llm) over batch and context, and the report's metrics per query:
J per output token, Wh, gCO2e, water, cost per million output tokens. cimsim.app.workloads dispatches here,
and its trained char-lm is priced by ``run_lm`` with its own shape. Scopes: the CIM rows are "chip all-in"
(a lower bound), the GPU rows "board all-in" (a lower bound too); comparing a chip with a board favours
the chip.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from cimsim.energy import Facility, hermes_like, load_gpu, load_table
from cimsim.energy.chip_model import price_model
from cimsim.energy.llm import devries_wh_per_request, query_footprint, serve_query, token_cost
from cimsim.energy.tables import value_entry
from cimsim.workloads.shapes import SHAPES

from .rows import make_row

LM_WORKLOADS = tuple(SHAPES)
BATCHES = (1, 4, 16, 64, 256, 1024)
CONTEXTS = (16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192)
NO_ACCURACY_LM = "shape-only workload (the published configuration, no weights): no perplexity"
SNN_REASON_LM = ("no spiking row: attention (activation x activation products and softmax) has no spiking "
                 "equivalent in snn, whose conversion is for ReLU networks of dense layers")


def _lm_chip(shape, design, *, prompt: int, output: int, tables) -> dict[str, Any]:
    """The CIM chip per decoded token at the query's mean context, and per query ((P + O) tokens through
    the same tiles, each attending to the tokens before it: the mean context (P + O + 1) / 2); the KV cache
    sized for the whole query."""
    n = prompt + output
    mean_ctx = max(1, round((n + 1) / 2))
    work = shape.chip_digital(mean_ctx, cache_context=n)
    r = price_model(shape.chip_sites(), work, design, tables=tables)
    per_token = r["energy_J"]
    return {"price": r, "mean_context": mean_ctx, "kv_memory": work[0].kv_memory, "energy_J_per_token": per_token,
            "energy_J_per_query": per_token * n, "latency_s_per_token": r["latency_s"],
            "query_latency_s": r["latency_s"] * n}


def _lm_row(name, energy_per_query, output, latency_s, tokens_per_s, label, scope, facility, notes, *,
            lower_bound, kind, static=None, dynamic=None, cost=None):
    per_tok = energy_per_query / output
    row = make_row(name, None, None, per_tok, latency_s, float("nan"), label, scope, facility, notes)
    row.pop("tops_per_w")
    fp = query_footprint(energy_per_query, facility)
    row.update(unit="output token", energy_J_per_output_token=per_tok, energy_J_per_query=energy_per_query,
               tokens_per_s=tokens_per_s, **fp, lower_bound=lower_bound, kind=kind,
               static_J_per_inference=None if static is None else static / output,
               dynamic_J_per_inference=None if dynamic is None else dynamic / output,
               usd_per_million_output_tokens=None if cost is None else cost["usd_per_million_output_tokens"],
               cost=cost)
    return row


def run_lm(key: str, *, gpu: str = "h100", batch: int = 64, prompt: int = 512, output: int = 717,
           precision: str = "fp16", facility: Facility | None = None, energy_table: str | None = None,
           progress: bool = True, shapes: dict | None = None) -> dict[str, Any]:
    """A shape-only language model on a CIM chip and on GPUs, per output token and per query."""
    from tqdm.auto import tqdm

    facility = facility or Facility()
    tables = (load_table(energy_table),) if energy_table else ()
    shapes = SHAPES if shapes is None else shapes
    if key not in shapes:
        raise ValueError(f"workload must be one of {tuple(shapes)}, got {key!r}")
    shape = shapes[key]
    g = load_gpu(gpu, tables=tables)
    for name, v, low in (("batch", batch, 1), ("prompt", prompt, 1), ("output", output, 1)):
        if isinstance(v, bool) or not isinstance(v, int) or v < low:
            raise ValueError(f"{name} must be an int >= {low}, got {v!r}")
    design = hermes_like(tables=tables)
    steps = tqdm(total=4, desc=f"compare {key}", disable=not progress, leave=False)
    chip = _lm_chip(shape, design, prompt=prompt, output=output, tables=tables)
    steps.update()
    queries = {}
    for b, p in ((1, precision), (batch, precision), (batch, "int8")):
        q = serve_query(shape, g, prompt=prompt, output=output, batch=b, precision=p,
                        kv_precision=precision if p == "int8" else None)
        q["cost"] = token_cost(q, g, facility=facility, tables=tables)
        queries[f"{p}_b{b}"] = q
    steps.update()
    sweep_batch = {}
    for b in BATCHES:
        try:
            sweep_batch[b] = serve_query(shape, g, prompt=prompt, output=output, batch=b, precision=precision)
        except ValueError:  # does not fit in memory at this batch
            continue
    sweep_ctx = {}
    for c in (c for c in CONTEXTS if c <= shape.context):
        for b in (1, batch):
            q = serve_query(shape, g, prompt=max(1, c - output) if c > output else 1, output=min(output, c),
                            batch=b, precision=precision)
            sweep_ctx.setdefault(str(b), []).append({"context": c, "energy_J_per_output_token_with_prefill":
                                                     q["energy_J_per_output_token_with_prefill"], "n_gpus": q["n_gpus"]})
    chip_ctx = []
    for c in (c for c in CONTEXTS if c <= shape.context):
        r = price_model(shape.chip_sites(), shape.chip_digital(max(1, round((c + 1) / 2)), cache_context=c), design,
                        tables=tables)
        chip_ctx.append({"context": c, "energy_J_per_token": r["energy_J"],
                         "kv_J_per_token": r["by_component_J"].get("chip/kv_cache", 0.0)})
    steps.update()
    pr = chip["price"]
    sz = pr["sizing"]
    node = f"{design.node_m * 1e9:g} nm"
    rows = [_lm_row(f"PCM CIM chip, all-in ({node} model)", chip["energy_J_per_query"], output,
                    chip["latency_s_per_token"], 1.0 / chip["latency_s_per_token"], pr["chip"].label, "chip all-in",
                    facility, f"{sz['tiles']} tiles on {sz['chips']} chips ({sz['area_mm2'] / 100:.3g} cm^2 of cores); "
                    f"KV cache {'in HBM' if chip['kv_memory'] == 'dram' else 'in SRAM'}; "
                    "lower bound: no control, clocking or inter-chip links", lower_bound=True, kind="cim")]
    for k, q in queries.items():
        p, b = k.split("_b")
        rows.append(_lm_row(f"GPU {q['n_gpus']} x {g.name} {p.upper()}, batch {b}", q["energy_J_per_query"], output,
                            q["time_per_output_token_s"], q["output_tokens_per_s"], "estimated", "board all-in",
                            facility, f"prefill {q['prefill_bound']}-bound, decode {q['decode_bound']['first']}-bound; "
                            f"TTFT {q['time_to_first_token_s']:.3g} s", lower_bound=True, kind="gpu",
                            static=q["static_J_per_query"], dynamic=q["dynamic_J_per_query"], cost=q["cost"]))
    steps.update()
    steps.close()
    result = {
        "workload": {"name": key, "kind": "language model", "unit": "output token", "shape": shape.to_dict(),
                     "accuracy": {"available": False, "reason": NO_ACCURACY_LM},
                     "query": {"prompt_tokens": prompt, "output_tokens": output,
                               "output_source": value_entry("mlenergy_text_conversation_output_tokens", *tables)["source"]
                               if output == 717 else "set by --output-tokens"}},
        "config": {"gpu": gpu, "batch": batch, "prompt": prompt, "output": output, "precision": precision,
                   "energy_table": energy_table, "facility": dataclasses.asdict(facility),
                   "cim_design": dataclasses.asdict(design)},
        "chip": {"sizing": {k: v for k, v in sz.items() if k != "sites"}, "sites": sz["sites"],
                 "energy_J_per_token": chip["energy_J_per_token"], "mean_context": chip["mean_context"],
                 "latency_s_per_token": chip["latency_s_per_token"], "by_layer_J": pr["by_layer_J"],
                 "by_component_J": pr["by_component_J"], "context_sweep": chip_ctx, "lower_bound": True},
        "gpu": {"queries": queries,
                "batch_sweep": [{"batch": b, **{k: q[k] for k in ("energy_J_per_output_token_with_prefill",
                                                                  "static_J_per_query", "dynamic_J_per_query",
                                                                  "output_tokens_per_s", "n_gpus")}}
                                for b, q in sweep_batch.items()],
                "context_sweep": sweep_ctx, "gpu": g.name},
        "rows": rows,
        "snn": {"available": False, "reason": SNN_REASON_LM},
    }
    if key == "gpt3-175b":
        result["devries"] = devries_recompute(result, tables)
    result["ratios"] = lm_ratios(rows)
    return result


def devries_recompute(result: dict[str, Any], tables=()) -> dict[str, Any]:
    """de Vries's 2.9 Wh per ChatGPT request from its own inputs, beside this model's GPT-3 175B query on
    the GPU rows (IT energy of the boards, and at the wall) and on the CIM chip."""
    dv = devries_wh_per_request(tables)
    ours = {r["system"]: {"it_wh_per_query": r["it_wh_per_query"], "wall_wh_per_query": r["wall_wh_per_query"]}
            for r in result["rows"]}
    return {**dv, "ours": ours, "note": "de Vries: every server at its 6.5 kW maximum around the clock, whole servers "
            "(CPUs, memory, network) and no PUE; here: GPU boards only (board all-in) at the roofline's "
            "utilisation, a query of the stated prompt and output tokens"}


def lm_ratios(rows) -> list[dict[str, Any]]:
    base = rows[0]
    return [{"scope": "chip vs board", "numerator": r["system"], "denominator": base["system"],
             "ratio": r["energy_J_per_output_token"] / base["energy_J_per_output_token"],
             "lower_bound_denominator": True, "lower_bound_numerator": True} for r in rows[1:]]
