"""llama.cpp's own dry run of a model: every buffer it would allocate, to the byte, allocating none.

:func:`dry_run` starts ``python -m tests.oracle.dry_run`` with a JSON request on
stdin. The child loads the shim (shim.cpp) with RTLD_GLOBAL before llama.cpp,
then loads the model ONCE with ``no_alloc`` (llama.cpp "only loads metadata and
simulates memory allocations"), no mmap and no extra buffer types (no CPU
repacking, as in a wasm build), and for each requested context creates and
frees a llama_context with one sequence, no full-size SWA cache and no unified
KV cache. Of each it answers, as JSON on stdout: whether llama.cpp made it
(or the error it logged), the padded context, the model, context (KV and
recurrent state) and compute bytes of llama.cpp's memory breakdown, the output
buffer's exact size (the shim records every buffer allocation; the output
buffer is the one llama.cpp really allocates), and its log line's figure.
It may also write the reserve graph of the prompt-processing ubatch
(min(n_ctx, n_ubatch) tokens, one sequence, every token an output) to a file.

A fresh process keeps llama.cpp's global log callback and a crash (ggml
aborts on an assertion) away from the caller, and bounds a hang.
"""

from __future__ import annotations

import ctypes
import json
import sys
import time
from pathlib import Path
from typing import Any, NamedTuple, Optional, Sequence

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Settings
from tests.oracle import shim
from tests.runtimes.llama_cpp_canister.llama_cpp_probe import (
    CACHE_TYPE_IDS,
    MIB,
    OUTPUT_BUFFER,
    ContextRequest,
    context_params,
    run_child,
)

# The KV cache types llama.cpp's --cache-type-k/-v accept (common/arg.cpp).
CACHE_TYPES = tuple(CACHE_TYPE_IDS)
# A quantized V cache needs flash attention (llama.cpp refuses it otherwise).
UNQUANTIZED = ("f32", "f16", "bf16")
LOAD_SECONDS = 120
CONTEXT_SECONDS = 5  # per context, on a shared machine; most take a few ms
GGML_LOG_LEVEL_ERROR, GGML_LOG_LEVEL_CONT = 4, 5
MAX_ALLOCATIONS = 64


def request_of(settings: Settings) -> ContextRequest:
    """The dry run's context request for a sizing's settings."""
    return ContextRequest(
        settings.ctx_size,
        settings.batch_size,
        settings.ubatch_size,
        settings.cache_type_k,
        settings.cache_type_v,
        settings.flash_attn,
    )


class Answer(NamedTuple):
    ok: bool
    refusal: str  # llama.cpp's error lines when not ok
    n_ctx: int  # llama_n_ctx: the padded context (0 when refused)
    model: int  # the memory breakdown's bytes, summed over buffer types
    context: int
    compute: int
    output: int  # the output buffer's size, exact
    output_logged: float  # the same from its log line (2-decimal MiB)
    seconds: float  # creating, measuring and freeing this context


class DryRun(NamedTuple):
    load_ok: bool
    load_error: str
    load_seconds: float  # the child's import of llama_cpp and load of the model
    model_size: int  # llama_model_size: the tensors' bytes, unpadded
    contexts: list[Answer]


def dry_run(
    model: Path,
    contexts: Sequence[ContextRequest],
    graphs: Optional[Sequence[Optional[Path]]] = None,
    timeout: Optional[float] = None,
    allocate: bool = False,
) -> DryRun:
    """llama.cpp's dry run of ``model`` with each of ``contexts``, in a fresh
    process; ``graphs[i]``, when given, is where context i's reserve graph goes.
    ``allocate`` loads and creates for real instead (no no_alloc): the same
    figures from real buffers, to hold the dry run to.
    Raises shim.Unavailable when llama_cpp, the compiler or the source is missing."""
    paths = list(graphs) if graphs is not None else [None] * len(contexts)
    request: dict[str, Any] = {
        "model": str(model),
        "shim": str(shim.build()),
        "contexts": [list(context) for context in contexts],
        "graphs": [None if path is None else str(path) for path in paths],
        "allocate": allocate,
    }
    answer = run_child(
        "tests.oracle.dry_run",
        request,
        f"the dry run of {model.name}",
        timeout=timeout or LOAD_SECONDS + CONTEXT_SECONDS * len(contexts),
        env={"LLAMA_CPP_LIB_PATH": str(Path(request["shim"]).parent)},
    )
    return DryRun(
        load_ok=answer["load_ok"],
        load_error=answer["load_error"],
        load_seconds=answer["load_seconds"],
        model_size=answer["model_size"],
        contexts=[Answer(**context) for context in answer["contexts"]],
    )


