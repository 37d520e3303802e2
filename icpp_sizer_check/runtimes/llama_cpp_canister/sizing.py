"""The heap llama.cpp allocates to load a GGUF model in a wasm32 canister, by buffer.

Each figure follows the llama.cpp code that allocates it (docs/sizing/
llama_cpp_memory.md cites the lines): the model buffer, the KV
cache, the output buffer and the compute buffer as llama.cpp logs them, plus
the heap its buffers do not hold. The tests load generated GGUF files with
real llama.cpp and hold these figures to its buffers.

One context serves the whole canister (n_seq_max 1, no unified KV, no full
sliding-window cache: llama.cpp's command-line defaults), with mmap off, so
the weights are read into the heap.
"""

from __future__ import annotations

from typing import NamedTuple

from icpp_sizer_check.canister import MIB
from icpp_sizer_check.gguf.ggml_types import (
    BY_NAME,
    GgmlType,
)
from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import (
    Architecture,
    Settings,
    sliding_window_of,
    swa_layers_of,
)
from icpp_sizer_check.runtimes.llama_cpp_canister.graph import reserve_ubatch
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.alloc import buffer_size
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.architectures import reserve_graph
from icpp_sizer_check.runtimes.llama_cpp_canister.wasm_heap import pad, wasm_overhead

# llama.cpp pads the context to this many cells (llama-context.cpp).
CTX_PADDING = 256
# The largest ctx_size llama.cpp takes (an int32).
MAX_CTX_SIZE = 2**31 - 1


class Context(NamedTuple):
    """The context llama.cpp makes of the settings (llama_context's constructor)."""

    n_ctx: int  # cells of the KV cache: ctx_size padded to 256
    n_batch: int
    n_ubatch: int
    n_swa_cells: int  # cells of the sliding-window cache (0: none)


def make_context(arch: Architecture, settings: Settings) -> Context:
    n_ctx = pad(settings.ctx_size, CTX_PADDING)
    n_batch = min(settings.ctx_size, settings.batch_size)
    n_ubatch = min(n_batch, settings.ubatch_size)
    window = sliding_window_of(arch)
    n_swa_cells = pad(min(n_ctx, window + n_ubatch), CTX_PADDING) if arch.swa_layers() else 0
    return Context(n_ctx, n_batch, n_ubatch, n_swa_cells)


def _cache_type(name: str) -> GgmlType:
    return BY_NAME[name]


def _caches(arch: Architecture, context: Context) -> list[tuple[int, list[int]]]:
    """(cells, layers) of the full cache, then of the sliding-window cache when
    some layer slides (llama_kv_cache_iswa makes both, even if the full one
    holds no layer). Recurrent layers have no KV cache."""
    layers = arch.attention_layers()
    flags = swa_layers_of(arch)
    sliding = [il for il in layers if flags[il]]
    caches = [(context.n_ctx, [il for il in layers if not flags[il]])]
    if sliding:
        caches.append((context.n_swa_cells, sliding))
    return caches


def _kv_rows(arch: Architecture, settings: Settings, layer: int) -> tuple[int, int]:
    """The bytes of one cell's K and V in ``layer``."""
    type_k, type_v = _cache_type(settings.cache_type_k), _cache_type(settings.cache_type_v)
    n_head_kv = arch.head_count_kv(layer)
    return (
        type_k.row_bytes(arch.head_dim_k * n_head_kv),
        type_v.row_bytes(arch.head_dim_v * n_head_kv),
    )


def recurrent_state_bytes(arch: Architecture) -> int:
    """One sequence's recurrent state (llama_memory_recurrent): each recurrent
    layer's convolution state and its other state (qwen35's DeltaNet
    matrices, Mamba2's SSM state), f32."""
    return len(arch.recurrent_layers_of()) * (arch.n_embd_r() + arch.n_embd_s()) * 4


def kv_cache_bytes(arch: Architecture, settings: Settings, context: Context) -> int:
    """K and V of every attention layer, one row a cell (llama_kv_cache's
    constructor), and the recurrent layers' states. Without flash attention V
    is stored transposed, each layer's rows as wide as the widest layer's."""
    type_v = _cache_type(settings.cache_type_v)
    widest_v = arch.n_embd_v_gqa_max()
    total = 0
    for cells, layers in _caches(arch, context):
        for il in layers:
            k_row, v_row = _kv_rows(arch, settings, il)
            if not settings.flash_attn:
                v_row = type_v.row_bytes(widest_v)
            total += cells * (k_row + v_row)
    return total + recurrent_state_bytes(arch)


def output_bytes(arch: Architecture) -> int:
    """The logits of one sequence, f32 (llama_context::output_reserve)."""
    return arch.n_vocab * 4


