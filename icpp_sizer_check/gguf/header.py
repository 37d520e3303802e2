"""Read the header of a GGUF model: its metadata and tensor infos, never its weights.

The reader needs only ``struct``: a hook run must stay cheap, and the ``gguf``
package's reader builds every array of the header (a 151,936-token
vocabulary takes it tens of seconds and half a gigabyte). Here big arrays are
skipped: numeric ones in one seek, string ones by walking their lengths.

The file comes from anyone's pull request, so every length and count is
checked against the bytes left in the file before it is used: no header can
make the reader allocate more than the file holds or loop past its end. Every
problem raises :class:`GgufError`, and nothing else escapes.

The layout is format's; the reading window source's.
"""

from __future__ import annotations

import os
import stat
import struct
from typing import BinaryIO, Mapping, TypeVar

from icpp_sizer_check.errors import printable
from icpp_sizer_check.gguf.format import (
    ARRAY,
    DEFAULT_ALIGNMENT,
    FORMATS,
    MAGIC,
    MAX_DIMS,
    MAX_ENTRIES,
    MAX_INT64,
    MAX_KEPT_ITEMS,
    MAX_NAME_BYTES,
    MIN_ITEM_BYTES,
    MIN_KV_BYTES,
    MIN_TENSOR_INFO_BYTES,
    SIZES,
    STRING,
    SUPPORTED_VERSIONS,
    TYPE_NAMES,
    UINT32,
    Field,
    GgufError,
    GgufHeader,
    TensorInfo,
    shown,
)
from icpp_sizer_check.gguf.ggml_types import GGML_TYPES
from icpp_sizer_check.gguf.source import Source

T = TypeVar("T")
# Refusals of a type code the reader does not know.
UNKNOWN_ITEM_TYPE = (
    "{what} has item type {code}, which GGUF does not define (0-12); the header is corrupt"
)
UNKNOWN_GGML_TYPE = (
    "{what} has ggml type {code}, which this tool does not know (a retired type, or one "
    "newer than this tool); requantize the model"
)


def _decode(raw: bytes, what: str, at: int) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        shown = printable(raw.decode("utf-8", "surrogateescape"))
        raise GgufError(
            f"{what} at byte {at} is not UTF-8 text ('{shown}'); the header is corrupt"
        ) from None


def _read_key(source: Source, number: int) -> str:
    at = source.position
    what = f"the key of metadata entry {number}"
    length, raw = source.raw_string(what)
    if raw is None:
        raise GgufError(f"{what} at byte {at} is {length} bytes long; the header is corrupt")
    return _decode(raw, what, at)


def _read_value(source: Source, kind: int, key: str) -> Field:
    what = f"the value of {shown(key)}"
    code = FORMATS.get(kind)
    if code is not None:
        buffer, index = source.take(SIZES[kind], what)
        (value,) = struct.unpack_from("<" + code, buffer, index)
        return Field(kind, value)
    if kind == STRING:
        length, raw = source.raw_string(what)
        text = None if raw is None else raw.decode("utf-8", "surrogateescape")
        return Field(kind, text, length=length)
    if kind == ARRAY:
        return _read_array(source, key)
    raise GgufError(
        f"metadata key {shown(key)} has value type {kind}, which GGUF does not define "
        "(0-12); the header is corrupt"
    )


def _known(table: Mapping[int, T], code: int, refusal: str, what: str) -> T:
    """The entry of ``table`` for a type ``code`` the file gives ``what``; a
    code it lacks is refused with ``refusal``."""
    found = table.get(code)
    if found is None:
        raise GgufError(refusal.format(what=what, code=code))
    return found


