"""The wasm instructions one llama_decode executes in the canister's llama.cpp.

A decode runs its graph node by node on one thread, so it costs the sum of
its nodes, plus what every decode does around them. The graph is the one
:mod:`.graph` builds for the compute buffer, built here for the decode's
tokens, outputs and cache cells, so the last layer's rows kept for the
outputs only, each architecture's recurrent mixers and the cache's growth
with the position all follow llama.cpp's graph. Per node:

- a matrix product: each dot product's elements times ggml's cost of one
  element of the first operand's type (its ``vec_dot`` in wasm SIMD); the
  weights at the mix of types the file holds (``matrix_types``), the output
  head at its own (``output_type``);
- flash attention: tokens x heads x cells attended x head size, at the cache
  types' cost (a masked cell is skipped, so cells past the position, and a
  sliding layer's cells past its window, cost nothing);
- any other node that computes: a cost per node, and another when the
  decode builds its graph.

The costs are wasmtime's fuel (one per wasm instruction executed) on the
wasm32 build of tests/wasm, which measures them again
(``python -m tests.wasm.costs``) and holds this table to it.
"""

from __future__ import annotations

from typing import NamedTuple, Optional

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import (
    Architecture,
    Settings,
    sliding_window_of,
)
from icpp_sizer_check.runtimes.llama_cpp_canister.graph import ubatch_of
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.ggml import Graph, Tensor
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.memory import Ubatch
from icpp_sizer_check.runtimes.llama_cpp_canister.sizing import CTX_PADDING
from icpp_sizer_check.runtimes.llama_cpp_canister.wasm_heap import pad

# Instructions per element of a dot product, by the first operand's type.
MUL_MAT = {
    "f32": 3.887,
    "f16": 18.892,
    "bf16": 23.568,
    "q8_0": 2.218,
    "q4_0": 2.366,
    "q4_1": 2.846,
    "q5_0": 3.343,
    "q5_1": 3.909,
    "q4_k": 3.093,
    "q5_k": 3.559,
    "q6_k": 4.191,
    "q3_k": 5.811,
    "q2_k": 3.072,
    "iq4_nl": 11.498,
    "iq4_xs": 11.755,
    "mxfp4": 12.030,
}
# Flash attention, per token, head, cell attended and element of the head
# (the mean of the K and V head sizes), with f16 K and V ...
FLASH_F16 = 92.217
# ... and what another K type, and another V type, adds to it.
FLASH_K = {
    "f32": 15.336,
    "f16": 0.0,
    "bf16": 4.57,
    "q8_0": -16.836,
    "q4_0": -16.602,
    "q4_1": -16.18,
    "iq4_nl": -7.57,
    "q5_0": -15.711,
    "q5_1": -15.117,
}
FLASH_V = {
    "f32": 15.336,
    "f16": 0.0,
    "bf16": -62.133,
    "q8_0": -62.953,
    "q4_0": -62.391,
    "q4_1": -61.328,
    "iq4_nl": -55.969,
    "q5_0": -52.563,
    "q5_1": -51.625,
}
# Fitted to the fuel of a decode of every architecture's small case and of
# each deployed model (tests/wasm/test_instructions.py), what the products
# leave: per node of another op (views, reshapes and permutes do no work),
# per ubatch computed, and per node again when the decode builds its graph (a
# call's first decode, and one whose ubatch's shape changed; llama.cpp
# reuses the graph of a decode of the same shape).
NODE = 12_896
DECODE = 310_400
BUILD = 93_771
# The ops that only describe memory: ggml computes nothing for them.
FREE_OPS = frozenset({"VIEW", "RESHAPE", "PERMUTE", "TRANSPOSE"})


class Weights(NamedTuple):
    """The cost of one element of a weight matrix's dot product: the matrices
    each token multiplies (at their mix of types), and the output head."""

    matrix: float
    output: float


def weights_of(arch: Architecture) -> Optional[Weights]:
    """The weights' costs, None when the file's types are not known or one
    has no measured cost."""
    if not types_written(arch) or unpriced_types(arch):
        return None
    assert arch.matrix_types is not None and arch.output_type is not None
    elements = sum(count for _, count in arch.matrix_types)
    matrix = sum(MUL_MAT[kind] * count for kind, count in arch.matrix_types) / elements
    return Weights(matrix, MUL_MAT[arch.output_type])


def types_written(arch: Architecture) -> bool:
    """Whether the weights' types are known: matrix_types and output_type."""
    return bool(arch.matrix_types) and bool(arch.output_type)


