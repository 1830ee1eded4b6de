"""Models larger than a test: the bytes of a programmed and a read state by the device's state layout, the
shape-only path against the arrays it sizes, and (-m slow) a GPT-2-size model programmed and read on this
machine with its peak resident memory measured in a fresh interpreter."""

import json
import os
import subprocess
import sys
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from cimsim import presets
from cimsim.jx import analog_model, lm

# GPT-2 small (Radford et al. 2019): its matrices on tiles, the head being the tied token embedding
GPT2 = dict(vocab=50257, context=1024, d_model=768, n_head=12, n_layer=12, d_ff=3072)
GPT2_WEIGHTS = 12 * (4 * 768**2 + 2 * 768 * 3072) + 768 * 50257


def _tile_scales_bytes(shape, cfg=presets.PCM):
    """One float32 conductance scale per (row block, output column) of a site (out, in)."""
    out, n_in = shape
    return 4 * out * -(-n_in // cfg.tile_rows)


def test_state_bytes_from_shapes_equal_the_arrays_and_the_state_layout():
    # two products: one of 2 x 3 tiles (300 x 600 on 256 x 256 tiles) and one of one tile
    params = {"a": 0.05 * jax.random.normal(jax.random.PRNGKey(0), (600, 300)),
              "b": 0.05 * jax.random.normal(jax.random.PRNGKey(1), (300, 10))}
    model = analog_model(lambda p, x: jnp.tanh(x @ p["a"]) @ p["b"], params, jnp.zeros((2, 600)), config=presets.PCM)
    arrays = jax.jit(lambda p, k: model.program(p, key=k))(params, jax.random.PRNGKey(1))
    reads = jax.jit(lambda a, k: model.read(a, 3600.0, key=k))(arrays, jax.random.PRNGKey(2))
    m = model.state_bytes(jax.tree.map(lambda a: jax.ShapeDtypeStruct(a.shape, a.dtype), params))
    assert m["programmed_bytes"] == sum(x.nbytes for x in jax.tree.leaves(arrays))
    assert m["read_bytes"] == sum(x.nbytes for x in jax.tree.leaves(reads))
    assert [s["shape"] for s in m["sites"]] == [[300, 600], [10, 300]] and m["weights"] == 300 * 600 + 10 * 300
    for s in m["sites"]:  # PCM: G+, G-, nu+, nu- (float32) per weight, one scale per tile column, GDC refs
        n = int(np.prod(s["shape"]))
        gdc = 4 * arrays[s["index"]].gdc_ref.size
        assert s["programmed_bytes"] == 16 * n + _tile_scales_bytes(s["shape"]) + gdc
        assert s["read_bytes"] >= 8 * n  # effective conductance and noise coefficient, float32


def test_a_gpt2_size_model_is_sized_from_shapes_without_allocating():
    cfg = lm.CharLMConfig(**GPT2)
    shapes = jax.eval_shape(partial(lm.init_params, cfg=cfg), jax.random.PRNGKey(0))
    model = analog_model(lm.make_apply(cfg), shapes, jax.ShapeDtypeStruct((1, 8), jnp.int32), config=presets.PCM)
    m = model.state_bytes(shapes)
    assert m["weights"] == GPT2_WEIGHTS == 123_532_032
    assert 16.0 < m["programmed_bytes_per_weight"] < 16.05 and 8.0 <= m["read_bytes_per_weight"] < 8.05
    assert len(jax.live_arrays()) < 50  # nothing of the model's size was made


SCRIPT = r"""
import json, sys, time
import jax, jax.numpy as jnp, numpy as np
from cimsim import presets
from cimsim.jx import analog_model, lm

def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1]) * 1024

def reset_peak():  # Linux: resets VmHWM to the current resident size
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")

cfg = lm.CharLMConfig(**json.loads(sys.argv[1]))
params = jax.block_until_ready(lm.init_params(jax.random.PRNGKey(0), cfg))
model = analog_model(lm.make_apply(cfg), params, jnp.zeros((1, 8), jnp.int32), config=presets.PCM)
base = status("VmRSS"); reset_peak(); t0 = time.time()
arrays = jax.block_until_ready(model.program(params, key=jax.random.PRNGKey(1)))
out = {"base": base, "program_peak": status("VmHWM"), "program_s": time.time() - t0,
       "programmed_bytes": sum(x.nbytes for x in jax.tree.leaves(arrays)), "after_program": status("VmRSS")}
reset_peak(); t0 = time.time()
reads = jax.block_until_ready(model.read(arrays, 3600.0, key=jax.random.PRNGKey(2)))
out.update(read_peak=status("VmHWM"), read_s=time.time() - t0, read_bytes=sum(x.nbytes for x in jax.tree.leaves(reads)),
           weights=sum(int(np.prod(s.shape)) for s in model.report if s.analog),
           finite=bool(all(bool(jnp.all(jnp.isfinite(x))) for x in jax.tree.leaves(reads))))
print(json.dumps(out))
"""


@pytest.mark.slow
def test_a_gpt2_size_model_programs_and_reads_with_its_peak_memory_held(tmp_path):
    if not os.path.exists("/proc/self/clear_refs"):  # pragma: no cover - Linux only
        pytest.skip("needs Linux /proc (resident memory and its peak)")
    run = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(GPT2)], capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-2000:]
    r = json.loads(run.stdout.strip().splitlines()[-1])
    assert r["weights"] == GPT2_WEIGHTS and r["finite"]
    assert 16.0 < r["programmed_bytes"] / r["weights"] < 16.05  # G+, G-, nu+, nu- in float32 (+ tile scales)
    assert 8.0 <= r["read_bytes"] / r["weights"] < 8.05
    peak = (r["program_peak"] - r["base"]) / r["programmed_bytes"]
    print(f"GPT-2 size: programmed {r['programmed_bytes'] / 1e9:.2f} GB in {r['program_s']:.0f} s, peak {peak:.2f}x; "
          f"read {r['read_bytes'] / 1e9:.2f} GB in {r['read_s']:.0f} s, peak +{(r['read_peak'] - r['after_program']) / 1e9:.2f} GB")
    assert peak <= 1.5  # the programmed state plus one site's temporaries
