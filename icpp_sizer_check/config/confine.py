"""Paths a config names (its document, its model files): what they resolve to,
and the refusal of any that would reach outside the project or into ``.git``."""

from __future__ import annotations

import errno
import os
import re
import stat
from typing import NamedTuple

from icpp_sizer_check import paths
from icpp_sizer_check.config.location import ConfigLocation, safe_path

MARKDOWN_SUFFIXES = (".md", ".markdown")
# Linux's PATH_MAX: no longer path can be opened. Resolving one costs time
# quadratic in its length (each of its parts is looked up from the root).
MAX_PATH_BYTES = 4096


class BadPath(Exception):
    """A path in a config that must not be used: outside the project, or unusable."""


class ConfinedPath(NamedTuple):
    logical: str  # from the config's folder, symlinks kept (what a replay re-resolves)
    real: str  # after every symlink: what is opened


def confined(location: ConfigLocation, relative: str) -> ConfinedPath:
    """``relative`` (from the config's folder) and what it resolves to; refused
    when absolute, inside ``.git``, or when it leaves the project root, so that
    a config can never make the tool read or write elsewhere."""
    if "\0" in relative:  # the schema refuses it first; no file name can hold it
        raise BadPath("contains a NUL character, which no file name can hold")
    if os.path.isabs(relative) or relative.startswith("~"):
        raise BadPath("must be a path relative to the config's folder, not an absolute one")
    logical = os.path.join(location.base, relative)
    if len(logical.encode("utf-8", "surrogatepass")) > MAX_PATH_BYTES:
        raise BadPath(
            f"is longer than any path a file system can open; keep it under {MAX_PATH_BYTES} bytes"
        )
    real = os.path.realpath(logical)
    try:
        mode = os.stat(real).st_mode
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise BadPath("is a symlink loop; point it at a file") from None
        if error.errno == errno.ENAMETOOLONG:
            raise
    else:
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            # Opening a FIFO would wait forever; a device never ends.
            raise BadPath("is not a regular file (a FIFO, a device or a socket); name a file")
    if not paths.is_inside(real, location.root):
        raise BadPath(
            f"the path leaves the repository ({safe_path(location.root)}); keep it inside"
            + (" (it is a symlink)" if os.path.islink(os.path.normpath(logical)) else "")
        )
    inside = os.path.relpath(real, location.root).split(os.sep)
    if ".git" in (part.lower() for part in [*re.split(r"[\\/]", relative), *inside]):
        raise BadPath("is inside .git/, which holds git's own files; name a file outside it")
    return ConfinedPath(logical, real)


def confined_or_reason(location: ConfigLocation, relative: str) -> ConfinedPath | str:
    """What :func:`confined` returns, or why the path cannot be used."""
    try:
        return confined(location, relative)
    except BadPath as error:
        return f"{relative!r}: {error}"
    except OSError as error:  # a name too long for the file system, say
        return f"{relative!r}: not a usable path ({error.strerror or error})"


def output_target(location: ConfigLocation, output: str) -> ConfinedPath | str:
    """The document a config writes: a Markdown file inside the project, outside
    .git; or why ``output`` cannot be one."""
    target = confined_or_reason(location, output)
    if isinstance(target, str):
        return target
    if not all(
        name.lower().endswith(MARKDOWN_SUFFIXES) for name in (output, os.path.basename(target.real))
    ):
        return (
            f"{output!r} is not a Markdown document (after symlinks: "
            f"{location.show(target.real)!r}); name a .md or .markdown file"
        )
    if os.path.isdir(target.real):
        return f"{output!r} is a folder; name a Markdown file"
    return target
