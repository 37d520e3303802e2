"""llama_cpp_canister: GGUF models under llama.cpp, compiled to a wasm32 canister.

One model and one llama.cpp context serve the whole canister, so users add
no heap: the document sizes the heap by llama.cpp buffer, the headroom under
the canister's wasm_memory_limit, the stable memory each user's saved
conversation costs, how many users' conversations fit, and what storing the
heap, the file and each conversation costs a month.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Callable, Mapping, Sequence

from icpp_sizer_check.canister import MIB, WASM32, mib_to_bytes
from icpp_sizer_check.results import Margin, ModelResult, ModelStatus
from icpp_sizer_check.runtimes.base import Canister, Evaluation, ModelSpec, Runtime
from icpp_sizer_check.runtimes.llama_cpp_canister import document, models
from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Architecture, Settings
from icpp_sizer_check.runtimes.llama_cpp_canister.file_limit import DEFAULT_MAX_MODEL_FILE_MIB
from icpp_sizer_check.runtimes.llama_cpp_canister.fit import Outcome, outcome
from icpp_sizer_check.runtimes.llama_cpp_canister.max_tokens import UpdateCalls, update_calls
from icpp_sizer_check.runtimes.llama_cpp_canister.messages import LlamaCppAccount
from icpp_sizer_check.runtimes.llama_cpp_canister.sizing import size_model
from icpp_sizer_check.runtimes.llama_cpp_canister.stable_memory import (
    DEFAULT_SUBNET_SIZE,
    StableMemory,
    stable_memory,
    users_remedy,
)

# The Internet Computer's default wasm_memory_limit.
DEFAULT_MEMORY_MIB = 3072
# By default a model fails when not even one user's saved session fits.
DEFAULT_MIN_USERS = 1
HeapFits = Callable[[Settings], bool]


def status_of(
    heap: int,
    headroom: int,
    file: int,
    limit: int,
    min_headroom: int,
    max_file: int,
    users_short: bool = False,
    tokens_short: bool = False,
) -> ModelStatus:
    """The failing-model rule: a heap above the limit does not fit; then a file
    the canister cannot read; then too little heap left free, stable memory
    for fewer users than min_users, or a max_tokens_update one update call
    cannot afford."""
    if heap > limit:
        return ModelStatus.DOES_NOT_FIT
    if file > max_file:
        return ModelStatus.FILE_TOO_LARGE
    if headroom < min_headroom or users_short or tokens_short:
        return ModelStatus.BELOW_THRESHOLD
    return ModelStatus.OK


def _heap_fits(arch: Architecture, budget: int, settings: Settings) -> bool:
    """Whether the heap with ``settings`` leaves the headroom the model must."""
    return size_model(arch, settings).heap <= budget


def _held_users(
    value: models.LlamaCppModel, heap: int, options: Mapping[str, Any], heap_fits: HeapFits
) -> StableMemory:
    """The model's users and storage cost, its own min_users and session_tokens
    over the top level's; with a remedy when too few users fit."""
    min_users = value.min_users
    if min_users is None:
        min_users = options.get("min_users", DEFAULT_MIN_USERS)
    tokens = value.session_tokens
    if tokens is None:
        tokens = options.get("session_tokens")
    subnet = options.get("subnet_size", DEFAULT_SUBNET_SIZE)
    arch, settings = value.architecture, value.settings
    held = stable_memory(arch, settings, heap, tokens, min_users, subnet)
    if not held.short:
        return held
    fix = users_remedy(arch, settings, tokens, held.users, min_users, heap_fits)
    return held._replace(fix=fix)


def evaluate(specs: Sequence[ModelSpec[models.LlamaCppModel]], canister: Canister) -> Evaluation:
    limit = mib_to_bytes(canister.memory_mib)
    max_file = mib_to_bytes(canister.options.get("max_model_file_mib", DEFAULT_MAX_MODEL_FILE_MIB))
    values = [spec.values for spec in specs]
    sizings = [size_model(value.architecture, value.settings) for value in values]
    results = []
    helds: list[Outcome] = []
    stables: list[StableMemory] = []
    callses: list[UpdateCalls] = []
    for spec, value, sizing in zip(specs, values, sizings):
        min_headroom = mib_to_bytes(spec.threshold)
        heap_fits = partial(_heap_fits, value.architecture, limit - min_headroom)
        users = _held_users(value, sizing.heap, canister.options, heap_fits)
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
        calls = update_calls(
            value.architecture, value.settings, value.max_tokens_update, users.tokens
        )
        helds.append(held)
        stables.append(users)
        callses.append(calls)
        headroom = limit - sizing.heap
        status = status_of(
            sizing.heap,
            headroom,
            sizing.file,
            limit,
            min_headroom,
            max_file,
            users.short,
            calls.short,
        )
        margin = Margin(headroom // MIB, spec.threshold)
        account = LlamaCppAccount(value, sizing, held, users, calls)
        results.append(ModelResult(spec.name, status, margin, spec.position, account))
    names = [spec.name for spec in specs]
    tables = document.document_tables(names, values, sizings, helds, stables, callses)
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
    config_keys=("max_model_file_mib", "min_users", "session_tokens", "subnet_size"),
    layout=document.LAYOUT,
    resolve_model=models.resolve_model,
    evaluate=evaluate,
)
