"""Files shipped inside the package, read with nothing heavier than ``os``."""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing costs ~4 ms to import; only mypy needs it
if TYPE_CHECKING:
    from typing import Any

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
    import icpp_sizer_check

    spec = icpp_sizer_check.__spec__
    assert spec is not None and spec.loader is not None and spec.origin is not None
    path = os.path.join(os.path.dirname(spec.origin), *name.split("/"))
    data: bytes = spec.loader.get_data(path)  # type: ignore[attr-defined]
    return data


_schema: list[dict[str, Any]] = []


def config_schema() -> dict[str, Any]:
    """The shipped JSON Schema of configs, parsed once a run."""
    if not _schema:
        import json

        _schema.append(json.loads(read_package_data(SCHEMA_FILE)))
    return _schema[0]
