"""What one update call to the canister affords: its instructions as the IC
counts them, and so the prompt tokens and generated tokens that fit in one.

llama_cpp_canister serves every user from one context, so each call
(run_update) clears the KV cache (llama_memory_clear with its data: a
memset of every cache buffer), restores the caller's saved session from the
stable-memory file system, decodes the new prompt or generates tokens one at
a time (instructions.py), and saves the session again. The IC stops a call at
40 billion instructions, and counts, beside each wasm instruction executed:

- a bulk memory operation (memory.fill, memory.copy) one instruction a byte;
- since 2026-07-30 (the IC's deterministic memory tracker) about 10,000
  instructions for each 4 KiB page a message touches. Each token multiplies
  every weight matrix, so a call touches every page of the weights, and of
  the caches it clears, the session it copies, the compute buffer and the
  logits it writes.

The ceilings are counted at a stated point of a conversation: a new one (the
first call after the prompt) and one whose context is full, where attention
costs most; a call at a later point of a longer context costs more.
"""

from __future__ import annotations

from typing import Callable, NamedTuple, Optional, Sequence

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Architecture, Settings
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.alloc import buffer_size
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.architectures import reserve_graph
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.memory import Ubatch
from icpp_sizer_check.runtimes.llama_cpp_canister.instructions import (
    DecodeCost,
    Weights,
    between,
    decode_cost,
    decode_ubatch,
    weights_of,
)
from icpp_sizer_check.runtimes.llama_cpp_canister.sizing import (
    Context,
    kv_cache_bytes,
    make_context,
    output_bytes,
)
from icpp_sizer_check.runtimes.llama_cpp_canister.stable_memory import (
    largest_that_holds,
    session_of,
)
from icpp_sizer_check.runtimes.llama_cpp_canister.wasm_heap import pad

INSTRUCTION_LIMIT = 40_000_000_000  # an update call's, on the IC
PAGE = 4096  # the memory tracker's page
PAGE_FEE = 10_000  # instructions per page a message touches
BULK_PER_BYTE = 1  # memory.fill and memory.copy, per byte


def touched(byte_count: int) -> int:
    """The memory tracker's fee for touching ``byte_count`` bytes."""
    return pad(byte_count, PAGE) // PAGE * PAGE_FEE


def copied(byte_count: int) -> int:
    """A bulk copy or fill of ``byte_count`` bytes into pages not yet touched."""
    return byte_count * BULK_PER_BYTE + touched(byte_count)


class Call(NamedTuple):
    """The instructions of an update call around its decodes, by what spends them."""

    weights: int  # the weights' pages
    clear: int  # the KV cache cleared
    session: int  # the session restored and saved again
    buffers: int  # the compute buffer's and the logits' pages

    @property
    def total(self) -> int:
        return self.weights + self.clear + self.session + self.buffers


def call_overhead(
    arch: Architecture, settings: Settings, context: Context, position: int, compute: int
) -> Call:
    """A call's instructions besides its decodes, when the conversation reaches
    ``position``, with ``compute`` bytes of compute buffer written."""
    session = session_of(arch, settings, context, min(position, context.n_ctx))
    return Call(
        weights=touched(arch.weight_bytes()),
        clear=copied(kv_cache_bytes(arch, settings, context)),
        session=2 * copied(session),
        buffers=touched(compute) + touched(output_bytes(arch)),
    )


class Ceilings(NamedTuple):
    """The tokens one update call affords."""

    prompt: int  # prompt tokens decoded in a call of a new conversation
    generated: int  # tokens generated in a call of a new conversation
    generated_late: int  # tokens generated in a call that ends the conversation at ``position``
    position: int  # the conversation's tokens at the end of that call


