"""The wasm heap outside llama.cpp's buffers, term by term (tests/wasm measures
each on the wasm32 build; these hold the formulas to the figures it printed)."""

from __future__ import annotations

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Architecture
from icpp_sizer_check.runtimes.llama_cpp_canister.wasm_heap import (
    BPE,
    CANISTER_BASE_BYTES,
    SPM,
    UNICODE_FLAGS,
    graph_nodes,
    graph_overhead,
    graph_result_bytes,
    hash_size,
    scheduler_bytes,
    vocabulary_bytes,
    wasm_overhead,
)

ARCH = Architecture(2, 256, 4, 2, 64, 64, 768, 1000, 10_000, 20_000)
MIB = 1024 * 1024


def test_graph_overhead_is_ggml_s_on_wasm32() -> None:
    # ggml_graph_overhead_custom(1024 / 4096, false) as the wasm32 driver printed them.
    assert graph_overhead(1024) == 24_952
    assert graph_overhead(4096) == 99_544


def test_hash_size_is_the_next_listed_prime() -> None:
    assert hash_size(1024) == 1031
    assert hash_size(2048) == 2053
    assert hash_size(2053) == 2053
    assert hash_size(2**32) == 2**32 + 1


def test_scheduler_is_60_tensor_structs_and_61_ids_a_node() -> None:
    # 30 split inputs x 2 tensors of 256 B, and 4 arrays of (1 + 60) ints a node.
    per_node = 30 * 2 * 256 + 4 * 61 * 4
    assert scheduler_bytes(1024) - 1024 * per_node == graph_overhead(1024) + 1031 * 12 + 4 * 33
    # About 16 MiB at llama.cpp's smallest graph.
    assert 15.9 * MIB < scheduler_bytes(1024) < 16.1 * MIB


def test_graph_result_is_a_tensor_struct_a_node_and_a_graph() -> None:
    assert graph_result_bytes(1024) == 276 * 1024 + 24_952


def test_graph_nodes_follow_llama_cpp() -> None:
    assert graph_nodes(ARCH, 20, 512) == 1024
    assert graph_nodes(ARCH, 300, 512) == 2400
    # qwen35: 40 nodes a token of the reserve, at least 32 a tensor.
    qwen35 = ARCH._replace(arch="qwen35")
    assert graph_nodes(qwen35, 56, 512) == 20_480
    assert graph_nodes(qwen35, 56, 8) == 32 * 56


def test_vocabulary_by_tokenizer() -> None:
    # BPE decodes each token's text at load, building the Unicode flags table.
    assert vocabulary_bytes("gpt2", 1000, 100) == BPE.fixed + 91 * 1000 + 92 * 100
    assert BPE.fixed - SPM.fixed == UNICODE_FLAGS == 2_228_224
    # A tokenizer llama.cpp builds no vocabulary of is sized as gpt2's.
    assert vocabulary_bytes("unknown", 1000, 100) == vocabulary_bytes("gpt2", 1000, 100)
    assert vocabulary_bytes("llama", 1000, 100) == SPM.fixed + 89 * 1000


def test_overhead_is_the_sum_of_its_terms() -> None:
    terms = wasm_overhead(ARCH, 20, 512)
    assert terms.base == CANISTER_BASE_BYTES
    assert terms.graph == terms.first_decode == graph_result_bytes(1024)
    assert terms.total == sum(terms)
