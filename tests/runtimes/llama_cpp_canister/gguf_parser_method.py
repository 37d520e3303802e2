"""What gguf-parser-go's method gives for a model's RAM, for the sizing page's comparison.

gguf-parser-go (gpustack) is the estimator a team could use instead of this
tool. This module restates its estimate of llama.cpp's RAM for a dense, causal
model run on the CPU alone (``gguf-parser --ngl 0 --no-mmap``, the UMA figure;
its NonUMA figure adds a flat 150 MiB "platform footprint"), so that the
page can show its figure beside this tool's on the same inputs. The
formulas are those of ``file_estimate__llamacpp.go`` (``EstimateLLaMACppRun``,
``estimateLLaMACppRunInModel``, ``SummarizeItem``) and ``ggml.go``, read in
gpustack/gguf-parser-go; each term below names the block it comes from.

Two inputs an :class:`Architecture` does not carry: gguf-parser counts a tied
embedding twice (once more as the output layer), so it needs that tensor's
bytes, given here by its ggml type; and it charges BPE merges only for a
``gpt2`` tokenizer, taken here as any vocabulary with merges.

Run as ``python -m tests.runtimes.llama_cpp_canister.gguf_parser_method`` to
print each published model's figure beside the published heap.
"""

from __future__ import annotations

import sys

from icpp_sizer_check.gguf.ggml_types import BY_NAME
from icpp_sizer_check.gguf.header import pad
from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import (
    Architecture,
    PerLayer,
    Settings,
)
from tests.runtimes.llama_cpp_canister.published import (
    PUBLISHED_HEAP,
    error_percent,
    published_models,
)

MIB = 1024 * 1024
TENSOR_OVERHEAD = 32 + 368  # ggml.go: GGMLTensorOverhead
MODEL_LOAD = 5 * MIB  # "Footprint": the model load
SCHEDULER = 4 * MIB  # "Computation": the scheduler's overhead
# gguf-parser hard-codes these sliding-window patterns: layer i slides unless
# i % pattern == 0 (file_architecture.go).
SWA_PATTERNS = {"gemma3": 6}

# The type of the tied embedding of each published model: Q8_0 files keep
# token_embd in Q8_0, and llama-quantize's Q4_K_M gives a tied token_embd Q6_K
# (the only type that makes the Qwen3-1.7B file's tensor bytes add up).
EMBEDDING_TYPES = {
    "qwen3-0.6b-q8_0": "q8_0",
    "qwen3-1.7b-q4_k_m": "q6_k",
    "qwen3-1.7b-q4_k_m-ubatch-512": "q6_k",
    "gemma-3-270m-q8_0": "q8_0",
    "lfm2.5-2.6b-q4_k_m": "q6_k",
}


def _first(value: PerLayer) -> int:
    """A per-layer array as gguf-parser-go v0.25 reads it: its first entry
    (gpustack/gguf-parser-go #31, #35; v0.26.0 reads every entry). For lfm2
    that is a short-convolution layer's 0: no KV cache at all."""
    return value if isinstance(value, int) else value[0]


def _bytes(type_name: str, elements: int) -> int:
    return BY_NAME[type_name].row_bytes(elements)


def _graph_overhead(nodes: int) -> int:
    """ggml.go's GGMLComputationGraphOverhead. Its GGMLHashSize searches the
    primes with a comparator that runs off the end for these sizes and answers
    ``nodes | 1`` rather than the next prime."""
    return 32 + pad(80 + 8 * 2 * nodes + 8 * (nodes | 1), 16)


def ram_bytes(arch: Architecture, settings: Settings, embedding_type: str) -> int:
    """gguf-parser's RAM (UMA) for ``arch`` under ``settings``, CPU only, no mmap,
    one sequence, a tied output (the embedding of ``embedding_type`` counted again)."""
    align = 256 if settings.flash_attn else 32
    n_ctx = pad(settings.ctx_size, align)
    n_tokens = min(n_ctx, settings.ubatch_size)
    n_batch_logical = max(32, settings.batch_size)
    n_tensors = arch.n_tensors or 0

    # "Footprint": model load, metadata (the file less its tensors), the
    # vocabulary's containers, and the output buffer of every token.
    output_buffer = 4 * n_tokens * (arch.n_embd + arch.n_vocab)
    footprint = (
        MODEL_LOAD
        + (arch.file_bytes - arch.tensor_data_bytes)
        + arch.n_vocab * (4 + 4 + 32 + 24 + 32)
        + arch.n_merges * (48 + 56)
        + output_buffer
    )
    # "Weight & Parameter": every tensor, and the tied embedding once more.
    weight = arch.tensor_data_bytes + _bytes(embedding_type, arch.n_vocab * arch.n_embd)

    # "KV cache": sliding layers sized from the logical batch.
    k_per_cell = arch.head_dim_k * _first(arch.n_head_kv)
    v_per_cell = arch.head_dim_v * _first(arch.n_head_kv)
    pattern = SWA_PATTERNS.get(arch.arch, 1)
    swa_layers = 0
    swa_cells = n_ctx
    if pattern != 1 and arch.sliding_window:
        swa_layers = arch.n_layer - -(-arch.n_layer // pattern)
        swa_cells = min(n_ctx, pad(arch.sliding_window + n_batch_logical, align))
    kv = 0
    for cells, layers in ((n_ctx, arch.n_layer - swa_layers), (swa_cells, swa_layers)):
        kv += layers * (
            _bytes(settings.cache_type_k, k_per_cell * cells)
            + _bytes(settings.cache_type_v, v_per_cell * cells)
        )

    # "Computation": graph metadata, scheduler, context, inputs, then the
    # larger of one full-context layer of K and V and the output logits.
    nodes = max(1024, 8 * n_tensors)
    computation_footprint = (
        TENSOR_OVERHEAD * nodes
        + _graph_overhead(nodes)
        + SCHEDULER
        + 2 * TENSOR_OVERHEAD * (n_tensors + 1 + 3 * arch.n_layer)
    )
    inputs = 4 * n_tokens * (1 + arch.n_embd + 1 + n_ctx + 1)
    attention = _bytes(settings.cache_type_k, k_per_cell * n_ctx) + _bytes(
        settings.cache_type_v, v_per_cell * n_ctx
    )
    output = 4 * n_tokens * (arch.n_embd + arch.n_vocab)
    computation = computation_footprint + inputs + max(attention, output)

    return footprint + weight + kv + computation


def published_figures() -> dict[str, int]:
    """gguf-parser's RAM for each model of the published config."""
    return {
        name: ram_bytes(model.architecture, model.settings, EMBEDDING_TYPES[name])
        for name, model in published_models().items()
    }


def main() -> None:
    for name, ram in published_figures().items():
        published = PUBLISHED_HEAP[name]
        sys.stdout.write(
            f"{name}: gguf-parser-go {ram:,} B, published {published:,} B "
            f"({error_percent(ram, published)})\n"
        )


if __name__ == "__main__":
    main()
