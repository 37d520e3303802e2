"""max_tokens_update, held to what one update call affords.

A call of max_tokens_update tokens is counted where it costs most within the
conversations the canister keeps: ending as a saved session ends
(session_tokens, else the whole context), or later if the call alone is
longer. When it does not fit, the remedy gives the most tokens that do, and
the longest saved session at whose end the call does.
"""

from __future__ import annotations

from typing import NamedTuple, Optional

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Architecture, Settings
from icpp_sizer_check.runtimes.llama_cpp_canister.instructions import (
    types_written,
    unpriced_types,
    weights_of,
)
from icpp_sizer_check.runtimes.llama_cpp_canister.stable_memory import largest_that_holds
from icpp_sizer_check.runtimes.llama_cpp_canister.update_call import (
    INSTRUCTION_LIMIT,
    MOST_TOKENS,
    Ceilings,
    Decoder,
    ceilings_of,
)


class UpdateCalls(NamedTuple):
    """A model's ceilings, its max_tokens_update, and that value's count."""

    ceilings: Optional[Ceilings]  # None: the weights' types are not known
    max_tokens_update: Optional[int]
    # The instructions of a call of max_tokens_update tokens where it costs
    # most (None: not counted, or past the count's bound), and where it ends.
    instructions: Optional[int] = None
    end: int = 0
    # The longest saved session at whose end that call fits (None: none does).
    session_tokens: Optional[int] = None
    unknown: str = ""  # why the ceilings are not counted
    outgrows: bool = False  # max_tokens_update is more tokens than the context holds

    @property
    def short(self) -> bool:
        """Whether a call of max_tokens_update tokens passes the IC's limit,
        or the context."""
        spent = self.instructions
        return self.outgrows or (spent is not None and spent > INSTRUCTION_LIMIT)

    def reason(self) -> str:
        if self.outgrows:
            return (
                f"max_tokens_update of {self.max_tokens_update} is more tokens than the "
                f"context's {self.end} cells hold"
            )
        return (
            f"max_tokens_update of {self.max_tokens_update} does not fit one update call "
            f"that ends a conversation at {self.end} tokens: it takes "
            f"{(self.instructions or 0) / 10**9:.1f} billion instructions, and the IC stops "
            f"a call at {INSTRUCTION_LIMIT // 10**9} billion"
        )

    def remedy(self) -> str:
        assert self.ceilings is not None
        ways = []
        if self.ceilings.generated_late:
            ways.append(f"set max_tokens_update to at most {self.ceilings.generated_late}")
        if self.session_tokens is not None:
            ways.append(f"session_tokens at most {self.session_tokens} (now {self.end})")
        if not ways:
            return "no call of this model generates a token within the IC's limit: a smaller model"
        return "to fit one update call: " + ", or ".join(ways)

    def json(self) -> dict[str, object]:
        ceilings = self.ceilings
        return {
            "max_tokens_update": self.max_tokens_update,
            "tokens_per_update_call": None if ceilings is None else ceilings._asdict(),
        }


def unknown_reason(arch: Architecture) -> str:
    """Why a model's calls are not counted: types not written, or not measured."""
    if not types_written(arch):
        return "needs matrix_types"
    return "no cost for " + ", ".join(unpriced_types(arch))


def update_calls(
    arch: Architecture, settings: Settings, tokens: Optional[int], position: int
) -> UpdateCalls:
    """The ceilings, the later one where a saved session ends (``position``),
    and max_tokens_update (``tokens``) counted where it costs most."""
    weights = weights_of(arch)
    if weights is None:
        return UpdateCalls(None, tokens, unknown=unknown_reason(arch))
    model = Decoder(arch, settings, weights)
    counted = ceilings_of(model, position)
    n_ctx = model.context.n_ctx
    if tokens is None or tokens > MOST_TOKENS:
        return UpdateCalls(counted, tokens)
    if tokens >= n_ctx:
        return UpdateCalls(counted, tokens, end=n_ctx, outgrows=True)
    end = min(max(counted.position, tokens + 1), n_ctx)
    spent = model.generation_cost(end - tokens, tokens)
    if spent <= INSTRUCTION_LIMIT:
        return UpdateCalls(counted, tokens, spent, end)
    # the longest conversation at whose end the call fits: the call's latest start
    start = largest_that_holds(
        1, end - tokens - 1, lambda first: model.generation_fits(first, tokens)
    )
    session = None if start is None else start + tokens
    return UpdateCalls(counted, tokens, spent, end, session)
