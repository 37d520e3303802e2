"""Read the header of a GGUF model: its metadata and tensor infos, never its weights.

The reader needs only ``struct``: a hook run must stay cheap, and the ``gguf``
package's reader builds every array of the header (a 151,936-token
vocabulary takes it tens of seconds and half a gigabyte). Here big arrays are
skipped: numeric ones in one seek, string ones by walking their lengths.

The file comes from anyone's pull request, so every length and count is
checked against the bytes left in the file before it is used: no header can
make the reader allocate more than the file holds or loop past its end. Every
problem raises :class:`GgufError`, and nothing else escapes.

The layout (GGUF versions 2 and 3, little-endian): the magic ``GGUF``, a
uint32 version, a uint64 tensor count, a uint64 key/value count; the
key/value pairs (a string key, a uint32 value type, the value); the tensor
infos (a string name, a uint32 dimension count, uint64 dimensions, a uint32
ggml type, a uint64 offset into the data section); then padding to
``general.alignment`` and the tensor data.
"""

from __future__ import annotations

import os
import stat
import struct
from typing import BinaryIO, NamedTuple, Optional, Union

from icpp_sizer_check.errors import printable
from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import (
    ARCHITECTURES,
    Architecture,
)
from icpp_sizer_check.runtimes.llama_cpp_canister.ggml_types import GGML_TYPES

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
# Arrays inside arrays: GGUF allows them; no model needs more than a few levels.
MAX_NESTING = 8
# The reader's window on the file: what it holds in memory at once.
CHUNK_BYTES = 1 << 20

