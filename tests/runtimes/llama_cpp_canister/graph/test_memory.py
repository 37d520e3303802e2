"""The caches' tensors as llama_kv_cache makes them (llama-kv-cache.cpp)."""

from __future__ import annotations

from icpp_sizer_check.runtimes.llama_cpp_canister.graph import reserve_graph
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.memory import KvCache, Ubatch
from tests.runtimes.llama_cpp_canister.shapes import SMALL_GRANITEHYBRID

# lfm2's layers of 2 and 4 key/value heads of 64: V rows of 128 and 256 values.
UNEVEN = SMALL_GRANITEHYBRID._replace(
    arch="lfm2", n_layer=4, n_head_kv=(0, 2, 0, 4), shortconv_l_cache=3
)


def _ubatch(flash_attn: bool) -> Ubatch:
    return Ubatch(8, 8, flash_attn, "f16", "f16", 256, 0)


def test_a_transposed_v_is_as_wide_as_the_widest_layer_s() -> None:
    """Without flash attention every layer's V holds hparams.n_embd_v_gqa_max
    values a cell (llama_kv_cache's constructor), recurrent layers aside."""
    cache = KvCache(UNEVEN, _ubatch(False), [1], 256)
    assert cache.v[1].ne[:2] == (256, 256)
    assert KvCache(UNEVEN, _ubatch(True), [1], 256).v[1].ne[:2] == (128, 256)


def test_a_narrower_v_is_padded_before_it_is_stored() -> None:
    """cpy_v pads the narrower layer's rows to the cache's width (a PAD node
    llama.cpp's reserve graph has, recorded for granitehybrid and lfm2)."""
    pads = [n for n in reserve_graph(UNEVEN, _ubatch(False)).nodes if n.op == "PAD"]
    assert [pad.ne[:2] for pad in pads] == [(256, 8)]
    assert not [n for n in reserve_graph(UNEVEN, _ubatch(True)).nodes if n.op == "PAD"]
