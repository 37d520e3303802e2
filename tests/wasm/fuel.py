"""Instructions (wasmtime's fuel) the wasm32 build spends per prompt token
and per generated token, on the cases of tests/wasm/cases.py.

``python -m tests.wasm.fuel [--deployed] [--prompt N]`` prints a table: a
prompt of N tokens (8 unless given, at most the case's batch) decoded in one
call, then GENERATE tokens one at a time. The build has wasm SIMD on
(-msimd128), as llama_cpp_canister's ggml is built. Fuel counts each executed
wasm instruction once; the IC's own count of a call adds its fees (see the
README), so these are the basis of a call's instructions, not the whole.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import NamedTuple, Optional

from tests.oracle.sparse_gguf import write_sparse_gguf
from tests.wasm import build
from tests.wasm.cases import Case, deployed_cases, small_cases
from tests.wasm.run import run

GENERATE = 5
STAGES = ("start", "load", "context", "prompt", "token", "generated")


class Fuel(NamedTuple):
    load: int
    per_prompt_token: int
    per_generated_token: int  # the mean of the tokens after the first
    prompt: int  # the prompt's tokens


def spent_in(spent: list[int]) -> dict[str, int]:
    """The fuel spent in each stage, from the fuel spent by each stage's end."""
    return {stage: now - before for stage, before, now in zip(STAGES[1:], spent, spent[1:])}


def fuel_of(spent: list[int], prompt: int, generate: int) -> Fuel:
    """Per-token figures from the fuel spent by each stage's end."""
    stage = spent_in(spent)
    return Fuel(
        load=stage["load"],
        per_prompt_token=stage["prompt"] // prompt,
        per_generated_token=stage["generated"] // (generate - 1),
        prompt=prompt,
    )


def measure_fuel(case: Case, folder: Path, prompt: int, module: Optional[Path] = None) -> Fuel:
    path = write_sparse_gguf(folder / f"{case.name}.gguf", case.arch, case.options)
    prompt = min(prompt, case.settings.batch_size, case.settings.ctx_size - GENERATE)
    measured = run(module or build.build(), path, case.settings, prompt, GENERATE)
    path.unlink()
    return fuel_of(measured.fuel, prompt, GENERATE)


def main(argv: list[str]) -> int:
    cases = small_cases() + (deployed_cases() if "--deployed" in argv else [])
    prompt = int(argv[argv.index("--prompt") + 1]) if "--prompt" in argv else 8
    print("| case | prompt tokens | load (M) | per prompt token (M) | per generated token (M) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as folder:
        for case in cases:
            fuel = measure_fuel(case, Path(folder), prompt)
            print(
                f"| {case.name} | {fuel.prompt} | {fuel.load / 1e6:,.0f} "
                f"| {fuel.per_prompt_token / 1e6:,.1f} | {fuel.per_generated_token / 1e6:,.1f} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
