"""A content-addressed record of configs that passed schema validation.

Importing jsonschema costs more than the rest of a check together, and a hook
checks the same unchanged configs on every commit. A config whose exact bytes
passed the schema before, under the same schema and tool version, passes it
again: JSON Schema validation is a pure function of those three. So a marker
file named by their SHA-256 lets the next run skip jsonschema altogether.

Only the schema pass is cached. The checks that read other files (checkpoint
headers, output paths) and everything after validation run every time, so the
cache can never change a result. It lives under $XDG_CACHE_HOME (default
~/.cache)/icpp-sizer-check, holds only empty files, and is safe to delete.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from icpp_sizer_check import __version__

DISABLE_VARIABLE = "ICPP_SIZER_CHECK_NO_CACHE"
SCHEMA_FILE = "schemas/config.schema.json"


def read_package_data(name: str) -> bytes:
    """A file shipped in this package. The package's own loader reads it, which
    works from a zip as well; importlib.resources would add ~15 ms of imports to
    every run of a hook that should cost nothing."""
    spec = __spec__
    assert spec is not None and spec.loader is not None and spec.origin is not None
    path = os.path.join(os.path.dirname(spec.origin), *name.split("/"))
    data: bytes = spec.loader.get_data(path)  # type: ignore[attr-defined]
    return data


def cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "icpp-sizer-check" / "validated"


def enabled() -> bool:
    return not os.environ.get(DISABLE_VARIABLE)


def validation_key(config_text: str) -> str:
    digest = hashlib.sha256()
    for part in (__version__.encode(), read_package_data(SCHEMA_FILE), config_text.encode()):
        # Length-prefixed, so no two different triples hash the same bytes.
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def was_validated(key: str) -> bool:
    return enabled() and (cache_folder() / key[:2] / key).exists()


def remember_validated(key: str) -> None:
    """Record a pass; a cache that cannot be written is simply not used."""
    if not enabled():
        return
    marker = cache_folder() / key[:2] / key
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    except OSError:
        pass
