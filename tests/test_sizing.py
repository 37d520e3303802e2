from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from icpp_sizer_check.sizing import (
    BYTE_PIECES_BYTES,
    MIB,
    Hyperparameters,
    mib_to_bytes,
    remedy,
    size_model,
)
from tests.conftest import examples

STORIES_15M = Hyperparameters(288, 768, 6, 6, 6, 32000, 256)
STORIES_260K = Hyperparameters(64, 172, 5, 8, 4, 512, 512)


def test_weight_rows_of_15m_are_exact_bytes() -> None:
    rows = size_model(STORIES_15M).weight_rows
    assert rows["token_embedding_table"] == 32000 * 288 * 4
    assert rows["wq"] == 6 * 288 * 288 * 4
    assert rows["w1"] == rows["w3"] == 6 * 288 * 768 * 4
    assert rows["w2"] == 6 * 768 * 288 * 4
    assert rows["rms_final_weight"] == 288 * 4
    assert rows["wcls"] == rows["token_embedding_table"]
    assert list(rows) == [
        "token_embedding_table",
        "rms_att_weight",
        "wq",
        "wk",
        "wv",
        "wo",
        "rms_ffn_weight",
        "w1",
        "w2",
        "w3",
        "rms_final_weight",
        "wcls",
    ]


def test_grouped_query_attention_shrinks_kv_rows() -> None:
    sizing = size_model(STORIES_260K)
    kv_dim = 64 * 4 // 8
    assert STORIES_260K.kv_dim == kv_dim == 32
    assert sizing.weight_rows["wk"] == sizing.weight_rows["wv"] == 5 * 64 * kv_dim * 4
    assert sizing.run_state_rows["k"] == kv_dim * 4
    assert sizing.run_state_rows["key_cache"] == 5 * 512 * kv_dim * 4
    assert sizing.run_state_rows["att"] == 8 * 512 * 4


def test_tokenizer_total_includes_the_byte_pieces() -> None:
    sizing = size_model(STORIES_15M)
    assert sizing.tokenizer_rows == {"vocab_memory": 128000, "vocab_scores_memory": 128000}
    assert sizing.tokenizer_total == 256000 + BYTE_PIECES_BYTES


def test_overall_total_leaves_the_tokenizer_out() -> None:
    sizing = size_model(STORIES_15M)
    assert sizing.overall_total == sizing.weights_total + sizing.run_state_total


@pytest.mark.parametrize(
    ("hyperparameters", "users"),
    [
        (STORIES_260K, 4760),
        (STORIES_15M, 847),
        (Hyperparameters(512, 1376, 8, 8, 8, 32000, 1024), 88),
        (Hyperparameters(768, 2048, 12, 12, 12, 32000, 1024), 35),
    ],
)
def test_users_of_the_reference_models_at_3072_mib(
    hyperparameters: Hyperparameters, users: int
) -> None:
    assert size_model(hyperparameters).max_concurrent_users(3072 * MIB) == users


def test_users_floor_at_the_exact_boundary() -> None:
    sizing = size_model(STORIES_15M)
    one_user = sizing.tokenizer_total + sizing.weights_total + sizing.run_state_total
    assert sizing.max_concurrent_users(one_user) == 1
    assert sizing.max_concurrent_users(one_user - 1) == 0
    assert sizing.max_concurrent_users(one_user + sizing.run_state_total - 1) == 1


def test_users_never_negative_when_the_weights_alone_do_not_fit() -> None:
    assert size_model(STORIES_15M).max_concurrent_users(1) == 0


def test_mib_to_bytes() -> None:
    assert mib_to_bytes(3072) == 3072 * 1024 * 1024


def test_remedy_for_42m_at_90_users() -> None:
    h = Hyperparameters(512, 1376, 8, 8, 8, 32000, 1024)
    fix = remedy(h, 3072 * MIB, 90)
    assert (fix.users, fix.max_seq_len, fix.memory_mib) == (90, 1007, 3118)


def test_remedy_when_exactly_one_token_of_context_fits() -> None:
    h = Hyperparameters(4, 8, 1, 1, 1, 32, 16)
    assert remedy(h, MIB, 2906).max_seq_len == 1
    assert remedy(h, MIB, 2907).max_seq_len == 1
    assert remedy(h, MIB, 4000).max_seq_len is None


def test_remedy_when_the_weights_alone_do_not_fit() -> None:
    fix = remedy(STORIES_15M, 64 * MIB, 1)
    assert fix.max_seq_len is None
    assert fix.memory_mib == 97  # 0.24 + 93.11 + 3.52 MB, rounded up


@settings(max_examples=examples(1000), deadline=None)
@given(
    dim_heads=st.tuples(st.integers(1, 64), st.integers(1, 8), st.integers(1, 4)),
    hidden=st.integers(1, 4096),
    layers=st.integers(1, 24),
    vocab=st.integers(1, 64000),
    seq=st.integers(1, 4096),
    mib=st.integers(1, 8192),
    users=st.integers(1, 5000),
)
# Exactly one token of context fits.
@example(dim_heads=(4, 1, 1), hidden=8, layers=1, vocab=32, seq=16, mib=1, users=2906)
def test_remedies_are_tight(
    dim_heads: tuple[int, int, int],
    hidden: int,
    layers: int,
    vocab: int,
    seq: int,
    mib: int,
    users: int,
) -> None:
    """The seq_len is the largest that serves the users, the memory the smallest."""
    per_head, kv_heads, group = dim_heads
    heads = kv_heads * group
    h = Hyperparameters(heads * per_head, hidden, layers, heads, kv_heads, vocab, seq)
    fix = remedy(h, mib * MIB, users)

    def served(hyper: Hyperparameters, memory_mib: int) -> int:
        return size_model(hyper).max_concurrent_users(memory_mib * MIB)

    assert served(h, fix.memory_mib) >= users
    assert fix.memory_mib == 1 or served(h, fix.memory_mib - 1) < users
    if fix.max_seq_len is None:
        assert served(h._replace(seq_len=1), mib) < users
    else:
        assert served(h._replace(seq_len=fix.max_seq_len), mib) >= users
        assert served(h._replace(seq_len=fix.max_seq_len + 1), mib) < users
