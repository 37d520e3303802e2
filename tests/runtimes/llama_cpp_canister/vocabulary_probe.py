"""The heap llama.cpp's vocabulary takes, measured in a fresh process.

:func:`measure` runs this module as ``python -m tests.runtimes.
llama_cpp_canister.vocabulary_probe`` with a JSON request on stdin. The child
imports llama.cpp, routes its log away from the terminal and initialises the
backend; then it reads the heap in use (heap.py), loads the file with
``vocab_only`` (the hyperparameters and the vocabulary, no tensor) and reads
the heap again. The difference is what the load left allocated: the
vocabulary, the llama_model that holds it, and any table llama.cpp builds
once on first use while loading (a canister pays those too, in its one load).

A fresh process per file: a table built once for one file would otherwise be
missing from the next file's figure.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from tests.runtimes.llama_cpp_canister.heap import heap_in_use
from tests.runtimes.llama_cpp_canister.llama_cpp_probe import (
    LogCollector,
    canister_params,
    load_model,
    run_child,
    serve,
)


class VocabularyFigures(NamedTuple):
    heap_bytes: int  # the heap the vocabulary-only load left allocated
    n_tokens: int  # llama_vocab_n_tokens
    vocab_type: int  # llama_vocab_type: 0 none, 1 SPM, 2 BPE, 3 WPM, 4 UGM


def measure(path: Path) -> VocabularyFigures:
    """Load ``path``'s vocabulary in a fresh process; what it took."""
    answer = run_child(
        "tests.runtimes.llama_cpp_canister.vocabulary_probe",
        {"model": str(path)},
        f"the vocabulary load of {path.name}",
    )
    return VocabularyFigures(answer["heap_bytes"], answer["n_tokens"], answer["vocab_type"])


def _measure(request: dict[str, Any]) -> dict[str, Any]:
    import llama_cpp

    log = LogCollector(llama_cpp)
    llama_cpp.llama_backend_init()
    params = canister_params(llama_cpp, vocab_only=True)
    log()  # nothing logged so far is kept past this point
    before = heap_in_use()
    model = load_model(llama_cpp, request["model"], params, log)
    after = heap_in_use()
    vocab = llama_cpp.llama_model_get_vocab(model)
    answer = {
        "heap_bytes": after - before,
        "n_tokens": int(llama_cpp.llama_vocab_n_tokens(vocab)),
        "vocab_type": int(llama_cpp.llama_vocab_type(vocab)),
    }
    llama_cpp.llama_model_free(model)
    return answer


if __name__ == "__main__":
    serve(_measure)
