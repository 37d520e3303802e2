"""A saved conversation, to the byte, for every architecture.

The stable memory each user costs is llama.cpp's session file
(llama_state_save_file) of a context filled to its last cell: its header and
tokens, each KV cache's cells and rows, and the recurrent layers' states.
Each architecture's small shape is loaded for real from its sparse file (the
weights read as zeros: only the cells' count matters), filled and saved by
tests/runtimes/llama_cpp_canister/llama_cpp_probe.py, and the file's size is
held to the sizing's.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import ARCHITECTURES, Settings
from icpp_sizer_check.runtimes.llama_cpp_canister.sizing import size_model
from tests.oracle.draw import small_shape
from tests.oracle.sparse_gguf import DEFAULT_OPTIONS, file_architecture, write_sparse_gguf
from tests.runtimes.llama_cpp_canister.llama_cpp_probe import ContextRequest, probe

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("shim_library")]

CONTEXTS = (
    ContextRequest(300, 64, 64, "f16", "f16", True),  # padded to 512 cells
    ContextRequest(512, 512, 128, "q8_0", "f16", False),  # V transposed
)


@pytest.mark.parametrize("kind", ARCHITECTURES)
def test_the_saved_session_is_llama_cpps_to_the_byte(tmp_path: Path, kind: str) -> None:
    arch = small_shape(kind)
    if kind == "exaone4":  # its sliding form has 64 layers: four keep the fill quick
        arch = arch._replace(n_layer=4)
    path = write_sparse_gguf(tmp_path / "model.gguf", arch)
    written = file_architecture(path, arch, DEFAULT_OPTIONS)
    figures = probe(path, list(CONTEXTS))
    for request, measured in zip(CONTEXTS, figures.contexts):
        assert measured.ok, measured.log[-2000:]
        assert measured.session_bytes == size_model(written, Settings(*request)).session, request
