"""Read a model's architecture from its GGUF file (placeholder until the reader lands)."""

from __future__ import annotations

from icpp_sizer_check.results import FileRead
from icpp_sizer_check.runtimes.base import ModelFile
from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Architecture


class GgufError(ValueError):
    pass


def read_model(file: ModelFile) -> tuple[Architecture, FileRead]:
    raise GgufError("GGUF files cannot be read yet")
