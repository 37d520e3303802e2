"""What real llama.cpp allocates for a GGUF model, buffer by buffer, measured in a fresh process.

:func:`probe` runs this module as ``python -m tests.runtimes.llama_cpp_canister.
llama_cpp_probe`` with a JSON request on stdin. The child loads the model once
through llama-cpp-python's low-level C API the way a wasm32 canister does (no
mmap, ``use_extra_bufts`` off: no x86 CPU_REPACK buffer and so no second copy
of a tied embedding), then creates and frees one context per requested setting
in turn. It captures llama.cpp's log through its own callback and answers, as
JSON on stdout, each buffer's size from the log lines, plus the exact figures
the C API has (``llama_model_size``, ``llama_n_ctx``). It then fills each
context to its last cell and saves it with ``llama_state_save_file``: the
saved file's size is exact too.

A fresh process per model keeps one load's allocator state and global log
callback away from the next and from pytest, and bounds a hang with a timeout.

The log gives MiB with two decimals, so a figure read from it is within
:data:`LOG_ROUNDING` bytes of the buffer's size; the compute buffer's
destructor line (DEBUG level) has four decimals and is preferred when printed.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, NamedTuple, Optional

MIB = 1024 * 1024
# A 2-decimal MiB figure is within half its last digit of the true size; the
# compute buffer's 4-decimal destructor line within half of its own.
LOG_ROUNDING = 0.005 * MIB
PRECISE_ROUNDING = 0.00005 * MIB
# A model load and a few contexts take 1-3 s on a shared machine; filling
# each context for its saved session, up to 30 s on two cores.
TIMEOUT_SECONDS = 300
REPO = Path(__file__).resolve().parents[3]

# ggml type ids of the cache types (ggml.h; llama_cpp has no BF16 constant).
CACHE_TYPE_IDS = {
    "f32": 0,
    "f16": 1,
    "q4_0": 2,
    "q4_1": 3,
    "q5_0": 6,
    "q5_1": 7,
    "q8_0": 8,
    "iq4_nl": 20,
    "bf16": 30,
}

_NUMBER = r"([0-9]+(?:\.[0-9]+)?)"
MODEL_BUFFER = re.compile(r"CPU model buffer size\s*=\s*" + _NUMBER + " MiB")
KV_BUFFER = re.compile(r"CPU KV buffer size\s*=\s*" + _NUMBER + " MiB")
OUTPUT_BUFFER = re.compile(r"CPU\s+output buffer size\s*=\s*" + _NUMBER + " MiB")
COMPUTE_BUFFER = re.compile(r"CPU compute buffer size\s*=\s*" + _NUMBER + " MiB")
COMPUTE_PRECISE = re.compile(r"CPU compute buffer size is\s*" + _NUMBER + " MiB")
KV_CELLS = re.compile(r"llama_kv_cache: size = .*?\(\s*(\d+) cells,\s*(\d+) layers")
QUANTIZED_V_REFUSED = "quantized V cache requires flash_attn to be enabled"


class ContextRequest(NamedTuple):
    """One llama_context's parameters, as llama_init_from_model takes them."""

    n_ctx: int
    n_batch: int = 2048
    n_ubatch: int = 512
    cache_type_k: str = "f16"
    cache_type_v: str = "f16"
    flash_attn: bool = True


class ContextFigures(NamedTuple):
    """What llama.cpp made of one ContextRequest; None where it logged nothing."""

    ok: bool  # llama_init_from_model returned a context
    n_ctx: Optional[int]  # llama_n_ctx: the padded context
    kv_bytes: Optional[float]  # the KV buffers' log lines, summed
    kv_lines: int  # how many KV buffer lines (each rounded on its own)
    kv_cells: list[list[int]]  # (cells, layers) of each KV cache's size line
    output_bytes: Optional[float]
    compute_bytes: Optional[
        float
    ]  # the 4-decimal destructor line if printed, else the 2-decimal one
    compute_precise: bool  # compute_bytes came from the 4-decimal line
    session_bytes: Optional[int]  # the saved file of the context filled to its last cell
    log: str  # this context's log section

    @property
    def compute_rounding(self) -> float:
        return PRECISE_ROUNDING if self.compute_precise else LOG_ROUNDING

    def refused_quantized_v(self) -> bool:
        return not self.ok and QUANTIZED_V_REFUSED in self.log


