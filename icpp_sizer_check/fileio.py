"""Reading committed documents and replacing them atomically."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def read_optional(path: Path) -> bytes | None:
    """The file's bytes, or None when it does not exist."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that readers see the old or the new file,
    never a part: write a temp file in the same folder, fsync, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        # mkstemp creates 0600; a new document gets the usual mode instead.
        mode = 0o666 & ~_current_umask()
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as temp_file:
            temp_file.write(data)
            temp_file.flush()
            os.fsync(temp_file.fileno())
        os.chmod(temp_name, mode)
        os.replace(temp_name, path)
    except BaseException:
        # Whatever happened (even KeyboardInterrupt), leave no temp file behind.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
