"""Per-layer rules of architecture.py that llama.cpp's loaders set: gemma3n's
sliding pattern, its KV sharing, and its twice-loaded tied embedding."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import ARCHITECTURES
from tests.fixtures import examples
from tests.runtimes.llama_cpp_canister.test_sizing import GEMMA_3N_E2B


def test_gemma3n_is_supported() -> None:
    assert "gemma3n" in ARCHITECTURES


def test_gemma3n_slides_four_layers_in_five_by_default() -> None:
    globals_ = [il for il in range(30) if not GEMMA_3N_E2B.is_swa(il)]
    assert globals_ == [4, 9, 14, 19, 24, 29]
    assert GEMMA_3N_E2B.swa_layers() == 24


def test_only_gemma3ns_first_20_layers_own_a_cache() -> None:
    assert GEMMA_3N_E2B.attention_layers() == tuple(range(20))


def test_later_layers_read_the_last_own_cache_of_their_kind() -> None:
    # layer_reuse_cb: n_layer_kv_from_start - 2 (sliding) or - 1 (global)
    reused = {il: GEMMA_3N_E2B.kv_layer(il) for il in range(20, 30)}
    assert reused == {
        20: 18,
        21: 18,
        22: 18,
        23: 18,
        24: 19,
        25: 18,
        26: 18,
        27: 18,
        28: 18,
        29: 19,
    }
    assert [GEMMA_3N_E2B.kv_layer(il) for il in range(20)] == list(range(20))


@settings(max_examples=examples(200))
@given(n_layer=st.integers(min_value=1, max_value=60))
def test_a_layer_reads_its_own_cache_or_one_of_the_same_kind(n_layer: int) -> None:
    arch = GEMMA_3N_E2B._replace(n_layer=n_layer)
    for il in range(n_layer):
        source = arch.kv_layer(il)
        assert arch.has_kv(source)
        assert arch.is_swa(source) == arch.is_swa(il)
        assert (source == il) == arch.has_kv(il)


def test_other_architectures_keep_a_cache_on_every_attention_layer() -> None:
    gemma3 = GEMMA_3N_E2B._replace(arch="gemma3")
    assert gemma3.attention_layers() == tuple(range(30))
    assert [gemma3.kv_layer(il) for il in range(30)] == list(range(30))
    lfm2 = GEMMA_3N_E2B._replace(arch="lfm2", n_layer=4, n_head_kv=(0, 2, 0, 2))
    assert lfm2.attention_layers() == (1, 3)
    assert lfm2.kv_layer(0) == 0


def test_gemma3n_loads_a_tied_embedding_twice() -> None:
    # its loader makes the output matrix (a duplicate) before the embeddings
    assert GEMMA_3N_E2B.weight_bytes() == 1300
    assert GEMMA_3N_E2B._replace(tied_embedding_bytes=0).weight_bytes() == 1000
    assert GEMMA_3N_E2B._replace(arch="gemma3").weight_bytes() == 1000


def test_a_pattern_where_layer_19_slides_misleads_the_global_layers_past_it() -> None:
    assert GEMMA_3N_E2B.misreused_layers() == ()
    flags = tuple(il % 5 < 4 or il == 19 for il in range(30))
    assert GEMMA_3N_E2B._replace(sliding_window_pattern=flags).misreused_layers() == (24, 29)
