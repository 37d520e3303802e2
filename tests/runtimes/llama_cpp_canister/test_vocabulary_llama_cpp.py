"""The vocabulary's heap held to real llama.cpp: each recorded load of
vocabulary_loads.py made again, each file in a fresh process.

The shipped files come from llama-cpp-python's source distribution, extracted
where $LLAMA_CPP_SDIST says (else .ci/cache/llama_cpp_python-0.3.36); the
tokenizer-none files are generated. Needs llama-cpp-python, gguf and the
source distribution: skipped without them, failed under CI.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Callable

import pytest

from icpp_sizer_check.gguf.header import read_header
from icpp_sizer_check.runtimes.llama_cpp_canister.vocabulary import (
    BPE,
    NONE,
    SPM,
    UGM,
    WPM,
    cost_of,
)
from tests.fixtures import REPO, missing
from tests.runtimes.llama_cpp_canister.vocabulary_loads import (
    DRIFT,
    GENERATED,
    LOADS,
    SHIPPED,
    VocabularyLoad,
    markdown_table,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

LLAMA_CPP_PYTHON = "0.3.36"
SDIST_VARIABLE = "LLAMA_CPP_SDIST"
DEFAULT_SDIST = REPO / ".ci" / "cache" / f"llama_cpp_python-{LLAMA_CPP_PYTHON}"
# llama.h's llama_vocab_type of each kind.
VOCAB_TYPES = {NONE: 0, SPM: 1, BPE: 2, WPM: 3, UGM: 4}


def _vocabulary_folder() -> Path:
    root = Path(os.environ.get(SDIST_VARIABLE) or DEFAULT_SDIST)
    folder = root / "vendor" / "llama.cpp" / "models"
    if not all((folder / load.file).is_file() for load in SHIPPED):
        missing(
            f"llama.cpp's vocabulary files are not in {folder}: set {SDIST_VARIABLE} to an "
            f"extracted llama-cpp-python {LLAMA_CPP_PYTHON} source distribution (pip download "
            f"--no-binary :all: --no-deps llama-cpp-python=={LLAMA_CPP_PYTHON})"
        )
    return folder


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Callable[[VocabularyLoad], VocabularyLoad]:
    """Each load made again, on first use: the same record with today's bytes."""
    for module in ("llama_cpp", "gguf"):
        try:
            importlib.import_module(module)
        except ImportError as error:
            missing(f"{module} cannot be imported ({error}): install llama-cpp-python and gguf")
    from tests.runtimes.llama_cpp_canister.gguf_files import ModelSpec, write_model
    from tests.runtimes.llama_cpp_canister.vocabulary_probe import measure

    folder = _vocabulary_folder()
    generated = tmp_path_factory.mktemp("vocabulary")
    done: dict[str, VocabularyLoad] = {}

    def get(load: VocabularyLoad) -> VocabularyLoad:
        if load.file not in done:
            if load in GENERATED:
                # One small layer: a vocabulary-only load reads no tensor.
                spec = ModelSpec(load.file, "llama", 1, 32, 1, 1, 32, load.n_vocab, "Q8_0")
                path = write_model(generated, spec)
            else:
                path = folder / load.file
            header = read_header(str(path))
            merges = header.fields.get("tokenizer.ggml.merges")
            figures = measure(path)
            assert VOCAB_TYPES[cost_of(load.tokenizer)] == figures.vocab_type, load.file
            done[load.file] = VocabularyLoad(
                path.name if load in SHIPPED else load.file,
                str(header.fields["tokenizer.ggml.model"].value),
                figures.n_tokens,
                merges.length if merges is not None and merges.length is not None else 0,
                figures.heap_bytes,
            )
        return done[load.file]

    return get


@pytest.mark.parametrize("load", LOADS, ids=[load.file for load in LOADS])
def test_the_formula_holds_llama_cpps_vocabulary(
    loaded: Callable[[VocabularyLoad], VocabularyLoad], load: VocabularyLoad
) -> None:
    """llama.cpp builds the kind of vocabulary the tokenizer names; the file has
    the tokens and merges recorded; the load takes what was recorded (within
    DRIFT), and the formula is within the kind's tolerance of it."""
    now = loaded(load)
    assert now._replace(measured=load.measured) == load
    assert abs(now.measured - load.measured) <= DRIFT * load.measured, now.measured
    assert abs(now.error) <= now.tolerance, (now.predicted, now.measured)


def test_vocabulary_table(loaded: Callable[[VocabularyLoad], VocabularyLoad]) -> None:
    """The table of today's loads (``pytest -s`` shows it)."""
    table = markdown_table(tuple(loaded(load) for load in LOADS))
    print("\n" + table)
    assert len(table.splitlines()) == 2 + len(LOADS)
