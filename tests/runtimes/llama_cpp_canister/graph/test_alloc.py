"""ggml-alloc's placement, step by step, on graphs small enough to place by hand."""

from __future__ import annotations

from icpp_sizer_check.runtimes.llama_cpp_canister.graph import ggml
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.alloc import (
    ENDLESS,
    MAX_CHUNKS,
    DynamicAllocator,
    buffer_size,
)
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.ggml import F32, Graph


def _graph(*outputs: ggml.Tensor) -> Graph:
    graph = Graph()
    graph.expand(*outputs)
    return graph


def test_sizes_are_padded_to_the_cpu_buffers_alignment() -> None:
    allocator = DynamicAllocator()
    assert allocator.alloc(1) == (0, 0)
    assert allocator.alloc(33) == (0, 32)
    assert allocator.max_size == 32 + 64


def test_the_smallest_free_block_that_fits_is_taken() -> None:
    allocator = DynamicAllocator()
    offsets = [allocator.alloc(size) for size in (64, 32, 96, 32, 32)]
    allocator.free(offsets[0], 64)  # a block of 64 at 0
    allocator.free(offsets[2], 96)  # a block of 96 at 96
    assert allocator.alloc(64) == (0, 0)
    assert allocator.alloc(96) == (0, 96)


def test_freed_neighbours_merge_into_one_block() -> None:
    allocator = DynamicAllocator()
    a, b, c = (allocator.alloc(32) for _ in range(3))
    allocator.free(a, 32)
    allocator.free(c, 32)
    allocator.free(b, 32)
    assert allocator.chunks[0].blocks == [[0, ENDLESS]]


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


def test_a_capped_buffer_opens_a_chunk_when_its_chunks_are_full() -> None:
    """ggml_dyn_tallocr_new_chunk: a tensor that fits no chunk starts a new one."""
    allocator = DynamicAllocator(max_chunk_size=128)
    assert [allocator.alloc(64) for _ in range(3)] == [(0, 0), (0, 64), (1, 0)]
    assert allocator.chunk_sizes() == [128, 64]
    assert allocator.max_size == 192


def test_a_tensor_larger_than_the_cap_gets_a_chunk_of_its_own_size() -> None:
    allocator = DynamicAllocator(max_chunk_size=128)
    allocator.alloc(32)
    assert allocator.alloc(320) == (1, 0)
    assert allocator.chunk_sizes() == [32, 320]


def test_the_last_block_that_grows_its_chunk_least_is_taken() -> None:
    """Two chunks' last blocks: the reuse factor prefers the one whose chunk
    already reaches past the tensor (no growth) over one it would grow."""
    allocator = DynamicAllocator(max_chunk_size=256)
    first = allocator.alloc(192)  # chunk 0: [0, 192)
    allocator.alloc(256)  # chunk 1, full
    allocator.alloc(64)  # chunk 0's last block: [192, 256)
    allocator.free(first, 192)  # chunk 0: a free block at 0 and none after
    assert allocator.alloc(64) == (0, 0)
    assert allocator.chunk_sizes() == [256, 256]


def test_the_sixteenth_chunk_is_endless() -> None:
    allocator = DynamicAllocator(max_chunk_size=32)
    for _ in range(MAX_CHUNKS - 1):
        allocator.alloc(32)
    assert allocator.alloc(32) == (MAX_CHUNKS - 1, 0)
    assert allocator.alloc(4096) == (MAX_CHUNKS - 1, 32)
    assert allocator.max_size == 32 * MAX_CHUNKS + 4096


def test_a_cap_can_cost_bytes() -> None:
    """A freed tail that an endless buffer would grow into is too short in a
    capped chunk: the next tensor opens a chunk, and the total grows."""
    totals = []
    for cap in (ENDLESS, 128):
        allocator = DynamicAllocator(max_chunk_size=cap)
        allocator.alloc(96)
        tail = allocator.alloc(32)
        allocator.free(tail, 32)
        allocator.alloc(64)
        totals.append(allocator.max_size)
    assert totals == [96 + 64, 128 + 64]
