"""Read a model's hyperparameters from the header of its llama2.c checkpoint.

Only the header is read, never the weights. Three layouts exist:

- legacy: seven little-endian int32 (dim, hidden_dim, n_layers, n_heads,
  n_kv_heads, vocab_size, seq_len); a negative vocab_size means the
  classifier weights are stored separately (not shared with the embedding);
- version 1 and 2 exports: a 256-byte header that starts with the uint32
  magic 0x616b3432 ("ak42"), an int32 version, the same seven int32, a uint8
  shared-classifier flag and, in version 2, an int32 quantization group size.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

from icpp_sizer_check.paths import NotARegularFile, read_regular
from icpp_sizer_check.runtimes.icpp_llama2.sizing import HYPERPARAMETER_NAMES

MAGIC = 0x616B3432
VERSIONED_HEADER_BYTES = 256
LEGACY_HEADER_BYTES = 7 * 4
_SEVEN_INTS = struct.Struct("<7i")
_MAGIC_AND_VERSION = struct.Struct("<Ii")
# Offsets inside the 256-byte header of versioned exports.
_SEVEN_AT = 8
_SHARED_FLAG_AT = _SEVEN_AT + _SEVEN_INTS.size
_GROUP_SIZE_AT = _SHARED_FLAG_AT + 1

# Other model formats users may point at by mistake, by their leading bytes.
_FOREIGN_MAGICS = {b"GGUF": "a GGUF file (llama.cpp)", b"GGML": "a GGML file (llama.cpp)"}


class CheckpointError(Exception):
    """The file is not a llama2.c checkpoint this tool can read."""


class CheckpointHeader(NamedTuple):
    format: str  # "legacy", "v1" or "v2"
    values: dict[str, int]  # the seven hyperparameters, vocab_size made positive
    shared_classifier: bool
    group_size: int | None = None
    raw: bytes = b""  # the bytes read: what the values were parsed from


def parse_header(head: bytes) -> CheckpointHeader:
    """Parse the first bytes of a checkpoint (at least its header)."""
    if len(head) < 4:
        raise CheckpointError(
            f"file is shorter than any checkpoint header ({len(head)} bytes); "
            "is it a llama2.c model file?"
        )
    foreign = _FOREIGN_MAGICS.get(head[:4])
    if foreign is not None:
        raise CheckpointError(f"this is {foreign}, not a llama2.c checkpoint")
    magic, version = _MAGIC_AND_VERSION.unpack_from(head.ljust(8, b"\0"))
    if magic == MAGIC:
        return _parse_versioned(head, version)
    if head[:4].isalnum() and head[:4].isascii() and magic > 1 << 24:
        # Four letters where a legacy header has its dim: a magic we do not know.
        raise CheckpointError(
            f"unknown magic {head[:4].decode('ascii')!r}; expected a llama2.c checkpoint "
            "(legacy, or version 1 or 2 with magic 'ak42')"
        )
    return _parse_legacy(head)


def _parse_versioned(head: bytes, version: int) -> CheckpointHeader:
    if version not in (1, 2):
        raise CheckpointError(
            f"unknown checkpoint version {version} (magic 'ak42'); versions 1 and 2 are known"
        )
    if len(head) < VERSIONED_HEADER_BYTES:
        raise CheckpointError(
            f"file is shorter than its {VERSIONED_HEADER_BYTES}-byte version {version} header "
            f"({len(head)} bytes); the export is truncated"
        )
    seven = _SEVEN_INTS.unpack_from(head, _SEVEN_AT)
    shared = head[_SHARED_FLAG_AT] != 0
    group_size = None
    if version == 2:
        (group_size,) = struct.unpack_from("<i", head, _GROUP_SIZE_AT)
    return CheckpointHeader(
        format=f"v{version}",
        values=dict(zip(HYPERPARAMETER_NAMES, seven)),
        shared_classifier=shared,
        group_size=group_size,
    )


def _parse_legacy(head: bytes) -> CheckpointHeader:
    if len(head) < LEGACY_HEADER_BYTES:
        raise CheckpointError(
            f"file is shorter than the {LEGACY_HEADER_BYTES}-byte legacy header "
            f"({len(head)} bytes); is it a llama2.c model file?"
        )
    values = dict(zip(HYPERPARAMETER_NAMES, _SEVEN_INTS.unpack_from(head)))
    # llama2.c's convention: a negative vocab_size flags unshared classifier weights.
    shared = values["vocab_size"] > 0
    values["vocab_size"] = abs(values["vocab_size"])
    return CheckpointHeader(format="legacy", values=values, shared_classifier=shared)


def read_header(path: str) -> CheckpointHeader:
    """Read and parse only the header of the checkpoint at ``path``."""
    try:
        head = read_regular(path, VERSIONED_HEADER_BYTES)
    except FileNotFoundError:
        raise CheckpointError("no such file") from None
    except (IsADirectoryError, NotARegularFile) as error:
        raise CheckpointError(error.strerror or "is not a regular file") from None
    except OSError as error:
        raise CheckpointError(f"cannot read it: {error.strerror or error}") from None
    return parse_header(head)._replace(raw=head)
