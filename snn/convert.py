"""ANN-to-SNN rate conversion of a ReLU MLP (Diehl et al. 2015; Rueckauer et al. 2017).

Data-based normalization: for every layer l, lambda_l is the maximum ("max", Diehl et al. 2015) or the
p-th percentile of the non-zero ReLU activations over the training set ("percentile", Rueckauer et al.
2017, p = 99.9 by default); lambda_0 is that of the input. The SNN's weights and biases are
    W_l' = W_l lambda_{l-1} / lambda_l,   b_l' = b_l / lambda_l,   threshold 1,
so a neuron's firing rate approximates its ANN activation / lambda_l, provided the network is driven by
the input divided by lambda_0: x / lambda_0 as the input current (current encoder) or as the spike
probability per step (Poisson encoder). ``ConvertedSNN.encode`` does that division and
``ConvertedSNN.simulate`` runs the network on it; passing the raw x to ``snn.simulate`` with the converted
weights is only right when lambda_0 = 1. Classification: the output neuron with most spikes over T steps.
With percentile normalization a few activations exceed lambda_l; reset by subtraction keeps their surplus
charge (Rueckauer et al. 2017).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cimsim import _validate as v
from cimsim.workloads import mlp_apply

from .network import simulate as _simulate

METHODS = ("max", "percentile")


def _activations(weights, biases, x):
    """The input and every layer's rectified output (the output layer's SNN rate is the rectified logit too)."""
    acts = [x]

    def layer(k, W, b, h):
        out = h @ W.T + b
        acts.append(np.maximum(out, 0.0))
        return out

    mlp_apply(zip(weights, biases), x, layer)
    return acts


def normalization_scales(weights, biases, x_train, *, method: str = "percentile", percentile: float = 99.9) -> list[float]:
    """lambda_0 .. lambda_L from the training activations."""
    v.one_of("method", method, METHODS)
    if not (isinstance(percentile, (int, float)) and 0 < percentile <= 100):
        raise ValueError(f"percentile must be in (0, 100], got {percentile!r}")
    lams = []
    for a in _activations(weights, biases, x_train):
        nz = a[a > 0]
        if nz.size == 0:
            lams.append(1.0)
        elif method == "max":
            lams.append(float(nz.max()))
        else:
            lams.append(float(np.percentile(nz, percentile)))
    return lams


@dataclass(frozen=True, eq=False)
class ConvertedSNN:
    """Normalized weights and biases (threshold 1), and the scales used (lambda_0 first)."""

    weights: tuple
    biases: tuple
    scales: tuple
    method: str
    percentile: float | None

    @property
    def input_scale(self) -> float:
        """lambda_0: the input's normalization scale."""
        return float(self.scales[0])

    def encode(self, x, *, encoder: str = "current") -> np.ndarray:
        """The network's input: x / lambda_0 (samples, n_in).

        For the Poisson encoder the result is a spike probability per step and is clipped to [0, 1] (with
        percentile normalization a few inputs exceed lambda_0, as activations exceed lambda_l); x must be
        >= 0 there. The current encoder takes x / lambda_0 unclipped."""
        v.one_of("encoder", encoder, ("current", "poisson"))
        x = v.finite_array("x", x, ndim=(2,))
        if x.shape[1] != self.weights[0].shape[1]:
            raise ValueError(f"x must have {self.weights[0].shape[1]} features, got shape {x.shape}")
        z = x / self.input_scale
        if encoder == "poisson":
            if z.min() < 0:
                raise ValueError(f"x must be >= 0 for the poisson encoder, got minimum {x.min()}")
            z = np.minimum(z, 1.0)
        return z

    def simulate(self, x, *, steps: int, encoder: str = "current", **kwargs):
        """``snn.simulate`` of this network on ``self.encode(x)``; keyword arguments as snn.simulate."""
        return _simulate(self.weights, self.biases, self.encode(x, encoder=encoder), steps=steps, encoder=encoder,
                        **kwargs)


def convert_mlp(mlp, x_train, *, method: str = "percentile", percentile: float = 99.9) -> ConvertedSNN:
    """Converts a ReLU MLP (cimsim.workloads.MLP or anything with .weights/.biases) to an SNN."""
    Ws = [v.finite_array(f"weights[{k}]", W, ndim=(2,)) for k, W in enumerate(mlp.weights)]
    bs = [v.finite_array(f"biases[{k}]", b, ndim=(1,)) for k, b in enumerate(mlp.biases)]
    lams = normalization_scales(Ws, bs, x_train, method=method, percentile=percentile)
    Wn = tuple(W * lams[k] / lams[k + 1] for k, W in enumerate(Ws))
    bn = tuple(b / lams[k + 1] for k, b in enumerate(bs))
    return ConvertedSNN(Wn, bn, tuple(lams), method, percentile if method == "percentile" else None)
