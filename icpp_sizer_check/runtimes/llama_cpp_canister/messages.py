"""How llama_cpp_canister words a failing model, its remedy and its details, in every format."""

from __future__ import annotations

from typing import Any, NamedTuple

from icpp_sizer_check.canister import MIB
from icpp_sizer_check.render import format_mb
from icpp_sizer_check.results import ConfigResult, ModelResult, ModelStatus
from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Architecture
from icpp_sizer_check.runtimes.llama_cpp_canister.document import UNIT
from icpp_sizer_check.runtimes.llama_cpp_canister.file_limit import evidence_text
from icpp_sizer_check.runtimes.llama_cpp_canister.fit import Outcome
from icpp_sizer_check.runtimes.llama_cpp_canister.max_tokens import UpdateCalls
from icpp_sizer_check.runtimes.llama_cpp_canister.models import GgufSource, LlamaCppModel
from icpp_sizer_check.runtimes.llama_cpp_canister.sizing import LlamaCppSizing
from icpp_sizer_check.runtimes.llama_cpp_canister.stable_memory import (
    FILE_SYSTEM_FIXED,
    STABLE_MEMORY_CAP,
    StableMemory,
    storage_fee,
)
from icpp_sizer_check.runtimes.overrides import overrides_json, overrides_text

# The most the Internet Computer reads from stable memory in one message.
MESSAGE_READ_CAP_MIB = 2048


def _mb(byte_count: int) -> str:
    return f"{format_mb(byte_count)} {UNIT}"


def _file_too_large(sizing: LlamaCppSizing, held: Outcome) -> bool:
    return sizing.file > held.max_file


def _heap_short(sizing: LlamaCppSizing, held: Outcome) -> bool:
    return held.headroom(sizing) < held.min_headroom


