"""What this tool remembers between runs, under $XDG_CACHE_HOME/icpp-sizer-check.

Two content-addressed records, both safe to delete at any time:

- ``validated/``: empty marker files, one per config whose exact bytes passed
  the JSON Schema under the same schema, tool code and library versions. Validation is a pure
  function of those three, so the next run skips it, and never imports
  jsonschema, whose import costs more than the rest of a check together.
- ``runs/``: see :mod:`icpp_sizer_check.replay`.

Neither is read or written when it lies inside a checkout under check
(:func:`usable`). Nothing here imports more than ``os`` and
:mod:`icpp_sizer_check.paths`: the whole point is a cheap start.
"""

from __future__ import annotations

import os
import sys

from icpp_sizer_check import __program__, __version__, paths

TYPE_CHECKING = False  # typing itself costs ~4 ms to import; only mypy needs it
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

DISABLE_VARIABLE = "ICPP_SIZER_CHECK_NO_CACHE"


def digest(parts: Iterable[bytes]) -> str:
    """A hash of a sequence of byte strings, each length-prefixed so that no two
    different sequences hash the same bytes."""
    try:  # the built-in BLAKE2 module: hashlib would first load OpenSSL (~4 ms)
        from _blake2 import blake2b
    except ImportError:  # pragma: no cover - other Python builds
        from hashlib import blake2b
    hasher = blake2b(digest_size=32)
    for part in parts:
        hasher.update(len(part).to_bytes(8, "big"))
        hasher.update(part)
    return hasher.hexdigest()