# GGUF value types (gguf.GGUFValueType).
UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL = range(8)
STRING, ARRAY, UINT64, INT64, FLOAT64 = range(8, 13)
# struct formats of the fixed-size types.
_FORMATS = {
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
_SIZES = {kind: struct.calcsize("<" + code) for kind, code in _FORMATS.items()}
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
_MIN_ITEM_BYTES = {**_SIZES, STRING: 8, ARRAY: 12}
_MIN_KV_BYTES = 8 + 4 + 1  # an empty key, a type, a one-byte value
_MIN_TENSOR_INFO_BYTES = 8 + 4 + 4 + 8  # an empty name, no dimensions, type, offset

_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")

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


def _shown(text: str) -> str:
    """A name from the file, quoted and escaped for a one-line message."""
    return f"'{printable(text)}'"


class _Source:
    """A bounded window on the file: bytes are read in chunks as the parse
    needs them, and every read past the end of the file is refused."""

    def __init__(self, file: BinaryIO, size: int) -> None:
        self._file = file
        self.size = size
        self._buffer = b""
        self._start = 0  # the file offset of _buffer[0]
        self.position = 0

    def left(self) -> int:
        return self.size - self.position

    def take(self, count: int, what: str) -> tuple[bytes, int]:
        """The buffer and the index in it of the next ``count`` bytes, which
        the call consumes."""
        if count > self.left():
            raise GgufError(
                f"the file ends inside {what} (at byte {self.size}, {count} bytes needed "
                f"from byte {self.position}); the file is truncated: upload it again"
            )
        index = self.position - self._start
        if index + count > len(self._buffer):
            self._fill(count)
            index = 0
        self.position += count
        return self._buffer, index

    def _fill(self, count: int) -> None:
        self._file.seek(self.position)
        want = max(count, min(CHUNK_BYTES, self.left()))
        try:
            data = self._file.read(want)
        except OSError as error:
            raise GgufError(f"cannot read it: {error.strerror or error}") from None
        if len(data) < count:
            raise GgufError("the file shrank while it was read; read it again when it is written")
        self._buffer, self._start = data, self.position

    def skip(self, count: int, what: str) -> None:
        if count > self.left():
            raise GgufError(
                f"the file ends inside {what} ({count} bytes from byte {self.position}, "
                f"the file has {self.size}); the file is truncated: upload it again"
            )
        self.position += count

    def u32(self, what: str) -> int:
        buffer, index = self.take(4, what)
        return int(_U32.unpack_from(buffer, index)[0])

    def u64(self, what: str) -> int:
        buffer, index = self.take(8, what)
        return int(_U64.unpack_from(buffer, index)[0])

    def raw_string(self, what: str) -> tuple[int, Optional[bytes]]:
        """A string's length, and its bytes unless it is longer than MAX_KEPT_STRING."""
        length = self.u64(f"the length of {what}")
        if length > self.left():
            raise GgufError(
                f"{what} claims {length} bytes at byte {self.position - 8}, more than the "
                f"{self.left()} left in the file; the file is truncated or its header corrupt"
            )
        if length > MAX_KEPT_STRING:
            self.skip(length, what)
            return length, None
        buffer, index = self.take(length, what)
        return length, buffer[index : index + length]

    def skip_strings(self, count: int, what: str) -> None:
        """Walk ``count`` strings by their lengths, never decoding them: the
        tokens and merges of a vocabulary are most of a header."""
        unpack = _U64.unpack_from
        while count:
            buffer, index = self._buffer, self.position - self._start
            end = len(self._buffer)
            # The fast path: strings wholly inside the window.
            while count and index + 8 <= end:
                following = index + 8 + unpack(buffer, index)[0]
                if following > end:
                    break
                index = following
                count -= 1
            self.position = self._start + index
            if count:  # one string across the window's end, through the checked path
                self.raw_string(what)
                count -= 1


def _decode(raw: bytes, what: str, at: int) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        shown = printable(raw.decode("utf-8", "surrogateescape"))
        raise GgufError(
            f"{what} at byte {at} is not UTF-8 text ('{shown}'); the header is corrupt"
        ) from None


def _read_key(source: _Source, number: int) -> str:
    at = source.position
    what = f"the key of metadata entry {number}"
    length, raw = source.raw_string(what)
    if raw is None:
        raise GgufError(f"{what} at byte {at} is {length} bytes long; the header is corrupt")
    return _decode(raw, what, at)


def _read_value(source: _Source, kind: int, key: str, depth: int = 0) -> Field:
    what = f"the value of {_shown(key)}"
    code = _FORMATS.get(kind)
    if code is not None:
        buffer, index = source.take(_SIZES[kind], what)
        (value,) = struct.unpack_from("<" + code, buffer, index)
        return Field(kind, value)
    if kind == STRING:
        length, raw = source.raw_string(what)
        text = None if raw is None else raw.decode("utf-8", "surrogateescape")
        return Field(kind, text, length=length)
    if kind == ARRAY:
        return _read_array(source, key, depth)
    raise GgufError(
        f"metadata key {_shown(key)} has value type {kind}, which GGUF does not define "
        "(0-12); the header is corrupt"
    )


def _read_array(source: _Source, key: str, depth: int) -> Field:
    what = f"the array {_shown(key)}"
    item_type = source.u32(f"the item type of {what}")
    length = source.u64(f"the length of {what}")
    least = _MIN_ITEM_BYTES.get(item_type)
    if least is None:
        raise GgufError(
            f"{what} has item type {item_type}, which GGUF does not define (0-12); "
            "the header is corrupt"
        )
    if length * least > source.left():
        raise GgufError(
            f"{what} claims {length} items, more than the {source.left()} bytes left in the "
            "file can hold; the file is truncated or its header corrupt"
        )
    if item_type in _SIZES:
        size = _SIZES[item_type] * length
        if length > MAX_KEPT_ITEMS:
            source.skip(size, what)
            return Field(ARRAY, item_type=item_type, length=length)
        buffer, index = source.take(size, what)
        items = struct.unpack_from(f"<{length}{_FORMATS[item_type]}", buffer, index)
        return Field(ARRAY, item_type=item_type, length=length, items=items)
    if item_type == STRING:
        source.skip_strings(length, f"a string of {what}")
        return Field(ARRAY, item_type=item_type, length=length)
    if depth >= MAX_NESTING:
        raise GgufError(f"{what} nests arrays more than {MAX_NESTING} deep; the header is corrupt")
    for _ in range(length):  # arrays inside: each its own item type, length and items
        _read_array(source, key, depth + 1)
    return Field(ARRAY, item_type=item_type, length=length)


def _read_fields(source: _Source, count: int) -> dict[str, Field]:
    fields: dict[str, Field] = {}
    for number in range(count):
        at = source.position
        key = _read_key(source, number)
        if key in fields:
            raise GgufError(
                f"metadata key {_shown(key)} appears twice (again at byte {at}); "
                "llama.cpp refuses such a file"
            )
        kind = source.u32(f"the value type of {_shown(key)}")
        fields[key] = _read_value(source, kind, key)
    return fields


def _read_tensor_info(source: _Source, number: int) -> TensorInfo:
    at = source.position
    what = f"the name of tensor {number}"
    length, raw = source.raw_string(what)
    if raw is None or length >= MAX_NAME_BYTES:
        raise GgufError(
            f"{what} at byte {at} is {length} bytes long; llama.cpp allows at most "
            f"{MAX_NAME_BYTES - 1}"
        )
    name = _decode(raw, what, at)
    n_dims = source.u32(f"the dimension count of tensor {_shown(name)}")
    if n_dims > MAX_DIMS:
        raise GgufError(
            f"tensor {_shown(name)} has {n_dims} dimensions; ggml allows at most {MAX_DIMS}"
        )
    dims = tuple(source.u64(f"the dimensions of tensor {_shown(name)}") for _ in range(n_dims))
    if any(dim > MAX_INT64 for dim in dims):
        raise GgufError(f"tensor {_shown(name)} has a negative dimension; the header is corrupt")
    ggml_type = source.u32(f"the type of tensor {_shown(name)}")
    offset = source.u64(f"the offset of tensor {_shown(name)}")
    kind = GGML_TYPES.get(ggml_type)
    if kind is None:
        raise GgufError(
            f"tensor {_shown(name)} has ggml type {ggml_type}, which this tool does not "
            "know (a retired type, or one newer than this tool); requantize the model"
        )
    if dims and dims[0] % kind.block_size:
        raise GgufError(
            f"tensor {_shown(name)} of type {kind.name} has rows of {dims[0]} values, not a "
            f"multiple of its block size {kind.block_size}; llama.cpp refuses it"
        )
    return TensorInfo(name, dims, ggml_type, offset)


def _alignment(fields: dict[str, Field]) -> int:
    field = fields.get("general.alignment")
    if field is None:
        return DEFAULT_ALIGNMENT
    value = field.value
    if field.type != UINT32 or not isinstance(value, int) or value & (value - 1) or not value:
        shown = TYPE_NAMES.get(field.type, str(field.type))
        raise GgufError(
            f"general.alignment must be a uint32 power of two (it is the {shown} {value!r}); "
            "llama.cpp refuses the file"
        )
    return value


def _check_tensors(
    tensors: tuple[TensorInfo, ...], alignment: int, data_offset: int, size: int
) -> None:
    """llama.cpp's checks: tensors follow one another in the data section,
    each padded to the alignment, and each lies inside the file."""
    names: set[str] = set()
    expected = 0
    for tensor in tensors:
        if tensor.name in names:
            raise GgufError(f"tensor {_shown(tensor.name)} appears twice; llama.cpp refuses it")
        names.add(tensor.name)
        if tensor.offset != expected:
            raise GgufError(
                f"tensor {_shown(tensor.name)} has offset {tensor.offset} where llama.cpp "
                f"expects {expected} (tensors in order, each padded to {alignment} bytes); "
                "the header is corrupt"
            )
        end = data_offset + tensor.offset + tensor.nbytes
        if end > size:
            raise GgufError(
                f"the data of tensor {_shown(tensor.name)} ends at byte {end}, past the end of "
                f"the file ({size} bytes); the file is truncated: upload it again"
            )
        expected = _pad(expected + tensor.nbytes, alignment)


def _pad(value: int, multiple: int) -> int:
    return -(-value // multiple) * multiple


def _check_version(version: int) -> None:
    if version in SUPPORTED_VERSIONS:
        return
    if version and not version & 0xFFFF:
        raise GgufError(
            "the file is a big-endian GGUF; llama.cpp on wasm32 reads only little-endian "
            "files: convert the model again without --bigendian"
        )
    if version == 1:
        raise GgufError(
            "the file is GGUF version 1, which llama.cpp no longer reads; convert the "
            "model again with a current llama.cpp (version 3)"
        )
    raise GgufError(
        f"the file is GGUF version {version}; this tool reads versions 2 and 3: "
        "is the file a GGUF model?"
    )


def parse(file: BinaryIO, size: int) -> GgufHeader:
    """The header of the GGUF file open as ``file``, ``size`` bytes long."""
    source = _Source(file, size)
    if size < 4:
        raise GgufError(f"the file is {size} bytes long, too short for a GGUF model")
    buffer, index = source.take(4, "the magic")
    magic = bytes(buffer[index : index + 4])
    if magic != MAGIC:
        raise GgufError(
            f"the file starts with '{printable(magic.decode('latin-1'))}', not 'GGUF': "
            "it is not a GGUF model"
        )
    version = source.u32("the version")
    _check_version(version)
    n_tensors = source.u64("the tensor count")
    n_fields = source.u64("the metadata count")
    least = n_tensors * _MIN_TENSOR_INFO_BYTES + n_fields * _MIN_KV_BYTES
    if least > source.left():
        raise GgufError(
            f"the header claims {n_tensors} tensors and {n_fields} metadata entries, more than "
            f"the {source.left()} bytes left in the file can hold; the file is truncated or "
            "its header corrupt"
        )
    fields = _read_fields(source, n_fields)
    tensors = tuple(_read_tensor_info(source, number) for number in range(n_tensors))
    alignment = _alignment(fields)
    data_offset = _pad(source.position, alignment)
    _check_tensors(tensors, alignment, data_offset, size)
    return GgufHeader(version, fields, tensors, alignment, data_offset, size)


def read_header(path: str) -> GgufHeader:
    """Read and parse only the header of the GGUF file at ``path``."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise GgufError("no such file") from None
    except OSError as error:
        raise GgufError(f"cannot open it: {error.strerror or error}") from None
    except ValueError:  # a NUL in the path
        raise GgufError("no such file (the path holds a NUL character)") from None
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            kind = "a folder" if stat.S_ISDIR(status.st_mode) else "a FIFO, a device or a socket"
            raise GgufError(f"is {kind}, not a GGUF file")
        with os.fdopen(descriptor, "rb", buffering=0, closefd=False) as file:
            return parse(file, status.st_size)
    except OSError as error:
        raise GgufError(f"cannot read it: {error.strerror or error}") from None
    finally:
        os.close(descriptor)


# gemma3's sliding-window pattern when the file has no key for it (llama.cpp's
# gemma3 hparams: set_swa_pattern(6), five sliding layers then a global one).
GEMMA3_SWA_PATTERN = 6


def _type_name(kind: int) -> str:
    return TYPE_NAMES.get(kind, f"type {kind}")


def _missing(key: str) -> GgufError:
    return GgufError(
        f"the metadata has no {_shown(key)}, which llama.cpp needs; convert the model again "
        "with a current llama.cpp"
    )


def _integer(header: GgufHeader, key: str, least: int = 0) -> Optional[int]:
    """The integer at ``key`` (any integer type), None when absent."""
    field = header.fields.get(key)
    if field is None:
        return None
    if field.type not in INTEGER_TYPES or not isinstance(field.value, int):
        raise GgufError(f"{_shown(key)} is a {_type_name(field.type)}; expected an integer")
    if field.value < least:
        raise GgufError(f"{_shown(key)} is {field.value}; it must be at least {least}")
    return field.value


def _required_integer(header: GgufHeader, key: str, least: int = 0) -> int:
    value = _integer(header, key, least)
    if value is None:
        raise _missing(key)
    return value


def _per_layer(
    header: GgufHeader, key: str, n_layer: int, least: int = 0
) -> Optional[tuple[int, ...]]:
    """A hyperparameter llama.cpp reads as one integer or one per layer
    (get_key_or_arr): the value of every layer, None when absent."""
    field = header.fields.get(key)
    if field is None:
        return None
    if field.type != ARRAY:
        value = _integer(header, key, least)
        return None if value is None else (value,) * n_layer
    if field.item_type not in INTEGER_TYPES or field.items is None:
        raise GgufError(
            f"{_shown(key)} is an array of {field.length} {_type_name(field.item_type or 0)} "
            "items; expected an integer or one integer per layer"
        )
    if field.length != n_layer:
        raise GgufError(
            f"{_shown(key)} has {field.length} values for {n_layer} layers; llama.cpp refuses it"
        )
    values = tuple(int(item) for item in field.items)
    if min(values) < least:
        raise GgufError(f"{_shown(key)} holds {min(values)}; every value must be at least {least}")
    return values


def _required_per_layer(
    header: GgufHeader, key: str, n_layer: int, least: int = 0
) -> tuple[int, ...]:
    values = _per_layer(header, key, n_layer, least)
    if values is None:
        raise _missing(key)
    return values


def _string(header: GgufHeader, key: str) -> Optional[str]:
    field = header.fields.get(key)
    if field is None:
        return None
    if field.type != STRING or not isinstance(field.value, str):
        raise GgufError(f"{_shown(key)} is a {_type_name(field.type)}; expected a string")
    return field.value


def _array_length(header: GgufHeader, key: str) -> Optional[int]:
    field = header.fields.get(key)
    if field is None:
        return None
    if field.type != ARRAY or field.item_type != STRING:
        raise GgufError(
            f"{_shown(key)} is a {_type_name(field.type)}; expected an array of strings"
        )
    return field.length


def _architecture_name(header: GgufHeader) -> str:
    arch = _string(header, "general.architecture")
    if arch is None:
        raise _missing("general.architecture")
    if arch not in ARCHITECTURES:
        raise GgufError(
            f"the model's architecture is {_shown(arch)}; this tool sizes "
            f"{', '.join(ARCHITECTURES)}"
        )
    return arch


def _vocabulary_size(header: GgufHeader, arch: str) -> int:
    """llama.cpp's vocabulary: the token list, or, for tokenizer "none", as
    many dummy tokens as {arch}.vocab_size says."""
    model = _string(header, "tokenizer.ggml.model")
    tokens = None if model == "none" else _array_length(header, "tokenizer.ggml.tokens")
    if tokens is not None:
        return tokens
    vocab_size = _integer(header, f"{arch}.vocab_size", 1)
    if vocab_size is None:
        raise _missing("tokenizer.ggml.tokens" if model != "none" else f"{arch}.vocab_size")
    return vocab_size


def _swa_pattern(header: GgufHeader, key: str, n_layer: int) -> int:
    """The pattern of Architecture.is_swa (every Nth layer global) from the
    pattern key: an integer, or one bool per layer (true: a sliding layer),
    which must repeat with some period to be written as an integer."""
    field = header.fields.get(key)
    if field is None:
        return GEMMA3_SWA_PATTERN
    if field.type != ARRAY:
        value = _integer(header, key, 1)
        return GEMMA3_SWA_PATTERN if value is None else value
    if field.item_type != BOOL or field.items is None or field.length != n_layer:
        raise GgufError(
            f"{_shown(key)} is an array of {field.length} {_type_name(field.item_type or 0)} "
            f"items; expected an integer or {n_layer} bools, one per layer"
        )
    flags = [bool(item) for item in field.items]
    for pattern in range(1, n_layer + 2):
        if all(flag == (layer % pattern < pattern - 1) for layer, flag in enumerate(flags)):
            return pattern
    raise GgufError(
        f"{_shown(key)} marks sliding-window layers without a period (every Nth layer "
        "global); this tool cannot size that layout"
    )


def tensor_data_bytes(header: GgufHeader) -> int:
    """The model buffer: every tensor's bytes, each padded to the CPU buffer's 32."""
    return sum(_pad(tensor.nbytes, BUFFER_ALIGNMENT) for tensor in header.tensors)


def architecture_of(header: GgufHeader) -> Architecture:
    """The shape llama.cpp reads from the header, in the fields a config writes.

    A per-layer array of head counts or feed-forward lengths is sized by its
    largest value: the sizing may then exceed, never fall short of, what
    llama.cpp allocates. The default head size divides by the first layer's
    head count, as llama.cpp does.
    """
    arch = _architecture_name(header)
    n_layer = _required_integer(header, f"{arch}.block_count", 1)
    n_embd = _required_integer(header, f"{arch}.embedding_length", 1)
    heads = _required_per_layer(header, f"{arch}.attention.head_count", n_layer, 1)
    heads_kv = _per_layer(header, f"{arch}.attention.head_count_kv", n_layer) or heads
    n_ff = _required_per_layer(header, f"{arch}.feed_forward_length", n_layer)
    head_dim = n_embd // heads[0]
    head_dim_k = _integer(header, f"{arch}.attention.key_length", 1)
    head_dim_v = _integer(header, f"{arch}.attention.value_length", 1)
    sliding_window, pattern = 0, 0
    if arch == "gemma3":
        sliding_window = _required_integer(header, f"{arch}.attention.sliding_window")
        pattern = _swa_pattern(header, f"{arch}.attention.sliding_window_pattern", n_layer)
    merges = _array_length(header, "tokenizer.ggml.merges")
    return Architecture(
        n_layer=n_layer,
        n_embd=n_embd,
        n_head=max(heads),
        n_head_kv=max(heads_kv),
        head_dim_k=head_dim if head_dim_k is None else head_dim_k,
        head_dim_v=head_dim if head_dim_v is None else head_dim_v,
        n_ff=max(n_ff),
        n_vocab=_vocabulary_size(header, arch),
        tensor_data_bytes=tensor_data_bytes(header),
        file_bytes=header.file_bytes,
        arch=arch,
        context_length=_integer(header, f"{arch}.context_length", 1),
        sliding_window=sliding_window,
        sliding_window_pattern=pattern if sliding_window else 0,
        n_tensors=len(header.tensors),
        n_merges=merges or 0,
    )


def read_architecture(path: str) -> Architecture:
    """The architecture of the GGUF model at ``path``, from its header alone."""
    return architecture_of(read_header(path))
