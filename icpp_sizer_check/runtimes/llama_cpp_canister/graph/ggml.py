"""Just enough of ggml to build llama.cpp's compute graph without data.

The compute buffer is where ggml-alloc places the graph's tensors; where it
places them depends on each tensor's bytes, layout and sources and on the
order ggml visits them. This module makes tensors with ggml's shapes and
strides (``ggml_new_tensor``, views, the ops llama.cpp's graphs use) and
orders them as ``ggml_build_forward_expand`` does. Weights and caches are
"external": they live in other buffers, and the allocator leaves them alone.
"""

from __future__ import annotations

from typing import Iterable, Optional, Sequence

from icpp_sizer_check.gguf.ggml_types import BY_NAME, GgmlType

F32, F16, I32, I64 = BY_NAME["f32"], BY_NAME["f16"], BY_NAME["i32"], BY_NAME["i64"]

# ggml_tensor_flag
FLAG_INPUT = 1
FLAG_OUTPUT = 2

# ggml_op_can_inplace (ggml-alloc.c): a node of these ops may take over the
# memory of a source it has the same layout as, when it is that source's last user.
INPLACE_OPS = frozenset(
    {
        "FILL", "SCALE", "DIAG_MASK_ZERO", "DIAG_MASK_INF", "ADD", "ADD_ID", "ADD1", "SUB",
        "MUL", "DIV", "SQR", "SQRT", "LOG", "UNARY", "ROPE", "ROPE_BACK", "SILU_BACK",
        "RMS_NORM", "RMS_NORM_BACK", "CLAMP", "SOFT_MAX", "SOFT_MAX_BACK",
    }
)  # fmt: skip

Shape = tuple[int, int, int, int]


class Tensor:
    """A ggml tensor's metadata: what the allocator reads of it."""

    # ggml_tensor's fields, then ggml-alloc's hash_node (children, views,
    # allocated, offset), kept on the tensor while a graph is placed.
    __slots__ = (
        "allocated",
        "children",
        "external",
        "flags",
        "nb",
        "nbytes",
        "ne",
        "offset",
        "op",
        "src",
        "type",
        "view_offs",
        "view_src",
        "views",
    )

    def __init__(
        self,
        op: str,
        kind: GgmlType,
        ne: Shape,
        nb: Shape,
        src: Sequence[Tensor] = (),
        view_src: Optional[Tensor] = None,
        view_offs: int = 0,
    ) -> None:
        self.op = op
        self.type = kind
        self.ne = ne
        self.nb = nb
        self.src: list[Tensor] = list(src)
        self.view_src = view_src
        self.view_offs = view_offs
        self.nbytes = _nbytes(kind, ne, nb)
        self.flags = 0
        self.external = False
        self.children = 0
        self.views = 0
        self.allocated = False
        self.offset: tuple[int, int] = (0, 0)  # (chunk, offset) in the buffer

    @property
    def nelements(self) -> int:
        return self.ne[0] * self.ne[1] * self.ne[2] * self.ne[3]

    def is_contiguous(self) -> bool:
        return self.nb == contiguous_strides(self.type, self.ne)

    def same_layout(self, other: Tensor) -> bool:
        return self.type is other.type and self.ne == other.ne and self.nb == other.nb


def _nbytes(kind: GgmlType, ne: Shape, nb: Shape) -> int:
    """ggml_nbytes: the bytes from a tensor's first element to past its last."""
    if min(ne) <= 0:
        return 0
    last = (ne[1] - 1) * nb[1] + (ne[2] - 1) * nb[2] + (ne[3] - 1) * nb[3]
    if kind.block_size == 1:
        return kind.type_size + (ne[0] - 1) * nb[0] + last
    return ne[0] * nb[0] // kind.block_size + last


def _shape(dims: Sequence[int]) -> Shape:
    padded = (*dims, 1, 1, 1, 1)
    return (padded[0], padded[1], padded[2], padded[3])


