"""The tables of a llama_cpp_canister sizing document: the settings each model
loads with, its heap by llama.cpp buffer, the canister's limit and headroom,
what one saved conversation costs in stable memory, how many users' sessions
fit, and what storing the heap, the file and each session costs a month."""

from __future__ import annotations

from typing import Sequence

from icpp_sizer_check.compare import ColumnLayout
from icpp_sizer_check.markdown import Table
from icpp_sizer_check.render import format_mb
from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Settings
from icpp_sizer_check.runtimes.llama_cpp_canister.fit import Outcome
from icpp_sizer_check.runtimes.llama_cpp_canister.max_tokens import UpdateCalls
from icpp_sizer_check.runtimes.llama_cpp_canister.models import LlamaCppModel
from icpp_sizer_check.runtimes.llama_cpp_canister.sizing import LlamaCppSizing
from icpp_sizer_check.runtimes.llama_cpp_canister.stable_memory import (
    FILE_SYSTEM_FIXED,
    STABLE_MEMORY_CAP,
    StableMemory,
)
from icpp_sizer_check.runtimes.llama_cpp_canister.update_call import INSTRUCTION_LIMIT, MOST_TOKENS

SECTIONS = (
    "llama.cpp Settings",
    "Heap Memory (under wasm_memory_limit)",
    "Canister Metrics",
    "Stable Memory (per user)",
    "Users and Storage Cost",
    f"Tokens per Update Call ({INSTRUCTION_LIMIT // 10**9} B instructions)",
)
UNIT = "MB"
_MB_SUFFIX = f"<br>({UNIT})"
HEAP_ROWS = (
    "weights (model buffer)",
    "KV cache (KV buffer)",
    "output buffer",
    "compute buffer (in 128 MiB chunks)",
    "overhead (canister, vocabulary, scheduler, graphs)",
    "Total heap",
)
LIMIT_ROW = "wasm_memory_limit (MB)"
HEADROOM_ROW = "heap headroom (MB)"
MAX_CTX_ROW = "largest ctx_size that fits"
FILE_ROW = "GGUF file (MB)"
SESSION_ROW = "saved session at full context"
SIZED_SESSION_ROW = "saved session as sized"
PER_USER_ROW = "stable memory per user (with the file system's)"
STABLE_ROWS = (SESSION_ROW, SIZED_SESSION_ROW, PER_USER_ROW)
TOKENS_ROW = "tokens of a saved session"
USERS_ROW = "users whose sessions fit"
STABLE_CAP_ROW = "stable memory (MB)"
FILE_SYSTEM_ROW = "file system's own (MB)"
STORED_FILE_ROW = "GGUF file as stored (MB)"
SUBNET_ROW = "subnet size (nodes)"
CYCLES_UNIT = "B cycles / 30 days"
HEAP_COST_ROW = f"heap storage, the heap used ({CYCLES_UNIT})"
FILE_COST_ROW = f"GGUF file storage ({CYCLES_UNIT})"
USER_COST_ROW = f"storage per user ({CYCLES_UNIT})"
PROMPT_ROW = "prompt tokens per call, new conversation"
GENERATED_ROW = "generated tokens per call, new conversation"
LATE_ROW = "generated tokens per call, conversation as long as a saved session"
MAX_TOKENS_ROW = "max_tokens_update"
_MB_ROWS = {*HEAP_ROWS, *STABLE_ROWS}
# The tables whose every row is in MB: their column headings say so.
_MB_TABLES = frozenset({SECTIONS[1], SECTIONS[3]})


def column_heading(table: str, model: str) -> str:
    return f"{model}{_MB_SUFFIX}" if table in _MB_TABLES else model


def model_of_column(table: str, heading: str) -> str:
    # Only a table that suffixes its headings has one to take off: a model
    # named "tiny<br>(MB)" heads the other tables as that, whole.
    return heading.removesuffix(_MB_SUFFIX) if table in _MB_TABLES else heading


def unit_of_row(row: str) -> str:
    # A row that names its unit itself (in a table of mixed units) gets none.
    return f" {UNIT}" if row in _MB_ROWS else ""


def table_name(heading: str) -> str:
    return heading.split(" (")[0]


LAYOUT = ColumnLayout(model_of_column, unit_of_row, table_name)


def _on(flag: bool) -> str:
    return "on" if flag else "off"


def format_billions(cycles: int) -> str:
    """Cycles in billions with two decimals, as format_mb rounds MiB."""
    return format(cycles / 10**9, ".2f")


def _ctx_cell(held: Outcome) -> str:
    """The largest ctx_size that fits, marked where the trained context caps it."""
    capped = held.trained_max_ctx_size
    if capped is None:
        return "none"
    return f"{capped} (trained context)" if capped != held.max_ctx_size else str(capped)


def _tokens_cell(stable: StableMemory) -> str:
    return f"{stable.tokens} ({'full context' if stable.full_context else 'session_tokens'})"


