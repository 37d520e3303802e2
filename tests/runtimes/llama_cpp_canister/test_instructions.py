"""A decode's instructions counted node by node (runtimes/llama_cpp_canister/
instructions.py): what the weights' types cost, the cells attention
attends, and a decode between two others. tests/wasm/test_instructions.py
holds the counts to the wasm32 build's fuel."""

from __future__ import annotations

import pytest

from icpp_sizer_check.runtimes.llama_cpp_canister.graph.architectures import reserve_graph
from icpp_sizer_check.runtimes.llama_cpp_canister.instructions import (
    MUL_MAT,
    DecodeCost,
    between,
    decode_cost,
    decode_ubatch,
    padded_cells,
    unpriced_types,
    weights_of,
)
from tests.runtimes.llama_cpp_canister.published import all_published_models

QWEN3 = all_published_models()["qwen3-1.7b-q4_k_m"]


def test_the_weights_cost_their_types_mix() -> None:
    weights = weights_of(QWEN3.architecture)
    assert weights is not None
    q4_k, q6_k = 1203765248, 205520896
    expected = (q4_k * MUL_MAT["q4_k"] + q6_k * MUL_MAT["q6_k"]) / (q4_k + q6_k)
    assert weights.matrix == pytest.approx(expected)
    assert weights.output == MUL_MAT["q6_k"]


def test_a_type_without_a_cost_is_named() -> None:
    arch = QWEN3.architecture._replace(matrix_types=(("iq2_xxs", 5), ("q4_k", 9)))
    assert unpriced_types(arch) == ["iq2_xxs"]
    assert weights_of(arch) is None


def test_the_graph_spans_the_used_cells_padded_to_256() -> None:
    assert [padded_cells(cells, 4096) for cells in (1, 256, 257, 4000, 5000)] == [
        256,
        256,
        512,
        4096,
        4096,
    ]
    assert padded_cells(300, 260) == 260


def test_attention_costs_the_cells_attended_up_to_its_span() -> None:
    cost = DecodeCost(100.0, ((512, 2.0), (1024, 3.0)), 7.0)
    assert cost.at(0) == 100.0
    assert cost.at(600) == 100.0 + 2.0 * 512 + 3.0 * 600


def test_a_decode_between_two_lies_on_their_line() -> None:
    low, high = DecodeCost(10.0, ((256, 1.0),), 4.0), DecodeCost(30.0, ((256, 5.0),), 8.0)
    assert between(low, high, 0.5) == DecodeCost(20.0, ((256, 3.0),), 6.0)


def test_a_generated_token_costs_its_weights_once_and_its_head() -> None:
    """One token multiplies every matrix once: its cost is at least the
    weights' elements at their cost, plus the output head's."""
    arch, settings = QWEN3.architecture, QWEN3.settings
    weights = weights_of(arch)
    assert weights is not None
    graph = reserve_graph(arch, decode_ubatch(settings, 16384, 0, 1, 1, 10))
    cost = decode_cost(arch, weights, graph)
    matrices = sum(count for _, count in arch.matrix_types)
    head = arch.n_vocab * arch.n_embd * weights.output
    assert (
        matrices * weights.matrix + head < cost.at(10) < 1.02 * (matrices * weights.matrix + head)
    )
