"""How many users' saved conversations one llama_cpp_canister holds in its
stable memory, and what the Internet Computer charges a month to store the
heap, the GGUF file and each user's session.

One llama.cpp context serves every user; each update call restores the
caller's session file, ``.canister_cache/<principal>/sessions/<file>``, from
the canister's file system, so a user costs stable memory, not heap. The file
system is ic-wasi-polyfill's (icpp-pro calls its ``raw_init(nullptr, 0)``,
which mounts stable-fs's ``StableStorage`` on the whole stable memory): it
stores a file in chunks of 16 KiB (stable-fs ``DEFAULT_FILE_CHUNK_SIZE_V2``;
llama_cpp_canister sets no other size), each chunk one entry (node u64, index
u32) -> pointer u64 in a stable B-tree; a file's metadata and its directory
entry are two more B-tree entries; and ic-stable-structures' MemoryManager
grows each of the file system's 10 memories a bucket of 128 wasm pages (8 MiB)
at a time. Beside each session, llama_cpp_canister writes a small stamp file
(``<file>.icppfmt``: format, model and context layout, one line each).

The storage fee is the IC's: 127,000 cycles per GiB per second on a 13-node
subnet, scaled by subnet size / 13 (dfinity/ic, rs/cycles_account_manager:
``scale_cost``), charged for the memory a canister uses, heap and stable
alike (``memory_allocation.allocated_bytes(memory_usage)``: the usage, unless
a memory_allocation reserves more). wasm_memory_limit is a soft limit that
reserves nothing, so the heap is charged for what it uses: the sized heap.
"""

from __future__ import annotations

from typing import Callable, NamedTuple, Optional

from icpp_sizer_check.gguf.ggml_types import BY_NAME
from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Architecture, Settings
from icpp_sizer_check.runtimes.llama_cpp_canister.sizing import (
    Context,
    make_context,
    session_bytes,
)

GIB = 1024**3
# The IC's stable memory per canister.
STABLE_MEMORY_CAP = 500 * GIB
# Cycles per GiB per second on a subnet of REFERENCE_SUBNET_SIZE nodes.
STORAGE_FEE = 127_000
REFERENCE_SUBNET_SIZE = 13
DEFAULT_SUBNET_SIZE = 13
SUBNET_SIZES = (13, 34)  # the IC's application subnets
# The IC's tables price storage by the 30-day month.
MONTH_SECONDS = 30 * 24 * 60 * 60
# stable-fs: a file's data in chunks of this many bytes.
FILE_CHUNK = 16 * 1024
# A chunk's pointer entry in ic-stable-structures' B-tree: a node holds 11
# slots of a 12-byte key and an 8-byte value with their u32 lengths, 12 child
# addresses and a header (about 411 bytes), and a node filled in key order
# keeps 5 entries after its split: at most 83 bytes an entry, 100 with the
# inner nodes. A bound: the users are counted low by at most 0.6 %.
CHUNK_ENTRY_BOUND = 100
# A file's or folder's metadata and directory entry (CBOR; the name a 255-byte
# array): a bound, as their encoded size varies a little.
ENTRY_BOUND = 1024
# The file system's memories, each at least one bucket once used, and the
# MemoryManager's own first wasm page: what it takes whatever its files.
FILE_SYSTEM_MEMORIES = 10
BUCKET = 128 * 64 * 1024
FILE_SYSTEM_FIXED = 64 * 1024 + FILE_SYSTEM_MEMORIES * BUCKET
# Each user's folder and its sessions folder; the stamp file beside the session
# (three short lines: under one chunk).
USER_FOLDERS = 2
STAMP_BYTES = 512
# The quantized cache types a remedy offers, the least lossy first.
QUANTIZED_CACHES = ("q8_0", "q4_0")


