"""qwen35's reserve graph against the one llama.cpp reserves, node by node.

tests/data/oracle/qwen35_reserve_graph.jsonl is llama.cpp 0.3.36's reserve
graph of a 5-layer qwen35 file (DeltaNet layers by a written flag array, a
head size of 256 so the quantized K cache is rotated, 7 tokens), dumped by the
shim and kept one node a line: op, type, ne, nb, output flag, view source and
sources, each a node index, "input" or "external" (a weight or a cache).
"""

from __future__ import annotations

import json
from typing import Any, Optional, Union

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Settings
from icpp_sizer_check.runtimes.llama_cpp_canister.graph import (
    compute_buffer_bytes,
    reserve_ubatch,
)
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.architectures import reserve_graph
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.ggml import FLAG_OUTPUT, Graph, Tensor
from icpp_sizer_check.runtimes.llama_cpp_canister.sizing import make_context
from tests.fixtures import ORACLE, architecture_of_mapping

RECORDED = ORACLE / "qwen35_reserve_graph.jsonl"
Ref = Union[int, str, None]


def _recorded() -> tuple[dict[str, Any], list[list[Any]]]:
    header, *nodes = RECORDED.read_text(encoding="utf-8").splitlines()
    return json.loads(header), [json.loads(node) for node in nodes]


def _compact(graph: Graph) -> list[list[Any]]:
    """The graph's nodes in the recorded form."""
    index = {id(node): i for i, node in enumerate(graph.nodes)}

    def ref(tensor: Optional[Tensor]) -> Ref:
        if tensor is None:
            return None
        if id(tensor) in index:
            return index[id(tensor)]
        return "external" if tensor.external else "input"

    return [
        [
            node.op,
            node.type.name,
            list(node.ne),
            list(node.nb),
            node.flags & FLAG_OUTPUT,
            ref(node.view_src),
            [ref(src) for src in node.src],
        ]
        for node in graph.nodes
    ]


def _reserved() -> tuple[Graph, int]:
    header, _ = _recorded()
    arch = architecture_of_mapping(header["architecture"])
    settings = Settings(**header["settings"])
    context = make_context(arch, settings)
    ubatch = reserve_ubatch(settings, context.n_ctx, context.n_ubatch, context.n_swa_cells)
    return reserve_graph(arch, ubatch), compute_buffer_bytes(arch, ubatch)


def test_every_node_is_llama_cpps() -> None:
    _, theirs = _recorded()
    mine = _compact(_reserved()[0])
    first = next((i for i, (a, b) in enumerate(zip(mine, theirs)) if a != b), None)
    assert first is None, f"node {first}: {mine[first]} != {theirs[first]}"
    assert len(mine) == len(theirs)


def test_the_compute_buffer_is_llama_cpps() -> None:
    header, _ = _recorded()
    assert _reserved()[1] == header["llama_cpp"]["compute"]


def test_deltanet_layers_run_the_fused_op_and_attention_reads_four_positions() -> None:
    graph, _ = _reserved()
    fused = [node for node in graph.nodes if node.op == "GATED_DELTA_NET"]
    # three DeltaNet layers; rows: 7 tokens' outputs, then the 64-row state
    assert [node.ne for node in fused] == [(64 * 2, 7 + 64, 1, 1)] * 3
    ropes = [node for node in graph.nodes if node.op == "ROPE"]
    assert {node.src[1].ne[0] for node in ropes} == {4 * 7}
