"""The sizing's heap held to the wasm32 build's memory.size: every supported
architecture at a small shape with settings of its own, and the deployed
models at full size with their deployed settings (tests/wasm/cases.py); each
term of the overhead on the small ones, and the vocabulary to
vocabulary-only loads in the same build.

Runs llama.cpp built for wasm32-wasi under wasmtime (integration, slow):
needs ziglang, wasmtime, Debian's wasi-libc package and llama.cpp's source
(tests/wasm/build.py), and the oracle's shim for the native dry run; skipped
without them, failed under CI.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import ARCHITECTURES
from icpp_sizer_check.runtimes.llama_cpp_canister.sizing import make_context
from icpp_sizer_check.runtimes.llama_cpp_canister.wasm_heap import (
    PAGE,
    vocabulary_bytes,
    wasm_overhead,
)
from tests.oracle.sparse_gguf import write_sparse_gguf
from tests.wasm.cases import Case, deployed_cases, measure, small_cases, within_bar
from tests.wasm.run import vocabulary

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.usefixtures("shim_library"),
]

CASES = small_cases()


def test_every_supported_architecture_has_a_case() -> None:
    assert [case.name for case in CASES] == list(ARCHITECTURES)


DEPLOYED = deployed_cases()


@pytest.mark.parametrize(
    "case",
    CASES + [pytest.param(case, marks=pytest.mark.slow) for case in DEPLOYED],
    ids=[case.name for case in CASES + DEPLOYED],
)
def test_heap_is_memory_size_after_the_first_decode(
    case: Case, wasm_module: Path, tmp_path: Path
) -> None:
    """Within 1 % or 1 MiB (the larger) of memory.size after the first
    decode, the driver's own start (its stack and data) in place of the
    canister's; the buffers equal the native dry run's, the compute buffer
    the sizing's in 128 MiB chunks."""
    result = measure(case, tmp_path, wasm_module)
    assert (result.wasm.model, result.wasm.context) == (result.native.model, result.native.context)
    assert result.native.compute == result.sizing.compute
    assert result.wasm.compute == result.sizing.compute + result.sizing.chunking
    assert result.wasm.decoded == [0, 0, 0]
    assert within_bar(result.sizing.heap, result.measured), (result.sizing.heap, result.measured)
    # Generation grows nothing past the first decode.
    assert result.wasm.memory["token"] == result.wasm.memory["prompt"]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_scheduler_and_graphs_are_what_the_context_adds(
    case: Case, wasm_module: Path, tmp_path: Path
) -> None:
    """memory.size from the load to the first decode, less the context's
    buffers: the scheduler and the two graphs' metadata, within 1 MiB."""
    result = measure(case, tmp_path, wasm_module)
    context = make_context(case.arch, case.settings)
    terms = wasm_overhead(
        case.arch, result.written.n_tensors or 0, min(context.n_ctx, context.n_ubatch)
    )
    grown = result.wasm.memory["prompt"] - result.wasm.memory["load"]
    buffers = result.native.context + result.native.compute + result.native.output
    assert abs(grown - buffers - terms.scheduler - terms.graph - terms.first_decode) <= 1024 * 1024


VOCABULARIES = [case for case in CASES if case.name in ("llama", "gemma3")]  # BPE, SPM


@pytest.mark.parametrize("case", VOCABULARIES, ids=[case.arch.tokenizer for case in VOCABULARIES])
def test_vocabulary_is_a_vocabulary_only_load(
    case: Case, wasm_module: Path, tmp_path: Path
) -> None:
    path = write_sparse_gguf(tmp_path / "vocabulary.gguf", case.arch, case.options)
    measured = vocabulary(wasm_module, path)
    predicted = vocabulary_bytes(case.arch.tokenizer, case.arch.n_vocab, case.arch.n_merges)
    assert abs(predicted - measured) <= 8 * PAGE, (predicted, measured)
