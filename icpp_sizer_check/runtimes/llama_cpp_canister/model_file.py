"""A model's architecture from its GGUF file, and a record of exactly what was read.

The header is parsed from bytes kept in memory as they are read, from the
file's first byte on; those bytes and the file's size (which the sizing uses)
are what a replay record holds, so a replay sees any change that could
change the result.
"""

from __future__ import annotations

import os
import stat
from typing import BinaryIO, cast

from icpp_sizer_check import cache
from icpp_sizer_check.gguf.format import GgufError
from icpp_sizer_check.gguf.header import parse
from icpp_sizer_check.results import FileRead
from icpp_sizer_check.runtimes.base import ModelFile
from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Architecture
from icpp_sizer_check.runtimes.llama_cpp_canister.gguf_architecture import architecture_of

__all__ = ["GgufError", "read_model"]

# Real headers take a few MiB (a 151,936-token vocabulary with its merges, 6);
# a header that needs more to be read is refused rather than held in memory.
MAX_HEADER_BYTES = 64 << 20


class _Kept:
    """The file as the parser reads it, every byte from the first one kept."""

    def __init__(self, descriptor: int) -> None:
        self._descriptor = descriptor
        self.kept = bytearray()
        self._position = 0

    def seek(self, position: int, whence: int = 0) -> int:
        assert whence == 0
        self._position = position
        return position

    def read(self, count: int) -> bytes:
        end = self._position + count
        if end > MAX_HEADER_BYTES:
            raise GgufError(
                f"its header runs past {MAX_HEADER_BYTES >> 20} MiB, more than any model's; "
                "the header is corrupt"
            )
        while len(self.kept) < end:
            chunk = os.read(self._descriptor, end - len(self.kept))
            if not chunk:
                break
            self.kept += chunk
        data = bytes(self.kept[self._position : end])
        self._position += len(data)
        return data


# Each file read once a run, however many models name it: a header takes up
# to a few hundred milliseconds to read. Keyed by what identifies its bytes.
_read_once: dict[tuple[int, ...], tuple[Architecture, int, str, int]] = {}


def read_model(file: ModelFile) -> tuple[Architecture, FileRead]:
    """The architecture in the header of ``file``, and the read a replay must match."""
    try:
        descriptor = os.open(file.real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise GgufError("no such file") from None
    except OSError as error:
        raise GgufError(f"cannot open it: {error.strerror or error}") from None
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            kind = "a folder" if stat.S_ISDIR(status.st_mode) else "a FIFO, a device or a socket"
            raise GgufError(f"is {kind}, not a GGUF file")
        key = (
            status.st_dev,
            status.st_ino,
            status.st_size,
            status.st_mtime_ns,
            status.st_ctime_ns,
        )
        if key not in _read_once:
            kept = _Kept(descriptor)
            header = parse(cast(BinaryIO, kept), status.st_size)
            data = bytes(kept.kept)
            _read_once[key] = (
                architecture_of(header),
                len(data),
                cache.digest([data]),
                status.st_size,
            )
    except OSError as error:
        raise GgufError(f"cannot read it: {error.strerror or error}") from None
    finally:
        os.close(descriptor)
    arch, length, digest, size = _read_once[key]
    return arch, FileRead(file.logical, file.real, length, digest, size)
