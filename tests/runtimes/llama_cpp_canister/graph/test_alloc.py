"""ggml-alloc's placement, step by step, on graphs small enough to place by hand."""

from __future__ import annotations

from icpp_sizer_check.runtimes.llama_cpp_canister.graph import ggml
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.alloc import DynamicAllocator, buffer_size
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.ggml import F32, Graph


def _graph(*outputs: ggml.Tensor) -> Graph:
    graph = Graph()
    graph.expand(*outputs)
    return graph


def test_sizes_are_padded_to_the_cpu_buffers_alignment() -> None:
    allocator = DynamicAllocator()
    assert allocator.alloc(1) == 0
    assert allocator.alloc(33) == 32
    assert allocator.max_size == 32 + 64


def test_the_smallest_free_block_that_fits_is_taken() -> None:
    allocator = DynamicAllocator()
    offsets = [allocator.alloc(size) for size in (64, 32, 96, 32, 32)]
    allocator.free(offsets[0], 64)  # a block of 64 at 0
    allocator.free(offsets[2], 96)  # a block of 96 at 96
    assert allocator.alloc(64) == 0
    assert allocator.alloc(96) == 96


def test_freed_neighbours_merge_into_one_block() -> None:
    allocator = DynamicAllocator()
    a, b, c = (allocator.alloc(32) for _ in range(3))
    allocator.free(a, 32)
    allocator.free(c, 32)
    allocator.free(b, 32)
    assert allocator.blocks[0] == [0, 1 << 62]


def test_an_element_wise_op_takes_over_its_sources_memory() -> None:
    """x -> RMS_NORM -> SCALE: the norm reuses x's bytes, the scale the norm's."""
    x = ggml.input_tensor(F32, 256)
    x.flags = 0  # a computed tensor, not an input leaf
    x.op = "GET_ROWS"
    norm = ggml.like("RMS_NORM", x)
    scaled = ggml.like("SCALE", norm)
    assert buffer_size(_graph(scaled)) == 1024


def test_a_source_with_another_user_is_not_overwritten() -> None:
    x = ggml.new(F32, 256, op="GET_ROWS")
    norm = ggml.like("RMS_NORM", x)
    both = ggml.like("ADD", norm, x)  # x is still needed: norm takes new memory
    assert buffer_size(_graph(both)) == 2 * 1024


def test_an_output_is_never_freed_or_reused() -> None:
    x = ggml.new(F32, 256, op="GET_ROWS")
    x.flags |= ggml.FLAG_OUTPUT
    scaled = ggml.like("SCALE", x)
    later = ggml.new(F32, 256, op="MUL_MAT", src=(scaled,))
    assert buffer_size(_graph(later)) == 3 * 1024


def test_a_view_keeps_its_source_alive_until_its_last_user() -> None:
    x = ggml.new(F32, 256, op="MUL_MAT")
    half = ggml.view_nd(x, (128,), (), 512)
    y = ggml.new(F32, 128, op="CONT", src=(half,))  # x is freed after this
    z = ggml.new(F32, 256, op="MUL_MAT", src=(y,))  # takes x's old place
    assert buffer_size(_graph(z)) == 1024 + 512


def test_leafs_and_inputs_are_placed_before_any_node() -> None:
    tokens = ggml.input_tensor(ggml.I32, 8)
    weight = ggml.external(F32, 4, 100)
    rows = ggml.get_rows(weight, tokens)
    graph = _graph(rows)
    assert graph.leafs == [weight, tokens] and graph.nodes == [rows]
    assert buffer_size(graph) == 32 + 4 * 8 * 4
