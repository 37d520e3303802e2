"""The pages' tables that need real llama.cpp (the sweep against its dry run,
the accuracy matrix against its loads), regenerated and compared: the quick
loop's tests/test_docs.py regenerates every other block."""

from __future__ import annotations

import importlib

import pytest

from tests.docs.blocks import BLOCKS, shown
from tests.fixtures import REPO, missing

pytestmark = pytest.mark.integration

LLAMA_CPP = sorted(name for name, block in BLOCKS.items() if block.llama_cpp)


@pytest.mark.slow
@pytest.mark.usefixtures("shim_library")
@pytest.mark.parametrize("name", LLAMA_CPP)
def test_each_llama_cpp_table_is_what_llama_cpp_gives_now(name: str) -> None:
    for module in ("gguf", "llama_cpp"):
        try:
            importlib.import_module(module)
        except ImportError as error:
            missing(f"{module} cannot be imported ({error}): the table needs real llama.cpp")
    produced = BLOCKS[name].produce()
    for page, body in shown(name):
        assert body == produced, (
            f"{page.relative_to(REPO)}: table {name} differs from what llama.cpp gives "
            "now; run `python -m tests.docs.blocks --write --llama-cpp`"
        )
