"""ggml-alloc's placement of a graph, without memory: the compute buffer's size.

ggml_gallocr_reserve places every tensor of a graph that is neither external
nor a view in one buffer, in the graph's order: the leafs first, then the
inputs, then each node, freeing a tensor once its last user has run and
letting an element-wise node take over its source's memory in place. Free
space is a list of blocks kept in address order and merged on free; a tensor
takes the smallest block that fits, else the end of the buffer. The size of
the buffer is the highest end any tensor reached. This follows ggml-alloc.c
(ggml_dyn_tallocr_alloc, ggml_dyn_tallocr_free_bytes,
ggml_gallocr_allocate_node, ggml_gallocr_alloc_graph_impl) step by step,
chunks included: a buffer type with a maximum size (llama_cpp_canister's
fork caps CPU buffers at 128 MiB) gets a buffer per chunk; the CPU backend's
buffers have no cap natively, so there the buffer is one chunk.
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


# ggml-alloc.c's GGML_VBUFFER_MAX_CHUNKS: the last chunk a buffer may take is endless.
MAX_CHUNKS = 16
# What ggml_dyn_tallocr_new clamps a buffer type's maximum size to (SIZE_MAX/2).
ENDLESS = (2**64 - 1) // 2


class Chunk:
    """One tallocr_chunk: its free blocks by address, and the highest end a tensor reached."""

    def __init__(self, size: int) -> None:
        self.blocks: list[list[int]] = [[0, size]]  # [offset, size]
        self.max_size = 0


class DynamicAllocator:
    """ggml_dyn_tallocr: free blocks by address in chunks of at most
    ``max_chunk_size`` bytes (the buffer type's get_max_size; unbounded for
    the CPU backend natively, 128 MiB in llama_cpp_canister's fork), each
    chunk a backend buffer of its own. Addresses are (chunk, offset)."""

    def __init__(self, max_chunk_size: int = ENDLESS) -> None:
        self.max_chunk_size = min(max_chunk_size, ENDLESS)
        self.chunks: list[Chunk] = []

    @property
    def max_size(self) -> int:
        """The buffer's size: every chunk's highest end (ggml_vbuffer_alloc)."""
        return sum(chunk.max_size for chunk in self.chunks)

    def chunk_sizes(self) -> list[int]:
        return [chunk.max_size for chunk in self.chunks]

    def _new_chunk(self, size: int) -> int:
        chunk_size = max(size, self.max_chunk_size)
        if len(self.chunks) == MAX_CHUNKS - 1:
            chunk_size = ENDLESS
        self.chunks.append(Chunk(chunk_size))
        return len(self.chunks) - 1

    def _best_fit(self, size: int) -> tuple[int, int]:
        """The best-fitting block besides each chunk's last, as ggml_dyn_tallocr_alloc
        looks for it: each chunk's best, a later chunk's winning."""
        found = (-1, -1)
        for c, chunk in enumerate(self.chunks):
            best_size = ENDLESS * 2 + 1
            for index, (_, block_size) in enumerate(chunk.blocks[:-1]):
                if size <= block_size <= best_size:
                    found, best_size = (c, index), block_size
        return found

    def _best_last_block(self, size: int) -> tuple[int, int]:
        """A chunk's last block: the one that grows its chunk least, else
        wastes least (ggml's reuse factor)."""
        found, best_reuse = (-1, -1), -(2**63)
        for c, chunk in enumerate(self.chunks):
            if not chunk.blocks:
                continue
            offset, block_size = chunk.blocks[-1]
            reuse = chunk.max_size - offset - size
            better_reuse = best_reuse < 0 and reuse > best_reuse
            better_fit = 0 <= reuse < best_reuse
            if block_size >= size and (better_reuse or better_fit):
                found, best_reuse = (c, len(chunk.blocks) - 1), reuse
        return found

    def alloc(self, size: int) -> tuple[int, int]:
        size = _aligned(size)
        c, index = self._best_fit(size)
        if index < 0:
            c, index = self._best_last_block(size)
        if index < 0:
            c, index = self._new_chunk(size), 0
        chunk = self.chunks[c]
        block = chunk.blocks[index]
        offset = block[0]
        block[0] += size
        block[1] -= size
        if block[1] == 0:
            del chunk.blocks[index]
        chunk.max_size = max(chunk.max_size, offset + size)
        return c, offset

    def free(self, address: tuple[int, int], size: int) -> None:
        c, offset = address
        size = _aligned(size)
        blocks = self.chunks[c].blocks
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

    def __init__(self, max_chunk_size: int = ENDLESS) -> None:
        self.buffer = DynamicAllocator(max_chunk_size)

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
                chunk, offset = parent.offset
                self.buffer.free((chunk, offset + _aligned(node.nbytes)), extra)
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
        """ggml_gallocr_alloc_graph_impl; answers the buffer's size. The
        tensors' placement state starts afresh, so one graph can be placed
        in buffers of several chunk sizes."""
        for tensor in (*graph.leafs, *graph.nodes):
            tensor.children = tensor.views = 0
            tensor.allocated = False
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


def buffer_size(graph: Graph, max_chunk_size: int = ENDLESS) -> int:
    """The compute buffer ggml-alloc reserves for ``graph``, in chunks of at
    most ``max_chunk_size`` bytes (where one tensor alone is no larger)."""
    return GraphAllocator(max_chunk_size).place(graph)
