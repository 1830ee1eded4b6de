"""The ResNet-32 HWA step's peer in ``cimsim bench``: aihwkit's torch tile on the same network and batch.

The network is the bench's (cimsim.app.bench_models: ResNet-32 for CIFAR, option-A shortcuts, BatchNorm,
16/32/64 channels) written in torch; ``aihwkit.nn.conversion.convert_to_analog`` puts its convolutions and
its dense layer on aihwkit's torch tile (``TorchInferenceRPUConfig``: 8-bit DAC and ADC, output noise
0.04, ADD_NORMAL weight noise 0.0175 drawn per batch while training, as the bench's HWA step does with
its own HWAConfig). One training step (forward, backward, SGD with momentum) is timed against the same
step of the digital torch network, in a process of its own (torch's OpenMP threads spin after its calls
and would slow JAX timed next to them), and reported as a ratio to that floor and as a time beside
cimsim's HWA step (across processes). The peer is optional (the ``bench`` extra); absent, the bench says so.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

PEER_TIMEOUT_S = 900


def _resnet32_torch(torch):
    nn = torch.nn

    class Block(nn.Module):
        def __init__(self, c_in, c_out, stride):
            super().__init__()
            self.c1, self.b1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False), nn.BatchNorm2d(c_out, momentum=0.1)
            self.c2, self.b2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False), nn.BatchNorm2d(c_out, momentum=0.1)
            self.stride, self.extra = stride, c_out - c_in

        def forward(self, x):
            h = torch.relu(self.b1(self.c1(x)))
            h = self.b2(self.c2(h))
            sc = x[:, :, ::self.stride, ::self.stride]
            if self.extra:  # option A: zero channels on both sides
                sc = nn.functional.pad(sc, (0, 0, 0, 0, self.extra // 2, self.extra - self.extra // 2))
            return torch.relu(h + sc)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem, self.bn = nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16, momentum=0.1)
            blocks, c = [], 16
            for stage, width in enumerate((16, 32, 64)):
                for b in range(5):
                    blocks.append(Block(c, width, 2 if stage and not b else 1))
                    c = width
            self.blocks, self.fc = nn.Sequential(*blocks), nn.Linear(64, 10)

        def forward(self, x):
            return self.fc(self.blocks(torch.relu(self.bn(self.stem(x)))).mean(dim=(2, 3)))

    return Net()


def _time_steps(batch: int, quick: bool, seed: int) -> dict[str, Any] | None:
    try:
        import torch
        from aihwkit.nn.conversion import convert_to_analog
        from aihwkit.simulator.configs import TorchInferenceRPUConfig
        from aihwkit.simulator.parameters.enums import WeightModifierType
    except Exception:  # noqa: BLE001 - any import failure means the peer is absent
        return None
    from .bench_models import _rounds
    from .bench_training import _seed_torch

    _seed_torch(torch, seed)
    rng = np.random.default_rng(seed)
    x = torch.tensor(rng.uniform(0.0, 1.0, (batch, 3, 32, 32)), dtype=torch.float32)
    y = torch.tensor(rng.integers(0, 10, batch))
    rpu = TorchInferenceRPUConfig()
    rpu.forward.inp_res = rpu.forward.out_res = 1 / 254  # 8-bit DAC and ADC (aihwkit's units)
    rpu.forward.out_bound, rpu.forward.out_noise = 10.0, 0.04
    rpu.modifier.type, rpu.modifier.std_dev = WeightModifierType.ADD_NORMAL, 0.0175
    digital = _resnet32_torch(torch)
    analog = convert_to_analog(_resnet32_torch(torch), rpu)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step_of(model):
        model.train()
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

        def go():
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()
        return go

    rounds = _rounds({"analog": step_of(analog), "digital": step_of(digital)}, 3 if quick else 5, 0.0)
    return {"aihwkit_step_s": float(np.median(rounds["analog"])), "torch_step_s": float(np.median(rounds["digital"])),
            "aihwkit_over_torch": float(np.median(rounds["analog"] / rounds["digital"])),
            "tile": "aihwkit torch tile (TorchInferenceRPUConfig, ADD_NORMAL 0.0175, 8-bit DAC/ADC, out noise 0.04)",
            "torch": torch.__version__, "threads": torch.get_num_threads()}


def run_resnet_peer(batch: int, quick: bool, seed: int = 0) -> dict[str, Any]:
    """aihwkit's ResNet-32 HWA step in a process of its own: times, or why it did not run."""
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "peer.json"
        cmd = [sys.executable, "-m", "cimsim.app.bench_models_peer", str(out), str(batch), str(int(quick)), str(seed)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=PEER_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return {"available": False, "reason": f"did not finish in {PEER_TIMEOUT_S} s"}
        if proc.returncode != 0:
            return {"available": False, "reason": (proc.stderr.strip().splitlines() or ["failed"])[-1][:200]}
        if not out.exists():
            return {"available": False, "reason": "aihwkit not installed (pip install 'cimsim[bench]')"}
        return {"available": True, **json.loads(out.read_text())}


if __name__ == "__main__":  # OUT.json BATCH QUICK SEED
    got = _time_steps(int(sys.argv[2]), bool(int(sys.argv[3])), int(sys.argv[4]))
    if got is not None:
        Path(sys.argv[1]).write_text(json.dumps(got))
