"""ggml-alloc's placement of a graph, without memory: the compute buffer's size.

ggml_gallocr_reserve places every tensor of a graph that is neither external
nor a view in one buffer, in the graph's order: the leafs first, then the
inputs, then each node, freeing a tensor once its last user has run and
letting an element-wise node take over its source's memory in place. Free
space is a list of blocks kept in address order and merged on free; a tensor
takes the smallest block that fits, else the end of the buffer. The size of
the buffer is the highest end any tensor reached. This follows ggml-alloc.c
(ggml_dyn_tallocr_alloc, ggml_dyn_tallocr_free_bytes,
ggml_gallocr_allocate_node, ggml_gallocr_alloc_graph_impl) step by step, on
one chunk: the CPU backend's buffers have no size cap natively.
"""

from __future__ import annotations

from icpp_sizer_check.runtimes.llama_cpp_canister.graph.ggml import (
    FLAG_INPUT,
    FLAG_OUTPUT,
    INPLACE_OPS,
    Graph,
    Tensor,
)

# The CPU buffer type's alignment (ggml-impl.h's TENSOR_ALIGNMENT).
ALIGNMENT = 32


def _aligned(size: int) -> int:
    return -(-size // ALIGNMENT) * ALIGNMENT


class DynamicAllocator:
    """ggml_dyn_tallocr on one chunk: free blocks by address, the last one endless."""

    def __init__(self) -> None:
        self.blocks: list[list[int]] = [[0, 1 << 62]]  # [offset, size]
        self.max_size = 0

    def alloc(self, size: int) -> int:
        size = _aligned(size)
        blocks = self.blocks
        best, best_size = -1, 0
        for index in range(len(blocks) - 1):  # best fit, the last block aside
            block_size = blocks[index][1]
            if block_size >= size and (best < 0 or block_size <= best_size):
                best, best_size = index, block_size
        if best < 0:
            best = len(blocks) - 1
        block = blocks[best]
        offset = block[0]
        block[0] += size
        block[1] -= size
        if block[1] == 0:
            del blocks[best]
        self.max_size = max(self.max_size, offset + size)
        return offset

    def free(self, offset: int, size: int) -> None:
        size = _aligned(size)
        blocks = self.blocks
        for index, block in enumerate(blocks):
            if block[0] + block[1] == offset:  # the freed bytes end this block
                block[1] += size
                if index + 1 < len(blocks) and block[0] + block[1] == blocks[index + 1][0]:
                    block[1] += blocks[index + 1][1]
                    del blocks[index + 1]
                return
            if offset + size == block[0]:  # ... or start it
                block[0] = offset
                block[1] += size
                if index > 0 and blocks[index - 1][0] + blocks[index - 1][1] == block[0]:
                    blocks[index - 1][1] += block[1]
                    del blocks[index]
                return
        index = 0
        while index < len(blocks) and blocks[index][0] < offset:
            index += 1
        blocks.insert(index, [offset, size])


class GraphAllocator:
    """ggml_gallocr on one buffer: places a graph's tensors."""

    def __init__(self) -> None:
        self.buffer = DynamicAllocator()

    @staticmethod
    def _is_allocated(tensor: Tensor) -> bool:
        return tensor.external or tensor.allocated

    def _reuse_parent(self, node: Tensor) -> bool:
        """Take over a source's memory in place; False when none can be. A
        view is never allocated itself, so only a source of its own qualifies."""
        for parent in node.src:
            if not parent.allocated or parent.flags & FLAG_OUTPUT:
                continue
            if not node.same_layout(parent) or parent.children != 1 or parent.views:
                continue
            node.offset = parent.offset
            parent.allocated = False
            extra = _aligned(parent.nbytes) - _aligned(node.nbytes)
            if extra > 0:
                self.buffer.free(parent.offset + _aligned(node.nbytes), extra)
            return True
        return False

    def allocate(self, node: Tensor) -> None:
        if self._is_allocated(node) or node.view_src is not None:
            return
        node.allocated = True
        if node.op in INPLACE_OPS and self._reuse_parent(node):
            return
        node.offset = self.buffer.alloc(node.nbytes)

    def free(self, node: Tensor) -> None:
        if node.flags & FLAG_OUTPUT:
            return
        self.buffer.free(node.offset, node.nbytes)
        node.allocated = False

    def place(self, graph: Graph) -> int:
        """ggml_gallocr_alloc_graph_impl; answers the buffer's size."""
        for leaf in graph.leafs:
            self.allocate(leaf)
        for node in graph.nodes:
            if node.view_src is not None and node.op != "NONE":
                node.view_src.views += 1
            if node.flags & FLAG_INPUT:
                self.allocate(node)
            for src in node.src:
                src.children += 1
                if src.flags & FLAG_INPUT:
                    self.allocate(src)
        for node in graph.nodes:
            for parent in node.src:
                self.allocate(parent)
            self.allocate(node)
            for parent in node.src:
                parent.children -= 1
                if parent.children or parent.views:
                    continue
                root = parent.view_src
                if root is not None:
                    root.views -= 1
                    if root.views == 0 and root.children == 0 and root.allocated:
                        self.free(root)
                elif parent.allocated:
                    self.free(parent)
        return self.buffer.max_size


def buffer_size(graph: Graph) -> int:
    """The compute buffer ggml-alloc reserves for ``graph``."""
    return GraphAllocator().place(graph)
