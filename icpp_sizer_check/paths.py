"""Path facts needed on every run, with nothing heavier than ``os``.

The project root is the one place every relative fact is measured from: the
document's regenerate command, every path a message shows, and the boundary
no config may reach past. It depends on where a config lives, never on the
folder the tool was started in.
"""

from __future__ import annotations

import os

CONFIG_SUFFIXES = (".yaml", ".yml")
DEFAULT_CONFIG_DIR = "configs"

# Every config of a run asks from the same few folders; a run is short, so a
# found root does not go stale within it.
_roots: dict[str, str] = {}


def project_root(folder: str) -> str:
    """The nearest folder at or above ``folder`` (absolute) holding ``.git``:
    the git top level. Outside git, ``folder`` itself."""
    if folder not in _roots:
        _roots[folder] = _find_root(folder)
    return _roots[folder]


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
    None when ``folder`` is not a folder."""
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return None
    return sorted(
        os.path.join(folder, entry.name)
        for entry in entries
        if entry.name.endswith(CONFIG_SUFFIXES) and not _is_folder(entry)
    )


def _is_folder(entry: os.DirEntry[str]) -> bool:
    # A broken symlink or a symlink loop is listed: loading it says what is wrong.
    try:
        return entry.is_dir()
    except OSError:
        return False
