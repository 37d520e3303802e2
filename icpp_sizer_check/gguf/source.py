"""A bounded window on a GGUF file, for the header reader: bytes are read in
chunks as the parse needs them, and no read may pass the end of the file."""

from __future__ import annotations

from typing import BinaryIO, Optional

from icpp_sizer_check.gguf.format import (
    CHUNK_BYTES,
    MAX_KEPT_STRING,
    U32,
    U64,
    GgufError,
)


class Source:
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
        return int(U32.unpack_from(buffer, index)[0])

    def u64(self, what: str) -> int:
        buffer, index = self.take(8, what)
        return int(U64.unpack_from(buffer, index)[0])

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
        unpack = U64.unpack_from
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
