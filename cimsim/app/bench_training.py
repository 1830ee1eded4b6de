"""``cimsim bench`` sections on training loops: the HWA epoch against the digital epoch and aihwkit's analog
tile, and the spiking network's training epoch against snnTorch (peers timed only where installed:
``pip install '.[bench]'``)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from .timing import _interleaved


def run_hwa_epoch(quick: bool = False, seed: int = 0, batch: int = 32) -> dict[str, Any]:
    """One epoch of the digits MLP (64-32-10, batch 32, Adam), each compiled as one lax.scan: hardware-aware
    (weight noise, 8-bit STE converters, output noise, clipping) against digital, in interleaved rounds;
    aihwkit's analog C++ tile (InferenceRPUConfig, the same MLP and batch) and aihwkit-lightning when installed,
    each timed in a process of its own (their ratio to ours crosses processes)."""
    import jax
    import jax.numpy as jnp
    import optax

    from cimsim.jx import HWAConfig, models
    from cimsim.jx.hwa import init_state, train_epoch
    from cimsim.workloads import load_digits_split

    x_tr, y_tr, _, _ = load_digits_split()
    x, y = jnp.asarray(x_tr, jnp.float32), jnp.asarray(y_tr)
    opt = optax.adam(1e-2)
    p0 = models.init_mlp(jax.random.PRNGKey(seed))
    states = {name: init_state(p0, opt, jax.random.PRNGKey(seed + 1)) for name in ("digital", "hwa")}
    keys = {"k": jax.random.PRNGKey(seed + 2)}

    def epoch(name, hwa):
        def go():
            keys["k"], sub = jax.random.split(keys["k"])
            states[name], losses = train_epoch(states[name], x, y, sub, forward=models.mlp_forward, optimizer=opt,
                                               hwa=hwa, batch=batch)
            losses.block_until_ready()
        return go

    fns = {"digital": epoch("digital", None), "hwa": epoch("hwa", HWAConfig())}
    rounds = _interleaved(fns, 3 if quick else 10, 0.3 if quick else 2.0)
    res = {"digital_epoch_s": float(np.median(rounds["digital"])), "hwa_epoch_s": float(np.median(rounds["hwa"])),
           "hwa_over_digital": float(np.median(rounds["hwa"] / rounds["digital"])), "batch": batch,
           "backend": jax.default_backend()}
    # the torch peers each in a process of their own: torch's spinning OpenMP threads slow JAX run next to them
    for name, key in (("aihwkit", "aihwkit"), ("lightning", "lightning")):
        got = _peer_in_subprocess(name, quick, seed, batch)
        if isinstance(got, str):
            res[f"{key}_error"] = got
        elif got is not None:
            res[f"{key}_epoch_s"] = got
            res[f"{key}_over_hwa"] = got / res["hwa_epoch_s"]  # across processes
    res["target"] = {"hwa_over_digital_max": 2.0, "met": res["hwa_over_digital"] <= 2.0,
                     "faster_than_aihwkit": None if "aihwkit_over_hwa" not in res else res["aihwkit_over_hwa"] > 1.0}
    return res


def threads() -> int:
    """The CPUs this process may use (cimsim._normals.threads)."""
    from cimsim._normals import threads as cpus

    return cpus()


def _seed_torch(torch, seed: int) -> None:
    """A torch peer's set-up: its seed, and the CPUs JAX and cimsim use."""
    torch.manual_seed(seed)
    torch.set_num_threads(threads())


def _torch_epoch(model, opt, x_tr, y_tr, batch: int):
    """One epoch of mini-batch SGD steps on a torch model, as a function to time."""
    import torch

    xt, yt = torch.tensor(x_tr, dtype=torch.float32), torch.tensor(y_tr)
    loss_fn = torch.nn.CrossEntropyLoss()

    def go():
        for s in range(0, len(xt), batch):
            opt.zero_grad()
            loss_fn(model(xt[s:s + batch]), yt[s:s + batch]).backward()
            opt.step()
    return go


def _aihwkit_epoch(x_tr, y_tr, batch: int, seed: int):
    """One epoch of the same MLP on aihwkit's analog tiles (InferenceRPUConfig), or None if not installed."""
    try:
        import torch
        from aihwkit.nn import AnalogLinear, AnalogSequential
        from aihwkit.optim import AnalogSGD
        from aihwkit.simulator.configs import InferenceRPUConfig
    except Exception:  # noqa: BLE001 - any import failure means the peer is absent
        return None
    _seed_torch(torch, seed)
    rpu = InferenceRPUConfig()
    model = AnalogSequential(AnalogLinear(64, 32, rpu_config=rpu), torch.nn.ReLU(), AnalogLinear(32, 10, rpu_config=rpu))
    opt = AnalogSGD(model.parameters(), lr=0.05)
    opt.regroup_param_groups(model)
    return _torch_epoch(model, opt, x_tr, y_tr, batch)