def contiguous_strides(kind: GgmlType, ne: Shape) -> Shape:
    nb0 = kind.type_size
    nb1 = nb0 * (ne[0] // kind.block_size)
    nb2 = nb1 * ne[1]
    return (nb0, nb1, nb2, nb2 * ne[2])


def new(kind: GgmlType, *dims: int, op: str = "NONE", src: Sequence[Tensor] = ()) -> Tensor:
    """ggml_new_tensor: a contiguous tensor of its own."""
    ne = _shape(dims)
    return Tensor(op, kind, ne, contiguous_strides(kind, ne), src)


def external(kind: GgmlType, *dims: int) -> Tensor:
    """A weight or a cache: memory outside the compute buffer."""
    tensor = new(kind, *dims)
    tensor.external = True
    return tensor


def input_tensor(kind: GgmlType, *dims: int) -> Tensor:
    """ggml_set_input: filled before the graph runs, so allocated first."""
    tensor = new(kind, *dims)
    tensor.flags |= FLAG_INPUT
    return tensor


def view(
    a: Tensor, op: str, kind: GgmlType, ne: Shape, nb: Shape, offset: int, src: Sequence[Tensor]
) -> Tensor:
    """ggml_new_tensor_impl with a view source: a view of a view views the root."""
    root, offs = a, offset
    if a.view_src is not None:
        root, offs = a.view_src, a.view_offs + offset
    return Tensor(op, kind, ne, nb, src, root, offs)


def like(op: str, a: Tensor, *src: Tensor) -> Tensor:
    """ggml_dup_tensor of ``a`` as the result of ``op``."""
    return new(a.type, *a.ne, op=op, src=(a, *src))


# Views (ggml_reshape_*, ggml_view_*, ggml_permute, ggml_transpose)


def reshape(a: Tensor, *dims: int) -> Tensor:
    ne = _shape(dims)
    return view(a, "RESHAPE", a.type, ne, contiguous_strides(a.type, ne), 0, (a,))


def view_nd(a: Tensor, dims: Sequence[int], strides: Sequence[int], offset: int) -> Tensor:
    """ggml_view_1d..4d: ``strides`` are nb[1:] of the view."""
    ne = _shape(dims)
    nb = [a.type.type_size, *strides]
    for i in range(len(strides) + 1, 4):
        nb.append(nb[i - 1] * ne[i - 1])
    return view(a, "VIEW", a.type, ne, (nb[0], nb[1], nb[2], nb[3]), offset, (a,))


def view_tensor(a: Tensor, op: str = "VIEW") -> Tensor:
    """ggml_view_tensor: the whole of ``a``."""
    return view(a, op, a.type, a.ne, a.nb, 0, (a,))


def permute(a: Tensor, *axes: int) -> Tensor:
    ne, nb = [0] * 4, [0] * 4
    for i, axis in enumerate(axes):
        ne[axis], nb[axis] = a.ne[i], a.nb[i]
    return view(a, "PERMUTE", a.type, _shape(ne), _shape(nb), 0, (a,))


def transpose(a: Tensor) -> Tensor:
    ne, nb = a.ne, a.nb
    return view(
        a, "TRANSPOSE", a.type, (ne[1], ne[0], ne[2], ne[3]), (nb[1], nb[0], nb[2], nb[3]), 0, (a,)
    )


# Ops that make new tensors


def cont(a: Tensor, *dims: int) -> Tensor:
    """ggml_cont / ggml_cont_Nd."""
    return new(a.type, *(dims or a.ne), op="CONT", src=(a,))


def cast(a: Tensor, kind: GgmlType) -> Tensor:
    """ggml_cast: a CPY into a new tensor that is its own second source."""
    result = new(kind, *a.ne, op="CPY", src=(a,))
    result.src.append(result)
    return result


def mul_mat(a: Tensor, b: Tensor) -> Tensor:
    return new(F32, a.ne[1], b.ne[1], b.ne[2], b.ne[3], op="MUL_MAT", src=(a, b))


def get_rows(a: Tensor, b: Tensor) -> Tensor:
    return new(F32, a.ne[0], b.ne[0], b.ne[1], b.ne[2], op="GET_ROWS", src=(a, b))


def set_rows(a: Tensor, b: Tensor, c: Tensor) -> Tensor:
    """ggml_set_rows: writes rows of ``b`` into ``a`` (a view of it)."""
    return view(a, "SET_ROWS", a.type, a.ne, a.nb, 0, (b, c, a))


def cpy(a: Tensor, b: Tensor) -> Tensor:
    """ggml_cpy: ``a`` copied into ``b`` (a view of it)."""
    return view(b, "CPY", b.type, b.ne, b.nb, 0, (a, b))


def swiglu(a: Tensor) -> Tensor:
    """ggml_swiglu of one tensor: its two halves gate each other."""
    return new(a.type, a.ne[0] // 2, a.ne[1], a.ne[2], a.ne[3], op="GLU", src=(a,))


def concat(a: Tensor, b: Tensor, dim: int) -> Tensor:
    ne = list(a.ne)
    ne[dim] += b.ne[dim]
    return new(a.type, *ne, op="CONCAT", src=(a, b))


def ssm_conv(sx: Tensor, c: Tensor) -> Tensor:
    """ggml_ssm_conv: each channel of ``sx`` convolved with its row of ``c``."""
    return new(F32, c.ne[1], sx.ne[0] - c.ne[0] + 1, sx.ne[2], op="SSM_CONV", src=(sx, c))


def ssm_scan(s: Tensor, x: Tensor, *rest: Tensor) -> Tensor:
    """ggml_ssm_scan (K = 1): y, then the last states, in one flat tensor;
    ``rest`` is dt, A, B, C and the ids of the sequences' states."""
    states = s.ne[0] * s.ne[1] * s.ne[2] * rest[-1].ne[0]
    return new(F32, x.nelements + states, op="SSM_SCAN", src=(s, x, *rest))


def flash_attn_ext(q: Tensor, k: Tensor, v: Tensor, mask: Tensor) -> Tensor:
    # the result is permuted: [head size, heads, tokens]
    return new(F32, v.ne[0], q.ne[2], q.ne[1], q.ne[3], op="FLASH_ATTN_EXT", src=(q, k, v, mask))


# Expanding a graph (ggml_build_forward_expand)


class Graph:
    """Nodes and leafs in ggml's order: sources before their users, each once."""

    def __init__(self) -> None:
        self.nodes: list[Tensor] = []
        self.leafs: list[Tensor] = []
        self._seen: set[int] = set()

    def expand(self, *tensors: Optional[Tensor]) -> None:
        for tensor in tensors:
            if tensor is not None:
                self._visit(tensor)

    def _visit(self, root: Tensor) -> None:
        # ggml_visit_parents_graph without recursion: each tensor after its sources.
        stack: list[tuple[Tensor, int]] = [(root, 0)]
        seen = self._seen
        if id(root) in seen:
            return
        seen.add(id(root))
        while stack:
            tensor, index = stack.pop()
            if index < len(tensor.src):
                stack.append((tensor, index + 1))
                src = tensor.src[index]
                if id(src) not in seen:
                    seen.add(id(src))
                    stack.append((src, 0))
                continue
            (self.leafs if tensor.op == "NONE" else self.nodes).append(tensor)


def all_of(tensors: Iterable[Optional[Tensor]]) -> list[Tensor]:
    return [tensor for tensor in tensors if tensor is not None]
