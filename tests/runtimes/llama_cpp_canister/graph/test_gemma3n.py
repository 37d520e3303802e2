"""gemma3n's reserve graph: what sets it apart from the other builders (the
recorded cases hold it to llama.cpp's node by node)."""

from __future__ import annotations

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Settings
from icpp_sizer_check.runtimes.llama_cpp_canister.graph import reserve_ubatch
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.architectures import reserve_graph
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.ggml import Graph, Tensor
from icpp_sizer_check.runtimes.llama_cpp_canister.sizing import make_context
from tests.runtimes.llama_cpp_canister.test_sizing import GEMMA_3N_E2B

SMALL = GEMMA_3N_E2B._replace(n_layer=22, n_embd=256, n_head=4, head_dim_k=64, head_dim_v=64)


def _graph(settings: Settings) -> Graph:
    context = make_context(SMALL, settings)
    ubatch = reserve_ubatch(settings, context.n_ctx, context.n_ubatch, context.n_swa_cells)
    return reserve_graph(SMALL, ubatch)


def _cache_read(node: Tensor) -> Tensor:
    """The cache tensor a flash attention's K view reads."""
    view_src = node.src[1].view_src
    assert view_src is not None
    return view_src


def test_layers_past_the_twentieth_write_no_keys_or_values() -> None:
    graph = _graph(Settings(1024, ubatch_size=64))
    assert sum(node.op == "SET_ROWS" for node in graph.nodes) == 2 * 20


def test_later_layers_attend_over_the_cache_they_reuse() -> None:
    graph = _graph(Settings(1024, ubatch_size=64))
    reads = [_cache_read(node) for node in graph.nodes if node.op == "FLASH_ATTN_EXT"]
    assert len(reads) == 22
    assert reads[20] is reads[18] and reads[21] is reads[18]  # both slide
    assert reads[19] is not reads[18]


def test_the_output_matrix_is_not_the_embedding_tensor() -> None:
    graph = _graph(Settings(256, ubatch_size=8))
    embeddings = graph.nodes[0].src[0]
    logits = next(node for node in graph.nodes if node.op == "MUL_MAT" and node.ne[0] == 262144)
    assert embeddings.ne == logits.src[0].ne
    assert embeddings is not logits.src[0]


def test_the_first_ten_layers_sparsify_their_gate() -> None:
    graph = _graph(Settings(256, ubatch_size=8))
    assert sum(node.op == "MEAN" for node in graph.nodes) == 10
