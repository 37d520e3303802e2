"""The users a llama_cpp_canister's stable memory holds and what storing them
costs: each figure held to the Internet Computer's published limits and fees,
the file system's chunks, and the session file llama.cpp writes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Settings
from icpp_sizer_check.runtimes.llama_cpp_canister.sizing import (
    CTX_PADDING,
    make_context,
    session_bytes,
    size_model,
)
from icpp_sizer_check.runtimes.llama_cpp_canister.stable_memory import (
    FILE_CHUNK,
    FILE_SYSTEM_FIXED,
    GIB,
    STABLE_MEMORY_CAP,
    cycles_per_month,
    gguf_stored_bytes,
    per_user_bytes,
    session_of,
    stable_memory,
    storage_fee,
    stored_bytes,
    users_remedy,
    users_that_fit,
)
from tests.fixtures import examples
from tests.runtimes.llama_cpp_canister.published import all_published_models

MIB = 1024 * 1024
MODELS = all_published_models()
QWEN3_06B = MODELS["qwen3-0.6b-q8_0"]  # ctx 16384, q8_0 K and V, as ICGPT serves it


def test_the_internet_computers_limits_and_fees() -> None:
    """500 GiB of stable memory; 127,000 cycles per GiB per second on 13 nodes,
    about 329 billion per GiB per 30 days; 34 nodes cost 34/13 of it (about
    2.6 times), as the IC's integer scaling makes it."""
    assert STABLE_MEMORY_CAP == 500 * GIB
    assert storage_fee(13) == 127_000
    assert cycles_per_month(GIB, 13) == 329_184_000_000
    assert storage_fee(34) == 127_000 * 34 // 13 == 332_153
    assert round(storage_fee(34) / storage_fee(13), 2) == 2.62


def test_a_file_takes_whole_chunks_and_their_pointers() -> None:
    assert stored_bytes(1) == stored_bytes(FILE_CHUNK) < stored_bytes(FILE_CHUNK + 1)
    assert stored_bytes(FILE_CHUNK + 1) - stored_bytes(FILE_CHUNK) > FILE_CHUNK
    # Beyond its chunks' rounding, a file costs the file system at most 0.7 %.
    assert stored_bytes(100 * FILE_CHUNK) < 100 * FILE_CHUNK * 1.007
    # The session and its stamp file: at least two chunks a user.
    assert per_user_bytes(1) >= 2 * FILE_CHUNK
    assert gguf_stored_bytes(1) == stored_bytes(1) + (gguf_stored_bytes(2) - stored_bytes(2))


def test_qwen3_0_6b_holds_about_537_users_at_0_3_t_cycles_a_month_each() -> None:
    """The facts' figures: a 952.25 MB session at full context; 500 GiB less
    the file holds 537 of them; the file system's chunks, pointers and
    buckets leave 533; each costs about 0.3 T cycles a month on 13 nodes."""
    arch, values = QWEN3_06B.architecture, QWEN3_06B.settings
    sizing = size_model(arch, values)
    held = stable_memory(arch, values, sizing.heap, None, 1, 13)
    assert format(held.session / MIB, ".2f") == "952.25"
    assert (STABLE_MEMORY_CAP - arch.file_bytes) // held.session == 537
    assert held.users == users_that_fit(held.session, arch.file_bytes) == 533
    assert held.per_user / held.session < 1.007
    assert round(held.user_cycles / 10**12, 1) == 0.3
    assert held.user_cycles == cycles_per_month(held.per_user, 13)
    # The heap is charged as used: the sized heap, not wasm_memory_limit.
    assert held.heap_cycles == cycles_per_month(sizing.heap, 13)
    assert held.gguf_cycles == cycles_per_month(held.gguf_stored, 13)
    on_34 = stable_memory(arch, values, sizing.heap, None, 1, 34)
    assert on_34.users == held.users
    assert round(on_34.user_cycles / held.user_cycles, 2) == 2.62


def test_users_fill_what_the_file_and_the_file_system_leave() -> None:
    session, file = 100 * MIB, 600 * MIB
    users = users_that_fit(session, file)
    left = STABLE_MEMORY_CAP - FILE_SYSTEM_FIXED - gguf_stored_bytes(file)
    assert users * per_user_bytes(session) <= left < (users + 1) * per_user_bytes(session)
    assert users_that_fit(session, STABLE_MEMORY_CAP) == 0


@pytest.mark.parametrize("name", sorted(MODELS))
def test_a_shorter_conversation_is_the_session_of_a_shorter_context(name: str) -> None:
    """session_of writes the conversation a context of that many tokens would:
    every KV cache (a sliding window's too) and the recurrent state."""
    arch, values = MODELS[name].architecture, MODELS[name].settings
    context = make_context(arch, values)
    assert session_of(arch, values, context, context.n_ctx) == session_bytes(arch, values, context)
    for tokens in range(CTX_PADDING * 2, context.n_ctx, CTX_PADDING * 3):
        shorter = make_context(arch, values._replace(ctx_size=tokens))
        assert session_of(arch, values, context, tokens) == session_bytes(arch, values, shorter)


def test_session_tokens_sizes_the_users_and_never_passes_the_context() -> None:
    arch, values = QWEN3_06B.architecture, QWEN3_06B.settings
    heap = size_model(arch, values).heap
    typical = stable_memory(arch, values, heap, 4096, 1, 13)
    assert (typical.tokens, typical.full_context) == (4096, False)
    assert typical.users > 4 * stable_memory(arch, values, heap, None, 1, 13).users - 8
    longer = stable_memory(arch, values, heap, 10**6, 1, 13)
    assert (longer.tokens, longer.full_context) == (16384, True)


@pytest.mark.slow
@settings(max_examples=examples(100), deadline=None)
@given(
    name=st.sampled_from(sorted(MODELS)),
    need=st.integers(1, 10**6),
    tokens=st.none() | st.integers(1, 70000),
    flash_attn=st.booleans(),
)
def test_each_users_remedy_holds_the_users(
    name: str, need: int, tokens: int | None, flash_attn: bool
) -> None:
    """Each change the remedy offers, alone, holds ``need`` users, and a quantized
    cache keeps the heap as it must; the canisters hold them together."""
    arch = MODELS[name].architecture
    values = MODELS[name].settings._replace(flash_attn=flash_attn)
    if not flash_attn:
        values = values._replace(cache_type_v="f16")
    held = stable_memory(arch, values, 0, tokens, need, 13)
    limit = 3840 * MIB

    def heap_fits(changed: Settings) -> bool:
        return size_model(arch, changed).heap <= limit

    fix = users_remedy(arch, values, tokens, held.users, need, heap_fits)
    if fix.ctx_size is not None:
        shorter = values._replace(ctx_size=fix.ctx_size)
        assert stable_memory(arch, shorter, 0, tokens, need, 13).users >= need
    if fix.session_tokens is not None:
        assert stable_memory(arch, values, 0, fix.session_tokens, need, 13).users >= need
    if fix.cache_types is not None:
        k, v = fix.cache_types
        quantized = values._replace(cache_type_k=k, cache_type_v=v)
        assert stable_memory(arch, quantized, 0, tokens, need, 13).users >= need
        assert heap_fits(quantized)
        assert flash_attn or v == values.cache_type_v
    if fix.canisters is not None:
        assert fix.canisters * held.users >= need > (fix.canisters - 1) * held.users
    else:
        assert held.users == 0
