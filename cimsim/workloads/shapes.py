"""The shapes of the field's workloads, from their published configurations: no weights, only the numbers
that energy, latency and tile counts depend on.

``TransformerShape`` is a decoder-only language model (GPT-2/GPT-3: LayerNorm, GELU MLP of 4 d, learned
positions, tied embeddings; LLaMA: RMSNorm, SwiGLU MLP, rotary positions, untied embeddings, grouped-query
attention in LLaMA-3). Its ``params`` counts every parameter the published model has (matmuls, biases, norms,
embeddings), so it can be held to the published totals; ``matmuls`` lists the weight x activation products
of one token's forward (what goes on crossbar tiles); ``decode_work`` the digital work of one token at a
context length (attention's activation x activation products, softmax, norms, residuals, the KV cache).

``resnet20_sites`` is the CIFAR-10 ResNet-20 of He et al. (2016), option A shortcuts (no projection weights),
as the topology of experiments/models.py.

Sources: Radford et al. 2019 (GPT-2; the released configuration: 12 layers, d 768, 12 heads, context 1024,
vocabulary 50257); Brown et al. 2020, Table 2.1 (GPT-3 175B: 96 layers, d 12288, 96 heads of 128, context
2048); Touvron et al. 2023 (LLaMA 7B: 32 layers, d 4096, 32 heads, SwiGLU 11008, vocabulary 32000, context
2048); Meta 2024, Llama 3.1 model card and configuration (8B: 32 layers, d 4096, 32 heads, 8 KV heads, SwiGLU
14336, vocabulary 128256); He et al. 2016 (ResNet-20). docs/references.md s.14.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


KV_SRAM_MAX_BYTES = 64 * 2**20  # a KV cache up to 64 MiB on the die, larger ones in HBM (an assumption)


@dataclass(frozen=True)
class TransformerShape:
    """A decoder-only transformer's published configuration.

    Attributes:
        key, name, source: how the command line names it, its full name, the configuration's source.
        n_layer, d_model, n_head: blocks, residual width, attention heads.
        n_kv_head: key/value heads (grouped-query attention; = n_head for multi-head attention).
        d_ff: MLP hidden width.
        vocab: vocabulary size.
        context: the context length it was trained for.
        gated: SwiGLU MLP (gate, up, down: three matrices) instead of a two-matrix GELU MLP.
        biases: the linear layers have biases (GPT-2/3) or not (LLaMA).
        norm: "layernorm" (scale and shift) or "rmsnorm" (scale only).
        learned_positions: a position embedding table (GPT) or rotary positions (LLaMA, no parameters).
        tied_embeddings: the LM head is the token embedding (GPT-2/3) or a matrix of its own (LLaMA).
        published_params: the parameter count the source states (for the test), or None.
    """

    key: str
    name: str
    n_layer: int
    d_model: int
    n_head: int
    n_kv_head: int
    d_ff: int
    vocab: int
    context: int
    gated: bool
    biases: bool
    norm: str
    learned_positions: bool
    tied_embeddings: bool
    source: str
    published_params: float | None = None

    def __post_init__(self) -> None:
        for f in ("n_layer", "d_model", "n_head", "n_kv_head", "d_ff", "vocab", "context"):
            v = getattr(self, f)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{f} must be an int >= 1, got {v!r}")
        if self.d_model % self.n_head:
            raise ValueError(f"d_model ({self.d_model}) must be a multiple of n_head ({self.n_head})")
        if self.n_head % self.n_kv_head:
            raise ValueError(f"n_head ({self.n_head}) must be a multiple of n_kv_head ({self.n_kv_head})")
        if self.norm not in ("layernorm", "rmsnorm"):
            raise ValueError(f"norm must be 'layernorm' or 'rmsnorm', got {self.norm!r}")

    @property
    def d_head(self) -> int:
        return self.d_model // self.n_head

    @property
    def d_kv(self) -> int:
        """Width of the keys (and of the values) of one layer: n_kv_head x d_head."""
        return self.n_kv_head * self.d_head

    def matmuls(self) -> list[tuple[str, str, int, int]]:
        """The weight x activation products of one token: (name, layer, n_in, n_out), the LM head last."""
        out = []
        for k in range(self.n_layer):
            lay = f"block{k}"
            out += [(f"{lay}.q", lay, self.d_model, self.d_model), (f"{lay}.k", lay, self.d_model, self.d_kv),
                    (f"{lay}.v", lay, self.d_model, self.d_kv), (f"{lay}.o", lay, self.d_model, self.d_model)]
            if self.gated:
                out += [(f"{lay}.gate", lay, self.d_model, self.d_ff), (f"{lay}.up", lay, self.d_model, self.d_ff)]
            else:
                out += [(f"{lay}.fc", lay, self.d_model, self.d_ff)]
            out += [(f"{lay}.down", lay, self.d_ff, self.d_model)]
        out.append(("head", "head", self.d_model, self.vocab))
        return out

    @property
    def matmul_weights(self) -> int:
        """Weights of the products of one token (the LM head included): what the tiles hold."""
        return sum(i * o for _, _, i, o in self.matmuls())

    @property
    def params(self) -> int:
        """Every parameter of the published model: matmuls, biases, norms, embeddings."""
        per_norm = 2 * self.d_model if self.norm == "layernorm" else self.d_model
        block = sum(i * o for _, lay, i, o in self.matmuls() if lay == "block0")
        if self.biases:
            block += sum(o for _, lay, _, o in self.matmuls() if lay == "block0")
        block += 2 * per_norm
        emb = self.vocab * self.d_model + (self.context * self.d_model if self.learned_positions else 0)
        head = 0 if self.tied_embeddings else self.vocab * self.d_model
        return self.n_layer * block + per_norm + emb + head

    def kv_bytes_per_token(self, width_bytes: float) -> float:
        """KV-cache bytes one token adds: keys and values of every layer."""
        return 2.0 * self.n_layer * self.d_kv * width_bytes

    def attention_macs(self, context: int) -> float:
        """Activation x activation MACs of one token attending to ``context`` tokens: q.k and p.v per head
        and layer, n_layer x n_head x d_head x context each."""
        return 2.0 * self.n_layer * self.n_head * self.d_head * context

    def decode_work(self, context: int) -> dict[str, float]:
        """The digital work of one decoded token attending to ``context`` tokens (the cache and itself):
        attention MACs, softmax exponentials, normalised elements, residual adds, MLP nonlinearities (a
        SwiGLU's SiLU counted as one per hidden unit), and the KV-cache elements written and read."""
        if isinstance(context, bool) or not isinstance(context, int) or context < 1:
            raise ValueError(f"context must be an int >= 1, got {context!r}")
        return {"act_macs": self.attention_macs(context),
                "exp_elements": float(self.n_layer * self.n_head * context),
                "norm_elements": float((2 * self.n_layer + 1) * self.d_model),
                "residual_adds": float(2 * self.n_layer * self.d_model),
                "nonlinearities": float(self.n_layer * self.d_ff),
                "kv_write_elements": 2.0 * self.n_layer * self.d_kv,
                "kv_read_elements": 2.0 * self.n_layer * self.d_kv * context}

    def chip_sites(self):
        """The matmuls as chip_model sites of one decoded token (one vector each, weights stationary)."""
        from cimsim.energy.chip_model import Site

        return [Site(n, lay, i, o, 1) for n, lay, i, o in self.matmuls()]

    def chip_digital(self, context: int, *, cache_context: int | None = None, bits: int = 8, kv_memory: str = "auto"):
        """The digital work of one decoded token at ``context`` on a CIM chip, one chip_model.DigitalWork per
        block (its attention, softmax, norms, residual adds, MLP nonlinearity, its share of the KV cache, its
        matmuls' outputs moved over the NoC) and one for the head (the final norm, the logits moved). The KV
        cache holds one sequence of ``cache_context`` tokens (default ``context``) at ``bits`` per element,
        each block's part next to it: in SRAM while the whole cache is at most KV_SRAM_MAX_BYTES ("auto"),
        else in HBM."""
        from cimsim.energy.chip_model import DigitalWork

        w = self.decode_work(context)
        nbytes = bits / 8
        held = context if cache_context is None else cache_context
        if isinstance(held, bool) or not isinstance(held, int) or held < context:
            raise ValueError(f"cache_context must be an int >= context ({context}), got {cache_context!r}")
        if kv_memory not in ("auto", "sram", "dram"):
            raise ValueError(f"kv_memory must be 'auto', 'sram' or 'dram', got {kv_memory!r}")
        per_block = int(math.ceil(2 * self.d_kv * held * nbytes))
        if kv_memory == "auto":
            kv_memory = "sram" if per_block * self.n_layer <= KV_SRAM_MAX_BYTES else "dram"
        L = self.n_layer
        out_block = sum(o for _, lay, _, o in self.matmuls() if lay == "block0")
        work = [DigitalWork(f"block{k}", act_macs=w["act_macs"] / L, exp_elements=w["exp_elements"] / L,
                            norm_elements=2 * self.d_model, residual_adds=2 * self.d_model, nonlinearities=self.d_ff,
                            kv_write_bytes=w["kv_write_elements"] / L * nbytes,
                            kv_read_bytes=w["kv_read_elements"] / L * nbytes, kv_cache_bytes=per_block,
                            kv_memory=kv_memory, moved_bytes=out_block * nbytes, bits=bits) for k in range(L)]
        work.append(DigitalWork("head", norm_elements=self.d_model, moved_bytes=self.vocab * nbytes, bits=bits))
        return work

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return {**asdict(self), "params": self.params, "matmul_weights": self.matmul_weights}


SHAPES: dict[str, TransformerShape] = {s.key: s for s in (
    TransformerShape("gpt2-124m", "GPT-2 small (124 M)", 12, 768, 12, 12, 3072, 50257, 1024, gated=False,
                     biases=True, norm="layernorm", learned_positions=True, tied_embeddings=True,
                     source="Radford et al. 2019, released configuration (n_layer 12, n_embd 768, n_head 12, "
                            "n_ctx 1024, vocabulary 50257)", published_params=124_439_808),
    TransformerShape("gpt3-175b", "GPT-3 175B", 96, 12288, 96, 96, 4 * 12288, 50257, 2048, gated=False,
                     biases=True, norm="layernorm", learned_positions=True, tied_embeddings=True,
                     source="Brown et al. 2020, Table 2.1 (n_layers 96, d_model 12288, n_heads 96, d_head 128, "
                            "context 2048; d_ff = 4 d_model; GPT-2's vocabulary)", published_params=175.0e9),
    TransformerShape("llama-7b", "LLaMA 7B", 32, 4096, 32, 32, 11008, 32000, 2048, gated=True, biases=False,
                     norm="rmsnorm", learned_positions=False, tied_embeddings=False,
                     source="Touvron et al. 2023, Table 2 and the released configuration (dim 4096, 32 layers, "
                            "32 heads, SwiGLU 11008, vocabulary 32000, context 2048)", published_params=6_738_415_616),
    TransformerShape("llama-3.1-8b", "Llama 3.1 8B", 32, 4096, 32, 8, 14336, 128256, 8192, gated=True, biases=False,
                     norm="rmsnorm", learned_positions=False, tied_embeddings=False,
                     source="Meta 2024, Llama 3.1 8B configuration (hidden 4096, 32 layers, 32 heads, 8 KV heads, "
                            "intermediate 14336, vocabulary 128256; context 8192 here of its 131072)",
                     published_params=8_030_261_248),
)}


def transformer_shape(key: str) -> TransformerShape:
    """A built-in shape by key (ValueError naming the known ones)."""
    if key not in SHAPES:
        raise ValueError(f"unknown transformer shape {key!r}; known: {', '.join(SHAPES)}")
    return SHAPES[key]


def resnet20_convs() -> list[tuple[str, str, int, int, int, int]]:
    """CIFAR-10 ResNet-20 (He et al. 2016, option A): (name, layer, c_in, c_out, kernel, output side) of every
    weight layer, the dense classifier last as kernel 1 and side 1. Three stages of 3 blocks of two 3 x 3
    convolutions at 16, 32, 64 channels on 32, 16, 8 pixels; the first conv of stages 2 and 3 has stride 2."""
    out = [("conv1", "conv1", 3, 16, 3, 32)]
    c_in = 16
    for s, (c, side) in enumerate(((16, 32), (32, 16), (64, 8)), start=1):
        for b in range(3):
            lay = f"s{s}b{b}"
            out += [(f"{lay}c1", lay, c_in, c, 3, side), (f"{lay}c2", lay, c, c, 3, side)]
            c_in = c
    out.append(("fc", "fc", 64, 10, 1, 1))
    return out


def resnet20_sites():
    """ResNet-20's weight layers as chip_model sites: a convolution is a (c_in k^2) x c_out matrix driven by
    one input vector per output pixel (side^2 vectors per image)."""
    from cimsim.energy.chip_model import Site

    return [Site(n, lay, ci * k * k, co, side * side) for n, lay, ci, co, k, side in resnet20_convs()]


def resnet20_digital(bits: int = 8):
    """ResNet-20's digital work per image: BatchNorm on every conv output, ReLU after each, the residual adds
    of the 9 blocks, global average pooling as adds; activations moved between layers (bits wide)."""
    from cimsim.energy.chip_model import DigitalWork

    convs = [c for c in resnet20_convs() if c[0] != "fc"]
    outs = sum(co * side * side for _, _, _, co, _, side in convs)
    residual = sum(co * side * side for n, _, _, co, _, side in convs if n.endswith("c2"))
    moved = sum(co * side * side for _, _, _, co, _, side in convs) * bits / 8
    return DigitalWork(norm_elements=outs, nonlinearities=outs, residual_adds=residual + 64 * 8 * 8,
                       moved_bytes=moved, bits=bits)


def resnet20_macs() -> int:
    return sum(ci * k * k * co * side * side for _, _, ci, co, k, side in resnet20_convs())