def _users_rows(stables: Sequence[StableMemory]) -> list[list[str]]:
    return [
        [TOKENS_ROW, *(_tokens_cell(s) for s in stables)],
        [USERS_ROW, *(str(s.users) for s in stables)],
        [STABLE_CAP_ROW, *(format_mb(STABLE_MEMORY_CAP) for _ in stables)],
        [FILE_SYSTEM_ROW, *(format_mb(FILE_SYSTEM_FIXED) for _ in stables)],
        [STORED_FILE_ROW, *(format_mb(s.gguf_stored) for s in stables)],
        [SUBNET_ROW, *(str(s.subnet_size) for s in stables)],
        [HEAP_COST_ROW, *(format_billions(s.heap_cycles) for s in stables)],
        [FILE_COST_ROW, *(format_billions(s.gguf_cycles) for s in stables)],
        [USER_COST_ROW, *(format_billions(s.user_cycles) for s in stables)],
    ]


def _calls_rows(calls: Sequence[UpdateCalls]) -> list[list[str]]:
    def ceiling(call: UpdateCalls, field: str) -> str:
        if call.ceilings is None:
            return call.unknown
        count = getattr(call.ceilings, field)
        return f"{count}+" if count >= MOST_TOKENS else str(count)

    def late(call: UpdateCalls) -> str:
        at = f" (at {call.ceilings.position} tokens)" if call.ceilings is not None else ""
        return ceiling(call, "generated_late") + at

    return [
        [PROMPT_ROW, *(ceiling(call, "prompt") for call in calls)],
        [GENERATED_ROW, *(ceiling(call, "generated") for call in calls)],
        [LATE_ROW, *(late(call) for call in calls)],
        [MAX_TOKENS_ROW, *(str(call.max_tokens_update or "not set") for call in calls)],
    ]


def _settings_rows(
    settings: Sequence[Settings], models: Sequence[LlamaCppModel]
) -> list[list[str]]:
    return [
        ["architecture", *(model.architecture.arch for model in models)],
        ["ctx_size", *(str(s.ctx_size) for s in settings)],
        ["batch_size", *(str(s.batch_size) for s in settings)],
        ["ubatch_size", *(str(s.ubatch_size) for s in settings)],
        ["cache_type_k", *(s.cache_type_k for s in settings)],
        ["cache_type_v", *(s.cache_type_v for s in settings)],
        ["flash_attn", *(_on(s.flash_attn) for s in settings)],
        ["warmup", *(_on(s.warmup) for s in settings)],
        ["CPU buffer cap (MiB)", *(str(s.buffer_cap_mib or "none") for s in settings)],
        ["canister's own memory (MiB)", *(str(s.canister_base_mib) for s in settings)],
    ]


def document_tables(
    names: Sequence[str],
    models: Sequence[LlamaCppModel],
    sizings: Sequence[LlamaCppSizing],
    helds: Sequence[Outcome],
    stables: Sequence[StableMemory],
    calls: Sequence[UpdateCalls],
) -> list[Table]:
    """The six tables of the document, every cell as it is printed."""

    def header(table: str, first: str) -> list[str]:
        return [first, *(column_heading(table, name) for name in names)]

    settings = [model.settings for model in models]
    cells = ["KV cells (ctx_size padded to 256)", *(str(s.context.n_ctx) for s in sizings)]
    heap = [
        [row, *(format_mb(value) for value in values)]
        for row, values in zip(
            HEAP_ROWS,
            (
                [s.weights for s in sizings],
                [s.kv_cache for s in sizings],
                [s.output for s in sizings],
                [s.compute + s.chunking for s in sizings],
                [s.overhead for s in sizings],
                [s.heap for s in sizings],
            ),
        )
    ]
    metrics = [
        [LIMIT_ROW, *(format_mb(held.limit) for held in helds)],
        [HEADROOM_ROW, *(format_mb(held.headroom(s)) for held, s in zip(helds, sizings))],
        [MAX_CTX_ROW, *(_ctx_cell(held) for held in helds)],
        [FILE_ROW, *(format_mb(s.file) for s in sizings)],
    ]
    stable = [
        [SESSION_ROW, *(format_mb(s.session) for s in sizings)],
        [SIZED_SESSION_ROW, *(format_mb(s.session) for s in stables)],
        [PER_USER_ROW, *(format_mb(s.per_user) for s in stables)],
    ]
    return [
        Table(
            SECTIONS[0], header(SECTIONS[0], "Setting"), [*_settings_rows(settings, models), cells]
        ),
        Table(SECTIONS[1], header(SECTIONS[1], "Memory Type"), heap),
        Table(SECTIONS[2], header(SECTIONS[2], "Canister Metrics"), metrics),
        Table(SECTIONS[3], header(SECTIONS[3], "Memory Type"), stable),
        Table(SECTIONS[4], header(SECTIONS[4], "Metric"), _users_rows(stables)),
        Table(SECTIONS[5], header(SECTIONS[5], "Tokens"), _calls_rows(calls)),
    ]
