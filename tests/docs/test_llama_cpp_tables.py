"""The pages' tables that need real llama.cpp (the sweep against its dry run,
the accuracy matrix against its loads), regenerated and compared in the
thorough run: tests/docs/test_blocks.py regenerates every other block in the
quick loop."""

from __future__ import annotations

import importlib

import pytest

from tests.docs.blocks import BLOCKS, differences
from tests.fixtures import missing

pytestmark = pytest.mark.integration

LLAMA_CPP = sorted(name for name, block in BLOCKS.items() if block.llama_cpp)


@pytest.mark.slow
@pytest.mark.usefixtures("shim_library")
@pytest.mark.parametrize("name", LLAMA_CPP)
def test_each_llama_cpp_table_is_what_llama_cpp_gives_now(
    name: str, request: pytest.FixtureRequest
) -> None:
    if name in ("wasm-heap", "decodes"):  # llama.cpp built for wasm32 too (tests/wasm)
        request.getfixturevalue("wasm_module")
    for module in ("gguf", "llama_cpp"):
        try:
            importlib.import_module(module)
        except ImportError as error:
            missing(f"{module} cannot be imported ({error}): the table needs real llama.cpp")
    assert differences(name) == []


def test_the_llama_cpp_tables_are_the_sweep_the_accuracy_matrix_and_the_wasm_builds() -> None:
    assert LLAMA_CPP == ["accuracy", "decodes", "sweep", "wasm-heap"]