class _Log:
    """llama.cpp's log, kept as bytes per level since the last :meth:`take`."""

    def __init__(self) -> None:
        self.chunks: list[tuple[int, bytes]] = []
        self.level = 0

    def add(self, level: int, text: bytes) -> None:
        if level != GGML_LOG_LEVEL_CONT:
            self.level = level
        self.chunks.append((self.level, text))

    def take(self) -> tuple[str, str]:
        """(the whole text, its error lines) since the last take."""
        text = b"".join(chunk for _, chunk in self.chunks).decode("utf-8", errors="replace")
        errors = b"".join(chunk for level, chunk in self.chunks if level == GGML_LOG_LEVEL_ERROR)
        self.chunks.clear()
        return text, errors.decode("utf-8", errors="replace").strip()


def _measure_context(
    llama_cpp: Any, lib: Any, model: Any, log: _Log, context: ContextRequest, graph: Optional[str]
) -> dict[str, Any]:
    start = time.perf_counter()
    sizes = (ctypes.c_size_t * MAX_ALLOCATIONS)()
    lib.shim_allocations(sizes, 0)  # forget the load's and earlier contexts'
    ctx = llama_cpp.llama_init_from_model(model, context_params(llama_cpp, context))
    count = lib.shim_allocations(sizes, MAX_ALLOCATIONS)
    text, errors = log.take()
    answer: dict[str, Any] = {"ok": bool(ctx), "refusal": "" if ctx else errors or text[-2000:]}
    answer.update(n_ctx=0, model=0, context=0, compute=0, output=0, output_logged=0.0)
    if ctx:
        figures = [ctypes.c_size_t() for _ in range(3)]
        lib.shim_memory_breakdown(ctx, *(ctypes.byref(figure) for figure in figures))
        logged = [float(value) * MIB for value in OUTPUT_BUFFER.findall(text)]
        # The first buffer a context allocates is its output buffer
        # (llama_context's constructor reserves it before the memory module,
        # whose buffers no_alloc makes empty dummies).
        answer.update(
            n_ctx=int(llama_cpp.llama_n_ctx(ctx)),
            model=figures[0].value,
            context=figures[1].value,
            compute=figures[2].value,
            output=int(sizes[0]) if count else 0,
            output_logged=sum(logged),
        )
        if graph:
            n_tokens = min(answer["n_ctx"], context.n_ubatch)
            status = lib.shim_dump_graph(ctx, n_tokens, 1, n_tokens, graph.encode())
            if status != 0:
                raise RuntimeError(f"shim_dump_graph answered {status}")
        llama_cpp.llama_free(ctx)
        log.take()
    answer["seconds"] = time.perf_counter() - start
    return answer


def _load_shim(path: str) -> Any:
    lib = ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
    size_p = ctypes.POINTER(ctypes.c_size_t)
    lib.shim_memory_breakdown.argtypes = [ctypes.c_void_p, size_p, size_p, size_p]
    lib.shim_memory_breakdown.restype = ctypes.c_int
    lib.shim_dump_graph.argtypes = [
        ctypes.c_void_p,
        ctypes.c_uint32,
        ctypes.c_uint32,
        ctypes.c_uint32,
        ctypes.c_char_p,
    ]
    lib.shim_dump_graph.restype = ctypes.c_int
    lib.shim_allocations.argtypes = [size_p, ctypes.c_int]
    lib.shim_allocations.restype = ctypes.c_int
    return lib


def _measure(request: dict[str, Any]) -> dict[str, Any]:
    """In the child: load the model once, then create, measure and free each context."""
    start = time.perf_counter()
    lib = _load_shim(request["shim"])  # before llama_cpp: its symbols come first
    import llama_cpp

    log = _Log()

    @llama_cpp.llama_log_callback  # type: ignore[untyped-decorator]
    def collect(level: int, text: Optional[bytes], user_data: ctypes.c_void_p) -> None:
        if text:
            log.add(level, text)

    llama_cpp.llama_log_set(collect, ctypes.c_void_p(0))
    llama_cpp.llama_backend_init()
    params = llama_cpp.llama_model_default_params()
    params.load_mode = llama_cpp.LLAMA_LOAD_MODE_NONE
    params.use_extra_bufts = False
    params.no_alloc = not request["allocate"]
    model = llama_cpp.llama_model_load_from_file(request["model"].encode(), params)
    text, errors = log.take()
    answer: dict[str, Any] = {
        "load_ok": bool(model),
        "load_error": "" if model else errors or text[-2000:],
    }
    answer.update(load_seconds=time.perf_counter() - start, model_size=0, contexts=[])
    if model:
        answer["model_size"] = int(llama_cpp.llama_model_size(model))
        for fields, graph in zip(request["contexts"], request["graphs"]):
            context = ContextRequest(*fields)
            answer["contexts"].append(_measure_context(llama_cpp, lib, model, log, context, graph))
        llama_cpp.llama_model_free(model)
    return answer


def main() -> None:
    sys.stdout.write(json.dumps(_measure(json.loads(sys.stdin.read()))))


if __name__ == "__main__":
    main()