class ModelFigures(NamedTuple):
    model_bytes: Optional[float]  # the model buffer's log line(s), summed
    model_size: int  # llama_model_size: the tensors' bytes, unpadded
    contexts: list[ContextFigures]
    log: str  # the load's log section


def log_mib(pattern: re.Pattern[str], text: str) -> Optional[float]:
    values = [float(value) for value in pattern.findall(text)]
    return sum(values) * MIB if values else None


def _context_figures(
    ok: bool, n_ctx: Optional[int], session_bytes: Optional[int], log: str
) -> ContextFigures:
    precise = log_mib(COMPUTE_PRECISE, log)
    return ContextFigures(
        ok=ok,
        n_ctx=n_ctx,
        kv_bytes=log_mib(KV_BUFFER, log),
        kv_lines=len(KV_BUFFER.findall(log)),
        kv_cells=[[int(cells), int(layers)] for cells, layers in KV_CELLS.findall(log)],
        output_bytes=log_mib(OUTPUT_BUFFER, log),
        compute_bytes=precise if precise is not None else log_mib(COMPUTE_BUFFER, log),
        compute_precise=precise is not None,
        session_bytes=session_bytes,
        log=log,
    )


def run_child(
    module: str,
    request: dict[str, Any],
    what: str,
    timeout: float = TIMEOUT_SECONDS,
    env: Optional[dict[str, str]] = None,
) -> Any:
    """Run ``python -m module`` in a fresh process with ``request`` as JSON on
    stdin (and ``env`` added to the environment); its JSON answer on stdout.
    ``what`` names the run in a failure."""
    environment = {**os.environ, **(env or {})}
    environment["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(REPO), environment.get("PYTHONPATH")])
    )
    done = subprocess.run(
        [sys.executable, "-m", module],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        errors="replace",
        cwd=REPO,
        env=environment,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return json.loads(done.stdout)


def probe(model: Path, contexts: list[ContextRequest]) -> ModelFigures:
    """Load ``model`` in a fresh process and create each of ``contexts`` in turn."""
    request = {"model": str(model), "contexts": [list(context) for context in contexts]}
    answer = run_child(
        "tests.runtimes.llama_cpp_canister.llama_cpp_probe", request, f"the probe of {model.name}"
    )
    return ModelFigures(
        model_bytes=log_mib(MODEL_BUFFER, answer["load_log"]),
        model_size=answer["model_size"],
        contexts=[
            _context_figures(context["ok"], context["n_ctx"], context["session"], context["log"])
            for context in answer["contexts"]
        ],
        log=answer["load_log"],
    )


def _saved_session_bytes(llama_cpp: Any, model: Any, context: Any, directory: str) -> int:
    """Decode tokens into ``context`` until every cell of its context is used,
    save it as a session file and answer the file's size."""
    n_ctx = int(llama_cpp.llama_n_ctx(context))
    n_batch = int(llama_cpp.llama_n_batch(context))
    n_vocab = int(llama_cpp.llama_vocab_n_tokens(llama_cpp.llama_model_get_vocab(model)))
    # Any token ids do: the weights are random, and only the cells' count matters.
    tokens = (llama_cpp.llama_token * n_ctx)(*((index * 7919) % n_vocab for index in range(n_ctx)))
    token_size = ctypes.sizeof(llama_cpp.llama_token)
    # Threads change no buffer, only how long the fill takes.
    threads = os.cpu_count() or 1
    llama_cpp.llama_set_n_threads(context, threads, threads)
    for start in range(0, n_ctx, n_batch):
        count = min(n_batch, n_ctx - start)
        chunk = ctypes.cast(
            ctypes.addressof(tokens) + start * token_size, ctypes.POINTER(llama_cpp.llama_token)
        )
        status = llama_cpp.llama_decode(context, llama_cpp.llama_batch_get_one(chunk, count))
        if status != 0:
            raise RuntimeError(f"llama_decode failed ({status}) at token {start} of {n_ctx}")
    path = os.path.join(directory, "session.bin")
    if not llama_cpp.llama_state_save_file(context, path.encode(), tokens, n_ctx):
        raise RuntimeError("llama_state_save_file failed")
    size = os.path.getsize(path)
    os.remove(path)
    return size


class LogCollector:
    """llama.cpp's log, routed to this process; calling it gives what was
    logged since the last call. Every level is kept (the 4-decimal compute
    line is DEBUG), as bytes: a token text split at llama.cpp's log chunk is
    not valid UTF-8 on its own."""

    def __init__(self, llama_cpp: Any) -> None:
        self._chunks: list[bytes] = []

        @llama_cpp.llama_log_callback  # type: ignore[misc]
        def collect(level: int, text: Optional[bytes], user_data: ctypes.c_void_p) -> None:
            if text:
                self._chunks.append(text)

        self._callback = collect  # llama.cpp calls it for as long as the process logs
        llama_cpp.llama_log_set(collect, ctypes.c_void_p(0))

    def __call__(self) -> str:
        text = b"".join(self._chunks).decode("utf-8", errors="replace")
        self._chunks.clear()
        return text


def canister_params(llama_cpp: Any, vocab_only: bool = False) -> Any:
    """Model parameters as a wasm32 canister has them: no mmap (every tensor
    read into the heap), no x86 CPU_REPACK buffer (no second copy of a tied
    embedding)."""
    params = llama_cpp.llama_model_default_params()
    if hasattr(llama_cpp, "LLAMA_LOAD_MODE_NONE"):
        params.load_mode = llama_cpp.LLAMA_LOAD_MODE_NONE
    else:  # older llama-cpp-python: a use_mmap flag
        params.use_mmap = False
    params.use_extra_bufts = False
    params.vocab_only = vocab_only
    return params


def load_model(llama_cpp: Any, path: str, params: Any, log: LogCollector) -> Any:
    model = llama_cpp.llama_model_load_from_file(path.encode(), params)
    if not model:
        raise RuntimeError("llama_model_load_from_file failed:\n" + log())
    return model


def context_params(llama_cpp: Any, request: ContextRequest) -> Any:
    """llama_init_from_model's parameters for ``request``: one sequence, one
    thread, no unified KV and no full sliding-window cache."""
    params = llama_cpp.llama_context_default_params()
    params.n_ctx = request.n_ctx
    params.n_batch = request.n_batch
    params.n_ubatch = request.n_ubatch
    params.n_seq_max = 1
    params.n_threads = params.n_threads_batch = 1
    params.type_k = CACHE_TYPE_IDS[request.cache_type_k]
    params.type_v = CACHE_TYPE_IDS[request.cache_type_v]
    params.flash_attn_type = (
        llama_cpp.LLAMA_FLASH_ATTN_TYPE_ENABLED
        if request.flash_attn
        else llama_cpp.LLAMA_FLASH_ATTN_TYPE_DISABLED
    )
    params.swa_full = False
    params.kv_unified = False
    return params


def serve(measure: Callable[[Any], Any]) -> None:
    """The child's end of run_child: the JSON request on stdin, ``measure``'s
    answer as JSON on stdout."""
    sys.stdout.write(json.dumps(measure(json.loads(sys.stdin.read()))))


def _measure(request: dict[str, Any], directory: str) -> dict[str, Any]:
    """In the child: load the model, then create, fill, save and free each context."""
    import llama_cpp

    section = LogCollector(llama_cpp)
    llama_cpp.llama_backend_init()
    model = load_model(llama_cpp, request["model"], canister_params(llama_cpp), section)
    answer: dict[str, Any] = {
        "model_size": int(llama_cpp.llama_model_size(model)),
        "load_log": section(),
        "contexts": [],
    }
    for request_context in request["contexts"]:
        params = context_params(llama_cpp, ContextRequest(*request_context))
        context = llama_cpp.llama_init_from_model(model, params)
        padded = int(llama_cpp.llama_n_ctx(context)) if context else None
        log = section()  # the creation's: the buffers' size lines
        session = None
        if context:
            session = _saved_session_bytes(llama_cpp, model, context, directory)
            section()  # the fill's: nothing measured there
            llama_cpp.llama_free(context)
            log += section()  # the free's: the compute buffer's 4-decimal line
        answer["contexts"].append(
            {"ok": bool(context), "n_ctx": padded, "session": session, "log": log}
        )
    llama_cpp.llama_model_free(model)
    return answer


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="llama-cpp-probe-") as directory:
        serve(lambda request: _measure(request, directory))


if __name__ == "__main__":
    main()