def _read_array(source: Source, key: str) -> Field:
    what = f"the array {shown(key)}"
    item_type = source.u32(f"the item type of {what}")
    length = source.u64(f"the length of {what}")
    least = _known(MIN_ITEM_BYTES, item_type, UNKNOWN_ITEM_TYPE, what)
    if length * least > source.left():
        raise GgufError(
            f"{what} claims {length} items, more than the {source.left()} bytes left in the "
            "file can hold; the file is truncated or its header corrupt"
        )
    if item_type in SIZES:
        size = SIZES[item_type] * length
        if length > MAX_KEPT_ITEMS:
            source.skip(size, what)
            return Field(ARRAY, item_type=item_type, length=length)
        buffer, index = source.take(size, what)
        items = struct.unpack_from(f"<{length}{FORMATS[item_type]}", buffer, index)
        return Field(ARRAY, item_type=item_type, length=length, items=items)
    if item_type == STRING:
        source.skip_strings(length, f"a string of {what}")
        return Field(ARRAY, item_type=item_type, length=length)
    # An array of arrays: GGUF's spec allows it, llama.cpp's reader refuses it
    # ("invalid GGUF type 9"), and so does this one (walking nested arrays is
    # the cheapest way to make a reader slow).
    raise GgufError(f"{what} holds arrays, which llama.cpp refuses; the file is not a model")


def _read_fields(source: Source, count: int) -> dict[str, Field]:
    fields: dict[str, Field] = {}
    for number in range(count):
        at = source.position
        key = _read_key(source, number)
        if key in fields:
            raise GgufError(
                f"metadata key {shown(key)} appears twice (again at byte {at}); "
                "llama.cpp refuses such a file"
            )
        kind = source.u32(f"the value type of {shown(key)}")
        fields[key] = _read_value(source, kind, key)
    return fields


def _read_tensor_info(source: Source, number: int) -> TensorInfo:
    at = source.position
    what = f"the name of tensor {number}"
    length, raw = source.raw_string(what)
    if raw is None or length >= MAX_NAME_BYTES:
        raise GgufError(
            f"{what} at byte {at} is {length} bytes long; llama.cpp allows at most "
            f"{MAX_NAME_BYTES - 1}"
        )
    name = _decode(raw, what, at)
    n_dims = source.u32(f"the dimension count of tensor {shown(name)}")
    if n_dims > MAX_DIMS:
        raise GgufError(
            f"tensor {shown(name)} has {n_dims} dimensions; ggml allows at most {MAX_DIMS}"
        )
    dims = tuple(source.u64(f"the dimensions of tensor {shown(name)}") for _ in range(n_dims))
    if any(dim > MAX_INT64 for dim in dims):
        raise GgufError(f"tensor {shown(name)} has a negative dimension; the header is corrupt")
    ggml_type = source.u32(f"the type of tensor {shown(name)}")
    offset = source.u64(f"the offset of tensor {shown(name)}")
    kind = _known(GGML_TYPES, ggml_type, UNKNOWN_GGML_TYPE, f"tensor {shown(name)}")
    if dims and dims[0] % kind.block_size:
        raise GgufError(
            f"tensor {shown(name)} of type {kind.name} has rows of {dims[0]} values, not a "
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
            raise GgufError(f"tensor {shown(tensor.name)} appears twice; llama.cpp refuses it")
        names.add(tensor.name)
        if tensor.offset != expected:
            raise GgufError(
                f"tensor {shown(tensor.name)} has offset {tensor.offset} where llama.cpp "
                f"expects {expected} (tensors in order, each padded to {alignment} bytes); "
                "the header is corrupt"
            )
        end = data_offset + tensor.offset + tensor.nbytes
        if end > size:
            raise GgufError(
                f"the data of tensor {shown(tensor.name)} ends at byte {end}, past the end of "
                f"the file ({size} bytes); the file is truncated: upload it again"
            )
        expected = pad(expected + tensor.nbytes, alignment)


def pad(value: int, multiple: int) -> int:
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
    source = Source(file, size)
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
    for count, what in ((n_tensors, "tensors"), (n_fields, "metadata entries")):
        if count > MAX_ENTRIES:
            raise GgufError(
                f"the header claims {count} {what}, more than the {MAX_ENTRIES} any model "
                "needs; the header is corrupt"
            )
    least = n_tensors * MIN_TENSOR_INFO_BYTES + n_fields * MIN_KV_BYTES
    if least > source.left():
        raise GgufError(
            f"the header claims {n_tensors} tensors and {n_fields} metadata entries, more than "
            f"the {source.left()} bytes left in the file can hold; the file is truncated or "
            "its header corrupt"
        )
    fields = _read_fields(source, n_fields)
    tensors = tuple(_read_tensor_info(source, number) for number in range(n_tensors))
    alignment = _alignment(fields)
    data_offset = pad(source.position, alignment)
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