def compute_bytes(arch: Architecture, settings: Settings, context: Context) -> tuple[int, int]:
    """The compute buffer: llama.cpp's reserve graph, placed as ggml-alloc
    does, natively (one chunk) and in the canister (chunks of at most the
    build's buffer cap, which can leave more room between tensors)."""
    ubatch = reserve_ubatch(settings, context.n_ctx, context.n_ubatch, context.n_swa_cells)
    graph = reserve_graph(arch, ubatch)
    native = buffer_size(graph)
    cap = settings.buffer_cap_mib * MIB
    if not cap or native <= cap:  # one chunk holds it: placed the same
        return native, native
    return native, buffer_size(graph, cap)


# Tensors a file holds per layer and besides the layers: a llama-like one's
# (two norms, Q, K, V, the output, the feed-forward's three; embeddings, norm,
# output), and gemma3n's (its loader's list). A Mamba2 layer (granitehybrid)
# holds its norms and feed-forward, ssm_in, the convolution's weight and bias,
# dt's bias, A, D, the grouped norm and ssm_out.
FILE_TENSORS = {"gemma3n": (24, 7)}
LLAMA_LIKE_TENSORS = (9, 3)
MAMBA2_LAYER_TENSORS = 13


def estimated_tensors(arch: Architecture) -> int:
    """The file's tensors, for a written architecture that leaves n_tensors
    out; a granitehybrid Mamba2 layer holds 13 in place of an attention layer's 9."""
    per_layer, others = FILE_TENSORS.get(arch.arch, LLAMA_LIKE_TENSORS)
    mamba2 = len(arch.recurrent_layers_of()) if arch.arch == "granitehybrid" else 0
    return per_layer * arch.n_layer + (MAMBA2_LAYER_TENSORS - per_layer) * mamba2 + others


def overhead_bytes(arch: Architecture, settings: Settings, context: Context) -> int:
    """The wasm heap outside llama.cpp's buffers (wasm_heap.py, term by term)."""
    tensors = arch.n_tensors if arch.n_tensors is not None else estimated_tensors(arch)
    tokens, base = min(context.n_ctx, context.n_ubatch), settings.canister_base_mib * MIB
    return wasm_overhead(arch, tensors, tokens, base).total


def session_bytes(arch: Architecture, settings: Settings, context: Context) -> int:
    """The session file of one conversation at full context (llama_state_save_file):
    its header and tokens, then the state of each KV cache, then the recurrent
    layers' states."""
    tokens = context.n_ctx
    state = 4 + len(arch.arch.encode())
    v_header = 4 + 8 if settings.flash_attn else 4 + 4 + 4
    # Each cache writes its cells' metadata, even a sliding window's as long as
    # the context, or a full cache that holds no layer (measured).
    for cache_cells, layers in _caches(arch, context):
        cells = min(tokens, cache_cells)
        state += 4 + 4  # streams, then the stream's cell count
        # each cell's position and sequence (and an M-RoPE cell's 2D position
        # and token, llama_kv_cell_ext); v_trans, n_layer
        state += cells * (12 + (12 if arch.positions_per_token() > 1 else 0)) + 8
        for il in layers:
            k_row, v_row = _kv_rows(arch, settings, il)
            state += 4 + 8 + cells * k_row + v_header + cells * v_row
    recurrent = arch.recurrent_layers_of()
    if recurrent:
        # one cell (position, one sequence id), s_trans and n_layer, then per
        # layer the convolution state's type, row size and row, then the SSM
        # state's (an empty row for lfm2)
        state += 4 + 12 + 8 + len(recurrent) * 2 * (4 + 8) + recurrent_state_bytes(arch)
    return 4 + 4 + 4 + 4 * tokens + state


class LlamaCppSizing(NamedTuple):
    """One model's heap by buffer, and what one saved conversation costs."""

    context: Context
    weights: int
    kv_cache: int
    output: int
    compute: int  # as llama.cpp natively places it
    chunking: int  # what the build's capped CPU buffers add to the compute buffer
    overhead: int
    session: int
    file: int

    @property
    def heap(self) -> int:
        return (
            self.weights
            + self.kv_cache
            + self.output
            + self.compute
            + self.chunking
            + self.overhead
        )


def size_model(arch: Architecture, settings: Settings) -> LlamaCppSizing:
    context = make_context(arch, settings)
    compute, chunked = compute_bytes(arch, settings, context)
    return LlamaCppSizing(
        context=context,
        weights=arch.weight_bytes(),
        kv_cache=kv_cache_bytes(arch, settings, context),
        output=output_bytes(arch),
        compute=compute,
        chunking=chunked - compute,
        overhead=overhead_bytes(arch, settings, context),
        session=session_bytes(arch, settings, context),
        file=arch.file_bytes,
    )
