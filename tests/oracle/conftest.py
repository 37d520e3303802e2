"""The oracle's tests need the gguf package; those running llama.cpp need
llama_cpp, a C++ compiler and llama.cpp's source for the shim (``ready``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures import missing


@pytest.fixture(scope="session")
def shim_library() -> Path:
    """The built shim; skipped without its parts, failed under CI."""
    from tests.oracle import shim

    try:
        return shim.build()
    except shim.Unavailable as error:
        missing(str(error))
