"""The wasm32 module run under wasmtime on one GGUF file with one context's settings.

:func:`run` instantiates the module (compiled once per module file and
wasmtime version, the compiled code kept beside it) with WASI, the GGUF
file's folder preopened, and the driver's arguments; it answers what the
driver wrote: llama.cpp's memory breakdown, and the
linear memory's size after each step (:class:`Measured`).
"""

from __future__ import annotations

import importlib.metadata
import json
import tempfile
import weakref
from pathlib import Path
from typing import Any, NamedTuple

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Settings
from tests.oracle.shim import Unavailable
from tests.runtimes.llama_cpp_canister.llama_cpp_probe import CACHE_TYPE_IDS
from tests.wasm import toolchain

GUEST_FOLDER = "/models"
# Fuel to start with: more than any run spends (wasmtime counts it down).
FUEL = 2**62
# Tokens of the first decode: a short prompt, as a canister's first call sends.
PROMPT_TOKENS = 8


class Measured(NamedTuple):
    model_size: int  # llama_model_size
    n_ctx: int
    model: int  # the memory breakdown's bytes, summed over buffer types
    context: int
    compute: int
    memory: dict[
        str, int
    ]  # memory.size after each stage: start, load, context, prompt, token, generated
    fuel: list[int]  # the fuel (wasm instructions) spent by each stage's end, in order
    decoded: list[int]  # llama_decode's answers (0: decoded)


def _wasmtime() -> Any:
    try:
        import wasmtime
    except ImportError as error:
        raise Unavailable(
            f"wasmtime is not installed: pip install wasmtime=={toolchain.WASMTIME}"
        ) from error
    return wasmtime


def compiled(module: Path) -> Any:
    """``module`` compiled by this wasmtime, from the copy kept beside it if any."""
    wasmtime = _wasmtime()
    config = wasmtime.Config()
    config.consume_fuel = True  # every run counts its instructions
    engine = wasmtime.Engine(config)
    version = importlib.metadata.version("wasmtime")
    cache = module.with_name(f"{module.stem}.wasmtime-{version}-fuel.cwasm")
    if cache.is_file():
        return engine, wasmtime.Module.deserialize_file(engine, str(cache))
    code = wasmtime.Module.from_file(engine, str(module))
    scratch = cache.with_suffix(".partial")
    scratch.write_bytes(code.serialize())
    scratch.replace(cache)
    return engine, code


def arguments(
    model: Path, settings: Settings, prompt: int = PROMPT_TOKENS, generate: int = 1
) -> list[str]:
    """The driver's argv for ``model`` with ``settings`` (llama.cpp's context parameters)."""
    n_ctx = settings.ctx_size
    return [
        "driver",
        f"{GUEST_FOLDER}/{model.name}",
        str(n_ctx),
        str(settings.batch_size),
        str(settings.ubatch_size),
        str(CACHE_TYPE_IDS[settings.cache_type_k]),
        str(CACHE_TYPE_IDS[settings.cache_type_v]),
        "1" if settings.flash_attn else "0",
        str(min(prompt, n_ctx, settings.batch_size)),
        str(generate),
    ]


def parse(lines: list[dict[str, Any]]) -> Measured:
    stages = {line["stage"]: line for line in lines if "memory" in line}
    model = next(line for line in lines if line["stage"] == "model")
    breakdown = next(line for line in lines if line["stage"] == "breakdown")
    return Measured(
        model_size=model["model_size"],
        n_ctx=breakdown["n_ctx"],
        model=breakdown["model"],
        context=breakdown["context"],
        compute=breakdown["compute"],
        memory={stage: line["memory"] for stage, line in stages.items()},
        decoded=[line["status"] for line in lines if line["stage"] == "decoded"],
        fuel=next(line["spent"] for line in lines if line["stage"] == "fuel"),
    )


def _fuel(held: Any) -> int:
    store = held()
    assert store is not None  # the store runs the function calling this
    return int(store.get_fuel())


def execute(module: Path, argv: list[str], folder: Path, last_stage: str) -> list[dict[str, Any]]:
    """The driver run with ``argv``, ``folder`` preopened: the JSON lines it wrote."""
    wasmtime = _wasmtime()
    engine, code = compiled(module)
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    store = wasmtime.Store(engine)
    store.set_fuel(FUEL)
    spent: list[int] = []
    # The host function holds the store weakly: a store its own function
    # holds is a cycle Python cannot see, and each run would keep its linear
    # memory (GBs for a full-size model) until the process ends.
    held = weakref.ref(store)
    linker.define_func(
        "env", "mark", wasmtime.FuncType([], []), lambda: spent.append(FUEL - _fuel(held))
    )
    with tempfile.TemporaryDirectory() as scratch:
        out, err = Path(scratch) / "stdout", Path(scratch) / "stderr"
        wasi = wasmtime.WasiConfig()
        wasi.argv = argv
        wasi.preopen_dir(str(folder), GUEST_FOLDER)
        wasi.stdout_file, wasi.stderr_file = str(out), str(err)
        store.set_wasi(wasi)
        instance = linker.instantiate(store, code)
        status = 0
        try:
            instance.exports(store)["_start"](store)
        except wasmtime.ExitTrap as trap:
            status = trap.code
        except wasmtime.Trap as trap:  # llama.cpp aborted (a throw) or overran memory
            raise RuntimeError(
                f"the driver trapped: {err.read_text()[-2000:]}{str(trap)[:600]}"
            ) from None
        lines = [json.loads(line) for line in out.read_text().splitlines() if line.startswith("{")]
        if status != 0 or not any(line["stage"] == last_stage for line in lines):
            raise RuntimeError(
                f"the driver exited {status}: {lines[-1:]} {err.read_text()[-2000:]}"
            )
    return [*lines, {"stage": "fuel", "spent": spent}]


def run(
    module: Path, model: Path, settings: Settings, prompt: int = PROMPT_TOKENS, generate: int = 1
) -> Measured:
    """The driver on ``model`` with ``settings``, in a fresh instance: a
    prompt of ``prompt`` tokens, then ``generate`` tokens one at a time."""
    argv = arguments(model, settings, prompt, generate)
    return parse(execute(module, argv, model.parent, "generated"))


def vocabulary(module: Path, model: Path) -> int:
    """The linear memory a vocabulary-only load of ``model`` adds."""
    argv = ["driver", "--vocab", f"{GUEST_FOLDER}/{model.name}"]
    memory = {
        line["stage"]: line["memory"]
        for line in execute(module, argv, model.parent, "load")
        if "memory" in line
    }
    return memory["load"] - memory["start"]