def file_remedy_mib(sizing: LlamaCppSizing, held: Outcome) -> int | None:
    """The smallest max_model_file_mib that takes the model's file, for a file
    too large; None otherwise, or when it is above what one message can read."""
    need = -(-sizing.file // MIB)
    return need if _file_too_large(sizing, held) and need <= MESSAGE_READ_CAP_MIB else None


def _file_remedy(sizing: LlamaCppSizing, held: Outcome) -> str:
    smaller = f"use a smaller quantization (a file of at most {held.max_file // MIB} MiB)"
    need = file_remedy_mib(sizing, held)
    if need is None:
        return f"{smaller}; no canister reads more than {MESSAGE_READ_CAP_MIB} MiB in one message"
    return (
        f"{smaller}, or max_model_file_mib at least {need} (now {held.max_file // MIB}) "
        "if the canister reads a file that large in one message"
    )


def _heap_remedy(config: ConfigResult, values: LlamaCppModel, held: Outcome) -> str:
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


def _users(count: int) -> str:
    return f"{count} user" if count == 1 else f"{count} users"


def _users_reason(stable: StableMemory) -> str:
    short = stable.min_users - stable.users
    return (
        f"its stable memory holds the saved sessions of {_users(stable.users)}, below its "
        f"min_users of {stable.min_users} (short by {short})"
    )


def _users_remedy(values: LlamaCppModel, stable: StableMemory) -> str:
    """Each change that alone lets the canister hold min_users users' sessions."""
    fix = stable.fix
    assert fix is not None
    now = values.settings
    ways = []
    if fix.ctx_size is not None:
        ways.append(f"ctx_size at most {fix.ctx_size} (now {now.ctx_size})")
    if fix.session_tokens is not None:
        ways.append(f"session_tokens at most {fix.session_tokens} (now {stable.tokens})")
    if fix.cache_types is not None:
        was = (now.cache_type_k, now.cache_type_v)
        pairs = zip(("cache_type_k", "cache_type_v"), fix.cache_types, was)
        changed = [f"{key} {new} (now {old})" for key, new, old in pairs if new != old]
        ways.append(" and ".join(changed))
    if fix.canisters is not None:
        ways.append(f"spread them over {fix.canisters} canisters of this model")
    goal = f"to hold the saved sessions of {_users(fix.users)}"
    if not ways:
        return (
            f"{goal}: nothing in one canister can: its {format_mb(STABLE_MEMORY_CAP)} {UNIT} "
            "of stable memory, less the GGUF file, holds not one session"
        )
    return f"{goal}: " + ", or ".join(ways)


def _architecture_json(arch: Architecture) -> dict[str, Any]:
    """The architecture as a config writes it: matrix_types a mapping."""
    return {**arch._asdict(), "matrix_types": dict(arch.matrix_types or {}) or None}


def _gguf_json(source: GgufSource | None) -> dict[str, Any] | None:
    if source is None:
        return None
    header = _architecture_json(source.header)
    return {
        "path": source.path,
        "header": header,
        "overrides": overrides_json(header, source.overrides),
    }


class LlamaCppAccount(NamedTuple):
    """llama_cpp_canister's account of a sized model: its values, sizing and outcome, worded."""

    values: LlamaCppModel
    sizing: LlamaCppSizing
    held: Outcome  # the limits it was held to, and what would pass
    stable: StableMemory  # the users its stable memory holds, and the storage cost
    calls: UpdateCalls  # the tokens one update call affords, and max_tokens_update

    def failure(self, config: ConfigResult, model: ModelResult) -> str:
        """Why the model fails: a heap above the limit, a file the canister cannot
        read in one message, too little heap left free or too few users; the
        first by the failing-model rule, then any other that holds too (each
        has its remedy)."""
        headroom = self.held.headroom(self.sizing)
        others = [_users_reason(self.stable)] if self.stable.short else []
        others += [self.calls.reason()] if self.calls.short else []
        more = "".join(f"; and {other}" for other in others)
        file_reason = (
            f"its GGUF file is {_mb(self.sizing.file)}, above max_model_file_mib "
            f"{self.held.max_file // MIB}"
        )
        if model.status == ModelStatus.FILE_TOO_LARGE:
            also = (
                f"; and it leaves {_mb(headroom)} of heap free, below its min_headroom_mib of "
                f"{self.held.min_headroom // MIB}"
                if _heap_short(self.sizing, self.held)
                else ""
            )
            return (
                f"model {model.name}: {file_reason}: the canister cannot read it from stable "
                f"memory in one message ({evidence_text()}){also}{more}"
            )
        also = f"; and {file_reason}" if _file_too_large(self.sizing, self.held) else ""
        if model.status == ModelStatus.DOES_NOT_FIT:
            return (
                f"model {model.name} does not fit: its heap needs {_mb(self.sizing.heap)} but "
                f"wasm_memory_limit is {config.memory_mib} MiB "
                f"({_mb(self.sizing.heap - self.held.limit)} short){also}{more}"
            )
        if not _heap_short(self.sizing, self.held):
            return f"model {model.name}: " + "; and ".join(others)
        short = _mb(self.held.min_headroom - headroom)
        return (
            f"model {model.name} leaves {_mb(headroom)} of heap free, below its "
            f"min_headroom_mib of {self.held.min_headroom // MIB} (short by {short}){also}{more}"
        )

    def failure_title(self, model: ModelResult) -> str:
        return {
            ModelStatus.DOES_NOT_FIT: "Model does not fit",
            ModelStatus.FILE_TOO_LARGE: "Model file too large",
        }.get(
            model.status,
            "Too little heap headroom"
            if _heap_short(self.sizing, self.held)
            else "Too few users"
            if self.stable.short
            else "Too many tokens per update call",
        )

    def closest(self, model: ModelResult) -> str:
        have, need = model.margin
        return (
            f"{model.name} leaves {have} MiB of heap free, minimum {need} (+{model.margin.spare})"
        )

    def remedy(self, config: ConfigResult, model: ModelResult) -> str:
        """What would pass, one remedy for each way the model fails: a shorter
        context or more memory for the heap; a smaller file, or a larger limit;
        a shorter context or conversation, a quantized cache or more canisters
        for the users."""
        remedies = []
        if _heap_short(self.sizing, self.held):
            remedies.append(_heap_remedy(config, self.values, self.held))
        if _file_too_large(self.sizing, self.held):
            file = _file_remedy(self.sizing, self.held)
            remedies.append(f"and for its file: {file}" if remedies else file)
        if self.stable.fix is not None:
            users = _users_remedy(self.values, self.stable)
            remedies.append(f"and {users}" if remedies else users)
        if self.calls.short:
            tokens = self.calls.remedy()
            remedies.append(f"and {tokens}" if remedies else tokens)
        return "; ".join(remedies)

    def detail(self, model: ModelResult) -> str:
        """The heap, the headroom, and where the architecture came from."""
        have, need = model.margin
        text = (
            f"model {model.name}: heap {_mb(self.sizing.heap)}, {have} MiB free (minimum {need}), "
            f"ctx_size {self.values.settings.ctx_size} ({self.sizing.context.n_ctx} KV cells), "
            f"{_users(self.stable.users)} (min_users {self.stable.min_users})"
        )
        source = self.values.gguf
        if source is None:
            return text + "; architecture from the config"
        header = _architecture_json(source.header)
        return f"{text}; architecture from {source.path}" + overrides_text(header, source.overrides)

    def model_json(self, model: ModelResult) -> dict[str, Any]:
        """The keys docs/json-output.md documents for a llama_cpp_canister model."""
        have, need = model.margin
        return {
            "headroom_mib": have,
            "min_headroom_mib": need,
            "headroom_bytes": self.held.headroom(self.sizing),
            # Never beyond the trained context; the heap's own bound beside it.
            "max_ctx_size": self.held.trained_max_ctx_size,
            "max_ctx_size_for_heap": self.held.max_ctx_size,
            "n_ctx": self.sizing.context.n_ctx,
            "architecture": _architecture_json(self.values.architecture),
            "settings": self.values.settings._asdict(),
            "gguf": _gguf_json(self.values.gguf),
            "remedy": (
                {
                    "ctx_size": self.held.ctx_for_headroom,
                    "memory_mib": self.held.memory_for_headroom_mib,
                    "max_model_file_mib": file_remedy_mib(self.sizing, self.held),
                }
                if model.status != ModelStatus.OK
                else None
            ),
            "bytes": {
                "weights": self.sizing.weights,
                "kv_cache": self.sizing.kv_cache,
                "output": self.sizing.output,
                "compute": self.sizing.compute,
                "chunking": self.sizing.chunking,
                "overhead": self.sizing.overhead,
                "heap": self.sizing.heap,
                "session": self.sizing.session,
                "file": self.sizing.file,
            },
            **_stable_json(self.stable),
            **self.calls.json(),
        }


def _stable_json(stable: StableMemory) -> dict[str, Any]:
    """The users a model's canister holds, and the storage cost."""
    fix = stable.fix
    return {
        "users": stable.users,
        "min_users": stable.min_users,
        "session_tokens": stable.tokens,
        "session_sized_by": "full-context" if stable.full_context else "session_tokens",
        "users_remedy": (
            {
                "ctx_size": fix.ctx_size,
                "session_tokens": fix.session_tokens,
                "cache_type_k": fix.cache_types[0] if fix.cache_types else None,
                "cache_type_v": fix.cache_types[1] if fix.cache_types else None,
                "canisters": fix.canisters,
            }
            if fix is not None
            else None
        ),
        "stable_bytes": {
            "cap": STABLE_MEMORY_CAP,
            "file_system": FILE_SYSTEM_FIXED,
            "gguf_file": stable.gguf_stored,
            "session": stable.session,
            "per_user": stable.per_user,
        },
        "storage_cycles_per_30_days": {
            "subnet_size": stable.subnet_size,
            "fee_per_gib_second": storage_fee(stable.subnet_size),
            "heap": stable.heap_cycles,
            "gguf_file": stable.gguf_cycles,
            "per_user": stable.user_cycles,
        },
    }