def _lightning_epoch(x_tr, y_tr, batch: int, seed: int):
    """One epoch of the same MLP on aihwkit-lightning (weight noise 0.0175 per batch, 8-bit DAC with an
    input range, output noise 0.04; SGD), or None if not installed."""
    try:
        import torch
        from aihwkit_lightning.nn import AnalogLinear
        from aihwkit_lightning.simulator.configs import TorchInferenceRPUConfig
        from aihwkit_lightning.simulator.parameters.enums import WeightModifierType
    except Exception:  # noqa: BLE001 - any import failure means the peer is absent
        return None
    _seed_torch(torch, seed)
    rpu = TorchInferenceRPUConfig()
    rpu.forward.inp_res, rpu.forward.out_noise = 254, 0.04
    rpu.modifier.type, rpu.modifier.std_dev = WeightModifierType.ADD_NORMAL, 0.0175
    rpu.pre_post.input_range.enable, rpu.pre_post.input_range.init_from_data = True, 0
    model = torch.nn.Sequential(AnalogLinear(64, 32, rpu_config=rpu), torch.nn.ReLU(),
                                AnalogLinear(32, 10, rpu_config=rpu))
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    return _torch_epoch(model, opt, x_tr, y_tr, batch)


PEER_EPOCHS = {"aihwkit": _aihwkit_epoch, "lightning": _lightning_epoch}


def _peer_in_subprocess(name: str, quick: bool, seed: int, batch: int) -> float | str | None:
    """Median epoch time of a torch peer, timed in a process of its own; None if it is not installed, the
    reason (a string) if its process failed or took longer than 600 s."""
    import json
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory(prefix="cimsim-peer-") as tmp:
        path = Path(tmp) / "t.json"
        try:
            done = subprocess.run([sys.executable, "-m", "cimsim.app.bench_training", name, str(path),
                                   str(int(quick)), str(seed), str(batch)], capture_output=True, text=True, timeout=600)
        except subprocess.TimeoutExpired:
            return "no result within 600 s"
        if done.returncode != 0:
            return f"failed: {done.stderr.strip()[-200:]}"
        return json.loads(path.read_text())["epoch_s"] if path.exists() else None


def format_hwa_table(res: dict[str, Any]) -> str:
    """Human-readable lines of the HWA-epoch bench."""
    ok = "met" if res["target"]["met"] else "NOT met"
    line = (f"HWA epoch (digits MLP, batch {res['batch']}, {res['backend']}): {res['hwa_epoch_s'] * 1e3:.1f} ms vs digital "
            f"{res['digital_epoch_s'] * 1e3:.1f} ms -> {res['hwa_over_digital']:.2f}x (target <= 2: {ok})")
    if "aihwkit_epoch_s" in res:
        line += f"; aihwkit C++ tile {res['aihwkit_epoch_s'] * 1e3:.1f} ms ({res['aihwkit_over_hwa']:.1f}x ours)"
    elif "aihwkit_error" in res:
        line += f"; aihwkit {res['aihwkit_error']}"
    else:
        line += "; aihwkit not installed (pip install '.[bench]')"
    if "lightning_epoch_s" in res:
        line += f"; aihwkit-lightning {res['lightning_epoch_s'] * 1e3:.1f} ms ({res['lightning_over_hwa']:.1f}x ours)"
    elif "lightning_error" in res:
        line += f"; aihwkit-lightning {res['lightning_error']}"
    return line


def run_snn_training(quick: bool = False, seed: int = 0) -> dict[str, Any]:
    """One training epoch of the digits SNN (64-32-10 IF, T = 8, batch 64, BPTT with a fast-sigmoid surrogate,
    Adam): snn.jx (the epoch one jitted lax.scan) against snnTorch (eager PyTorch, the same layer sizes,
    steps, batches, surrogate and optimizer; its own neuron update order) in interleaved rounds."""
    import jax
    import jax.numpy as jnp
    import optax

    import snn.jx as sj
    from cimsim.workloads import load_digits_split

    x_tr, y_tr, _, _ = load_digits_split()
    T, batch, hidden = 8, 64, 32
    cfg = sj.SpikingConfig(steps=T, slope=2.0)
    opt = optax.adam(1e-2)
    params = sj.init_params((64, hidden, 10), key=jax.random.PRNGKey(seed))
    state = sj.init_state(params, opt, jax.random.PRNGKey(seed + 1))
    xj, yj = jnp.asarray(x_tr, jnp.float32), jnp.asarray(y_tr)
    t0 = time.perf_counter()
    jax.block_until_ready(sj.train_epoch(state, xj, yj, config=cfg, optimizer=opt, batch=batch))
    compile_s = time.perf_counter() - t0
    fns = {"jax": lambda: jax.block_until_ready(sj.train_epoch(state, xj, yj, config=cfg, optimizer=opt, batch=batch))}
    gpu = jax.default_backend() == "gpu"  # snnTorch then runs on CUDA too
    torch_epoch = _snntorch_epoch(x_tr, y_tr, T=T, batch=batch, hidden=hidden, seed=seed, cuda=gpu)
    if torch_epoch is not None:
        fns["snntorch"] = torch_epoch
    rounds = _interleaved(fns, 3 if quick else 10, 0.3 if quick else 2.0)
    out = {"workload": {"layers": [64, hidden, 10], "T": T, "batch": batch, "batches_per_epoch": len(x_tr) // batch,
                        "neuron": "IF, reset by subtraction", "surrogate": "fast sigmoid, slope 2",
                        "optimizer": "Adam"},
           "jax_epoch_s": float(np.median(rounds["jax"])), "jax_compile_s": compile_s,
           "jax_backend": jax.default_backend(),
           "snntorch": "installed" if torch_epoch is not None else "snntorch not installed"}
    if torch_epoch is not None:
        import snntorch
        import torch

        out.update(snntorch_epoch_s=float(np.median(rounds["snntorch"])),
                   snntorch_over_jax=float(np.median(rounds["snntorch"] / rounds["jax"])),
                   versions={"snntorch": snntorch.__version__, "torch": torch.__version__, "torch_threads": 1},
                   snntorch_device="cuda" if gpu else "cpu")
    return out


