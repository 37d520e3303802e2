"""Reading committed documents and replacing them atomically."""

from __future__ import annotations

import contextlib
import os
import re
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


def _temp_prefix(target: Path) -> str:
    # The writer's pid is part of the name, so a later run can tell the
    # leftovers of a killed writer from the file of one still running.
    return f".{target.name}.{os.getpid()}."


def _process_is_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, under another user
        return False
    return False


def remove_stale_temp_files(target: Path) -> list[Path]:
    """Delete temp files a killed writer of ``target`` left behind; return them."""
    if os.name != "posix":
        return []
    pattern = re.compile(rf"^\.{re.escape(target.name)}\.(\d+)\.[^.]+\.tmp$")
    removed = []
    for candidate in target.parent.glob(f".{target.name}.*.tmp"):
        match = pattern.match(candidate.name)
        if match and _process_is_gone(int(match.group(1))):
            with contextlib.suppress(FileNotFoundError):
                candidate.unlink()
                removed.append(candidate)
    return removed


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that readers see the old or the new file,
    never a part: write a temp file in the same folder, fsync, then rename.

    A symlink is written through (its target is replaced, the link kept), and
    the file keeps its permission bits."""
    import tempfile  # only a write pays for it (it pulls in shutil and more)

    target = path.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_files(target)
    try:
        mode = target.stat().st_mode & 0o7777
    except FileNotFoundError:
        # mkstemp creates 0600; a new document gets the usual mode instead.
        mode = 0o666 & ~_current_umask()
    handle, temp_name = tempfile.mkstemp(
        dir=target.parent, prefix=_temp_prefix(target), suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "wb") as temp_file:
            temp_file.write(data)
            temp_file.flush()
            os.fsync(temp_file.fileno())
        os.chmod(temp_name, mode)
        os.replace(temp_name, target)
    except BaseException:
        # Whatever happened (even KeyboardInterrupt), leave no temp file behind.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    _fsync_folder(target.parent)


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); harmless where unsupported."""
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
