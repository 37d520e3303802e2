"""The vocabulary's heap, wasm_heap.vocabulary_bytes by tokenizer (SPM, BPE
with its merges, WPM, UGM), held to vocabulary-only loads of the vocabulary
files llama.cpp's source ships, in the wasm32 build (integration, slow)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from icpp_sizer_check.gguf.header import read_header
from icpp_sizer_check.runtimes.llama_cpp_canister.gguf_keys import array_length, string
from icpp_sizer_check.runtimes.llama_cpp_canister.wasm_heap import vocabulary_bytes
from tests.oracle.shim import sdist_root
from tests.wasm.run import vocabulary
from tests.wasm.vocabularies import ABORTS, SHIPPED, ShippedVocabulary

pytestmark = [pytest.mark.integration, pytest.mark.slow]

LOADED = [shipped for shipped in SHIPPED if shipped.file != ABORTS]


def _copy(file: str, folder: Path) -> Path:
    source = sdist_root(os.environ) / "vendor" / "llama.cpp" / "models" / file
    return Path(shutil.copy(source, folder / file))


@pytest.mark.parametrize("shipped", LOADED, ids=[shipped.file for shipped in LOADED])
def test_a_shipped_vocabulary_takes_what_the_formula_says(
    shipped: ShippedVocabulary, wasm_module: Path, tmp_path: Path
) -> None:
    measured = vocabulary(wasm_module, _copy(shipped.file, tmp_path))
    predicted = vocabulary_bytes(shipped.tokenizer, shipped.n_vocab, shipped.n_merges)
    assert abs(predicted - measured) <= shipped.tolerance * measured, (predicted, measured)


def test_the_counts_are_the_headers(tmp_path: Path) -> None:
    """What the table says of each file is what its header says."""
    for shipped in SHIPPED:
        header = read_header(str(_copy(shipped.file, tmp_path)))
        assert (
            string(header, "tokenizer.ggml.model"),
            array_length(header, "tokenizer.ggml.tokens"),
            array_length(header, "tokenizer.ggml.merges") or 0,
        ) == (shipped.tokenizer, shipped.n_vocab, shipped.n_merges), shipped.file


def test_command_r_vocabulary_aborts_without_exceptions(wasm_module: Path, tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="out_of_range"):
        vocabulary(wasm_module, _copy(ABORTS, tmp_path))
