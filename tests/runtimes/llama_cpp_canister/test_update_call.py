"""An update call's instructions under the IC's accounting, and the tokens
one affords (runtimes/llama_cpp_canister/update_call.py), held to what
llama_cpp_canister publishes: the cache cleared each call, whole calls'
cycles, and the ceilings its READMEs give."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from icpp_sizer_check.runtimes.llama_cpp_canister.sizing import kv_cache_bytes, make_context
from icpp_sizer_check.runtimes.llama_cpp_canister.update_call import (
    MOST_TOKENS,
    ceilings,
    copied,
    largest,
    touched,
)
from tests.runtimes.llama_cpp_canister.published import all_published_models
from tests.runtimes.llama_cpp_canister.published_calls import (
    PUBLISHED_CALLS,
    PUBLISHED_CEILINGS,
    counted_call,
    counted_ceiling,
)

# What the published figures do not hold the count to, and the measurement why.
# LFM2.5-1.2B's call of 12.45 B cycles for 4 tokens cannot stand beside its
# ceiling of 9 tokens (10 fail): at that rate 9 tokens take under 28 B. The
# tool counts 3.9 B a token, the wasm build's fuel (3,899 M,
# tests/wasm/test_instructions.py), which puts the ceiling at 9, as published.
UNLIKE_ITS_CEILING = {("lfm2.5-1.2b-q4_k_m", 4096)}
# LFM2.5-2.6B generates 4 tokens in 38.87 B cycles, 97 % of the limit; the
# tool counts that call 3.5 % higher (40.2 B), just over, so it affords 3.
AT_THE_LIMIT = {("lfm2.5-2.6b-q4_k_m", "generated")}


def test_a_page_touched_costs_the_trackers_fee_and_a_copy_a_byte_more() -> None:
    assert [touched(size) for size in (0, 1, 4096, 4097)] == [0, 10_000, 10_000, 20_000]
    assert copied(4096) == 4096 + 10_000


def test_clearing_qwen3_1_7bs_cache_costs_what_the_canister_measured() -> None:
    """llama_memory_clear(mem, true) each call: 0.86 B at ctx 4096, 5.16 B at 24576."""
    model = all_published_models()["qwen3-1.7b-q4_k_m"]
    for ctx_size, published in ((4096, 0.86e9), (24576, 5.16e9)):
        settings = model.settings._replace(ctx_size=ctx_size)
        cache = kv_cache_bytes(
            model.architecture, settings, make_context(model.architecture, settings)
        )
        assert abs(copied(cache) - published) <= 0.01 * published


def test_each_published_call_within_5_percent() -> None:
    for call in PUBLISHED_CALLS:
        if (call.model, call.ctx_size) in UNLIKE_ITS_CEILING:
            continue
        assert abs(counted_call(call) - call.cycles) <= 0.05 * call.cycles, call


def test_each_published_ceiling_within_20_percent_or_explained() -> None:
    for ceiling in PUBLISHED_CEILINGS:
        counted = counted_ceiling(ceiling)
        if (ceiling.model, ceiling.kind) in AT_THE_LIMIT:
            assert counted == ceiling.passed - 1
            continue
        assert abs(counted - ceiling.passed) <= 0.2 * ceiling.passed, (ceiling, counted)
        assert ceiling.failed is None or counted < ceiling.failed * 1.2, (ceiling, counted)


@given(most=st.integers(0, 5000), threshold=st.integers(-1, 6000))
def test_largest_finds_the_last_count_that_fits(most: int, threshold: int) -> None:
    assert largest(most, lambda count: count <= threshold) == max(0, min(threshold, most))


def test_a_model_without_its_weights_types_has_no_ceilings() -> None:
    model = all_published_models()["gemma-3-270m-q8_0"]
    arch = model.architecture._replace(matrix_types=None)
    assert ceilings(arch, model.settings, 4096) is None
    assert ceilings(model.architecture._replace(output_type="iq2_xxs"), model.settings, 9) is None


def test_a_longer_conversation_affords_fewer_tokens() -> None:
    model = all_published_models()["gemma-3-270m-q8_0"]
    counted = [ceilings(model.architecture, model.settings, at) for at in (300, 1500, 4096)]
    late = [ceiling.generated_late for ceiling in counted if ceiling is not None]
    assert late == sorted(late, reverse=True) and late[0] > late[-1]


def test_a_tiny_model_is_counted_up_to_its_bound_and_never_failed_past_it() -> None:
    """A model that affords more tokens than the count goes to: the bound,
    and a max_tokens_update above it is not failed."""
    model = all_published_models()["qwen3-0.6b-q8_0"]
    tiny = model.architecture._replace(
        n_layer=1,
        n_embd=64,
        n_head=1,
        n_head_kv=1,
        head_dim_k=32,
        head_dim_v=32,
        n_ff=128,
        n_vocab=512,
        matrix_types=(("q8_0", 64 * 448),),
    )
    counted = ceilings(tiny, model.settings._replace(ctx_size=8192), 8192)
    assert counted is not None
    assert counted.generated == counted.prompt == MOST_TOKENS
