"""The sizing's compute graph against the one llama.cpp reserves, node by node.

For every supported architecture and a spread of settings, llama.cpp dumps
the graph of its prompt-processing ubatch (tests/oracle/shim.cpp) and the
sizing builds its own (icpp_sizer_check/runtimes/llama_cpp_canister/graph):
the nodes must be the same ops in the same order, with the same types,
shapes, strides, sources, views and flags, and the inputs (the leafs the
compute buffer holds) the same. Weights and caches live in other buffers:
they are compared as "external", not by identity.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import ARCHITECTURES, Settings
from icpp_sizer_check.runtimes.llama_cpp_canister.graph import reserve_ubatch
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.architectures import reserve_graph
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.ggml import Graph, Tensor
from icpp_sizer_check.runtimes.llama_cpp_canister.sizing import make_context
from tests.oracle.draw import small_shape
from tests.oracle.dry_run import dry_run
from tests.oracle.sparse_gguf import write_sparse_gguf
from tests.runtimes.llama_cpp_canister.llama_cpp_probe import ContextRequest

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("shim_library")]

# ggml_tensor_flag's INPUT and OUTPUT (the allocator reads no other flag).
FLAGS = 1 | 2
SETTINGS = (
    ContextRequest(1000, 512, 96, "f16", "f16", True),
    ContextRequest(300, 64, 64, "q8_0", "q8_0", True),
    ContextRequest(2048, 7, 7, "f32", "bf16", False),
)


def _records(nodes: list[Any], leafs: list[Any], key: Any) -> list[dict[str, Any]]:
    """Each node as the allocator sees it, its sources and view source named
    by their place among the nodes, or as an input leaf or an external."""
    place = {key(node): index for index, node in enumerate(nodes)}
    inputs = {key(leaf): index for index, leaf in enumerate(leafs)}

    def name(tensor: Any) -> str:
        if key(tensor) in place:
            return f"node {place[key(tensor)]}"
        if key(tensor) in inputs:
            return f"input {inputs[key(tensor)]}"
        return "external"

    return [
        {
            "op": node["op"],
            "type": node["type"],
            "ne": node["ne"],
            "nb": node["nb"],
            "flags": node["flags"] & FLAGS,
            "src": [name(src) for src in node["src"]],
            "view_src": None if node["view_src"] is None else name(node["view_src"]),
            "view_offs": node["view_offs"],
        }
        for node in nodes
    ]


def _theirs(path: Path) -> tuple[list[dict[str, Any]], list[tuple[str, list[int]]]]:
    tensors = [json.loads(line) for line in path.read_text().splitlines()]
    by_id = {tensor["id"]: tensor for tensor in tensors}
    for tensor in tensors:
        tensor["src"] = [by_id[src] for src in tensor["src"]]
        tensor["view_src"] = None if tensor["view_src"] is None else by_id[tensor["view_src"]]
    nodes = [tensor for tensor in tensors if tensor["kind"] == "node"]
    leafs = [t for t in tensors if t["kind"] == "leaf" and not t["external"]]
    return _records(nodes, leafs, id), [(leaf["type"], leaf["ne"]) for leaf in leafs]


def _as_dump(tensor: Tensor) -> dict[str, Any]:
    return {
        "op": tensor.op,
        "type": tensor.type.name,
        "ne": list(tensor.ne),
        "nb": list(tensor.nb),
        "flags": tensor.flags,
        "src": tensor.src,
        "view_src": tensor.view_src,
        "view_offs": tensor.view_offs,
        "tensor": tensor,
    }


def _mine(graph: Graph) -> tuple[list[dict[str, Any]], list[tuple[str, list[int]]]]:
    leafs = [leaf for leaf in graph.leafs if not leaf.external]
    nodes = [_as_dump(node) for node in graph.nodes]
    for node in nodes:
        node["src"] = [_as_dump(src) for src in node["src"]]
        node["view_src"] = None if node["view_src"] is None else _as_dump(node["view_src"])
    records = _records(nodes, [_as_dump(leaf) for leaf in leafs], lambda item: id(item["tensor"]))
    return records, [(leaf.type.name, list(leaf.ne)) for leaf in leafs]


@pytest.mark.parametrize("kind", ARCHITECTURES)
def test_the_graph_is_llama_cpps_node_by_node(tmp_path: Path, kind: str) -> None:
    arch = small_shape(kind)
    path = write_sparse_gguf(tmp_path / "model.gguf", arch)
    dumps = [tmp_path / f"graph{index}.jsonl" for index in range(len(SETTINGS))]
    result = dry_run(path, SETTINGS, graphs=dumps)
    assert result.load_ok, result.load_error
    for request, dump, answer in zip(SETTINGS, dumps, result.contexts):
        assert answer.ok, answer.refusal
        settings = Settings(*request)
        context = make_context(arch, settings)
        ubatch = reserve_ubatch(settings, context.n_ctx, context.n_ubatch, context.n_swa_cells)
        their_nodes, their_inputs = _theirs(dump)
        my_nodes, my_inputs = _mine(reserve_graph(arch, ubatch))
        assert my_inputs == their_inputs, request
        assert len(my_nodes) == len(their_nodes), request
        for index, (mine, theirs) in enumerate(zip(my_nodes, their_nodes)):
            assert mine == theirs, (request, index)
