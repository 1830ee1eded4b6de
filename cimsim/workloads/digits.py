"""The default workload: a ReLU MLP on scikit-learn's 8x8 digits (1797 images, ships offline).

Fixed split: 25 % test, stratified, random_state 0; pixels scaled to [0, 1] (divided by 16).
Training: plain numpy, softmax cross-entropy, Adam (lr 1e-2 decayed to 1e-3), minibatch 64, He init,
seeded; a 64-32-10 net reaches ~97 % test accuracy in ~1 s on 2 cores.
Inference: digitally at fp32 / fp16 / int8 / int4 (simulated quantization), or on cimsim crossbars.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from .. import _validate as v
from ..array import program
from .mlp import mlp_apply


@lru_cache(maxsize=1)
def load_digits_split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train, y_train, x_test, y_test), x in [0, 1] float64 (n, 64), y int (n,)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    data = load_digits()
    x = data.data / 16.0
    x_tr, x_te, y_tr, y_te = train_test_split(x, data.target, test_size=0.25, random_state=0, stratify=data.target)
    return x_tr, y_tr, x_te, y_te


@dataclass(frozen=True, eq=False)
class MLP:
    """Weights (out, in) and biases of a ReLU MLP; the last layer has no ReLU."""

    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]

    @property
    def layers(self) -> list[tuple[int, int]]:
        """(n_in, n_out) per layer."""
        return [(W.shape[1], W.shape[0]) for W in self.weights]

    @property
    def macs(self) -> int:
        """Multiply-accumulates per inference."""
        return int(sum(W.size for W in self.weights))

    @property
    def params(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """(W, b) per layer."""
        return list(zip(self.weights, self.biases))

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Logits in float64."""
        return mlp_apply(self.params, x)


def train_mlp(hidden: tuple[int, ...] = (32,), *, seed: int = 0, epochs: int = 60, batch: int = 64) -> MLP:
    """Trains a 64-hidden-10 ReLU MLP on the digits train split (deterministic for a seed)."""
    v.integer_at_least("epochs", epochs, 1)
    v.integer_at_least("batch", batch, 1)
    x, y, _, _ = load_digits_split()
    rng = np.random.default_rng(seed)
    sizes = [x.shape[1], *hidden, 10]
    Ws = [rng.standard_normal((o, i)) * np.sqrt(2.0 / i) for i, o in zip(sizes[:-1], sizes[1:])]
    bs = [np.zeros(o) for o in sizes[1:]]
    params = Ws + bs
    m = [np.zeros_like(p) for p in params]
    s = [np.zeros_like(p) for p in params]
    onehot = np.eye(10)[y]
    step = 0
    for epoch in range(epochs):
        lr = 1e-2 * (0.1 ** (epoch / max(1, epochs - 1)))
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch):
            idx = order[start:start + batch]
            grads = _grads(Ws, bs, x[idx], onehot[idx])
            step += 1
            for p, g, mm, ss in zip(params, grads, m, s):
                mm *= 0.9
                mm += 0.1 * g
                ss *= 0.999
                ss += 0.001 * g * g
                p -= lr * (mm / (1 - 0.9**step)) / (np.sqrt(ss / (1 - 0.999**step)) + 1e-8)
    return MLP(tuple(Ws), tuple(bs))


