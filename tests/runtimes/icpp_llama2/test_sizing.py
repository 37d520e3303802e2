from __future__ import annotations

import pytest
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from icpp_sizer_check.canister import MIB, TARGETS, WASM32, WASM64, WasmTarget, mib_to_bytes
from icpp_sizer_check.runtimes.icpp_llama2.sizing import (
    BYTE_PIECES_BYTES,
    HYPERPARAMETER_NAMES,
    Hyperparameters,
    remedy,
    size_model,
)
from tests.fixtures import STORIES_15M, STORIES_42M, STORIES_110M, STORIES_260K, examples


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
        (STORIES_42M, 88),
        (STORIES_110M, 35),
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
    fix = remedy(STORIES_42M, 3072 * MIB, 90, WASM32.heap_cap_mib)
    assert (fix.users, fix.max_seq_len, fix.memory_mib) == (90, 1007, 3118)
    assert (fix.cap_mib, fix.users_at_cap, fix.canisters) == (4096, 120, 1)
    assert fix.beyond_one_canister is False


def test_remedy_when_exactly_one_token_of_context_fits() -> None:
    h = Hyperparameters(4, 8, 1, 1, 1, 32, 16)
    assert remedy(h, MIB, 2906, WASM32.heap_cap_mib).max_seq_len == 1
    assert remedy(h, MIB, 2907, WASM32.heap_cap_mib).max_seq_len == 1
    assert remedy(h, MIB, 4000, WASM32.heap_cap_mib).max_seq_len is None


def test_remedy_when_the_weights_alone_do_not_fit() -> None:
    fix = remedy(STORIES_15M, 64 * MIB, 1, WASM32.heap_cap_mib)
    assert fix.max_seq_len is None
    assert fix.memory_mib == 97  # 0.24 + 93.11 + 3.52 MB, rounded up


@pytest.mark.parametrize(
    ("target", "users_at_cap", "seq_len_at_cap", "canisters"),
    [(WASM32, 49, 507, 3), (WASM64, 78, 798, 2)],
    ids=["wasm32", "wasm64"],
)
def test_remedy_beyond_the_cap_offers_what_the_cap_allows(
    target: WasmTarget, users_at_cap: int, seq_len_at_cap: int, canisters: int
) -> None:
    # 100 users of the 110M model need 7733 MiB: more than either heap.
    fix = remedy(STORIES_110M, 3072 * MIB, 100, target.heap_cap_mib)
    assert fix.memory_mib is None and fix.beyond_one_canister
    assert fix.max_seq_len == 361  # at the config's 3072 MiB
    assert (fix.users_at_cap, fix.max_seq_len_at_cap) == (users_at_cap, seq_len_at_cap)
    assert fix.canisters == canisters


@pytest.mark.parametrize("target", TARGETS.values(), ids=lambda t: t.name)
def test_remedy_at_the_cap_and_one_user_beyond(target: WasmTarget) -> None:
    cap = target.heap_cap_mib
    most = size_model(STORIES_110M).max_concurrent_users(cap * MIB)
    at_cap = remedy(STORIES_110M, 3072 * MIB, most, cap)
    assert at_cap.memory_mib is not None and at_cap.memory_mib <= cap
    assert (at_cap.canisters, at_cap.beyond_one_canister) == (1, False)
    beyond = remedy(STORIES_110M, 3072 * MIB, most + 1, cap)
    assert beyond.memory_mib is None
    assert (beyond.users_at_cap, beyond.canisters, beyond.beyond_one_canister) == (most, 2, True)


def test_no_canisters_when_one_cannot_hold_the_weights() -> None:
    llama_7b = Hyperparameters(4096, 11008, 32, 32, 32, 32000, 2048)
    fix = remedy(llama_7b, 4096 * MIB, 1, WASM64.heap_cap_mib)
    assert (fix.memory_mib, fix.users_at_cap, fix.canisters) == (None, 0, None)
    assert fix.max_seq_len_at_cap is None


