"""Reading committed documents and replacing them atomically."""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path
from typing import Dict, List, Tuple

from icpp_sizer_check.paths import MAX_DOCUMENT_BYTES, read_regular


class DocumentTooLarge(Exception):
    """The committed file is larger than any sizing document can be."""


def read_optional(path: Path, limit: int = MAX_DOCUMENT_BYTES) -> bytes | None:
    """The file's bytes, or None when it does not exist; DocumentTooLarge past ``limit``."""
    try:
        data = read_regular(str(path), limit + 1)
    except FileNotFoundError:
        return None
    if len(data) > limit:
        raise DocumentTooLarge(path)
    return data


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
    except (ProcessLookupError, OverflowError):  # OverflowError: no such pid can exist
        return True
    except PermissionError:  # alive, under another user
        return False
    return False


# ".{document}.{pid}.{random}.tmp", as atomic_write names them; a pid has at
# most ten digits, so a longer "pid" is no temp file of ours.
_TEMP_FILE = re.compile(r"^\.(?P<document>.+)\.(?P<pid>\d{1,10})\.[^.]+\.tmp$")

TempFiles = Dict[str, List[Tuple[str, int]]]


def temp_files_in(folder: Path) -> TempFiles:
    """The temp files of writers in ``folder`` (one listing of it), by the name
    of the document each was written for: (temp file name, writer's pid)."""
    found: TempFiles = {}
    try:
        # Not glob: a document's name may hold glob's own characters ([, *).
        names = [entry.name for entry in os.scandir(folder)]
    except OSError:
        return found
    for name in names:
        match = _TEMP_FILE.match(name)
        if match:
            found.setdefault(match["document"], []).append((name, int(match["pid"])))
    return found


def remove_stale_temp_files(target: Path, found: TempFiles | None = None) -> list[Path]:
    """Delete temp files a killed writer of ``target`` left behind; return them.
    ``found``: the folder's :func:`temp_files_in`, when already listed."""
    if os.name != "posix":
        return []
    removed = []
    listed = temp_files_in(target.parent) if found is None else found
    for name, pid in listed.get(target.name, []):
        if _process_is_gone(pid):
            # Best effort: a leftover that cannot be removed harms nothing.
            with contextlib.suppress(OSError):
                (target.parent / name).unlink()
                removed.append(target.parent / name)
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
