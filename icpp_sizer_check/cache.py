"""What this tool remembers between runs, under $XDG_CACHE_HOME/icpp-sizer-check.

Two content-addressed records, both safe to delete at any time:

- ``validated/``: empty marker files, one per config whose exact bytes passed
  the JSON Schema under the same schema and tool version. Validation is a pure
  function of those three, so the next run skips it, and never imports
  jsonschema, whose import costs more than the rest of a check together.
- ``runs/``: see :mod:`icpp_sizer_check.replay`.

Nothing here imports more than ``os``: the whole point is a cheap start.
"""

from __future__ import annotations

import os

from icpp_sizer_check import __version__

TYPE_CHECKING = False  # typing itself costs ~4 ms to import; only mypy needs it
if TYPE_CHECKING:
    from collections.abc import Iterable

DISABLE_VARIABLE = "ICPP_SIZER_CHECK_NO_CACHE"
SCHEMA_FILE = "schemas/config.schema.json"


_package_data: dict[str, bytes] = {}


def read_package_data(name: str) -> bytes:
    """A file shipped in this package (read once a run). The package's own
    loader reads it, which works from a zip as well; importlib.resources would
    add ~15 ms of imports to every run of a hook that should cost nothing."""
    if name not in _package_data:
        _package_data[name] = _load_package_data(name)
    return _package_data[name]


def _load_package_data(name: str) -> bytes:
    spec = __spec__
    assert spec is not None and spec.loader is not None and spec.origin is not None
    path = os.path.join(os.path.dirname(spec.origin), *name.split("/"))
    data: bytes = spec.loader.get_data(path)  # type: ignore[attr-defined]
    return data


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


def cache_folder(kind: str) -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "icpp-sizer-check", kind)


def enabled() -> bool:
    return not os.environ.get(DISABLE_VARIABLE)


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
    return digest((__version__.encode(), read_package_data(SCHEMA_FILE), config_text.encode()))


def was_validated(key: str) -> bool:
    return enabled() and os.path.exists(entry_path("validated", key))


def remember_validated(key: str) -> None:
    if enabled():
        write_entry("validated", key)
