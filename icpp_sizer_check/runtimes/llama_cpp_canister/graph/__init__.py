"""The compute buffer as llama.cpp reserves it: its graph, placed by ggml-alloc.

llama.cpp sizes the compute buffer by building the graph of its largest
ubatch and letting ggml-alloc place it (llama_context::sched_reserve); there
is no closed form. This package does the same without data: :mod:`.ggml`
makes the tensors, :mod:`.llm` and :mod:`.architectures` build each
architecture's graph as llama.cpp does, :mod:`.alloc` places it. The tests
hold each graph to the one llama.cpp reserves, node by node, and the buffer
to llama.cpp's own dry run.
"""

from __future__ import annotations

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Architecture, Settings
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.alloc import ENDLESS, buffer_size
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.architectures import reserve_graph
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.memory import Ubatch


def ubatch_of(settings: Settings, tokens: int, outputs: int, cells: int, swa_cells: int) -> Ubatch:
    """A ubatch of ``tokens`` tokens, ``outputs`` of them with logits, over
    ``cells`` cells of the full cache and ``swa_cells`` of the sliding one."""
    return Ubatch(
        n_tokens=tokens,
        n_outputs=outputs,
        flash_attn=settings.flash_attn,
        cache_type_k=settings.cache_type_k,
        cache_type_v=settings.cache_type_v,
        cache_cells=cells,
        swa_cells=swa_cells,
    )


def reserve_ubatch(settings: Settings, n_ctx: int, n_ubatch: int, swa_cells: int) -> Ubatch:
    """The worst-case ubatch sched_reserve builds: min(n_ctx, n_ubatch) tokens,
    each an output (n_outputs_max defaults to n_batch), one sequence."""
    n_tokens = min(n_ctx, n_ubatch)
    return ubatch_of(settings, n_tokens, n_tokens, n_ctx, swa_cells)


def compute_buffer_bytes(arch: Architecture, ubatch: Ubatch, max_chunk_size: int = ENDLESS) -> int:
    """The compute buffer, in chunks of at most ``max_chunk_size`` bytes."""
    return buffer_size(reserve_graph(arch, ubatch), max_chunk_size)
