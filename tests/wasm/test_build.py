"""The wasm32 module is the same wherever the repository lies: no folder of
the machine that built it reaches its data segment, where llama.cpp's
asserts keep ``__FILE__`` (a path of another length moves the heap's start,
and with it every memory.size the heap tables measure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.oracle.shim import REPO

DATA_SECTION = 11


def leb128(data: bytes, at: int) -> tuple[int, int]:
    """The unsigned LEB128 number at ``at``, and where the next field starts."""
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


def sections(module: bytes) -> list[tuple[int, bytes]]:
    """Each section of a wasm module, as its id and its body."""
    found, at = [], 8  # past the magic number and the version
    while at < len(module):
        size, body = leb128(module, at + 1)
        found.append((module[at], module[body : body + size]))
        at = body + size
    return found


def test_sections_reads_a_module_with_one_data_section() -> None:
    module = b"\0asm\1\0\0\0" + bytes([DATA_SECTION, 3]) + b"abc" + bytes([0, 1]) + b"x"
    assert sections(module) == [(DATA_SECTION, b"abc"), (0, b"x")]


@pytest.mark.integration
@pytest.mark.slow
def test_no_folder_of_the_build_machine_reaches_the_data_segment(wasm_module: Path) -> None:
    data = b"".join(
        body for kind, body in sections(wasm_module.read_bytes()) if kind == DATA_SECTION
    )
    assert data, "the module has no data section"
    for folder in {REPO, REPO.resolve(), Path.home(), Path("/tmp")}:
        assert str(folder).encode() + b"/" not in data, folder
