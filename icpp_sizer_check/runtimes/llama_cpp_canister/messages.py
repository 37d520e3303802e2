"""How llama_cpp_canister words a failing model, its remedy and its details, in every format."""

from __future__ import annotations

from typing import Any

from icpp_sizer_check.canister import MIB
from icpp_sizer_check.render import format_mb
from icpp_sizer_check.results import ConfigResult, ModelResult, ModelStatus
from icpp_sizer_check.runtimes.llama_cpp_canister.document import UNIT
from icpp_sizer_check.runtimes.llama_cpp_canister.models import GgufSource, LlamaCppModel
from icpp_sizer_check.runtimes.llama_cpp_canister.sizing import LlamaCppSizing, Outcome


def _parts(model: ModelResult) -> tuple[LlamaCppModel, LlamaCppSizing, Outcome]:
    values, sizing, held = model.values, model.sizing, model.remedy
    assert isinstance(values, LlamaCppModel) and isinstance(sizing, LlamaCppSizing)
    assert isinstance(held, Outcome)
    return values, sizing, held


def _mb(byte_count: int) -> str:
    return f"{format_mb(byte_count)} {UNIT}"


def failure(config: ConfigResult, model: ModelResult) -> str:
    """Why the model fails: a heap above the limit, a file the canister cannot
    read in one message, or too little heap left free."""
    _, sizing, held = _parts(model)
    if model.status == ModelStatus.DOES_NOT_FIT:
        return (
            f"model {model.name} does not fit: its heap needs {_mb(sizing.heap)} but "
            f"wasm_memory_limit is {config.memory_mib} MiB ({_mb(sizing.heap - held.limit)} short)"
        )
    if model.status == ModelStatus.FILE_TOO_LARGE:
        return (
            f"model {model.name}: its GGUF file is {_mb(sizing.file)}, above max_model_file_mib "
            f"{held.max_file // MIB}: the canister cannot read it from stable memory in one message"
        )
    headroom = held.headroom(sizing)
    return (
        f"model {model.name} leaves {_mb(headroom)} of heap free, below its min_headroom_mib of "
        f"{held.min_headroom // MIB} (short by {_mb(held.min_headroom - headroom)})"
    )


def failure_title(model: ModelResult) -> str:
    return {
        ModelStatus.DOES_NOT_FIT: "Model does not fit",
        ModelStatus.FILE_TOO_LARGE: "Model file too large",
    }.get(model.status, "Too little heap headroom")


def closest(model: ModelResult) -> str:
    have, need = model.margin
    return f"{model.name} leaves {have} MiB of heap free, minimum {need} (+{model.margin.spare})"


def remedy(config: ConfigResult, model: ModelResult) -> str:
    """What would pass: a smaller file; a shorter context or more memory."""
    values, sizing, held = _parts(model)
    if model.status == ModelStatus.FILE_TOO_LARGE and held.headroom(sizing) >= held.min_headroom:
        return (
            f"use a smaller quantization (a file of at most {held.max_file // MIB} MiB), or raise "
            "max_model_file_mib if the canister reads larger files in one message"
        )
    cap = config.target.heap_cap_mib
    now = values.settings.ctx_size
    goal = f"to leave {held.min_headroom // MIB} MiB free" if held.min_headroom else "to fit"
    if held.ctx_for_headroom is None:
        ctx = "no ctx_size can (the weights and the rest take too much)"
    else:
        ctx = f"ctx_size at most {held.ctx_for_headroom} (now {now})"
    memory = held.memory_for_headroom_mib
    if memory is None:
        beyond = f"no canister.memory_mib up to the {config.target.name} heap cap ({cap} MiB) is"
        return f"{goal}: {ctx}; {beyond} enough"
    return f"{goal}: {ctx}, or canister.memory_mib at least {memory} (now {config.memory_mib})"


def detail(model: ModelResult) -> str:
    """The heap, the headroom, and where the architecture came from."""
    values, sizing, _ = _parts(model)
    have, need = model.margin
    text = (
        f"model {model.name}: heap {_mb(sizing.heap)}, {have} MiB free (minimum {need}), "
        f"ctx_size {values.settings.ctx_size} ({sizing.context.n_ctx} KV cells)"
    )
    source = values.gguf
    if source is None:
        return text + "; architecture from the config"
    text += f"; architecture from {source.path}"
    changed = [
        f"{key} {getattr(source.header, key)} -> {value}"
        for key, value in source.overrides.items()
        if getattr(source.header, key) != value
    ]
    if changed:
        text += "; the config overrides " + ", ".join(changed)
    return text


def _gguf_json(source: GgufSource | None) -> dict[str, Any] | None:
    if source is None:
        return None
    return {
        "path": source.path,
        "header": source.header._asdict(),
        "overrides": {
            key: {"header": getattr(source.header, key), "config": value}
            for key, value in source.overrides.items()
        },
    }


def model_json(model: ModelResult) -> dict[str, Any]:
    """The keys README's JSON section documents for a llama_cpp_canister model."""
    values, sizing, held = _parts(model)
    have, need = model.margin
    return {
        "headroom_mib": have,
        "min_headroom_mib": need,
        "headroom_bytes": held.headroom(sizing),
        "max_ctx_size": held.max_ctx_size,
        "n_ctx": sizing.context.n_ctx,
        "architecture": values.architecture._asdict(),
        "settings": values.settings._asdict(),
        "gguf": _gguf_json(values.gguf),
        "remedy": (
            {
                "ctx_size": held.ctx_for_headroom,
                "memory_mib": held.memory_for_headroom_mib,
            }
            if model.status != ModelStatus.OK
            else None
        ),
        "bytes": {
            "weights": sizing.weights,
            "kv_cache": sizing.kv_cache,
            "output": sizing.output,
            "compute": sizing.compute,
            "overhead": sizing.overhead,
            "heap": sizing.heap,
            "session": sizing.session,
            "file": sizing.file,
        },
    }
