"""The wasm32 tests need the module (tests/wasm/build.py: ziglang, Debian's
wasi-libc package, llama.cpp's source), wasmtime, and for the native side the
oracle's shim (tests/fixtures.py's shim_library); each is skipped without
them, failed under CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures import missing


@pytest.fixture(scope="session")
def wasm_module() -> Path:
    """The module as the canister's allocator makes it (tests/wasm/build.py)."""
    from tests.oracle.shim import Unavailable
    from tests.wasm import build

    try:
        import wasmtime  # noqa: F401
    except ImportError:
        missing("wasmtime is not installed: pip install -e '.[test]'")
    try:
        return build.build()
    except Unavailable as error:
        missing(str(error))
