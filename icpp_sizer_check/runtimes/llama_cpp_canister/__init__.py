"""llama_cpp_canister: GGUF models under llama.cpp, compiled to a wasm32 canister.

One model and one llama.cpp context serve the whole canister, so users add
no heap: the document sizes the heap by llama.cpp buffer, the headroom under
the canister's wasm_memory_limit, and the stable memory each user's saved
conversation costs.
"""

from __future__ import annotations

from typing import Sequence

from icpp_sizer_check.canister import MIB, WASM32, mib_to_bytes
from icpp_sizer_check.results import Margin, ModelResult, ModelStatus
from icpp_sizer_check.runtimes.base import Canister, Evaluation, ModelSpec, Runtime
from icpp_sizer_check.runtimes.llama_cpp_canister import document, models
from icpp_sizer_check.runtimes.llama_cpp_canister.file_limit import DEFAULT_MAX_MODEL_FILE_MIB
from icpp_sizer_check.runtimes.llama_cpp_canister.messages import LlamaCppAccount
from icpp_sizer_check.runtimes.llama_cpp_canister.sizing import outcome, size_model

# The Internet Computer's default wasm_memory_limit.
DEFAULT_MEMORY_MIB = 3072


def status_of(
    heap: int, headroom: int, file: int, limit: int, min_headroom: int, max_file: int
) -> ModelStatus:
    """The failing-model rule: a heap above the limit does not fit; then a file
    the canister cannot read; then too little heap left free."""
    if heap > limit:
        return ModelStatus.DOES_NOT_FIT
    if file > max_file:
        return ModelStatus.FILE_TOO_LARGE
    if headroom < min_headroom:
        return ModelStatus.BELOW_THRESHOLD
    return ModelStatus.OK


def evaluate(specs: Sequence[ModelSpec[models.LlamaCppModel]], canister: Canister) -> Evaluation:
    limit = mib_to_bytes(canister.memory_mib)
    max_file = mib_to_bytes(canister.options.get("max_model_file_mib", DEFAULT_MAX_MODEL_FILE_MIB))
    values = [spec.values for spec in specs]
    sizings = [size_model(value.architecture, value.settings) for value in values]
    results, fits = [], []
    for spec, value, sizing in zip(specs, values, sizings):
        min_headroom = mib_to_bytes(spec.threshold)
        held = outcome(
            value.architecture,
            value.settings,
            sizing,
            limit,
            min_headroom,
            max_file,
            MIB,
            canister.target.heap_cap_mib,
        )
        fits.append(held.max_ctx_size)
        headroom = limit - sizing.heap
        status = status_of(sizing.heap, headroom, sizing.file, limit, min_headroom, max_file)
        margin = Margin(headroom // MIB, spec.threshold)
        results.append(
            ModelResult(
                spec.name, status, margin, spec.position, LlamaCppAccount(value, sizing, held)
            )
        )
    tables = document.document_tables([spec.name for spec in specs], values, sizings, limit, fits)
    return Evaluation(tables, tuple(results))


RUNTIME = Runtime(
    name="llama_cpp_canister",
    schema_definition="llama_cpp_canister_model",
    model_file_key="gguf",
    targets=(WASM32,),
    default_memory_mib=DEFAULT_MEMORY_MIB,
    threshold_key="min_headroom_mib",
    default_threshold=0,
    margin_unit="MiB headroom",
    config_keys=("max_model_file_mib",),
    layout=document.LAYOUT,
    resolve_model=models.resolve_model,
    evaluate=evaluate,
)
