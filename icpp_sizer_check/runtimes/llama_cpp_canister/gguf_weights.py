"""The types of a GGUF file's weights, as a decode's instructions need them:
the elements of the matrices each token multiplies, by type, and the output
head's type (instructions.py prices a dot product by its weight's type)."""

from __future__ import annotations

import re
from collections import Counter
from typing import Optional

from icpp_sizer_check.gguf.format import GgufError, GgufHeader, TensorInfo, shown
from icpp_sizer_check.gguf.ggml_types import GGML_TYPES

# A block's tensors: blk.<layer>.<name>.
_BLOCK = re.compile(r"blk\.([0-9]+)\.")


def _type_name(tensor: TensorInfo) -> str:
    kind = GGML_TYPES.get(tensor.ggml_type)
    if kind is None:
        raise GgufError(
            f"tensor {shown(tensor.name)} has ggml type {tensor.ggml_type}, which ggml has not"
        )
    return kind.name


def _multiplied(tensor: TensorInfo, trunk_layers: int) -> bool:
    """A matrix a token multiplies: two dimensions or more; not an embedding
    table (read by row), nor the output head, nor a layer the main context
    does not run (multi-token prediction)."""
    if len(tensor.dims) < 2 or min(tensor.dims[:2]) < 2 or "token_embd" in tensor.name:
        return False
    block = _BLOCK.match(tensor.name)
    return tensor.name != "output.weight" and (block is None or int(block[1]) < trunk_layers)


def matrix_types(header: GgufHeader, trunk_layers: int) -> Optional[tuple[tuple[str, int], ...]]:
    """The elements of the matrices a token multiplies, by type, sorted by
    type; None when the file has none."""
    counts: Counter[str] = Counter()
    for tensor in header.tensors:
        if _multiplied(tensor, trunk_layers):
            counts[_type_name(tensor)] += tensor.elements
    return tuple(sorted(counts.items())) or None


def output_type(header: GgufHeader) -> Optional[str]:
    """The output head's type: its own matrix's, else the token embeddings' it
    reuses; None when the file has neither."""
    names = {tensor.name: tensor for tensor in header.tensors}
    head = names.get("output.weight") or names.get("token_embd.weight")
    return None if head is None else _type_name(head)
