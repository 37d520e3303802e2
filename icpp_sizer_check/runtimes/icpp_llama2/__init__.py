"""icpp_llama2: llama2.c models in float32, served from a canister (the default runtime).

The document is the original sizer's, byte for byte: tokenizer, weights and
per-user run state in MB, and how many users fit in the canister's memory.
"""

from __future__ import annotations

from typing import Sequence

from icpp_sizer_check.canister import WASM32, WASM64, mib_to_bytes
from icpp_sizer_check.results import (
    Margin,
    ModelResult,
    ModelStatus,
    model_status,
    required_users,
)
from icpp_sizer_check.runtimes.base import Canister, Evaluation, ModelSpec, Runtime
from icpp_sizer_check.runtimes.icpp_llama2 import document, models
from icpp_sizer_check.runtimes.icpp_llama2.messages import Llama2Account
from icpp_sizer_check.runtimes.icpp_llama2.sizing import remedy, size_model


def evaluate(specs: Sequence[ModelSpec[models.Llama2Model]], canister: Canister) -> Evaluation:
    available = mib_to_bytes(canister.memory_mib)
    values = [spec.values for spec in specs]
    sizings = [size_model(value.hyperparameters) for value in values]
    results = []
    for spec, value, sizing in zip(specs, values, sizings):
        users = sizing.max_concurrent_users(available)
        # A failing model gets a remedy aimed at the users it must serve.
        status = model_status(users, spec.threshold)
        needed = required_users(spec.threshold)
        fix = (
            remedy(value.hyperparameters, available, needed, canister.target.heap_cap_mib)
            if status != ModelStatus.OK
            else None
        )
        account = Llama2Account(value, sizing, fix)
        margin = Margin(users, spec.threshold)
        results.append(ModelResult(spec.name, status, margin, spec.position, account))
    tables = document.document_tables(
        [spec.name for spec in specs],
        sizings,
        # The document prints what the original sizer printed (a negative
        # count for a model that does not fit); results use `users`.
        [sizing.printed_users(available) for sizing in sizings],
    )
    return Evaluation(tables, tuple(results))


RUNTIME = Runtime(
    name="icpp_llama2",
    schema_definition="icpp_llama2_model",
    model_file_key="checkpoint",
    targets=(WASM32, WASM64),
    # The whole wasm32 heap, whatever the target.
    default_memory_mib=WASM32.heap_cap_mib,
    threshold_key="min_concurrent_users",
    default_threshold=1,
    margin_unit="users",
    config_keys=(),
    layout=document.LAYOUT,
    resolve_model=models.resolve_model,
    evaluate=evaluate,
)
