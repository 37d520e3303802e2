"""The shim's build: keyed on its inputs, reused, and clear about what is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.oracle import shim


def test_every_input_changes_the_build_key() -> None:
    key = shim.build_key(b"source", "0.3.36", "g++ 12.2.0")
    assert shim.build_key(b"source", "0.3.36", "g++ 12.2.0") == key
    assert shim.build_key(b"source!", "0.3.36", "g++ 12.2.0") != key
    assert shim.build_key(b"source", "0.3.37", "g++ 12.2.0") != key
    assert shim.build_key(b"source", "0.3.36", "g++ 13.1.0") != key
    assert shim.build_key(b"source", "0.3.36", "g++ 12.2.0", "/other/venv/lib") != key
    # The parts are framed: moving a byte from one to the next is another key.
    assert shim.build_key(b"ab", "c", "") != shim.build_key(b"a", "bc", "")


def test_the_compile_command_reads_the_sdist_and_links_the_package(tmp_path: Path) -> None:
    command = shim.compile_command(Path("s.cpp"), Path("o.so"), tmp_path, Path("/lib"))
    vendor = tmp_path / "vendor" / "llama.cpp"
    for folder in ("include", "ggml/include", "src"):
        assert f"-I{vendor / folder}" in command
    assert {"-std=c++17", "-shared", "-fPIC", "-lllama", "-lggml", "-lggml-base"} <= set(command)
    assert "-Wl,-rpath,/lib" in command


def test_a_missing_sdist_says_where_to_get_it(tmp_path: Path) -> None:
    with pytest.raises(shim.Unavailable, match=shim.SDIST_VARIABLE):
        shim.sdist_root({shim.SDIST_VARIABLE: str(tmp_path)})


@pytest.mark.integration
def test_a_build_is_reused(shim_library: Path) -> None:
    assert shim_library.is_file()
    assert shim.build() == shim_library
    assert (shim_library.parent / "libllama.so").resolve().name.startswith("libllama.so")
