"""The sizing's formulas on full-size shapes, against llama.cpp's exact bytes
measured for them (docs/sizing/llama_cpp_memory.md §4.3-4.6), and the
largest context that fits."""

from __future__ import annotations

from typing import Optional

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Architecture, Settings
from icpp_sizer_check.runtimes.llama_cpp_canister.fit import max_ctx_size, outcome
from icpp_sizer_check.runtimes.llama_cpp_canister.sizing import (
    MAX_CTX_SIZE,
    estimated_tensors,
    size_model,
)
from icpp_sizer_check.runtimes.llama_cpp_canister.wasm_heap import (
    CANISTER_BASE_BYTES,
    graph_result_bytes,
    scheduler_bytes,
    wasm_overhead,
)
from icpp_sizer_check.runtimes.llama_cpp_canister.wasm_heap import (
    vocabulary_bytes as wasm_vocabulary_bytes,
)
from tests.fixtures import examples

MIB = 1024 * 1024
QWEN3_0_6B = Architecture(
    n_layer=28,
    n_embd=1024,
    n_head=16,
    n_head_kv=8,
    head_dim_k=128,
    head_dim_v=128,
    n_ff=3072,
    n_vocab=151936,
    tensor_data_bytes=633495552,
    file_bytes=639781632,
    arch="qwen3",
    n_tensors=310,
    n_merges=151387,
)
GEMMA_3_270M = Architecture(
    n_layer=18,
    n_embd=640,
    n_head=4,
    n_head_kv=1,
    head_dim_k=256,
    head_dim_v=256,
    n_ff=2048,
    n_vocab=262144,
    tensor_data_bytes=285018624,
    file_bytes=292260960,
    arch="gemma3",
    sliding_window=512,
    sliding_window_pattern=6,
    n_tensors=236,
)
# Gemma 3n E2B's shape (HF google/gemma-3n-E2B-it config; the GGUF's vocabulary
# is the per-layer table's 262144 tokens), with illustrative weight bytes: gemma3
# 270M's heads of 256, vocabulary and window of 512.
GEMMA_3N_E2B = GEMMA_3_270M._replace(
    arch="gemma3n",
    n_layer=30,
    n_embd=2048,
    n_head=8,
    n_head_kv=2,
    n_ff=8192,
    tensor_data_bytes=1000,
    file_bytes=2000,
    sliding_window_pattern=0,
    n_tensors=None,
    tied_embedding_bytes=300,
)
CANISTER_QWEN3 = Settings(16384, 64, 64, "q8_0", "q8_0", True, False)


def test_qwen3_buffers_are_llama_cpps_to_the_byte() -> None:
    sizing = size_model(QWEN3_0_6B, CANISTER_QWEN3)
    assert sizing.context.n_ctx == 16384
    assert sizing.kv_cache == 998_244_352
    assert sizing.output == 607_744
    assert sizing.weights == QWEN3_0_6B.tensor_data_bytes
    # llama_state_save_file's size at 16384 tokens, q8_0 K and V, flash attention.
    assert sizing.session == 998_507_205


def test_gemma3_sliding_window_layers_keep_a_smaller_cache() -> None:
    sizing = size_model(GEMMA_3_270M, Settings(4096))
    # 3 global layers of 4096 cells, 15 sliding ones of PAD(512 + 512, 256).
    assert sizing.context.n_swa_cells == 1024
    assert sizing.kv_cache == 28_311_552
    assert sizing.output == 1_048_576


@pytest.mark.parametrize(
    ("arch", "chosen", "exact"),
    [
        (QWEN3_0_6B, CANISTER_QWEN3, 42_041_600),
        (QWEN3_0_6B, Settings(16384, 8, 8, "q8_0", "q8_0", True), 5_255_200),
        (QWEN3_0_6B, Settings(16384, 512, 512, flash_attn=False), 589_309_952),
        (QWEN3_0_6B, Settings(16384, 512, 512), 336_332_800),
        (GEMMA_3_270M, Settings(4096), 539_494_400),
    ],
    ids=["qwen3-ub64", "qwen3-ub8", "qwen3-no-fa", "qwen3-ub512", "gemma3"],
)
def test_compute_within_ten_percent_of_full_size_shapes(
    arch: Architecture, chosen: Settings, exact: int
) -> None:
    predicted = size_model(arch, chosen).compute
    assert abs(predicted - exact) / exact <= 0.10, predicted


