"""Path facts needed on every run, with nothing heavier than ``os``."""

from __future__ import annotations

import os

CONFIG_SUFFIXES = (".yaml", ".yml")


def project_root(start: str) -> str:
    """The nearest folder at or above ``start`` holding ``.git``, else the current folder."""
    cwd = os.getcwd()
    key = (start, cwd)
    if key not in _roots:
        _roots[key] = _find_root(start, cwd)
    return _roots[key]


# Every config of a run asks from the same few folders; a run is short, so a
# found root does not go stale within it.
_roots: dict[tuple[str, str], str] = {}


def _find_root(start: str, cwd: str) -> str:
    folder = os.path.normpath(os.path.join(cwd, start))
    while True:
        if os.path.exists(os.path.join(folder, ".git")):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return cwd
        folder = parent


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
        if entry.name.endswith(CONFIG_SUFFIXES) and entry.is_file()
    )