class Decoder:
    """One model's decodes. A graph is built once for each shape it takes (it
    changes with the outputs and every 256 cells); a decode of fewer tokens
    than a ubatch lies on the line between a one-token decode and a full
    ubatch's, in instructions and in compute buffer alike."""

    def __init__(self, arch: Architecture, settings: Settings, weights: Weights) -> None:
        self.arch, self.settings, self.weights = arch, settings, weights
        self.context = make_context(arch, settings)
        self._built: dict[Ubatch, tuple[DecodeCost, int]] = {}

    def ubatch(self, tokens: int, outputs: int, end: int) -> Ubatch:
        context = self.context
        return decode_ubatch(
            self.settings, context.n_ctx, context.n_swa_cells, tokens, outputs, end
        )

    def _built_for(self, ubatch: Ubatch) -> tuple[DecodeCost, int]:
        if ubatch not in self._built:
            graph = reserve_graph(self.arch, ubatch)
            cost = decode_cost(self.arch, self.weights, graph)
            self._built[ubatch] = cost, buffer_size(graph)
        return self._built[ubatch]

    def built(self, tokens: int, outputs: int, end: int) -> tuple[DecodeCost, int]:
        """A decode's instructions and the compute buffer it writes."""
        most = self.context.n_ubatch
        if tokens in (1, most):
            return self._built_for(self.ubatch(tokens, outputs, end))
        (one, one_buffer), (full, full_buffer) = (
            self._built_for(self.ubatch(size, outputs, end)) for size in (1, most)
        )
        share = (tokens - 1) / (most - 1)
        return between(one, full, share), round(one_buffer + share * (full_buffer - one_buffer))

    def decodes(self, shapes: Sequence[tuple[int, int, int]]) -> tuple[float, int]:
        """Decodes in a row, each of (tokens, outputs, end position): their
        instructions, each token attending the cells before it and a graph
        built for the first and for each whose shape differs from the one
        before; and the largest compute buffer they write."""
        spent, buffer, last = 0.0, 0, None
        for tokens, outputs, end in shapes:
            cost, written = self.built(tokens, outputs, end)
            ubatch = self.ubatch(tokens, outputs, end)
            spent += cost.at(end - (tokens - 1) / 2) + (cost.build if ubatch != last else 0.0)
            buffer, last = max(buffer, written), ubatch
        return spent, buffer

    def call_cost(self, shapes: Sequence[tuple[int, int, int]]) -> int:
        """A call of these decodes (as :meth:`decodes` takes them), with what
        the call costs around them where the last one ends."""
        spent, compute = self.decodes(shapes)
        end = shapes[-1][2] if shapes else 0
        overhead = call_overhead(self.arch, self.settings, self.context, end, compute)
        return round(spent) + overhead.total

    def generation_cost(self, start: int, tokens: int) -> int:
        """A call generating ``tokens`` tokens after position ``start``."""
        return self.call_cost([(1, 1, start + i) for i in range(1, tokens + 1)])

    def generation_fits(self, start: int, tokens: int) -> bool:
        """Whether a call generating ``tokens`` tokens after position ``start`` fits."""
        return self.generation_cost(start, tokens) <= INSTRUCTION_LIMIT

    def prompt_shapes(self, tokens: int) -> list[tuple[int, int, int]]:
        """The ubatches llama_decode splits a new conversation's prompt of
        ``tokens`` tokens into, the last token an output."""
        shapes, done = [], 0
        while done < tokens:
            size = min(self.context.n_ubatch, tokens - done)
            shapes.append((size, 1 if done + size == tokens else 0, done + size))
            done += size
        return shapes

    def prompt_fits(self, tokens: int) -> bool:
        """Whether a call decoding a new conversation's prompt of ``tokens``
        tokens fits: llama_decode splits it into ubatches, the last token an output."""
        return self.call_cost(self.prompt_shapes(tokens)) <= INSTRUCTION_LIMIT


# The most tokens a ceiling is counted to: a call that affords more shows this
# many, and a max_tokens_update above it is not failed.
MOST_TOKENS = 4096


def largest(most: int, fits: Callable[[int], bool]) -> int:
    """The largest count from 0 to ``most`` that fits, where fitting only
    shrinks as the count grows: doubled until it does not fit, then halved,
    so a small answer never costs a large count's graphs."""
    low, high = 0, 1
    while high <= most and fits(high):
        low, high = high, high * 2
    return largest_that_holds(low, min(high, most + 1) - 1, fits) or 0


def ceilings(arch: Architecture, settings: Settings, position: int) -> Optional[Ceilings]:
    """The tokens one update call affords, in a new conversation and in one
    that reaches ``position`` tokens (at most the context's cells); None when
    the weights' types (or their costs) are not known."""
    weights = weights_of(arch)
    if weights is None:
        return None
    return ceilings_of(Decoder(arch, settings, weights), position)


def ceilings_of(model: Decoder, position: int) -> Ceilings:
    """The ceilings of ``model``'s calls; a conversation holds two tokens at least."""
    n_ctx = model.context.n_ctx
    position = max(2, min(position, n_ctx))
    most = min(MOST_TOKENS, n_ctx - 1)
    return Ceilings(
        prompt=largest(min(MOST_TOKENS, n_ctx), model.prompt_fits),
        generated=largest(most, lambda n: model.generation_fits(1, n)),
        generated_late=largest(
            min(most, position - 1), lambda n: model.generation_fits(position - n, n)
        ),
        position=position,
    )
