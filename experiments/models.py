"""Models a researcher would put on crossbars, in Flax linen: LeNet-5, the CIFAR ResNets, a small transformer.

Each is a ``Model`` with ``init(key, example) -> variables`` and ``apply(variables, x) -> logits`` (the
inference forward, BatchNorm on its running statistics), plus ``apply_train(variables, x) -> (logits,
batch_stats)`` for training (BatchNorm on the batch's statistics, new running statistics out; {} for a
model without BatchNorm). Any of the three functions can go to ``cimsim.jx.analog_model``:

    model = resnet(20)
    variables = model.init(jax.random.PRNGKey(0), x[:2])
    analog = analog_model(model.apply, variables, x[:2], config=presets.PCM)         # inference
    train = analog_model(model.apply_train, variables, x[:2], config=presets.PCM)    # HWA training
    logits, batch_stats = train.hwa(variables, xb, key=k)

Choices, and why:
- ResNet: He et al. 2016 s.4.2 (CIFAR): a 3x3 conv of 16 channels, three stages of n basic blocks (two 3x3
  convs each) with 16 / 32 / 64 channels at 32 / 16 / 8 pixels, global average pooling, a dense layer;
  depth 6n + 2 (n = 3: ResNet-20, n = 5: ResNet-32). Shortcuts are option A, as in the paper's CIFAR runs:
  identity, and where a stage halves the size and doubles the channels, every second pixel with zero
  channels padded on (no parameters, so every weight on the crossbars is a conv or the dense layer).
  Normalization is BatchNorm (momentum 0.9): it trains ResNets fast and robustly, and at inference it is a
  fixed per-channel affine map in digital, as in Joshi et al. 2020. A per-sample normalization (layer or
  group norm) would silently undo the conductance drift's global decay and make GDC moot.
- LeNet-5 (LeCun et al. 1998): conv 6@5x5, pool, conv 16@5x5, pool, dense 120, 84, classes; ReLU and
  2x2 average pooling (the original's subsampling without its trainable gain); inputs 32 x 32 (pad or
  resize MNIST's 28 x 28, as the original did).
- Transformer encoder (Dosovitskiy et al. 2021, ViT, small): p x p patches embedded by a strided conv,
  learned position embeddings, pre-LayerNorm blocks of multi-head self-attention (flax's
  MultiHeadDotProductAttention) and a GELU MLP, mean pooling over tokens, a dense classifier. Its Q K^T
  and scores x V products multiply two activations: analog_model keeps them digital.

References: He, Zhang, Ren, Sun, CVPR 2016 (ResNet, s.4.2); LeCun et al., Proc. IEEE 86(11) 1998
(LeNet-5); Dosovitskiy et al., ICLR 2021 (ViT); Joshi et al., Nat. Commun. 11:2473, 2020.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import jax
import jax.numpy as jnp

try:
    import flax.linen as nn
except ImportError as exc:  # pragma: no cover
    raise ImportError("experiments.models needs Flax: pip install flax (or cimsim[test])") from exc

_HE = nn.initializers.variance_scaling(2.0, "fan_in", "normal")


class LeNet5(nn.Module):
    """LeNet-5 on (batch, H, W, C) images (32 x 32 as in the original)."""

    num_classes: int = 10

    @nn.compact
    def __call__(self, x, train: bool = False):
        x = nn.avg_pool(nn.relu(nn.Conv(6, (5, 5), padding="VALID", kernel_init=_HE)(x)), (2, 2), (2, 2))
        x = nn.avg_pool(nn.relu(nn.Conv(16, (5, 5), padding="VALID", kernel_init=_HE)(x)), (2, 2), (2, 2))
        x = x.reshape(x.shape[0], -1)
        x = nn.relu(nn.Dense(120, kernel_init=_HE)(x))
        x = nn.relu(nn.Dense(84, kernel_init=_HE)(x))
        return nn.Dense(self.num_classes)(x)


def _shortcut_a(x, channels: int, stride: int):
    """Option-A shortcut: identity, or every stride-th pixel with zero channels padded on both sides."""
    if stride > 1:
        x = x[:, ::stride, ::stride, :]
    extra = channels - x.shape[-1]
    if extra:
        x = jnp.pad(x, ((0, 0), (0, 0), (0, 0), (extra // 2, extra - extra // 2)))
    return x


class BasicBlock(nn.Module):
    """Two 3x3 convs with BatchNorm and ReLU, plus the option-A shortcut (He et al. 2016)."""

    channels: int
    stride: int = 1

    @nn.compact
    def __call__(self, x, train: bool):
        bn = dict(use_running_average=not train, momentum=0.9, epsilon=1e-5)
        h = nn.Conv(self.channels, (3, 3), (self.stride, self.stride), padding=1, use_bias=False, kernel_init=_HE)(x)
        h = nn.relu(nn.BatchNorm(**bn)(h))
        h = nn.Conv(self.channels, (3, 3), padding=1, use_bias=False, kernel_init=_HE)(h)
        h = nn.BatchNorm(**bn)(h)
        return nn.relu(h + _shortcut_a(x, self.channels, self.stride))


class CifarResNet(nn.Module):
    """ResNet-(6n+2) of He et al. 2016 s.4.2 on (batch, H, W, C) images (32 x 32 for CIFAR)."""

    blocks_per_stage: int = 3
    widths: Sequence[int] = (16, 32, 64)
    num_classes: int = 10

    @nn.compact
    def __call__(self, x, train: bool = False):
        x = nn.Conv(self.widths[0], (3, 3), padding=1, use_bias=False, kernel_init=_HE)(x)
        x = nn.relu(nn.BatchNorm(use_running_average=not train, momentum=0.9, epsilon=1e-5)(x))
        for stage, width in enumerate(self.widths):
            for b in range(self.blocks_per_stage):
                x = BasicBlock(width, 2 if (stage > 0 and b == 0) else 1)(x, train)
        return nn.Dense(self.num_classes)(jnp.mean(x, axis=(1, 2)))


class EncoderBlock(nn.Module):
    """Pre-LayerNorm transformer block: multi-head self-attention, then a GELU MLP, each with a residual."""

    dim: int
    heads: int
    mlp_ratio: int = 2

    @nn.compact
    def __call__(self, x):
        x = x + nn.MultiHeadDotProductAttention(num_heads=self.heads, qkv_features=self.dim)(nn.LayerNorm()(x))
        h = nn.gelu(nn.Dense(self.mlp_ratio * self.dim)(nn.LayerNorm()(x)))
        return x + nn.Dense(self.dim)(h)


class PatchTransformer(nn.Module):
    """A small ViT-style encoder classifier on (batch, H, W, C) images (H, W multiples of ``patch``)."""

    patch: int = 4
    dim: int = 64
    heads: int = 4
    depth: int = 2
    num_classes: int = 10

    @nn.compact
    def __call__(self, x, train: bool = False):
        x = nn.Conv(self.dim, (self.patch, self.patch), (self.patch, self.patch), padding="VALID")(x)
        x = x.reshape(x.shape[0], -1, self.dim)  # (batch, tokens, dim)
        x = x + self.param("pos_embedding", nn.initializers.normal(0.02), (1, x.shape[1], self.dim))
        for _ in range(self.depth):
            x = EncoderBlock(self.dim, self.heads)(x)
        return nn.Dense(self.num_classes)(jnp.mean(nn.LayerNorm()(x), axis=1))


@dataclass(frozen=True, eq=False)
class Model:
    """A Flax linen module with the functions training and ``cimsim.jx.analog_model`` need.

    Attributes:
        module: the linen module; its ``__call__(x, train)`` returns logits (batch, classes).
        name: e.g. "resnet20".
    """

    module: nn.Module
    name: str

    def init(self, key: jax.Array, example: jax.Array) -> dict[str, Any]:
        """Variables {"params": ..., and "batch_stats": ... where the model has BatchNorm}."""
        return dict(self.module.init(key, example, train=False))

    def apply(self, variables, x: jax.Array) -> jax.Array:
        """Inference logits (batch, classes): BatchNorm uses its running statistics."""
        return self.module.apply(variables, x, train=False)

    def apply_train(self, variables, x: jax.Array) -> tuple[jax.Array, Any]:
        """Training forward: (logits, new batch_stats) with BatchNorm on the batch ({} without BatchNorm)."""
        if "batch_stats" not in variables:
            return self.module.apply(variables, x, train=True), {}
        logits, updates = self.module.apply(variables, x, train=True, mutable=["batch_stats"])
        return logits, updates["batch_stats"]


def resnet(depth: int = 20, num_classes: int = 10) -> Model:
    """The CIFAR ResNet of He et al. 2016 with ``depth`` = 6n + 2 layers (20, 32, 44, 56, 110)."""
    if not isinstance(depth, int) or depth < 8 or (depth - 2) % 6:
        raise ValueError(f"depth must be 6n + 2 with n >= 1 (20, 32, 44, ...), got {depth!r}")
    return Model(CifarResNet((depth - 2) // 6, num_classes=num_classes), f"resnet{depth}")


def lenet5(num_classes: int = 10) -> Model:
    """LeNet-5 (ReLU, average pooling)."""
    return Model(LeNet5(num_classes), "lenet5")


def transformer(patch: int = 4, dim: int = 64, heads: int = 4, depth: int = 2, num_classes: int = 10) -> Model:
    """A small patch-transformer encoder (ViT-style) classifier."""
    if dim % heads:
        raise ValueError(f"dim must be a multiple of heads, got dim={dim}, heads={heads}")
    return Model(PatchTransformer(patch, dim, heads, depth, num_classes), f"transformer{depth}x{dim}")


MODELS = {"lenet5": lenet5, "resnet20": lambda num_classes=10: resnet(20, num_classes),
          "resnet32": lambda num_classes=10: resnet(32, num_classes), "transformer": transformer}
"""name -> constructor(num_classes=10) -> Model."""
