"""What llama.cpp's warm-up adds to a context's buffers, measured in a fresh process.

:func:`measure` runs this module as ``python -m tests.runtimes.
llama_cpp_canister.warmup_probe`` with a JSON request on stdin. The child
loads the model as a canister does (llama_cpp_probe), creates the context
and, when asked, runs upstream's warm-up (common/common.cpp,
common_init_from_params: decode BOS and EOS, or token 0 when the vocabulary
has neither, as one batch, then clear the memory and synchronize); then it
runs a first call (a prompt of up to FIRST_CALL_TOKENS tokens, one batch) and
frees the context. It reads the heap in use (heap.py) before the context and
after each step, and answers each step's log: the creation's buffer sizes,
and the destructor's check of the scheduler's compute buffer against the size
reserved at creation ("matches expectation" or "does not match").

One context a process: what a decode allocates on first use must show in the
run that does it, whichever it is.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NamedTuple, Optional

from tests.runtimes.llama_cpp_canister.heap import heap_in_use
from tests.runtimes.llama_cpp_canister.llama_cpp_probe import (
    COMPUTE_BUFFER,
    KV_BUFFER,
    MIB,
    ContextRequest,
    LogCollector,
    canister_params,
    context_params,
    load_model,
    log_mib,
    run_child,
    serve,
)

# The first call's prompt: what a canister's first update call ingests.
FIRST_CALL_TOKENS = 8
# llama_context's destructor: the scheduler's compute buffer at the end
# against the size reserved at creation, 4 decimals (DEBUG when they match).
COMPUTE_AT_FREE = re.compile(
    r"compute buffer size (?:is|of)\s*([0-9.]+) MiB, (matches|does not match) "
    r"expectation of\s*([0-9.]+) MiB"
)


class WarmupFigures(NamedTuple):
    """One context before and after a warm-up."""

    created_heap: int  # heap the context's creation left allocated
    warmup_heap: int  # heap the warm-up left allocated (after clearing the memory); 0 without
    call_heap: int  # heap the first call left allocated
    compute_bytes: Optional[float]  # the creation's compute buffer line
    kv_bytes: Optional[float]  # the creation's KV buffer lines, summed
    compute_at_free: Optional[float]  # the scheduler's compute buffer when freed
    reserved_compute: Optional[float]  # what creation reserved, as the destructor reads it
    matches: bool  # the destructor found the compute buffer as reserved
    log: str

    @property
    def peak(self) -> int:
        """The heap the context held after its first call: a wasm heap's high-water mark."""
        return self.created_heap + self.warmup_heap + self.call_heap


def _figures(context: dict[str, Any]) -> WarmupFigures:
    found = COMPUTE_AT_FREE.search(context["free_log"])
    return WarmupFigures(
        created_heap=context["created_heap"],
        warmup_heap=context["warmup_heap"],
        call_heap=context["call_heap"],
        compute_bytes=log_mib(COMPUTE_BUFFER, context["created_log"]),
        kv_bytes=log_mib(KV_BUFFER, context["created_log"]),
        compute_at_free=float(found.group(1)) * MIB if found else None,
        reserved_compute=float(found.group(3)) * MIB if found else None,
        matches=found is not None and found.group(2) == "matches",
        log=context["created_log"] + context["warmup_log"] + context["free_log"],
    )


def measure(model: Path, context: ContextRequest, warmup: bool) -> WarmupFigures:
    """Load ``model`` in a fresh process; the context created, warmed up or
    not, given its first call and freed."""
    request = {"model": str(model), "context": list(context), "warmup": warmup}
    answer = run_child(
        "tests.runtimes.llama_cpp_canister.warmup_probe", request, f"the warm-up of {model.name}"
    )
    return _figures(answer)


def _decode(llama_cpp: Any, context: Any, tokens: list[int]) -> None:
    batch = (llama_cpp.llama_token * len(tokens))(*tokens)
    status = llama_cpp.llama_decode(context, llama_cpp.llama_batch_get_one(batch, len(tokens)))
    if status != 0:
        raise RuntimeError(f"llama_decode of {len(tokens)} tokens failed ({status})")


def _warm_up(llama_cpp: Any, model: Any, context: Any) -> None:
    """Upstream's warm-up of a decoder-only model (common_init_from_params)."""
    vocab = llama_cpp.llama_model_get_vocab(model)
    ends = (llama_cpp.llama_vocab_bos(vocab), llama_cpp.llama_vocab_eos(vocab))
    _decode(
        llama_cpp, context, [token for token in ends if token != llama_cpp.LLAMA_TOKEN_NULL] or [0]
    )
    llama_cpp.llama_memory_clear(llama_cpp.llama_get_memory(context), True)
    llama_cpp.llama_synchronize(context)


def _measure(request: dict[str, Any]) -> dict[str, Any]:
    import llama_cpp

    log = LogCollector(llama_cpp)
    llama_cpp.llama_backend_init()
    model = load_model(llama_cpp, request["model"], canister_params(llama_cpp), log)
    params = context_params(llama_cpp, ContextRequest(*request["context"]))
    log()
    before = heap_in_use()
    context = llama_cpp.llama_init_from_model(model, params)
    if not context:
        raise RuntimeError("llama_init_from_model failed:\n" + log())
    created = heap_in_use()
    created_log = log()
    if request["warmup"]:
        _warm_up(llama_cpp, model, context)
    warmed = heap_in_use()
    warmup_log = log()
    prompt = min(FIRST_CALL_TOKENS, params.n_batch)
    _decode(llama_cpp, context, [3 + index for index in range(prompt)])
    called = heap_in_use()
    llama_cpp.llama_free(context)
    answer = {
        "created_heap": created - before,
        "warmup_heap": warmed - created,
        "call_heap": called - warmed,
        "created_log": created_log,
        "warmup_log": warmup_log,
        "free_log": log(),
    }
    llama_cpp.llama_model_free(model)
    return answer


if __name__ == "__main__":
    serve(_measure)
