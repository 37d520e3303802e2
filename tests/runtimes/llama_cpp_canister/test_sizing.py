"""The sizing's formulas on full-size shapes, against llama.cpp's exact bytes
measured for them (docs/llama_cpp_canister_memory.md §4.3-4.6), and the
largest context that fits."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Architecture, Settings
from icpp_sizer_check.runtimes.llama_cpp_canister.sizing import (
    MAX_CTX_SIZE,
    max_ctx_size,
    outcome,
    size_model,
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


@given(
    n_layer=st.integers(1, 512),
    pattern=st.integers(0, 600),
    window=st.integers(0, 1024),
)
def test_sliding_layers_are_counted_as_is_swa_walks_them(
    n_layer: int, pattern: int, window: int
) -> None:
    arch = GEMMA_3_270M._replace(
        n_layer=n_layer, sliding_window=window, sliding_window_pattern=pattern
    )
    assert arch.swa_layers() == sum(arch.is_swa(layer) for layer in range(n_layer))


def test_sizing_never_walks_the_layers(monkeypatch: pytest.MonkeyPatch) -> None:
    """A model's cost does not grow with its layer count: the sizing and both
    bisections of the remedies run once per model and must stay cheap for a
    config of thousands of models."""

    def walked(self: Architecture, layer: int) -> bool:
        raise AssertionError("the sizing walked the layers")

    monkeypatch.setattr(Architecture, "is_swa", walked)
    for arch in (QWEN3_0_6B, GEMMA_3_270M._replace(n_layer=512)):
        settings_ = Settings(ctx_size=4096)
        sizing = size_model(arch, settings_)
        outcome(arch, settings_, sizing, 3072 * MIB, 4096 * MIB, 1536 * MIB, MIB, 4096)