def test_context_is_padded_and_batches_clamped_to_it() -> None:
    context = size_model(QWEN3_0_6B, Settings(300, 2048, 512)).context
    assert (context.n_ctx, context.n_batch, context.n_ubatch) == (512, 300, 300)


@settings(max_examples=examples(60), deadline=None)
@given(
    budget_mib=st.integers(1, 8192),
    ubatch=st.integers(1, 2048),
    flash=st.booleans(),
    cache=st.sampled_from(["f16", "q8_0", "q4_0", "f32"]),
)
def test_max_ctx_size_is_the_largest_that_fits(
    budget_mib: int, ubatch: int, flash: bool, cache: str
) -> None:
    chosen = Settings(1, ubatch_size=ubatch, cache_type_k=cache, flash_attn=flash)
    budget = budget_mib * MIB
    found = max_ctx_size(GEMMA_3_270M, chosen, budget)

    def heap(ctx: int) -> int:
        return size_model(GEMMA_3_270M, chosen._replace(ctx_size=ctx)).heap

    if found is None:
        assert heap(1) > budget
    else:
        assert heap(found) <= budget
        assert found == MAX_CTX_SIZE or heap(found + 1) > budget


def test_outcome_remedies_only_a_model_short_of_headroom() -> None:
    sizing = size_model(QWEN3_0_6B, CANISTER_QWEN3)
    roomy = outcome(QWEN3_0_6B, CANISTER_QWEN3, sizing, 3840 * MIB, 64 * MIB, 1536 * MIB, MIB, 4096)
    assert roomy.ctx_for_headroom is None and roomy.memory_for_headroom_mib is None
    tight = outcome(QWEN3_0_6B, CANISTER_QWEN3, sizing, 1700 * MIB, 64 * MIB, 1536 * MIB, MIB, 4096)
    assert tight.memory_for_headroom_mib == -(-(sizing.heap + 64 * MIB) // MIB)
    assert tight.ctx_for_headroom is not None and tight.ctx_for_headroom < 16384
    beyond = outcome(
        QWEN3_0_6B, CANISTER_QWEN3, sizing, 1700 * MIB, 64 * MIB, 1536 * MIB, MIB, 1700
    )
    assert beyond.memory_for_headroom_mib is None
    shorter = size_model(QWEN3_0_6B, CANISTER_QWEN3._replace(ctx_size=tight.ctx_for_headroom))
    assert 1700 * MIB - shorter.heap >= 64 * MIB


def test_outcome_keeps_the_canister_and_what_fits() -> None:
    sizing = size_model(QWEN3_0_6B, CANISTER_QWEN3)
    fits = max_ctx_size(QWEN3_0_6B, CANISTER_QWEN3, 1720 * MIB)
    assert fits is not None and fits > 16384
    for limit in (1720 * MIB, 3840 * MIB):
        held = outcome(QWEN3_0_6B, CANISTER_QWEN3, sizing, limit, 64 * MIB, 1536 * MIB, MIB, 4096)
        assert held[:4] == (
            limit,
            64 * MIB,
            1536 * MIB,
            max_ctx_size(QWEN3_0_6B, CANISTER_QWEN3, limit),
        )
        assert held.headroom(sizing) == limit - sizing.heap
    assert (
        outcome(
            QWEN3_0_6B, CANISTER_QWEN3, sizing, 1720 * MIB, 64 * MIB, 1536 * MIB, MIB, 4096
        ).max_ctx_size
        == fits
    )


def test_the_largest_context_that_fits_stops_at_the_trained_one() -> None:
    """Regression: gemma-3-270m's heap fits a 1,370,880-token context, 42 times
    the 32,768 it was trained on, and the document offered it as is."""
    trained = QWEN3_0_6B._replace(context_length=40960)
    sizing = size_model(trained, CANISTER_QWEN3)
    for limit, short in ((3840 * MIB, 0), (1700 * MIB, 64 * MIB)):
        held = outcome(trained, CANISTER_QWEN3, sizing, limit, short, 1536 * MIB, MIB, 4096)
        heap_fits = max_ctx_size(trained, CANISTER_QWEN3, limit)
        assert held.max_ctx_size == heap_fits and heap_fits is not None
        assert held.trained_max_ctx_size == min(heap_fits, 40960)
        assert held.context_length == 40960
    roomy = outcome(trained, CANISTER_QWEN3, sizing, 3840 * MIB, 0, 1536 * MIB, MIB, 4096)
    assert roomy.trained_max_ctx_size == 40960 < roomy.max_ctx_size  # type: ignore[operator]
    untrained = outcome(QWEN3_0_6B, CANISTER_QWEN3, sizing, 3840 * MIB, 0, 1536 * MIB, MIB, 4096)
    assert untrained.trained_max_ctx_size == untrained.max_ctx_size


def test_headroom_of_exactly_min_headroom_needs_no_remedy() -> None:
    sizing = size_model(QWEN3_0_6B, CANISTER_QWEN3)
    limit = sizing.heap + 64 * MIB
    exact = outcome(QWEN3_0_6B, CANISTER_QWEN3, sizing, limit, 64 * MIB, 1536 * MIB, MIB, 4096)
    assert exact.ctx_for_headroom is None and exact.memory_for_headroom_mib is None
    short = outcome(QWEN3_0_6B, CANISTER_QWEN3, sizing, limit - 1, 64 * MIB, 1536 * MIB, MIB, 4096)
    assert short.memory_for_headroom_mib == -(-limit // MIB)


def test_memory_of_exactly_the_heap_cap_is_a_remedy() -> None:
    sizing = size_model(QWEN3_0_6B, CANISTER_QWEN3)
    needed = -(-(sizing.heap + 64 * MIB) // MIB)
    at_cap = outcome(
        QWEN3_0_6B, CANISTER_QWEN3, sizing, 1700 * MIB, 64 * MIB, 1536 * MIB, MIB, needed
    )
    assert at_cap.memory_for_headroom_mib == needed


@given(
    n_layer=st.integers(1, 512),
    pattern=st.integers(0, 600),
    window=st.integers(0, 1024),
)
# No window, a window of one token, no pattern, a pattern of one (every layer global).
@example(n_layer=18, pattern=6, window=0)
@example(n_layer=18, pattern=6, window=1)
@example(n_layer=18, pattern=0, window=512)
@example(n_layer=18, pattern=1, window=512)
def test_sliding_layers_are_counted_as_is_swa_walks_them(
    n_layer: int, pattern: int, window: int
) -> None:
    arch = GEMMA_3_270M._replace(
        n_layer=n_layer, sliding_window=window, sliding_window_pattern=pattern
    )
    assert arch.swa_layers() == sum(arch.is_swa(layer) for layer in range(n_layer))


def _session(
    tokens: int, arch: str, caches: list[tuple[int, int]], kv_row: int, v_header: int
) -> int:
    """llama_state_save_file's size by docs/sizing/llama_cpp_memory.md §3.6:
    magic, version, token count and tokens, the architecture string, then per
    KV cache (cells, layers) its stream and cell counts, the cells' metadata and
    each layer's K and V rows behind their headers (K and V rows of kv_row bytes)."""
    state = 4 + len(arch)
    for cells, layers in caches:
        state += 4 + 4 + cells * 12 + 8
        state += layers * (4 + 8 + cells * kv_row)
        state += layers * (v_header + cells * kv_row)
    return 4 + 4 + 4 + 4 * tokens + state


def test_session_without_flash_attention_has_the_transposed_v_header_of_as_many_bytes() -> None:
    # f16 K and V rows of head_dim 128 x 8 KV heads x 2 bytes; V transposed: 3 u32 a layer.
    sizing = size_model(QWEN3_0_6B, Settings(16384, flash_attn=False))
    assert sizing.session == _session(16384, "qwen3", [(16384, 28)], 128 * 8 * 2, 4 + 4 + 4)
    with_fa = size_model(QWEN3_0_6B, Settings(16384))
    assert with_fa.session == _session(16384, "qwen3", [(16384, 28)], 128 * 8 * 2, 4 + 8)
    # Both headers hold 12 bytes: the same file either way.
    assert sizing.session == with_fa.session


def test_session_saves_the_sliding_window_cache_after_the_full_one() -> None:
    # gemma3 at 4096 tokens: 3 global layers of 4096 cells, 15 sliding ones of 1024.
    sizing = size_model(GEMMA_3_270M, Settings(4096))
    row = 256 * 1 * 2
    assert sizing.session == _session(4096, "gemma3", [(4096, 3), (1024, 15)], row, 4 + 8)


def test_a_window_as_long_as_the_context_still_saves_two_caches() -> None:
    # ctx 512: the window's PAD(min(512, 512 + 512), 256) cells are the context's,
    # but llama.cpp keeps the window's own cache, and saves its cells' metadata too.
    sizing = size_model(GEMMA_3_270M, Settings(512))
    assert sizing.context.n_swa_cells == sizing.context.n_ctx == 512
    assert sizing.session == _session(512, "gemma3", [(512, 3), (512, 15)], 256 * 2, 4 + 8)


def test_a_full_cache_without_layers_still_saves_its_cells() -> None:
    # 3 layers of a pattern of 6: every layer slides, and the full cache holds
    # none, yet it is saved with the metadata of its 1024 cells.
    sliding = GEMMA_3_270M._replace(n_layer=3)
    assert sliding.swa_layers() == 3
    sizing = size_model(sliding, Settings(1000, ubatch_size=64))
    assert (sizing.context.n_ctx, sizing.context.n_swa_cells) == (1024, 768)
    assert sizing.session == _session(1024, "gemma3", [(1024, 0), (768, 3)], 256 * 2, 4 + 8)


def test_a_shorter_window_is_padded_from_window_plus_ubatch() -> None:
    window = GEMMA_3_270M._replace(sliding_window=100)
    # PAD(min(4096, 100 + 64), 256) = 256 cells; 3 layers of 4096, 15 of 256.
    sizing = size_model(window, Settings(4096, ubatch_size=64))
    assert sizing.context.n_swa_cells == 256
    assert sizing.kv_cache == (3 * 4096 + 15 * 256) * 2 * 256 * 2
    plain = size_model(QWEN3_0_6B, Settings(4096))
    assert plain.context.n_swa_cells == 0


def test_overhead_is_the_wasm_heap_outside_the_buffers() -> None:
    # The canister's base, the vocabulary by its tokenizer, and the scheduler
    # and two graphs' metadata for 8 nodes a tensor (310 tensors).
    qwen = size_model(QWEN3_0_6B, Settings(4096)).overhead
    assert qwen == wasm_overhead(QWEN3_0_6B, 310, 512).total
    assert qwen == (
        CANISTER_BASE_BYTES
        + wasm_vocabulary_bytes("gpt2", 151936, 151387)
        + scheduler_bytes(8 * 310)
        + 2 * graph_result_bytes(8 * 310)
    )
    # No tensor count written: 9 a layer plus 3 (embeddings, norm, output).
    unknown = QWEN3_0_6B._replace(n_tensors=None)
    assert size_model(unknown, Settings(4096)).overhead == wasm_overhead(unknown, 255, 512).total
    # A small graph still reserves 1024 nodes.
    small = QWEN3_0_6B._replace(n_tensors=128)
    assert size_model(small, Settings(4096)).overhead == wasm_overhead(small, 1, 512).total


def test_one_sliding_layer_has_its_own_cache() -> None:
    # Two layers, every second one global: one sliding layer of PAD(512 + 512, 256) cells.
    arch = GEMMA_3_270M._replace(n_layer=2, sliding_window_pattern=2)
    sizing = size_model(arch, Settings(4096))
    assert sizing.context.n_swa_cells == 1024
    assert sizing.kv_cache == (4096 + 1024) * 2 * 256 * 2


def test_max_ctx_size_takes_a_heap_of_exactly_the_budget() -> None:
    def heap(ctx: int) -> int:
        return size_model(GEMMA_3_270M, Settings(ctx)).heap

    # 1000 and 1024 tokens make the same context (1024 cells, 512-token batches).
    assert heap(1000) == heap(1024) < heap(1025)
    assert max_ctx_size(GEMMA_3_270M, Settings(1), heap(1024)) == 1024
    # One token: a batch of one, smaller than two tokens'.
    assert heap(1) < heap(2)
    assert max_ctx_size(GEMMA_3_270M, Settings(1), heap(1)) == 1
    assert max_ctx_size(GEMMA_3_270M, Settings(1), heap(1) - 1) is None


def _bisected(arch: Architecture, settings_: Settings, budget: int) -> Optional[int]:
    """The plain bisection the interpolation search must agree with."""

    def fits(ctx: int) -> bool:
        return size_model(arch, settings_._replace(ctx_size=ctx)).heap <= budget

    if not fits(1):
        return None
    low, high = 1, MAX_CTX_SIZE
    if fits(high):
        return high
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if fits(middle) else (low, middle)
    return low


@settings(max_examples=examples(40), deadline=None)
@given(
    arch=st.sampled_from([QWEN3_0_6B, GEMMA_3_270M]),
    batch=st.sampled_from([1, 3, 8, 100, 512, 2048, 5000]),
    ubatch=st.sampled_from([1, 8, 64, 512]),
    cache=st.sampled_from(["f32", "f16", "q8_0"]),
    flash=st.booleans(),
    budget=st.integers(2**28, 4 * 2**30),
)
def test_max_ctx_size_is_what_a_bisection_finds(
    arch: Architecture, batch: int, ubatch: int, cache: str, flash: bool, budget: int
) -> None:
    """Without the CPU buffer cap the heap never shrinks as the context grows,
    and the search agrees with a bisection. With it the heap is not monotonic
    (a compute graph in 128 MiB chunks can take more room at a smaller context:
    see test_the_capped_heap_can_shrink_as_the_context_grows), so the search's
    answer is a context that fits whose next cells do not."""
    uncapped = Settings(4096, batch, ubatch, cache, "f16", flash, buffer_cap_mib=0)
    assert max_ctx_size(arch, uncapped, budget) == _bisected(arch, uncapped, budget)
    capped = uncapped._replace(buffer_cap_mib=128)
    found = max_ctx_size(arch, capped, budget)
    if found is not None and found < MAX_CTX_SIZE:
        heap = size_model(arch, capped._replace(ctx_size=found)).heap
        # one token more pads to the next cells (or is the next context)
        assert heap <= budget < size_model(arch, capped._replace(ctx_size=found + 1)).heap


def test_the_capped_heap_can_shrink_as_the_context_grows() -> None:
    """Measured in the wasm32 build with the 128 MiB cap (tests/wasm), a
    gemma3 file of this shape without flash attention takes 2,147,483,648
    bytes at ctx 64816 and 1,641,086,976 at 66864, 506,396,672 fewer: once its
    attention scores outgrow a chunk they take one of their own, and the
    others pack anew. The sizing gave that file 2,148,057,336 and 1,641,595,128."""
    settings_ = Settings(64816, 2048, 512, "f32", "f16", False)
    shape = GEMMA_3_270M._replace(tokenizer="none")
    smaller = size_model(shape, settings_).heap
    larger = size_model(shape, settings_._replace(ctx_size=66864)).heap
    assert smaller - larger == 506_462_208


# gemma3n at a small shape (a GGUF llama.cpp loaded): 22 layers, the last two
# without a cache of their own.
GEMMA3N_22 = GEMMA_3N_E2B._replace(
    n_layer=22, n_embd=256, head_dim_k=64, head_dim_v=64, sliding_window=128
)


@pytest.mark.parametrize(
    ("settings_", "saved"),
    [
        (Settings(256, 64, 64), 2_629_143),
        (Settings(600, 2048, 32, "q8_0", "q8_0"), 1_965_591),
        (Settings(300, 2048, 512, "f32", "bf16", flash_attn=False), 7_879_191),
    ],
)
def test_gemma3n_saves_only_the_layers_that_own_a_cache(settings_: Settings, saved: int) -> None:
    # llama_state_save_file's size, measured with llama.cpp on a 22-layer file:
    # 4 global and 16 sliding layers own a cache, the last two save nothing.
    assert size_model(GEMMA3N_22, settings_).session == saved


def test_a_gemma3n_without_a_tensor_count_has_its_loaders_tensors() -> None:
    # the 22-layer file above holds 535 tensors: 24 a layer and 7 others
    assert estimated_tensors(GEMMA3N_22) == 535
    assert estimated_tensors(QWEN3_0_6B) == 9 * 28 + 3


def test_the_canisters_own_memory_and_buffer_cap_are_settings() -> None:
    """canister_base_mib adds its MiB to the heap as written; buffer_cap_mib
    0 places the compute graph in one buffer, as builds before the cap do."""
    settings = Settings(16384, 2048, 512, "q8_0", "q8_0")
    base = size_model(QWEN3_0_6B, settings)
    roomier = size_model(QWEN3_0_6B, settings._replace(canister_base_mib=32))
    assert roomier.heap - base.heap == 12 * MIB
    uncapped = size_model(QWEN3_0_6B, settings._replace(buffer_cap_mib=0))
    assert uncapped.compute == base.compute and uncapped.heap <= base.heap
    assert base.chunking >= 0 and uncapped.chunking == 0
