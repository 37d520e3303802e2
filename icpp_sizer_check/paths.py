"""Path facts needed on every run, with nothing heavier than ``os``.

The project root is the one place every relative fact is measured from: the
document's regenerate command, every path a message shows, and the boundary
no config may reach past. It depends on where a config lives, never on the
folder the tool was started in.
"""

from __future__ import annotations

import errno
import os
import stat

CONFIG_SUFFIXES = (".yaml", ".yml")
DEFAULT_CONFIG_DIR = "configs"

# Past these sizes a file is refused unread: no config is a megabyte, and a
# sizing document is kilobytes (a thousand models make about 300 KiB;
# comparing a file of table-like lines costs about a second per 2 MiB).
MAX_CONFIG_BYTES = 1024 * 1024
MAX_DOCUMENT_BYTES = 2 * 1024 * 1024


class NotARegularFile(OSError):
    """A FIFO, a device, a socket or a folder where a file must be."""


def irregular_kind(mode: int) -> str:
    """What a file of ``mode`` is when it is not a regular file; "" when it is."""
    if stat.S_ISREG(mode):
        return ""
    return "a folder" if stat.S_ISDIR(mode) else "a FIFO, a device or a socket"


def read_regular(path: str, limit: int) -> bytes:
    """At most ``limit`` bytes of the regular file at ``path``; the open never
    waits (a FIFO), and a device or folder is refused, not read."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        kind = irregular_kind(os.fstat(descriptor).st_mode)
        if kind:
            raise NotARegularFile(errno.EINVAL, f"is {kind}, not a regular file")
        chunks = []
        left = limit
        while left > 0:
            chunk = os.read(descriptor, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(descriptor)


# Every config of a run asks from the same few folders; a run is short, so a
# found root does not go stale within it.
_roots: dict[str, str] = {}


def project_root(folder: str) -> str:
    """The nearest folder at or above ``folder`` (absolute) holding ``.git``:
    the git top level. Outside git, ``folder`` itself."""
    if folder not in _roots:
        _roots[folder] = _find_root(folder)
    return _roots[folder]


def enclosing_project(folder: str) -> str | None:
    """The git top level at or above ``folder``, walking its real path; None
    outside git. For the current folder: the checkout a hook or CI runs in."""
    key = "\0" + folder  # beside the roots, under a key no folder can be
    if key not in _roots:
        found = _find_root(os.path.realpath(folder))
        _roots[key] = found if os.path.exists(os.path.join(found, ".git")) else ""
    return _roots[key] or None


def _find_root(start: str) -> str:
    folder = start
    while True:
        if os.path.exists(os.path.join(folder, ".git")):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return start
        folder = parent


def config_root(config: str) -> str:
    """The project root of the config at ``config``, after every symlink."""
    return os.path.realpath(project_root(os.path.dirname(os.path.abspath(config))))


def shown(path: str, root: str) -> str:
    """``path`` (absolute) as messages show it: from ``root`` when inside it."""
    relative = os.path.relpath(path, root)
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return path.replace(os.sep, "/")
    return relative.replace(os.sep, "/")


def is_inside(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` or below it (both absolute and normalised)."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def configs_in(folder: str) -> list[str] | None:
    """Every ``*.yaml``/``*.yml`` file directly inside ``folder``, in name order;
    None when ``folder`` is not a folder; OSError when it cannot be listed."""
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return None
    return sorted(
        os.path.join(folder, entry.name)
        for entry in entries
        if entry.name.endswith(CONFIG_SUFFIXES) and not _is_folder(entry)
    )


def unique_files(names: list[str], staged: bool = False) -> list[str]:
    """``names`` without the later names of a config named before: by another
    path, through a symlink, or as a hard link beside it. A hard link in
    another folder is another config: its relative paths start from its own
    folder, so it has a document of its own to check. ``staged``: the configs
    are read from the git index, which holds no hard links (each name its own
    bytes), so only the same real path is the same config."""
    seen: set[object] = set()
    unique = []
    for name in names:
        try:
            status = os.stat(name)
            # The same file, read from the same folder, in the same project:
            # the same check, to the byte.
            folder = os.path.dirname(os.path.realpath(name))
            file = os.path.realpath(name) if staged else (status.st_dev, status.st_ino)
            key: object = (file, folder, config_root(name))
        except (OSError, ValueError):  # loading says what is wrong with it
            key = name
        if key not in seen:
            seen.add(key)
            unique.append(name)
    return unique


def _is_folder(entry: os.DirEntry[str]) -> bool:
    # A broken symlink or a symlink loop is listed: loading it says what is wrong.
    try:
        return entry.is_dir()
    except OSError:
        return False
