"""Exact byte counts of a llama2.c model in a 32-bit wasm canister.

Pure integer arithmetic, as the original sizer defined it: fp32 weights, 4-byte
pointers, and 512 bytes of static byte pieces in the tokenizer.
"""

from __future__ import annotations

from typing import Dict, NamedTuple

from icpp_sizer_check.canister import MIB, mib_to_bytes

FLOAT_BYTES = 4
POINTER_BYTES = 4
BYTE_PIECES_BYTES = 512

Rows = Dict[str, int]


class Hyperparameters(NamedTuple):
    """The seven numbers of llama2.c's ``Config``."""

    dim: int
    hidden_dim: int
    n_layers: int
    n_heads: int
    n_kv_heads: int
    vocab_size: int
    seq_len: int

    @property
    def kv_dim(self) -> int:
        return self.dim * self.n_kv_heads // self.n_heads


# In the order of llama2.c's Config (and of a checkpoint header).
HYPERPARAMETER_NAMES: tuple[str, ...] = Hyperparameters._fields


class ModelSizing(NamedTuple):
    """Every memory row of one model, in bytes, in document order."""

    tokenizer_rows: Rows
    weight_rows: Rows
    run_state_rows: Rows

    @property
    def tokenizer_total(self) -> int:
        """Tokenizer memory including the static byte pieces."""
        return sum(self.tokenizer_rows.values()) + BYTE_PIECES_BYTES

    @property
    def weights_total(self) -> int:
        return sum(self.weight_rows.values())

    @property
    def run_state_total(self) -> int:
        """Memory of one concurrent user."""
        return sum(self.run_state_rows.values())

    @property
    def fixed_total(self) -> int:
        """What the canister holds once, whatever its users: tokenizer and weights."""
        return self.tokenizer_total + self.weights_total

    @property
    def overall_total(self) -> int:
        # The original leaves the tokenizer out of this total; kept so that
        # regenerated documents match the ones already committed.
        return self.weights_total + self.run_state_total

    def max_concurrent_users(self, available_bytes: int) -> int:
        """How many users fit beside the tokenizer and weights; 0 if none."""
        return max(0, (available_bytes - self.fixed_total) // self.run_state_total)

    def printed_users(self, available_bytes: int) -> int:
        """The count the original sizer prints: ``int()`` of its floating-point
        quotient, which truncates toward zero, so a model that does not fit
        shows a negative count (or 0). Computed exactly, in integers."""
        free = available_bytes - self.fixed_total
        whole = abs(free) // self.run_state_total
        return whole if free >= 0 else -whole


def size_model(h: Hyperparameters) -> ModelSizing:
    """The byte count of every row the document shows for one model."""
    f = FLOAT_BYTES
    layers = h.n_layers
    kv_dim = h.kv_dim
    tokenizer_rows = {
        "vocab_memory": h.vocab_size * POINTER_BYTES,
        "vocab_scores_memory": h.vocab_size * f,
    }
    weight_rows = {
        "token_embedding_table": h.vocab_size * h.dim * f,
        "rms_att_weight": layers * h.dim * f,
        "wq": layers * h.dim * h.dim * f,
        "wk": layers * h.dim * kv_dim * f,
        "wv": layers * h.dim * kv_dim * f,
        "wo": layers * h.dim * h.dim * f,
        "rms_ffn_weight": layers * h.dim * f,
        "w1": layers * h.dim * h.hidden_dim * f,
        "w2": layers * h.hidden_dim * h.dim * f,
        "w3": layers * h.dim * h.hidden_dim * f,
        "rms_final_weight": h.dim * f,
        # Counted whether or not the classifier shares the embedding table.
        "wcls": h.vocab_size * h.dim * f,
    }
    run_state_rows = {
        "x": h.dim * f,
        "xb": h.dim * f,
        "xb2": h.dim * f,
        "hb": h.hidden_dim * f,
        "hb2": h.hidden_dim * f,
        "q": h.dim * f,
        "k": kv_dim * f,
        "v": kv_dim * f,
        "att": h.n_heads * h.seq_len * f,
        "logits": h.vocab_size * f,
        "key_cache": layers * h.seq_len * kv_dim * f,
        "value_cache": layers * h.seq_len * kv_dim * f,
    }
    return ModelSizing(tokenizer_rows, weight_rows, run_state_rows)


class Remedy(NamedTuple):
    """What would let a model serve ``users``, one change at a time, never beyond
    the heap cap of the canister's wasm target."""

    users: int
    max_seq_len: int | None  # at the config's memory; None: no context length is short enough
    memory_mib: int | None  # the smallest canister memory that serves them; None: above the cap
    cap_mib: int  # the heap cap of the canister's wasm target
    users_at_cap: int  # what one canister serves with the whole heap, the model unchanged
    max_seq_len_at_cap: int | None  # the largest seq_len that serves them at the cap
    # Canisters of the cap that serve them together, each holding the tokenizer
    # and the weights once; None when one canister cannot serve even one user.
    canisters: int | None

    @property
    def beyond_one_canister(self) -> bool:
        """No single canister, whatever its memory up to the cap, serves them."""
        return self.memory_mib is None


def remedy(h: Hyperparameters, available_bytes: int, users: int, cap_mib: int) -> Remedy:
    """With which seq_len (everything else unchanged) and which memory up to
    ``cap_mib`` the model serves ``users`` concurrent users; and when no memory
    up to the cap does, what one canister of the cap serves, and how many of
    them the users need."""
    sizing = size_model(h)
    fixed_bytes = sizing.fixed_total
    # The run state is linear in seq_len: attention scores and the KV cache.
    per_token = (h.n_heads + 2 * h.n_layers * h.kv_dim) * FLOAT_BYTES
    without_context = sizing.run_state_total - per_token * h.seq_len

    def longest_seq_len(memory_bytes: int) -> int | None:
        budget_per_user = (memory_bytes - fixed_bytes) // users
        longest = (budget_per_user - without_context) // per_token
        return longest if longest >= 1 else None

    cap_bytes = mib_to_bytes(cap_mib)
    needed_mib = -(-(users * sizing.run_state_total + fixed_bytes) // MIB)
    users_at_cap = sizing.max_concurrent_users(cap_bytes)
    return Remedy(
        users=users,
        max_seq_len=longest_seq_len(available_bytes),
        memory_mib=needed_mib if needed_mib <= cap_mib else None,
        cap_mib=cap_mib,
        users_at_cap=users_at_cap,
        max_seq_len_at_cap=longest_seq_len(cap_bytes),
        canisters=-(-users // users_at_cap) if users_at_cap else None,
    )
