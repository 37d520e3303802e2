"""The ggml type table, held equal to the gguf package's (llama.cpp's own)."""

from __future__ import annotations

import pytest

from icpp_sizer_check.gguf.ggml_types import (
    BY_NAME,
    CACHE_TYPES,
    DEFAULT_CACHE_TYPE,
    GGML_TYPES,
)
from tests.gguf.files import gguf


def test_the_table_is_gguf_quant_sizes() -> None:
    theirs = {
        int(kind): (kind.name.lower(), block_size, type_size)
        for kind, (block_size, type_size) in gguf.GGML_QUANT_SIZES.items()
    }
    ours = {key: tuple(value) for key, value in GGML_TYPES.items()}
    assert ours == theirs


def test_names_are_unique() -> None:
    assert len(BY_NAME) == len(GGML_TYPES)


@pytest.mark.parametrize("name", [*CACHE_TYPES, DEFAULT_CACHE_TYPE])
def test_every_cache_type_is_in_the_table(name: str) -> None:
    assert name in BY_NAME
