"""A sized model held to its canister: the largest context that fits the
heap, and what mends a model that leaves too little of it free."""

from __future__ import annotations

from typing import NamedTuple, Optional

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Architecture, Settings
from icpp_sizer_check.runtimes.llama_cpp_canister.sizing import (
    CTX_PADDING,
    MAX_CTX_SIZE,
    LlamaCppSizing,
    size_model,
)


def max_ctx_size(arch: Architecture, settings: Settings, budget: int) -> Optional[int]:
    """The largest ctx_size whose heap is at most ``budget`` bytes, the other
    settings unchanged; None when not even one token's context fits.

    Without a CPU buffer cap the heap never shrinks as the context grows, and
    once the context holds a whole batch it changes only where llama.cpp's
    padding does (every 256 tokens) and almost linearly: an interpolation
    search, snapped to the padding and alternating with bisection so that it
    never takes more than twice a bisection's steps, finds it in a handful of
    graphs. With the cap a compute graph in chunks can take more room at a
    smaller context (measured in tests/wasm), and the search's answer is a
    context that fits whose next cells do not."""
    heaps: dict[int, int] = {}

    def heap(ctx: int) -> int:
        if ctx not in heaps:
            heaps[ctx] = size_model(arch, settings._replace(ctx_size=ctx)).heap
        return heaps[ctx]

    if heap(1) > budget:
        return None
    low, high = 1, MAX_CTX_SIZE
    if heap(high) <= budget:
        return high
    whole_batch = max(settings.batch_size, 1)
    interpolate = True
    while high - low > 1:
        if low >= whole_batch and low % CTX_PADDING == 0 and high - low <= CTX_PADDING:
            return low  # every context above low pads to high's cells
        middle = (low + high) // 2
        if interpolate:
            span = heap(high) - heap(low)
            guess = low + (budget - heap(low)) * (high - low) // max(span, 1)
            if guess >= whole_batch:
                guess = guess // CTX_PADDING * CTX_PADDING
            if guess <= low:  # the answer is close above low: probe the next cells
                guess = low + (CTX_PADDING if low >= whole_batch else 1)
            middle = guess if low < guess < high else middle
        interpolate = not interpolate
        if heap(middle) <= budget:
            low = middle
        else:
            high = middle
    return low


class Outcome(NamedTuple):
    """A sized model held to the canister: what it fits, and what would mend it."""

    limit: int  # the canister's wasm_memory_limit, bytes
    min_headroom: int  # bytes the heap must leave free
    max_file: int  # the largest model file the canister reads, bytes
    max_ctx_size: Optional[int]  # the largest ctx_size whose heap fits the limit
    # For a model short of heap: the largest ctx_size that leaves min_headroom
    # free, and the memory that would with its settings unchanged (MiB; None
    # when more than the heap cap would be needed).
    ctx_for_headroom: Optional[int] = None
    memory_for_headroom_mib: Optional[int] = None
    context_length: Optional[int] = None  # the context the model was trained on

    def headroom(self, sizing: LlamaCppSizing) -> int:
        return self.limit - sizing.heap

    @property
    def trained_max_ctx_size(self) -> Optional[int]:
        """The largest ctx_size that fits, never beyond the trained context:
        llama.cpp runs a longer one, but warns "possible training context
        overflow" (llama_context's constructor), and the model never saw one."""
        if self.max_ctx_size is None or self.context_length is None:
            return self.max_ctx_size
        return min(self.max_ctx_size, self.context_length)


def outcome(
    arch: Architecture,
    settings: Settings,
    sizing: LlamaCppSizing,
    limit: int,
    min_headroom: int,
    max_file: int,
    mib: int,
    cap_mib: int,
) -> Outcome:
    """``sizing`` held to a canister of ``limit`` bytes; the remedies are worked
    out only for a model whose heap leaves less than ``min_headroom`` free,
    and no memory above ``cap_mib`` (the heap cap) is ever one."""
    fits = max_ctx_size(arch, settings, limit)
    trained = arch.context_length
    if limit - sizing.heap >= min_headroom:
        return Outcome(limit, min_headroom, max_file, fits, context_length=trained)
    ctx = max_ctx_size(arch, settings, limit - min_headroom)
    memory = -(-(sizing.heap + min_headroom) // mib)
    enough = memory if memory <= cap_mib else None
    return Outcome(limit, min_headroom, max_file, fits, ctx, enough, trained)
