"""max_tokens_update held to what one update call affords
(runtimes/llama_cpp_canister/max_tokens.py): counted where the call costs
most within the conversations the canister keeps, and remedies that pass."""

from __future__ import annotations

from icpp_sizer_check.runtimes.llama_cpp_canister.max_tokens import update_calls
from icpp_sizer_check.runtimes.llama_cpp_canister.update_call import MOST_TOKENS
from tests.runtimes.llama_cpp_canister.published import all_published_models

GEMMA = all_published_models()["gemma-3-270m-q8_0"]  # ctx 4096
QWEN3 = all_published_models()["qwen3-1.7b-q4_k_m"]


def test_the_late_ceiling_passes_and_one_more_token_fails_with_its_count() -> None:
    late = update_calls(GEMMA.architecture, GEMMA.settings, None, 4096).ceilings
    assert late is not None
    at = late.generated_late
    assert not update_calls(GEMMA.architecture, GEMMA.settings, at, 4096).short
    over = update_calls(GEMMA.architecture, GEMMA.settings, at + 1, 4096)
    assert over.short and over.end == 4096
    assert over.reason().startswith(
        f"max_tokens_update of {at + 1} does not fit one update call that ends a "
        "conversation at 4096 tokens: it takes 40."
    )
    assert over.reason().endswith("and the IC stops a call at 40 billion")
    assert over.remedy().startswith(
        f"to fit one update call: set max_tokens_update to at most {at}"
    )


def test_following_the_session_remedy_passes() -> None:
    over = update_calls(GEMMA.architecture, GEMMA.settings, 50, 4096)
    assert over.short and over.session_tokens is not None
    assert f"session_tokens at most {over.session_tokens} (now 4096)" in over.remedy()
    kept = update_calls(GEMMA.architecture, GEMMA.settings, 50, over.session_tokens)
    assert not kept.short
    assert update_calls(GEMMA.architecture, GEMMA.settings, 50, over.session_tokens + 1).short


def test_a_call_longer_than_a_short_session_is_counted_where_it_ends() -> None:
    """Sessions of 50 tokens and calls of 60: the call ends at 61 tokens, and fits."""
    assert not update_calls(GEMMA.architecture, GEMMA.settings, 60, 50).short


def test_a_call_no_session_length_saves_gives_no_zero_to_follow() -> None:
    """Qwen3-1.7B at ctx 40960: not one token fits a call once the context is
    full (the cache's clear alone is 8.6 B), so the remedy is a session length."""
    over = update_calls(QWEN3.architecture, QWEN3.settings._replace(ctx_size=40960), 1, 40960)
    assert over.short
    assert "at most 0" not in over.remedy()
    assert over.session_tokens is not None and over.remedy().startswith(
        f"to fit one update call: session_tokens at most {over.session_tokens}"
    )


def test_more_tokens_than_the_context_holds_fails_as_such() -> None:
    settings = GEMMA.settings._replace(ctx_size=256)
    over = update_calls(GEMMA.architecture, settings, 300, 256)
    assert over.short
    assert (
        over.reason() == "max_tokens_update of 300 is more tokens than the context's 256 cells hold"
    )


def test_past_the_counts_bound_nothing_is_failed() -> None:
    assert not update_calls(GEMMA.architecture, GEMMA.settings, MOST_TOKENS + 1, 4096).short


def test_without_the_weights_types_the_reason_is_named() -> None:
    unwritten = GEMMA.architecture._replace(matrix_types=None)
    assert update_calls(unwritten, GEMMA.settings, None, 9).unknown == "needs matrix_types"
    unpriced = GEMMA.architecture._replace(matrix_types=(("iq2_xxs", 5),))
    assert update_calls(unpriced, GEMMA.settings, None, 9).unknown == "no cost for iq2_xxs"