def _grads(Ws, bs, x, t):
    acts = []  # each layer's input

    def layer(k, W, b, h):
        acts.append(h)
        return h @ W.T + b

    h = mlp_apply(zip(Ws, bs), x, layer)
    p = np.exp(h - h.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    delta = (p - t) / len(x)
    gW, gb = [None] * len(Ws), [None] * len(Ws)
    for k in range(len(Ws) - 1, -1, -1):
        gW[k] = delta.T @ acts[k]
        gb[k] = delta.sum(axis=0)
        if k:
            delta = (delta @ Ws[k]) * (acts[k] > 0)
    return gW + gb


def _quant(a: np.ndarray, bits: int, scale: float) -> np.ndarray:
    n = 2 ** (bits - 1) - 1
    return np.clip(np.rint(a / scale * n), -n, n) * (scale / n)


def digital_accuracy(mlp: MLP, precision: str = "fp32") -> float:
    """Test accuracy of the MLP computed digitally at a precision.

    fp32 / fp16: weights, activations and arithmetic in that float type. int8 / int4: symmetric per-tensor
    quantization of weights (scale max|W|) and of each layer's input (scale: max over the training set),
    integer products accumulated exactly, rescaled in float (simulated quantization).
    """
    _, _, x_te, y_te = load_digits_split()
    if precision in ("fp32", "fp16"):
        dt = np.float32 if precision == "fp32" else np.float16
        h = mlp_apply(mlp.params, x_te.astype(dt), lambda k, W, b, h: (h @ W.T.astype(dt) + b.astype(dt)).astype(dt),
                      lambda h: np.maximum(h, dt(0)))
        return float(np.mean(np.argmax(h.astype(np.float64), axis=1) == y_te))
    if precision not in ("int8", "int4"):
        raise ValueError(f"precision must be one of ('fp32', 'fp16', 'int8', 'int4'), got {precision!r}")
    bits = 8 if precision == "int8" else 4
    a_scales = []  # calibration: max |input| of every layer over the training set, in float64

    def calibrate(k, W, b, h):
        a_scales.append(float(np.abs(h).max()) or 1.0)
        return h @ W.T + b

    def quantized(k, W, b, h):
        return _quant(h, bits, a_scales[k]) @ _quant(W, bits, float(np.abs(W).max()) or 1.0).T + b

    mlp_apply(mlp.params, load_digits_split()[0], calibrate)
    h = mlp_apply(mlp.params, x_te, quantized)
    return float(np.mean(np.argmax(h, axis=1) == y_te))


class CrossbarEval(NamedTuple):
    """Result of crossbar_accuracy.

    Attributes:
        mean, std: test accuracy over noise seeds.
        per_seed: accuracy of each seed.
        counts: OpCounts of one pass over the test set (all layers, first seed; its input_vectors counts
            every layer's vectors, so it is layers x inferences).
        inferences: test images in one pass.
        cell_read_J: mean energy of one cell read, sum v^2 (G+ + G-) t_read over the pass divided by the
            cell reads (DAC voltages after input scaling, conductances as read; t_read = 10 ns).
    """

    mean: float
    std: float
    per_seed: list
    counts: object
    cell_read_J: float
    inferences: int


def crossbar_accuracy(mlp: MLP, config, *, t_s: float = 0.0, seeds: int = 5, seed: int = 0,
                      t_read_s: float = 10e-9) -> CrossbarEval:
    """Test accuracy on cimsim crossbars: every layer programmed once per noise seed and read at t_s."""
    v.integer_at_least("seeds", seeds, 1)
    _, _, x_te, y_te = load_digits_split()
    accs, counts, cell_J = [], None, 0.0
    for child in np.random.SeedSequence(seed).spawn(seeds):
        rng = np.random.default_rng(child)
        total, energy = [], [0.0]

        def layer(k, W, b, h):
            R = program(W, config, rng=rng, bias=b).read(t_s, rng=rng)
            if counts is None:  # cell-read energy of the first seed's pass
                scale = np.abs(h).max(axis=1, keepdims=True)
                volts = h / np.where(scale > 0, scale, 1.0) * config.v_read_V
                g_cells = R.g_S.reshape((-1,) + R.g_S.shape[-2:]).sum(axis=0)  # every cell of a weight
                energy[0] += float(np.sum((volts**2) @ g_cells.T)) * t_read_s
            y, c = R.mvm(h, rng=rng, return_counts=True)
            total.append(c)
            return y

        h = mlp_apply(mlp.params, x_te, layer)
        total, energy = sum(total[1:], total[0]), energy[0]
        accs.append(float(np.mean(np.argmax(h, axis=1) == y_te)))
        if counts is None:
            counts, cell_J = total, energy / total.cell_reads
    return CrossbarEval(float(np.mean(accs)), float(np.std(accs)), accs, counts, cell_J, len(y_te))