def test_no_canisters_when_one_user_of_this_context_does_not_fit() -> None:
    # The weights fit; the KV cache of 2,000,000 tokens does not, but a shorter one would.
    long_context = STORIES_15M._replace(seq_len=2_000_000)
    fix = remedy(long_context, 4096 * MIB, 1, WASM32.heap_cap_mib)
    assert (fix.users_at_cap, fix.canisters) == (0, None)
    assert fix.max_seq_len_at_cap == 303071


@pytest.mark.slow
@settings(max_examples=examples(1000), deadline=None)
@given(
    dim_heads=st.tuples(st.integers(1, 256), st.integers(1, 8), st.integers(1, 4)),
    hidden=st.integers(1, 4096),
    layers=st.integers(1, 32),
    vocab=st.integers(1, 64000),
    seq=st.integers(1, 32768),
    target_and_mib=st.sampled_from(list(TARGETS.values())).flatmap(
        lambda target: st.tuples(st.just(target), st.integers(1, target.heap_cap_mib))
    ),
    users=st.integers(1, 5000),
)
# Certain, not by chance: weights larger than any heap, so no canister count.
@example((128, 8, 4), 4096, 32, 32000, 2048, (WASM64, 6144), 1)
# Exactly one token of context fits.
@example(
    dim_heads=(4, 1, 1),
    hidden=8,
    layers=1,
    vocab=32,
    seq=16,
    target_and_mib=(WASM32, 1),
    users=2906,
)
def test_remedies_are_tight(
    dim_heads: tuple[int, int, int],
    hidden: int,
    layers: int,
    vocab: int,
    seq: int,
    target_and_mib: tuple[WasmTarget, int],
    users: int,
) -> None:
    """The seq_len is the largest that serves the users, the memory the smallest,
    never above the cap; beyond it, the users one canister of the cap serves and
    the canisters the users need are exact."""
    per_head, kv_heads, group = dim_heads
    heads = kv_heads * group
    h = Hyperparameters(heads * per_head, hidden, layers, heads, kv_heads, vocab, seq)
    target, mib = target_and_mib
    cap = target.heap_cap_mib
    fix = remedy(h, mib * MIB, users, cap)

    def served(hyper: Hyperparameters, memory_mib: int) -> int:
        return size_model(hyper).max_concurrent_users(memory_mib * MIB)

    assert fix.cap_mib == cap
    event("beyond one canister" if fix.beyond_one_canister else "within one canister")
    event("no number of canisters" if fix.canisters is None else "some canisters")
    if fix.memory_mib is None:
        assert fix.beyond_one_canister
        assert served(h, cap) < users
    else:
        assert not fix.beyond_one_canister
        assert fix.memory_mib <= cap
        assert served(h, fix.memory_mib) >= users
        assert fix.memory_mib == 1 or served(h, fix.memory_mib - 1) < users

    for memory_mib, longest in ((mib, fix.max_seq_len), (cap, fix.max_seq_len_at_cap)):
        if longest is None:
            assert served(h._replace(seq_len=1), memory_mib) < users
        else:
            assert served(h._replace(seq_len=longest), memory_mib) >= users
            assert served(h._replace(seq_len=longest + 1), memory_mib) < users

    # One canister of the cap: the tokenizer and weights once, then whole run states.
    sizing = size_model(h)
    fixed = sizing.tokenizer_total + sizing.weights_total
    assert fixed + fix.users_at_cap * sizing.run_state_total <= cap * MIB or not fix.users_at_cap
    assert fixed + (fix.users_at_cap + 1) * sizing.run_state_total > cap * MIB
    if fix.users_at_cap == 0:
        assert fix.canisters is None
    else:
        assert fix.canisters is not None
        assert fix.canisters * fix.users_at_cap >= users
        assert (fix.canisters - 1) * fix.users_at_cap < users
        assert (fix.canisters == 1) is not fix.beyond_one_canister


