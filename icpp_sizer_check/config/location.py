"""Where a config lives: its project root, the folder its paths start from,
how messages name it, and the command that regenerates its document."""

from __future__ import annotations

import errno
import os
import shlex
import stat
from pathlib import Path
from typing import NamedTuple

from icpp_sizer_check import __program__, paths
from icpp_sizer_check.config.text import FORBIDDEN_TEXT
from icpp_sizer_check.errors import ConfigError, Problem


class ConfigLocation(NamedTuple):
    """Where a config lives, and the one folder every relative path in it starts from.

    Reading, writing, confinement and replay records all use these, so a
    config reached through a symlink cannot read from one folder and be
    confined to another."""

    given: Path  # as named on the command line
    absolute: str  # as named, made absolute; symlinks kept
    real: str  # after every symlink: the file that is read
    root: str  # the project root, after every symlink
    base: str  # the config's real folder: relative paths in it start here
    shown: str  # how messages and commands name it: from the project root

    def show(self, path: str) -> str:
        """A path derived from ``base``, as messages name it: as written, with
        ``..`` folded away unless a symlink before it leads elsewhere (then the
        file it reaches)."""
        folded = os.path.normpath(path)
        real = os.path.realpath(path)
        return paths.shown(folded if os.path.realpath(folded) == real else real, self.root)


def display_path(path: Path) -> str:
    """A config path as messages show it: from its project root."""
    try:
        return locate_config(path).shown
    except ConfigError:
        return safe_path(str(path))


def safe_path(name: str) -> str:
    """A file name fit to print: bytes that are not UTF-8 shown as ``\\xNN``."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def regenerate_command(config_shown: str) -> str:
    """The command that regenerates a config's document: the document's default
    ``command`` line and every fix hint. Run from the project root."""
    # A name starting with "-" would read as an option.
    path = f"./{config_shown}" if config_shown.startswith("-") else config_shown
    return f"{__program__} --write --config {shlex.quote(path)}"


def locate_config(config_path: Path) -> ConfigLocation:
    """Where ``config_path`` lives and what it may reach; ConfigError when the
    path cannot be used (not UTF-8, a symlink loop, a folder, a FIFO or a
    device, or a symlink that leaves the project)."""
    name = str(config_path)
    try:
        absolute = os.path.abspath(name)
    except OSError as error:  # the current folder was deleted, or cannot be read
        raise _location_error(
            name,
            f"cannot tell where the config is: the current folder is unusable "
            f"({error.strerror or error}); run from the project folder",
        ) from None
    try:
        absolute.encode("utf-8")
    except UnicodeEncodeError:
        raise _location_error(
            name, f"the path '{safe_path(absolute)}' is not valid UTF-8; rename the file or folder"
        ) from None
    real = os.path.realpath(absolute)
    mode = _mode(name, real)
    # Before any root is sought: a folder's root would be its parent's, and
    # the message about it would be about the parent.
    if mode is not None and stat.S_ISDIR(mode):
        raise _not_a_file(name, mode)
    logical_root = paths.project_root(os.path.dirname(absolute))
    root = paths.config_root(absolute)
    shown = paths.shown(absolute, logical_root)
    if not paths.is_inside(real, root):
        raise _location_error(
            shown,
            f"the config is a symlink to {safe_path(real)}, outside the project "
            f"({safe_path(root)}); use a config inside it",
        )
    # A config named inside the checkout the tool runs in (a hook's or CI's
    # current folder) stays inside it, so a symlink committed into the checkout
    # cannot make another repository on the machine "the project".
    checkout = paths.enclosing_project(os.getcwd())
    if (
        checkout is not None
        and paths.is_inside(absolute, checkout)
        and not (paths.is_inside(real, checkout) and paths.is_inside(root, checkout))
    ):
        raise _location_error(
            shown,
            f"the config leads to {safe_path(real)}, outside the git checkout of the current "
            f"folder ({safe_path(checkout)}); run from the config's own project",
        )
    if mode is not None and paths.irregular_kind(mode):  # a FIFO, a device: never opened
        raise _not_a_file(shown, mode)
    if FORBIDDEN_TEXT.search(shown):
        raise _location_error(
            shown,
            "the config's path holds a control character, which would reach the document's "
            "title and command; rename it",
        )
    return ConfigLocation(config_path, absolute, real, root, os.path.dirname(real), shown)


def _mode(name: str, real: str) -> int | None:
    """The mode of ``real`` (the config ``name`` after its symlinks); None when
    missing or unreadable (reading it says why); ConfigError for a symlink loop."""
    try:
        return os.stat(real).st_mode
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise _location_error(
                name, "the config is a symlink loop; point it at a file"
            ) from None
        return None


def _not_a_file(name: str, mode: int) -> ConfigError:
    kind = paths.irregular_kind(mode)
    if stat.S_ISDIR(mode):
        shown = f"{name.rstrip(os.sep)}{os.sep}"
        return _location_error(
            shown, f"the config is {kind}, not a file; name a .yaml or .yml file in it"
        )
    return _location_error(name, f"the config is {kind}, not a file; name a .yaml or .yml file")


def _location_error(file: str, message: str) -> ConfigError:
    return ConfigError([Problem(safe_path(file), message)])
