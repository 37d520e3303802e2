"""The GGUF format as the header reader knows it: value types, limits, and
what a parsed header holds.

GGUF versions 2 and 3, little-endian: the magic ``GGUF``, a uint32 version, a
uint64 tensor count, a uint64 key/value count; the key/value pairs (a string
key, a uint32 value type, the value); the tensor infos (a string name, a
uint32 dimension count, uint64 dimensions, a uint32 ggml type, a uint64 offset
into the data section); then padding to ``general.alignment`` and the tensor
data.
"""

from __future__ import annotations

import struct
from typing import NamedTuple, Optional, Union

from icpp_sizer_check.errors import printable
from icpp_sizer_check.gguf.ggml_types import GGML_TYPES

MAGIC = b"GGUF"
SUPPORTED_VERSIONS = (2, 3)
DEFAULT_ALIGNMENT = 32
# The CPU buffer pads every tensor to this many bytes, whatever the file's
# alignment (ggml's TENSOR_ALIGNMENT): the model buffer's size.
BUFFER_ALIGNMENT = 32
# ggml's limits, which llama.cpp enforces on load (GGML_MAX_DIMS, GGML_MAX_NAME).
MAX_DIMS = 4
MAX_NAME_BYTES = 64
MAX_INT64 = 2**63 - 1
# Arrays of at most this many numbers keep their values (per-layer arrays of
# the hyperparameters); longer ones (token scores, types) only their length.
MAX_KEPT_ITEMS = 4096
# Strings longer than this keep only their length (a chat template is a few
# KB; a key or value of megabytes is no key a model needs).
MAX_KEPT_STRING = 1 << 20
# Tensors, and metadata entries, a header may claim: a model has hundreds to a
# few thousand tensors and a few dozen entries. The cap keeps a hostile
# header of millions of tiny entries from holding a hook for half a minute.
MAX_ENTRIES = 65_536
# The reader's window on the file: what it holds in memory at once.
CHUNK_BYTES = 1 << 20

# GGUF value types (gguf.GGUFValueType).
UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL = range(8)
STRING, ARRAY, UINT64, INT64, FLOAT64 = range(8, 13)
# struct formats of the fixed-size types.
FORMATS = {
    UINT8: "B",
    INT8: "b",
    UINT16: "H",
    INT16: "h",
    UINT32: "I",
    INT32: "i",
    FLOAT32: "f",
    BOOL: "?",
    UINT64: "Q",
    INT64: "q",
    FLOAT64: "d",
}
SIZES = {kind: struct.calcsize("<" + code) for kind, code in FORMATS.items()}
INTEGER_TYPES = frozenset({UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64})
TYPE_NAMES = {
    UINT8: "uint8",
    INT8: "int8",
    UINT16: "uint16",
    INT16: "int16",
    UINT32: "uint32",
    INT32: "int32",
    FLOAT32: "float32",
    BOOL: "bool",
    STRING: "string",
    ARRAY: "array",
    UINT64: "uint64",
    INT64: "int64",
    FLOAT64: "float64",
}
# The fewest bytes an item of each type takes: what bounds a count by the file.
MIN_ITEM_BYTES = {**SIZES, STRING: 8, ARRAY: 12}
MIN_KV_BYTES = 8 + 4 + 1  # an empty key, a type, a one-byte value
MIN_TENSOR_INFO_BYTES = 8 + 4 + 4 + 8  # an empty name, no dimensions, type, offset

U32 = struct.Struct("<I")
U64 = struct.Struct("<Q")

Scalar = Union[int, float, bool, str]


class GgufError(ValueError):
    """The file is not a GGUF model this tool can read; the message says why,
    on one line, and what to do."""


class Field(NamedTuple):
    """One metadata value. Scalars and strings keep their value; arrays their
    item type and length, and their values when they are few numbers."""

    type: int  # a GGUF value type
    value: Optional[Scalar] = None  # scalars and strings (None: a string too long to keep)
    item_type: Optional[int] = None  # arrays: the items' type
    length: int = 0  # arrays: the item count; strings: the byte count
    items: Optional[tuple[Union[int, float, bool], ...]] = None  # small numeric arrays


class TensorInfo(NamedTuple):
    name: str
    dims: tuple[int, ...]  # ggml order: dims[0] is the row length
    ggml_type: int
    offset: int  # from the start of the data section

    @property
    def elements(self) -> int:
        count = 1
        for dim in self.dims:
            count *= dim
        return count

    @property
    def nbytes(self) -> int:
        """ggml_nbytes: whole blocks of the tensor's type."""
        kind = GGML_TYPES[self.ggml_type]
        return self.elements // kind.block_size * kind.type_size


class GgufHeader(NamedTuple):
    version: int
    fields: dict[str, Field]
    tensors: tuple[TensorInfo, ...]
    alignment: int  # general.alignment, or 32
    data_offset: int  # where the data section starts
    file_bytes: int


def shown(text: str) -> str:
    """A name from the file, quoted and escaped for a one-line message."""
    return f"'{printable(text)}'"
