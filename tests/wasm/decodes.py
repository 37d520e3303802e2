"""A decode's instructions, measured and counted: the wasm32 build's fuel
for a prompt and the tokens generated after it, beside what the instruction
model (runtimes/llama_cpp_canister/instructions.py, update_call.Decoder)
counts for the same decodes.

``python -m tests.wasm.decodes`` prints the table the sizing page shows:
every supported architecture's small case, and each deployed model at full
size with its deployed settings (about 4 minutes).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

from icpp_sizer_check.runtimes.llama_cpp_canister.gguf_architecture import read_architecture
from icpp_sizer_check.runtimes.llama_cpp_canister.instructions import weights_of
from icpp_sizer_check.runtimes.llama_cpp_canister.update_call import Decoder
from tests.oracle.sparse_gguf import write_sparse_gguf
from tests.wasm import build
from tests.wasm.cases import Case, deployed_cases, small_cases
from tests.wasm.fuel import spent_in
from tests.wasm.run import run

GENERATE = 3  # the first generated token builds its graph; the next two are measured


class Decodes(NamedTuple):
    prompt: float  # the prompt's decode (building its graph)
    generated: float  # two generated tokens (reusing theirs)


def measured(module: Path, path: Path, case: Case, prompt: int) -> Decodes:
    stage = spent_in(run(module, path, case.settings, prompt, GENERATE).fuel)
    return Decodes(prompt=stage["prompt"], generated=stage["generated"])


def counted(path: Path, case: Case, prompt: int) -> Decodes:
    arch = read_architecture(str(path))
    weights = weights_of(arch)
    assert weights is not None
    decoder = Decoder(arch, case.settings, weights)
    after = [(1, 1, prompt + i) for i in range(1, GENERATE + 1)]
    first, _ = decoder.decodes(after[:1])
    return Decodes(
        prompt=decoder.decodes(decoder.prompt_shapes(prompt))[0],
        generated=decoder.decodes(after)[0] - first,
    )


def both(module: Path, folder: Path, case: Case, prompt: int) -> tuple[Decodes, Decodes]:
    """The fuel, then the count, of ``case``'s decodes after ``prompt`` tokens."""
    path = write_sparse_gguf(folder / f"{case.name}.gguf", case.arch, case.options)
    try:
        return measured(module, path, case, prompt), counted(path, case, prompt)
    finally:
        path.unlink()


def prompt_of(case: Case) -> int:
    return min(8, case.settings.batch_size)


HEADER = (
    "| case | prompt tokens | prompt: fuel (M) | counted (M) | error "
    "| 2 generated tokens: fuel (M) | counted (M) | error |\n"
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
)


def _error(counted: float, fuel: float) -> str:
    return f"{(counted - fuel) / fuel * 100:+.1f}%"


def markdown_table(cases: list[Case]) -> str:
    module = build.build()
    rows = [HEADER]
    with tempfile.TemporaryDirectory() as folder:
        for case in cases:
            prompt = prompt_of(case)
            fuel, count = both(module, Path(folder), case, prompt)
            rows.append(
                f"| {case.name} | {prompt} | {fuel.prompt / 1e6:,.1f} | {count.prompt / 1e6:,.1f} "
                f"| {_error(count.prompt, fuel.prompt)} | {fuel.generated / 1e6:,.1f} "
                f"| {count.generated / 1e6:,.1f} | {_error(count.generated, fuel.generated)} |"
            )
    return "\n".join(rows)


def main() -> int:
    print(markdown_table(small_cases() + deployed_cases()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