def program_folder() -> str:
    """The folder of every record: $XDG_CACHE_HOME/icpp-sizer-check, or ~/.cache/..."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        # The XDG spec: a relative path is invalid and must be ignored (it
        # would make the cache depend on the current folder).
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, __program__)


def cache_folder(kind: str) -> str:
    return os.path.join(program_folder(), kind)


DISABLING_VALUES = ("1", "true", "yes")


def enabled() -> bool:
    """False when ICPP_SIZER_CHECK_NO_CACHE is 1, true or yes (any case)."""
    return os.environ.get(DISABLE_VARIABLE, "").strip().lower() not in DISABLING_VALUES


def usable(configs: Iterable[str], environ: Mapping[str, str]) -> bool:
    """Whether a run of ``configs`` may read and write the caches: they are
    :func:`enabled`, and their folder, after every symlink, lies outside every
    folder the run's projects are checked out in (:func:`writable_by_the_change`).
    A pull request writes there: a record it planted could pass a failing check.
    Asked before any record is read: nothing is read from a cache refused."""
    if not enabled():
        return False
    try:
        folder = os.path.realpath(program_folder())
        writable = writable_by_the_change(configs, environ)
        return not any(paths.is_inside(folder, it) for it in writable) and not _reached_by(
            folder, writable
        )
    except (OSError, ValueError):  # a deleted current folder, a NUL in a name
        return False


def _reached_by(folder: str, writable: list[str]) -> bool:
    """Whether ``folder`` or a folder above it is one of ``writable`` by its
    device and inode: a bind mount, or a name in another case on a file system
    that ignores case, reaches a folder by a path no symlink resolution undoes."""
    identities = set()
    for it in writable:
        try:
            status = os.stat(it)
        except OSError:
            continue
        identities.add((status.st_dev, status.st_ino))
    while True:
        try:
            status = os.stat(folder)
        except OSError:  # not made yet: its parent is what holds it
            pass
        else:
            if (status.st_dev, status.st_ino) in identities:
                return True
        parent = os.path.dirname(folder)
        if parent == folder:
            return False
        folder = parent


def writable_by_the_change(configs: Iterable[str], environ: Mapping[str, str]) -> list[str]:
    """Every folder the change under check may write, after every symlink:
    each config's project root (from its path as named, and from its real
    folder), the git checkout of the current folder, and $GITHUB_WORKSPACE."""
    folders = [
        folder
        for config in configs
        for folder in (
            paths.config_root(config),
            paths.enclosing_project(os.path.dirname(os.path.realpath(config))),
        )
        if folder
    ]
    checkout = paths.enclosing_project(os.getcwd())
    if checkout:
        folders.append(checkout)
    workspace = environ.get("GITHUB_WORKSPACE", "")
    if os.path.isabs(workspace):
        folders.append(os.path.realpath(workspace))
    return folders


# What the cached verdicts were computed with, beside the config itself.
_DEPENDENCIES = ("jsonschema", "pyyaml")
_fingerprint: list[bytes] = []


def tool_fingerprint() -> bytes:
    """A digest of everything a verdict depends on besides its inputs: every
    file of this package (so an edited checkout invalidates every record), the
    Python version, and the versions of jsonschema and PyYAML."""
    if not _fingerprint:
        files = _package_files()
        # Hashing the package's contents costs about a millisecond; its files'
        # stats (ctime included, which no tool can set back) name that hash in
        # a memo, so it is computed once per change of any file.
        stats = [__version__.encode(), sys.version.encode()]
        for name, path in files:
            status = os.stat(path)
            stats.append(
                f"{name}:{status.st_size}:{status.st_mtime_ns}:{status.st_ctime_ns}".encode()
            )
        stats += [version.encode() for version in installed_versions(_DEPENDENCIES)]
        memo = entry_path("code", digest(stats))
        try:
            with open(memo, "rb") as known:
                content = known.read()
        except OSError:
            content = b""
        if len(content) != 64:
            parts = stats[:2] + stats[-len(_DEPENDENCIES) :]
            for name, path in files:
                with open(path, "rb") as source:
                    parts += [name.encode(), source.read()]
            content = digest(parts).encode()
            if enabled():
                write_entry("code", os.path.basename(memo), content)
        _fingerprint.append(content)
    return _fingerprint[0]


def _package_files() -> list[tuple[str, str]]:
    """(name within the package, path) of every source and data file, in order."""
    package = os.path.dirname(os.path.abspath(__file__))
    found = []
    for folder, subfolders, files in os.walk(package):
        subfolders[:] = sorted(name for name in subfolders if name != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".json")):
                path = os.path.join(folder, name)
                found.append((os.path.relpath(path, package).replace(os.sep, "/"), path))
    return found


def installed_versions(names: Iterable[str]) -> list[str]:
    """``name-version`` of each distribution as Python would import it (the
    first on sys.path), read from its metadata folder's name, without
    importing it or importlib.metadata (which costs more than a whole replay)."""
    wanted = {name: "" for name in names}
    for entry in sys.path:
        try:
            listed = os.listdir(entry or ".")
        except OSError:
            continue
        for item in listed:
            if not item.endswith((".dist-info", ".egg-info")):
                continue
            project, _, version = item.rsplit(".", 1)[0].partition("-")
            key = project.lower().replace("_", "-")
            if key in wanted and not wanted[key]:
                wanted[key] = f"{key}-{version}"
    return [found or f"{name}-unknown" for name, found in wanted.items()]


def entry_path(kind: str, key: str) -> str:
    return os.path.join(cache_folder(kind), key[:2], key)


def write_entry(kind: str, key: str, data: bytes = b"") -> None:
    """Store an entry atomically; a cache that cannot be written is simply not used."""
    path = entry_path(kind, key)
    temp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(temp, "wb") as entry:
            entry.write(data)
        os.replace(temp, path)
    except OSError:
        try:  # noqa: SIM105 - contextlib would cost an import on the fast path
            os.unlink(temp)
        except OSError:
            pass


def validation_key(config_text: str) -> str:
    from icpp_sizer_check.package_data import SCHEMA_FILE, read_package_data

    return digest((tool_fingerprint(), read_package_data(SCHEMA_FILE), config_text.encode()))


def was_validated(key: str) -> bool:
    return enabled() and os.path.exists(entry_path("validated", key))


def remember_validated(key: str) -> None:
    if enabled():
        write_entry("validated", key)