def _snntorch_epoch(x_tr, y_tr, *, T: int, batch: int, hidden: int, seed: int, cuda: bool = False):
    """A function that trains snnTorch's version of the network for one epoch, or None without snnTorch."""
    try:
        import snntorch
        import torch
        from snntorch import surrogate
    except ImportError:
        return None
    torch.manual_seed(seed)
    dev = torch.device("cuda" if cuda else "cpu")
    fc1, fc2 = torch.nn.Linear(64, hidden).to(dev), torch.nn.Linear(hidden, 10).to(dev)
    lif = dict(beta=1.0, threshold=1.0, reset_mechanism="subtract", spike_grad=surrogate.fast_sigmoid(slope=2.0))
    lif1, lif2 = snntorch.Leaky(**lif).to(dev), snntorch.Leaky(**lif).to(dev)
    params = list(fc1.parameters()) + list(fc2.parameters())
    opt = torch.optim.Adam(params, lr=1e-2)
    x, y = torch.tensor(x_tr, dtype=torch.float32, device=dev), torch.tensor(y_tr, device=dev)
    gen = torch.Generator().manual_seed(seed)

    def epoch():  # one intra-op thread: tiny matrices, and OpenMP threads spin badly on a shared machine
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            _torch_epoch()
        finally:
            torch.set_num_threads(threads)

    def _torch_epoch():
        order = torch.randperm(len(x), generator=gen).to(dev)
        for s in range(len(x) // batch):
            idx = order[s * batch:(s + 1) * batch]
            cur1 = fc1(x[idx])  # the analog input current, once per batch (as snn.jx)
            mem1, mem2 = lif1.init_leaky(), lif2.init_leaky()
            count = 0.0
            for _ in range(T):
                spk1, mem1 = lif1(cur1, mem1)
                spk2, mem2 = lif2(fc2(spk1), mem2)
                count = count + spk2
            loss = torch.nn.functional.cross_entropy(count + mem2, y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        if cuda:
            torch.cuda.synchronize()

    return epoch


def format_snn_training_table(res: dict[str, Any]) -> str:
    """Human-readable lines of the SNN-training bench."""
    w = res["workload"]
    lines = [f"SNN training, one epoch ({w['batches_per_epoch']} batches of {w['batch']}, T = {w['T']}, "
             f"{'-'.join(map(str, w['layers']))}, BPTT):",
             f"  snn.jx (JAX {res['jax_backend']}, epoch = one lax.scan): {res['jax_epoch_s'] * 1e3:.1f} ms "
             f"(first call with compile {res['jax_compile_s']:.2f} s)"]
    if "snntorch_epoch_s" in res:
        lines.append(f"  snnTorch {res['versions']['snntorch']} (torch {res['versions']['torch']}, "
                     f"{res['snntorch_device']}, {res['versions']['torch_threads']} thread): "
                     f"{res['snntorch_epoch_s'] * 1e3:.1f} ms "
                     f"-> snnTorch / snn.jx = {res['snntorch_over_jax']:.1f}x")
    else:
        lines.append("  snnTorch: snntorch not installed (pip install 'cimsim[bench]')")
    return "\n".join(lines)


if __name__ == "__main__":  # one torch peer's epoch, in a process of its own: NAME OUT.json QUICK SEED BATCH
    import json
    import sys
    from pathlib import Path

    from cimsim.workloads import load_digits_split

    x_tr, y_tr, _, _ = load_digits_split()
    go = PEER_EPOCHS[sys.argv[1]](x_tr, y_tr, int(sys.argv[5]), int(sys.argv[4]))
    if go is not None:
        quick = bool(int(sys.argv[3]))
        t = _interleaved({"peer": go}, 3 if quick else 10, 0.3 if quick else 2.0)["peer"]
        Path(sys.argv[2]).write_text(json.dumps({"epoch_s": float(np.median(t))}))