def original_printed_users(h: Hyperparameters, memory_mib: int) -> int:
    """The original sizer's formula, in its own floating-point arithmetic:
    row sizes in bytes (floats where it divided), totals in MB, then int() of
    the quotient, which truncates toward zero."""
    f = p = 4
    head_size = h.dim / h.n_heads
    kv_dim = (h.dim * h.n_kv_heads) / h.n_heads
    layers = h.n_layers
    total_tokenizer = h.vocab_size * p + h.vocab_size * f + 512
    wk = layers * h.dim * (h.n_kv_heads * head_size) * f
    w1 = layers * h.dim * h.hidden_dim * f
    total_weights = sum(
        [
            h.vocab_size * h.dim * f,
            layers * h.dim * f,
            layers * h.dim * (h.n_heads * head_size) * f,
            wk,
            wk,
            layers * (h.n_heads * head_size) * h.dim * f,
            layers * h.dim * f,
            w1,
            layers * h.hidden_dim * h.dim * f,
            w1,
            h.dim * f,
            h.vocab_size * h.dim * f,
        ]
    )
    x = h.dim * f
    hb = h.hidden_dim * f
    k = kv_dim * f
    key_cache = layers * h.seq_len * kv_dim * f
    att = h.n_heads * h.seq_len * f
    logits = h.vocab_size * f
    total_run_state = sum([x, x, x, hb, hb, x, k, k, att, logits, key_cache, key_cache])
    tokenizer_mb = total_tokenizer / (1024 * 1024)
    weights_mb = total_weights / (1024 * 1024)
    run_state_mb = total_run_state / (1024 * 1024)
    return int((memory_mib - tokenizer_mb - weights_mb) / run_state_mb)


@st.composite
def hyperparameters(draw: st.DrawFn) -> Hyperparameters:
    kv_heads = draw(st.integers(1, 16))
    heads = kv_heads * draw(st.integers(1, 8))
    return Hyperparameters(
        dim=heads * draw(st.integers(1, 128)),
        hidden_dim=draw(st.integers(1, 20000)),
        n_layers=draw(st.integers(1, 48)),
        n_heads=heads,
        n_kv_heads=kv_heads,
        vocab_size=draw(st.integers(1, 200000)),
        seq_len=draw(st.integers(1, 16384)),
    )


@settings(max_examples=1000, deadline=None)
@given(
    h=hyperparameters(),
    # Small canisters make most models not fit; large ones make most fit.
    mib=st.one_of(st.integers(1, 256), st.integers(1, 65536)),
)
@example(h=STORIES_110M, mib=64)  # -6: does not fit
@example(h=STORIES_110M, mib=200)  # -4
@example(h=STORIES_42M, mib=200)  # short of one user: 0
@example(h=STORIES_15M, mib=3072)  # 847, as in the reference document
def test_printed_users_are_what_the_original_sizer_prints(h: Hyperparameters, mib: int) -> None:
    sizing = size_model(h)
    printed = sizing.printed_users(mib * MIB)
    assert printed == original_printed_users(h, mib)
    users = sizing.max_concurrent_users(mib * MIB)
    # Where a model fits, the document and the check agree; where it does not,
    # the check counts 0 users and the document shows the original's count.
    assert users == max(0, printed)
    event("does not fit" if users == 0 else "fits")


def test_printed_users_truncate_toward_zero_at_the_boundaries() -> None:
    sizing = size_model(STORIES_15M)
    fixed = sizing.tokenizer_total + sizing.weights_total
    per_user = sizing.run_state_total
    assert sizing.printed_users(fixed) == 0
    assert sizing.printed_users(fixed - 1) == 0  # short by a byte: int(-0.0...) is 0
    assert sizing.printed_users(fixed - per_user + 1) == 0
    assert sizing.printed_users(fixed - per_user) == -1
    assert sizing.printed_users(fixed - 3 * per_user - 1) == -3
    assert sizing.printed_users(fixed + per_user) == 1
    for available in (fixed - 1, fixed - per_user, fixed - 3 * per_user - 1):
        assert sizing.max_concurrent_users(available) == 0


def test_the_schema_and_the_sizing_name_the_same_hyperparameters() -> None:
    from icpp_sizer_check.package_data import config_schema
    from icpp_sizer_check.runtimes import get_runtime

    model = config_schema()["$defs"][get_runtime("icpp_llama2").schema_definition]
    assert set(HYPERPARAMETER_NAMES) <= set(model["properties"])
    assert model["then"]["required"] == list(HYPERPARAMETER_NAMES)