def unpriced_types(arch: Architecture) -> list[str]:
    """The weights' types without a measured cost."""
    kinds = {kind for kind, _ in arch.matrix_types or ()} | {arch.output_type or ""}
    return sorted(kind for kind in kinds if kind and kind not in MUL_MAT)


def _is_weight(tensor: Tensor) -> bool:
    return tensor.external and tensor.view_src is None


def _is_output_head(arch: Architecture, tensor: Tensor) -> bool:
    return _is_weight(tensor) and tensor.ne[:2] == (arch.n_embd, arch.n_vocab)


class DecodeCost(NamedTuple):
    """A decode's instructions: what it costs whatever the position, each
    flash attention's cells (those its cache view spans) and cost per cell
    attended, and what building its graph costs when it is not reused."""

    fixed: float
    attention: tuple[tuple[int, float], ...]
    build: float

    def at(self, cells: float) -> float:
        """The decode's instructions when its tokens attend ``cells`` cells each."""
        return self.fixed + sum(rate * min(span, cells) for span, rate in self.attention)


def _mul_mat(arch: Architecture, weights: Weights, node: Tensor) -> float:
    first = node.src[0]
    dots = node.nelements * first.ne[0]
    if _is_output_head(arch, first):
        return dots * weights.output
    if _is_weight(first):
        return dots * weights.matrix
    return dots * MUL_MAT[first.type.name]


def _flash_attention(node: Tensor, window: int) -> tuple[int, float]:
    """The cells a flash attention can attend (its cache view's, at most the
    window of a sliding layer: ggml skips a masked cell), and its cost per cell."""
    q, k, v = node.src[0], node.src[1], node.src[2]
    per = FLASH_F16 + FLASH_K[k.type.name] + FLASH_V[v.type.name]
    span = min(k.ne[1], window) if window else k.ne[1]
    return span, q.ne[1] * q.ne[2] * q.ne[3] * (q.ne[0] + v.ne[0]) / 2 * per


def _windows(arch: Architecture, count: int) -> list[int]:
    """The window each of ``count`` flash attentions slides over (0: none), by
    the layers that attend, in order; none at all if they do not pair up."""
    layers = [il for il in range(arch.trunk_layers()) if not arch.is_recurrent(il)]
    window = sliding_window_of(arch)
    if len(layers) != count or not window:
        return [0] * count
    return [window if arch.is_swa(il) else 0 for il in layers]


def between(low: DecodeCost, high: DecodeCost, share: float) -> DecodeCost:
    """The decode ``share`` of the way from ``low`` to ``high``, two decodes of
    one graph's shape but for their tokens: a product's, an attention's and a
    node's work grow with the tokens, the output head's does not (its rows
    are the outputs)."""
    return DecodeCost(
        low.fixed + share * (high.fixed - low.fixed),
        tuple(
            (span, rate + share * (other - rate))
            for (span, rate), (_, other) in zip(low.attention, high.attention)
        ),
        low.build + share * (high.build - low.build),
    )


def decode_cost(arch: Architecture, weights: Weights, graph: Graph) -> DecodeCost:
    """The instructions of a decode of ``graph``, node by node."""
    fixed, flash, others = float(DECODE), [], 0
    for node in graph.nodes:
        if node.op == "MUL_MAT":
            fixed += _mul_mat(arch, weights, node)
        elif node.op == "FLASH_ATTN_EXT":
            flash.append(node)
        elif node.op not in FREE_OPS:
            others += 1
    windows = _windows(arch, len(flash))
    attention = tuple(_flash_attention(node, window) for node, window in zip(flash, windows))
    return DecodeCost(fixed + others * NODE, attention, others * BUILD)


def padded_cells(position: int, size: int) -> int:
    """The cells a decode's graph spans (llama_kv_cache::get_n_kv): those used,
    padded to 256 and at least 256, at most the cache's size."""
    return min(size, max(CTX_PADDING, pad(position, CTX_PADDING)))


def decode_ubatch(
    settings: Settings, n_ctx: int, swa_cells: int, tokens: int, outputs: int, end: int
) -> Ubatch:
    """The ubatch of a decode of ``tokens`` tokens (``outputs`` of them with
    logits) that fills the cache up to position ``end``."""
    swa = padded_cells(end, swa_cells) if swa_cells else 0
    return ubatch_of(settings, tokens, outputs, padded_cells(end, n_ctx), swa)
