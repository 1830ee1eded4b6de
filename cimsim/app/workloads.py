"""``cimsim compare --workload NAME`` for the field's workloads beyond the digits MLP.

  resnet20                   the CIFAR-10 ResNet-20 (He et al. 2016) from its shapes: a CIM chip sized to
                             it (cimsim.energy.chip_model), IBM HERMES's measured efficiency per activated
                             core, and the GPU roofline per image over batch. Energy only: no trained weights
                             here (accuracy on CIFAR-10: ``cimsim reproduce resnet-drift --data PATH``).
  gpt2-124m, gpt3-175b,      decoder-only language models from their published configurations
  llama-7b, llama-3.1-8b     (cimsim.workloads.shapes): the CIM chip per decoded token (weights stationary
                             on tiles, attention and the KV cache digital), the GPU per token (prefill and
                             decode on the roofline, cimsim.energy.llm) over batch and context, and the
                             report's metrics per query: J per output token, Wh, gCO2e, water, cost per
                             million output tokens. Energy only: no weights, so no perplexity
                             (cimsim.app.workloads_lm).

Scopes as in ``cimsim compare``: the CIM rows are "chip all-in" (a lower bound: no control, clocking or chip
I/O, and no inter-chip links where the model spans many chips), the GPU rows "board all-in" (a lower bound
too: no GPU-to-GPU traffic, host or serving software). Comparing a chip with a board favours the chip.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from cimsim.energy import Facility, batch_sweep, hermes_like, load_gpu, load_table, measured_chip, roofline
from cimsim.energy.chip_model import price_model
from cimsim.workloads.shapes import resnet20_convs, resnet20_digital, resnet20_macs, resnet20_sites

from .results import provenance, write_json_atomic
from .rows import make_row
from .workloads_lm import BATCHES, LM_WORKLOADS, NO_ACCURACY_LM, SNN_REASON_LM, run_lm
from .workloads_report import format_table, plot

CNN_WORKLOADS = ("resnet20",)
WORKLOADS = ("digits-mlp",) + CNN_WORKLOADS + ("char-lm",) + LM_WORKLOADS
NO_ACCURACY = {
    "resnet20": "energy from the shapes only: no trained weights here; accuracy on CIFAR-10 is "
                "`cimsim reproduce resnet-drift --data PATH` (ResNet on PCM, FP and HWA)",
    "lm": NO_ACCURACY_LM,
}


SNN_REASON = {
    "lm": SNN_REASON_LM,
    "resnet20": "no spiking row: ResNet-20 has no trained weights here to convert, and snn converts dense "
                "layers only (convolutional synapses are not wired into snn's conversion)",
    "user": "no spiking row: snn converts the digits MLP's dense ReLU layers; a user's model is not converted",
}


def _chip_summary(pr: dict[str, Any]) -> dict[str, Any]:
    """The JSON view of a chip_model.price_model result: sizing, sites, energy, latency, breakdowns."""
    sz = pr["sizing"]
    return {"sizing": {k: v for k, v in sz.items() if k != "sites"}, "sites": sz["sites"],
            "energy_J_per_inference": pr["energy_J"], "latency_s": pr["latency_s"],
            "by_layer_J": pr["by_layer_J"], "by_component_J": pr["by_component_J"]}


def _gpu_dense(layers, g, batch: int, ops: float, facility, accuracy, note) -> tuple[dict, list, dict]:
    """The GPU roofline of a model's products at batch 1 and ``batch`` (FP16) and ``batch`` (INT8): the runs,
    their rows (``note(run)`` the notes column) and the batch sweep."""
    runs, rows = {}, []
    for precision, b in (("fp16", 1), ("fp16", batch), ("int8", batch)):
        rf = roofline(layers, g, precision=precision, batch=b)
        runs[f"{precision}_b{b}"] = rf
        row = make_row(f"GPU {g.name} {precision.upper()}, batch {b}", accuracy, None, rf["energy_J_per_inference"],
                       rf["latency_s"], ops, rf["label"], "board all-in", facility, note(rf))
        row.update(lower_bound=False, kind="gpu", static_J_per_inference=rf["energy_J_per_inference_static"],
                   dynamic_J_per_inference=rf["energy_J_per_inference_dynamic"])
        rows.append(row)
    sweep = {"gpu": g.name, "batches": list(BATCHES),
             "fp16": batch_sweep(layers, g, precision="fp16", batches=BATCHES),
             "int8": batch_sweep(layers, g, precision="int8", batches=BATCHES)}
    return runs, rows, sweep


def run_cnn(key: str = "resnet20", *, gpu: str = "h100", batch: int = 1024, facility: Facility | None = None,
            energy_table: str | None = None, progress: bool = True, accuracy: dict | None = None) -> dict[str, Any]:
    """ResNet-20 from its shapes on a CIM chip, on HERMES's measured efficiency and on the GPU roofline.

    ``accuracy`` (from experiments.resnet_drift.compare_accuracy, which the command line calls for
    ``--data``): the CIM rows then carry the HWA network's accuracy on PCM, the GPU rows the FP network's."""
    facility = facility or Facility()
    tables = (load_table(energy_table),) if energy_table else ()
    if key not in CNN_WORKLOADS:
        raise ValueError(f"workload must be one of {WORKLOADS}, got {key!r}")
    g = load_gpu(gpu, tables=tables)
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise ValueError(f"batch must be an int >= 1, got {batch!r}")
    design = hermes_like(tables=tables)
    sites, work = resnet20_sites(), resnet20_digital(design.converters.input_bits)
    pr = price_model(sites, work, design, tables=tables)
    sz = pr["sizing"]
    herm = measured_chip(sz["active_tile_mvms"], inferences=1, tables=tables)
    macs = resnet20_macs()
    ops = 2.0 * macs
    layers = [(ci * k * k, co, side * side) for _, _, ci, co, k, side in resnet20_convs()]
    node = f"{design.node_m * 1e9:g} nm"
    reason = NO_ACCURACY["resnet20"]
    rows = [make_row(f"PCM CIM chip, all-in ({node} model)", None, None, pr["energy_J"], pr["latency_s"], ops,
                     pr["chip"].label, "chip all-in", facility,
                     f"{sz['tiles']} tiles, {sz['utilization']:.1%} of their cells used; lower bound: no control "
                     "or clocking"),
            make_row("PCM chip HERMES, measured per activated core", None, None, herm.per_inference_J, pr["latency_s"],
                     ops, herm.label, "chip all-in", facility,
                     f"{sz['active_tile_mvms']:g} core-MVMs x 131072 ops at 9.76 TOPS/W (Le Gallo et al. 2023)")]
    for r in rows:
        r.update(lower_bound=True, kind="cim", static_J_per_inference=None, dynamic_J_per_inference=None)
    gpu_runs, gpu_rows, sweep = _gpu_dense(
        layers, g, batch, ops, facility, None,
        lambda rf: f"roofline; {sum(d['bound'] == 'compute' for d in rf['layers'])} of {len(layers)} layers compute-bound")
    rows += gpu_rows
    result = {
        "workload": {"name": key, "kind": "CNN", "unit": "inference", "macs_per_inference": macs,
                     "layers": [dict(zip(("name", "layer", "c_in", "c_out", "kernel", "side"), c))
                                for c in resnet20_convs()],
                     "accuracy": {"available": False, "reason": reason}},
        "config": {"gpu": gpu, "batch": batch, "energy_table": energy_table, "facility": dataclasses.asdict(facility),
                   "cim_design": dataclasses.asdict(design),
                   "data": None if accuracy is None else accuracy["data"]},
        "chip": _chip_summary(pr),
        "ledgers": {"cim_chip": pr["chip"].to_dict(), "hermes_measured": herm.to_dict()},
        "gpu": gpu_runs,
        "gpu_sweep": sweep,
        "rows": rows,
        "snn": {"available": False, "reason": SNN_REASON["resnet20"]},
    }
    result["ratios"] = [{"scope": "chip vs board", "numerator": r["system"], "denominator": c["system"],
                         "ratio": r["energy_J_per_inference"] / c["energy_J_per_inference"],
                         "lower_bound_denominator": True, "lower_bound_numerator": False}
                        for c in rows[:2] for r in rows[2:]]
    if accuracy is not None:
        import numpy as np

        pcm = np.asarray(accuracy["pcm_hwa_per_seed"])
        for r in rows:
            if r["kind"] == "cim":
                r.update(accuracy=float(pcm.mean()), accuracy_std=float(pcm.std()))
            else:
                r["accuracy"] = accuracy["digital"]["FP"]
        result["workload"]["accuracy"] = {
            "available": True, **accuracy,
            "reason": f"{accuracy['dataset']} ({accuracy['test_images']} test images, "
                      f"{'x'.join(map(str, accuracy['image_shape']))}): FP digital {accuracy['digital']['FP']:.4f}, "
                      f"HWA on PCM at {accuracy['t_s']:g} s {pcm.mean():.4f} +- {pcm.std():.4f} ({len(pcm)} seeds); "
                      "energy from the 32 x 32 CIFAR shapes"}
    return result


USER_PROTOCOL = """A user's workload: ``--workload path/to/file.py:function``. ``function(seed)`` returns a dict:
  "name"    text naming the model
  "apply"   apply(params, x) -> outputs (a JAX function; every weight x activation product goes on tiles)
  "params"  the trained parameter pytree
  "x", "y"  evaluation inputs (batch first) and labels
  "metric"  optional: metric(outputs, y) -> float (default: top-1 accuracy over the last axis)"""


def load_user(spec: str, seed: int = 0) -> dict[str, Any]:
    """Imports ``path.py:function`` and calls ``function(seed)``; ValueError naming what is wrong."""
    import importlib.util

    path, sep, fn = spec.rpartition(":")
    if not sep or not path.endswith(".py") or not fn.isidentifier():
        raise ValueError(f"--workload {spec!r}: a user workload is path/to/file.py:function\n{USER_PROTOCOL}")
    if not Path(path).is_file():
        raise ValueError(f"--workload {spec!r}: {path!r} is not a file")
    mod_spec = importlib.util.spec_from_file_location(f"cimsim_user_workload_{Path(path).stem}", path)
    module = importlib.util.module_from_spec(mod_spec)
    mod_spec.loader.exec_module(module)
    if not callable(getattr(module, fn, None)):
        raise ValueError(f"--workload {spec!r}: {path} has no function {fn!r}")
    w = getattr(module, fn)(seed)
    missing = [k for k in ("name", "apply", "params", "x", "y") if not isinstance(w, dict) or k not in w]
    if missing:
        raise ValueError(f"--workload {spec!r}: {fn}(seed) must return a dict with {', '.join(missing)}\n{USER_PROTOCOL}")
    return w


def run_user(spec: str, *, seed: int = 0, gpu: str = "h100", batch: int = 1024, t_s: float = 3600.0,
             noise_seeds: int = 5, facility: Facility | None = None, energy_table: str | None = None,
             progress: bool = True) -> dict[str, Any]:
    """A user's JAX model: digital and PCM accuracy (cimsim.jx.analog_model, preset PCM, read at t_s, one
    key per noise seed), the CIM chip sized to its mapped products, the GPU roofline over its products."""
    import jax
    import numpy as np
    from tqdm.auto import tqdm

    from cimsim import presets
    from cimsim.energy.chip_model import DigitalWork, Site
    from cimsim.jx import analog_model

    facility = facility or Facility()
    tables = (load_table(energy_table),) if energy_table else ()
    g = load_gpu(gpu, tables=tables)
    w = load_user(spec, seed)
    metric = w.get("metric") or (lambda out, y: float(np.mean(np.argmax(np.asarray(out), -1) == np.asarray(y))))
    x, y = w["x"], w["y"]
    steps = tqdm(total=3, desc="compare (user workload)", disable=not progress, leave=False)
    model = analog_model(w["apply"], w["params"], x[:1], config=presets.PCM)
    digital = metric(w["apply"](w["params"], x), y)
    run = jax.jit(lambda k: model.inference(w["params"], x, t_s=t_s, key=k))
    per_seed = [metric(run(jax.random.PRNGKey(1000 * seed + s)), y) for s in range(noise_seeds)]
    steps.update()
    mapped = [s for s in model.report if s.analog]
    if not mapped:
        raise ValueError(f"--workload {spec!r}: analog_model found no weight x activation product to map")
    sites = [Site(f"site{s.index}", s.path or f"site{s.index}", s.shape[1], s.shape[0],
                  s.macs / (s.shape[0] * s.shape[1])) for s in mapped]
    design = hermes_like(tables=tables)
    pr = price_model(sites, DigitalWork(moved_bytes=sum(st.n_out * st.vectors for st in sites)
                                        * design.converters.input_bits / 8), design, tables=tables)
    steps.update()
    macs = sum(s.macs for s in mapped)
    ops = 2.0 * macs
    acc = (float(np.mean(per_seed)), float(np.std(per_seed)))
    sz = pr["sizing"]
    node = f"{design.node_m * 1e9:g} nm"
    rows = [make_row(f"PCM CIM chip, all-in ({node} model)", *acc, pr["energy_J"], pr["latency_s"], ops,
                     pr["chip"].label, "chip all-in", facility,
                     f"{sz['tiles']} tiles; t = {t_s:g} s; digital products (attention, norms) not priced: lower bound")]
    rows[0].update(lower_bound=True, kind="cim", static_J_per_inference=None, dynamic_J_per_inference=None)
    layers = [(st.n_in, st.n_out, st.vectors) for st in sites]
    gpu_runs, gpu_rows, sweep = _gpu_dense(layers, g, batch, ops, facility, digital,
                                           lambda rf: "roofline of the mapped products")
    rows += gpu_rows
    steps.update()
    steps.close()
    result = {
        "workload": {"name": w["name"], "kind": "user", "spec": spec, "unit": "inference",
                     "macs_per_inference": macs, "examples": int(len(y)),
                     "accuracy": {"available": True, "digital": digital, "pcm_per_seed": per_seed,
                                  "reason": f"digital {digital:.4f}; PCM at t = {t_s:g} s {acc[0]:.4f} +- {acc[1]:.4f} "
                                            f"({noise_seeds} seeds)"},
                     "products": [s._asdict() for s in model.report]},
        "config": {"seed": seed, "gpu": gpu, "batch": batch, "t_s": t_s, "noise_seeds": noise_seeds,
                   "energy_table": energy_table, "facility": dataclasses.asdict(facility), "crossbar_preset": "PCM",
                   "cim_design": dataclasses.asdict(design)},
        "chip": _chip_summary(pr),
        "gpu": gpu_runs,
        "gpu_sweep": sweep,
        "rows": rows,
        "snn": {"available": False, "reason": SNN_REASON["user"]},
    }
    result["ratios"] = [{"scope": "chip vs board", "numerator": r["system"], "denominator": rows[0]["system"],
                         "ratio": r["energy_J_per_inference"] / rows[0]["energy_J_per_inference"],
                         "lower_bound_denominator": True, "lower_bound_numerator": False} for r in rows[1:]]
    return result


CHAR_LM = {False: dict(fp_steps=1500, hwa_steps=400, seeds=5, windows=256, model={}),
           True: dict(fp_steps=60, hwa_steps=20, seeds=2, windows=8, model=dict(d_model=32, d_ff=128, n_layer=1))}


def run_char_lm(*, data: str | None = None, seed: int = 0, gpu: str = "h100", batch: int = 64, prompt: int = 32,
                output: int = 32, t_s: float = 3600.0, quick: bool = False, facility: Facility | None = None,
                energy_table: str | None = None, progress: bool = True) -> dict[str, Any]:
    """The character-level transformer trained here (cimsim.jx.lm, FP and HWA; weights cached), its held-out
    perplexity and next-character accuracy digitally and on PCM at ``t_s``, and its energy per output token
    on the CIM chip and the GPUs from its own shape, as for the shape-only language models."""
    from cimsim.jx.lm import CharLMConfig, evaluate_arms, train_char_lm
    from cimsim.workloads.corpus import load_corpus, split_corpus, tiled_windows

    s = CHAR_LM[bool(quick)]
    text, name = load_corpus(data)
    corpus = split_corpus(text, name)
    cfg = CharLMConfig(vocab=len(corpus.vocab), fp_steps=s["fp_steps"], hwa_steps=s["hwa_steps"], **s["model"])
    if prompt + output > cfg.context:
        raise ValueError(f"char-lm: prompt + output tokens ({prompt} + {output}) exceed its context of {cfg.context}")
    trained = train_char_lm(corpus, cfg, seed=seed, progress=progress)
    x, y = tiled_windows(corpus.encode(corpus.held_out), cfg.context, s["windows"])
    ev = evaluate_arms(cfg, {"FP": trained["fp"], "HWA": trained["hwa"]}, x, y, times_s=(t_s,), seeds=s["seeds"],
                       seed=10_000 + seed, progress=progress)
    shape = cfg.shape()
    SHAPES_LOCAL = {"char-lm": shape}  # noqa: N806 - run_lm looks shapes up by key
    result = run_lm("char-lm", gpu=gpu, batch=batch, prompt=prompt, output=output, facility=facility,
                    energy_table=energy_table, progress=progress, shapes=SHAPES_LOCAL)
    pcm = ev["HWA"]["analog"][str(float(t_s))]
    for r in result["rows"]:
        if r["kind"] == "cim":
            r.update(accuracy=pcm["accuracy_mean"], accuracy_std=pcm["accuracy_std"],
                     perplexity=pcm["perplexity_mean"], perplexity_std=pcm["perplexity_std"])
            r["notes"] += f"; HWA-trained on PCM at t = {t_s:g} s"
        else:
            r.update(accuracy=ev["FP"]["digital"]["accuracy"], perplexity=ev["FP"]["digital"]["perplexity"])
    result["workload"].update(
        kind="language model", name="char-lm", corpus=corpus.name, corpus_sha256=corpus.sha256,
        accuracy={"available": True, "metric": "held-out perplexity and next-character accuracy",
                  "reason": f"held-out perplexity: FP digital {ev['FP']['digital']['perplexity']:.2f}, "
                            f"HWA on PCM at {t_s:g} s {pcm['perplexity_mean']:.2f} +- {pcm['perplexity_std']:.2f}",
                  "evaluation": ev, "eval_tokens": int(x.size)},
        trained={"cache_key": trained["cache_key"], "cached": trained["cached"], "history": trained["history"],
                 "lm": dataclasses.asdict(cfg)})
    result["config"].update(seed=seed, t_s=t_s, quick=quick, data=data)
    result["attention"] = char_lm_attention(cfg, gpu, batch, energy_table)
    return result


def char_lm_attention(cfg, gpu: str, batch: int, energy_table: str | None = None) -> dict[str, Any]:
    """The char-lm's attention alone (every layer and head, per generated token at a full window): on
    gain-cell arrays (Leroux et al. 2025's macro at the char-lm's size, cimsim.energy.gaincell) and on the
    GPU (the roofline of the same decode attention, fp16 KV cache, launches shared by the batch)."""
    from cimsim.energy.gaincell import GainCellMacro, gpu_attention
    from cimsim.energy.gpu import KERNEL_OVERHEAD_S

    tables = (load_table(energy_table),) if energy_table else ()
    heads = cfg.n_head * cfg.n_layer
    macro = GainCellMacro(window=cfg.context, head_dim=cfg.d_model // cfg.n_head, tile_keys=16)
    led = macro.ledger(heads)
    g = load_gpu(gpu, tables=tables)
    ga = gpu_attention(g, window=cfg.context, head_dim=cfg.d_model // cfg.n_head, heads=cfg.n_head,
                       layers=cfg.n_layer, precision="fp16", batch=batch, kernel_overhead_s=KERNEL_OVERHEAD_S)
    return {
        "rows": [{"system": "gain-cell analog attention (Leroux et al. 2025 macro)", "energy_J_per_token": led.total_J,
                  "latency_s_per_token": macro.latency_s(), "scope": "per-operation (attention macro)",
                  "label": "estimated", "by_entry_J": macro.entries_J(heads)},
                 {"system": f"GPU {g.name} FP16 KV cache, batch {batch}", "energy_J_per_token": ga["energy_J_per_token"],
                  "latency_s_per_token": ga["latency_s_per_token"], "scope": "board all-in", "label": "estimated"}],
        "ratio_gpu_over_analog": ga["energy_J_per_token"] / led.total_J,
        "window": cfg.context, "heads_x_layers": heads, "tile_keys": 16, "macro": macro.to_dict(),
        "notes": "attention only (q K^T and p V over the KV cache; no projections): macro per-operation against a "
                 "board; accuracy of the char-lm on gain-cell attention: cimsim reproduce gain-cell-attention",
    }


def run(workload: str, **kwargs) -> dict[str, Any]:
    if workload == "char-lm":
        return run_char_lm(**{k: v for k, v in kwargs.items() if k in
                              ("data", "seed", "gpu", "batch", "prompt", "output", "t_s", "quick", "facility",
                               "energy_table", "progress")})
    if ":" in workload and workload.rpartition(":")[0].endswith(".py"):
        return run_user(workload, **{k: v for k, v in kwargs.items() if k in
                                     ("seed", "gpu", "batch", "t_s", "facility", "energy_table", "progress")})
    if workload in LM_WORKLOADS:
        return run_lm(workload, **{k: v for k, v in kwargs.items() if k in
                                   ("gpu", "batch", "prompt", "output", "precision", "facility", "energy_table",
                                    "progress")})
    if workload in CNN_WORKLOADS:
        return run_cnn(workload, **{k: v for k, v in kwargs.items() if k in
                                    ("gpu", "batch", "facility", "energy_table", "progress", "accuracy")})
    raise ValueError(f"workload must be one of {WORKLOADS}, got {workload!r}")


def main(args, accuracy: dict | None = None) -> dict[str, Any]:
    """``cimsim compare --workload NAME`` (NAME not digits-mlp): JSON first, then the PNG from it, then the table."""
    import json

    facility = Facility(pue=args.pue, grid_gco2_per_kwh=args.grid_gco2_per_kwh)
    lm = args.workload in LM_WORKLOADS
    lm = lm or args.workload == "char-lm"
    batch = args.batch if args.batch is not None else (64 if lm else 1024)
    tokens = {}
    if args.workload == "char-lm":  # its context is 64: half prompt, half output unless told
        tokens = {"prompt": args.prompt_tokens or 32, "output": args.output_tokens or 32}
    else:
        tokens = {"prompt": args.prompt_tokens or 512, "output": args.output_tokens or 717}
    result = run(args.workload, gpu=args.gpu, batch=batch, **tokens, facility=facility,
                 energy_table=args.energy_table, seed=args.seed, t_s=args.t_s, quick=args.quick, data=args.data,
                 accuracy=accuracy)
    name = args.workload if args.workload in WORKLOADS else "user"
    payload = {**provenance(f"compare-{name}", args.seed, False, result["config"]), **result}
    json_path = write_json_atomic(Path(args.json), payload)
    if args.plot:
        plot(json.loads(json_path.read_text()), Path(args.plot))
    print(format_table(result))
    print(f"wrote {json_path}" + (f" and {args.plot}" if args.plot else ""))
    return payload