def stored_bytes(size: int) -> int:
    """The stable memory a file of ``size`` bytes takes in the file system."""
    chunks = -(-size // FILE_CHUNK)
    return chunks * (FILE_CHUNK + CHUNK_ENTRY_BOUND) + ENTRY_BOUND


def per_user_bytes(session: int) -> int:
    """One user's session file, its stamp, and the user's folders."""
    return stored_bytes(session) + stored_bytes(STAMP_BYTES) + USER_FOLDERS * ENTRY_BOUND


def gguf_stored_bytes(file: int) -> int:
    """The uploaded GGUF file, and the folder it is in."""
    return stored_bytes(file) + ENTRY_BOUND


def users_that_fit(session: int, file: int) -> int:
    """How many users' sessions fit in stable memory beside the GGUF file."""
    free = STABLE_MEMORY_CAP - FILE_SYSTEM_FIXED - gguf_stored_bytes(file)
    return max(0, free // per_user_bytes(session))


def storage_fee(subnet_size: int) -> int:
    """Cycles per GiB per second on a subnet of ``subnet_size`` nodes, as the
    IC scales it (integer arithmetic)."""
    return STORAGE_FEE * subnet_size // REFERENCE_SUBNET_SIZE


def cycles_per_month(byte_count: int, subnet_size: int) -> int:
    """Cycles to store ``byte_count`` bytes for 30 days."""
    return byte_count * storage_fee(subnet_size) * MONTH_SECONDS // GIB


def session_tokens_of(context: Context, session_tokens: Optional[int]) -> int:
    """The tokens one user's saved conversation holds: ``session_tokens``, but
    never more than the context holds; the whole context when unset."""
    if session_tokens is None:
        return context.n_ctx
    return min(session_tokens, context.n_ctx)


def session_of(arch: Architecture, settings: Settings, context: Context, tokens: int) -> int:
    """The session file of a conversation of ``tokens`` tokens (at most the
    context's cells). session_bytes writes a conversation as long as the
    context; a context of ``tokens`` cells has the same caches, each holding
    min(tokens, its cells) of them, so it writes the shorter one."""
    return session_bytes(arch, settings, context._replace(n_ctx=tokens))


def users_for(arch: Architecture, settings: Settings, session_tokens: Optional[int]) -> int:
    context = make_context(arch, settings)
    tokens = session_tokens_of(context, session_tokens)
    return users_that_fit(session_of(arch, settings, context, tokens), arch.file_bytes)


class UsersRemedy(NamedTuple):
    """What would let the canister hold ``users`` users' sessions, one change
    at a time; None where that change cannot."""

    users: int
    ctx_size: Optional[int]  # the largest, when the users are sized at full context
    session_tokens: Optional[int]  # the largest, when session_tokens sizes them
    cache_types: Optional[tuple[str, str]]  # (K, V), heap still within its limits
    canisters: Optional[int]  # canisters of this model that hold them together


def largest_that_holds(low: int, high: int, holds: Callable[[int], bool]) -> Optional[int]:
    """The largest value in [low, high] that ``holds``, for a test that holds
    up to some value and not above; None when not even ``low`` does."""
    if not holds(low):
        return None
    while low < high:
        middle = (low + high + 1) // 2
        if holds(middle):
            low = middle
        else:
            high = middle - 1
    return low


def _smaller_caches(arch: Architecture, settings: Settings) -> list[Settings]:
    """The settings with a quantized cache, smaller than now, that llama.cpp
    takes: blocks dividing the head size, and a quantized V only with flash attention."""
    candidates = []
    for name in QUANTIZED_CACHES:
        kind = BY_NAME[name]
        k, v = settings.cache_type_k, settings.cache_type_v
        if arch.head_dim_k % kind.block_size == 0 and _smaller(name, k):
            k = name
        quantized_v = settings.flash_attn and arch.head_dim_v % kind.block_size == 0
        if quantized_v and _smaller(name, v):
            v = name
        if (k, v) != (settings.cache_type_k, settings.cache_type_v):
            candidates.append(settings._replace(cache_type_k=k, cache_type_v=v))
    return candidates


def _smaller(name: str, than: str) -> bool:
    kind, other = BY_NAME[name], BY_NAME[than]
    return kind.type_size * other.block_size < other.type_size * kind.block_size


def users_remedy(
    arch: Architecture,
    settings: Settings,
    session_tokens: Optional[int],
    users: int,
    need: int,
    heap_fits: Callable[[Settings], bool],
) -> UsersRemedy:
    """What holds ``need`` users: a shorter context (or conversation, when
    session_tokens sizes them), a quantized cache whose heap still ``heap_fits``,
    or several canisters."""
    context = make_context(arch, settings)
    tokens = session_tokens_of(context, session_tokens)
    full = tokens == context.n_ctx
    ctx_size = (
        largest_that_holds(
            1,
            settings.ctx_size,
            lambda ctx: users_for(arch, settings._replace(ctx_size=ctx), session_tokens) >= need,
        )
        if full
        else None
    )
    shorter = (
        None
        if full
        else largest_that_holds(1, tokens, lambda count: users_for(arch, settings, count) >= need)
    )
    cache = next(
        (
            (quantized.cache_type_k, quantized.cache_type_v)
            for quantized in _smaller_caches(arch, settings)
            if users_for(arch, quantized, session_tokens) >= need and heap_fits(quantized)
        ),
        None,
    )
    canisters = -(-need // users) if users else None
    return UsersRemedy(need, ctx_size, shorter, cache, canisters)


class StableMemory(NamedTuple):
    """One model's users and storage cost."""

    tokens: int  # a saved conversation's tokens
    full_context: bool  # sized at full context (else by session_tokens)
    session: int  # the session file of such a conversation, bytes
    per_user: int  # its stable memory, with the file system's share
    gguf_stored: int  # the GGUF file's stable memory
    users: int
    min_users: int
    subnet_size: int
    heap_cycles: int  # a month's storage of the sized heap
    gguf_cycles: int
    user_cycles: int  # of one user's session
    fix: Optional[UsersRemedy] = None  # for too few users

    @property
    def short(self) -> bool:
        return self.users < self.min_users


def stable_memory(
    arch: Architecture,
    settings: Settings,
    heap: int,
    session_tokens: Optional[int],
    min_users: int,
    subnet_size: int,
) -> StableMemory:
    context = make_context(arch, settings)
    tokens = session_tokens_of(context, session_tokens)
    session = session_of(arch, settings, context, tokens)
    per_user = per_user_bytes(session)
    gguf = gguf_stored_bytes(arch.file_bytes)
    return StableMemory(
        tokens=tokens,
        full_context=tokens == context.n_ctx,
        session=session,
        per_user=per_user,
        gguf_stored=gguf,
        users=users_that_fit(session, arch.file_bytes),
        min_users=min_users,
        subnet_size=subnet_size,
        heap_cycles=cycles_per_month(heap, subnet_size),
        gguf_cycles=cycles_per_month(gguf, subnet_size),
        user_cycles=cycles_per_month(per_user, subnet_size),
    )
