"""The GPU checks of cimsim, as one short script (run on a machine with an NVIDIA GPU and JAX with CUDA).

    PYTHONPATH=. python tools/gpu_run.py OUT_DIR

Writes OUT_DIR/gpu.json: the JAX noisy MVM against the GPU's own jitted GEMM (batch 256 and 4096), the
HWA epoch against the digital epoch, the bring-your-own-model ResNet-32 forward (with its breakdown, the
tile convolutions of a fixed input range included) and HWA step against the digital model, the char-lm's
decode step on PCM against the digital step, and NVML-measured energy of the digits MLP (fp16) at batch 1, 1024 and 65536, with and
without the idle power. Every ratio is measured in interleaved rounds in this one run.
"""

import json
import sys
import time
from pathlib import Path


def main(out_dir: str) -> None:
    import jax

    out: dict = {"devices": [str(d) for d in jax.devices()], "backend": jax.default_backend()}
    path = Path(out_dir) / "gpu.json"

    def save():
        path.write_text(json.dumps(out, indent=1, default=str))

    t0 = time.perf_counter()
    from cimsim.app.bench import run_jax
    from cimsim.app.bench_training import run_hwa_epoch

    for batch in (256, 4096):
        out[f"jax_noisy_mvm_batch{batch}"] = run_jax(quick=False, batch=batch)
        print(batch, out[f"jax_noisy_mvm_batch{batch}"]["analog_over_floor"], flush=True)
        save()
    out["hwa_epoch"] = run_hwa_epoch(quick=False)
    print("hwa epoch", out["hwa_epoch"]["hwa_over_digital"], flush=True)
    save()
    try:
        from cimsim.app.bench_models import bench_models

        out["models"] = bench_models(quick=False)
        print("models", {k: v for k, v in out["models"].items() if "over" in k or "ratio" in k}, flush=True)
    except Exception as exc:  # noqa: BLE001 - report and go on to NVML
        out["models"] = {"error": repr(exc)}
    save()
    try:
        from cimsim.app.bench_models import bench_decode

        out["decode"] = bench_decode(quick=False)
        print("char-lm decode step", out["decode"]["step"]["ratio"], flush=True)
    except Exception as exc:  # noqa: BLE001 - report and go on to NVML
        out["decode"] = {"error": repr(exc)}
    save()
    from cimsim.energy import measure_nvml
    from cimsim.workloads import train_mlp
    from cimsim.workloads.jax_mlp import nvml_runner

    mlp = train_mlp((32,), seed=0, epochs=5)
    out["nvml"] = {}
    for batch in (1, 1024, 65536):
        r = measure_nvml(nvml_runner(mlp, batch, "fp16"), min_window_s=8.0, idle_window_s=2.0)
        if r.get("available"):
            r["J_per_inference"] = r["energy_J_per_run"] / batch
            r["J_per_inference_without_idle"] = r["energy_J_per_run_without_idle"] / batch
        out["nvml"][str(batch)] = r
        print("nvml", batch, r.get("J_per_inference"), r.get("reason"), flush=True)
        save()
    out["total_s"] = time.perf_counter() - t0
    save()


if __name__ == "__main__":
    main(sys.argv[1])
