"""The cases the wasm32 module is measured on: every supported architecture
at a small shape (tests/oracle/draw.py's small_shape) with settings of its
own, and the deployed models at full size with their deployed settings.

:func:`measure` writes a case's sparse file, runs it natively (llama.cpp's
dry run) and in the module, and answers both with the sizing's figures; the
tests hold them to each other and ``python -m tests.wasm.cases`` prints the
table the README shows.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import NamedTuple, Optional

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import (
    ARCHITECTURES,
    DEFAULT_BUFFER_CAP_MIB,
    Architecture,
    Settings,
)
from icpp_sizer_check.runtimes.llama_cpp_canister.sizing import LlamaCppSizing, size_model
from icpp_sizer_check.runtimes.llama_cpp_canister.wasm_heap import CANISTER_BASE_BYTES
from tests.oracle.deployed import DEPLOYED
from tests.oracle.draw import small_shape
from tests.oracle.dry_run import Answer, dry_run, request_of
from tests.oracle.sparse_gguf import (
    SparseOptions,
    WeightTypes,
    file_architecture,
    write_sparse_gguf,
)
from tests.wasm import build
from tests.wasm.run import Measured, run

MIB = 1024 * 1024
SMALL_OPTIONS = SparseOptions(WeightTypes("Q8_0", token_embd="Q6_K"), tied=False)
# One context per architecture, each unlike the last: padded or not, batch
# above and below ubatch, quantized and f16 caches, flash attention on and off.
SMALL_SETTINGS = (
    Settings(512, 512, 128, "f16", "f16", True),
    Settings(1000, 64, 64, "q8_0", "q8_0", True),
    Settings(2048, 2048, 512, "f16", "f16", False),
    Settings(300, 32, 32, "q4_0", "f16", True),
    Settings(4096, 512, 512, "bf16", "q5_1", True),
    Settings(768, 8, 8, "q8_0", "q8_0", True),
)


class Case(NamedTuple):
    name: str
    arch: Architecture
    options: SparseOptions
    settings: Settings
    prompt: int  # tokens of the first decode


def small_cases() -> list[Case]:
    return [
        Case(kind, small_shape(kind), SMALL_OPTIONS, SMALL_SETTINGS[i % len(SMALL_SETTINGS)], 8)
        for i, kind in enumerate(ARCHITECTURES)
    ]


def deployed_cases() -> list[Case]:
    # One token: a full-size model's prompt runs slowly in a scalar build. The
    # module caps its CPU buffers as the canister's fork does, whatever build a
    # published figure came from (buffer_cap_mib in the published config).
    capped = DEFAULT_BUFFER_CAP_MIB
    return [
        Case(m.name, m.arch, m.options, m.settings._replace(buffer_cap_mib=capped), 1)
        for m in DEPLOYED
    ]


class Result(NamedTuple):
    case: Case
    native: Answer
    wasm: Measured
    sizing: LlamaCppSizing
    written: Architecture  # the architecture as the file holds it

    @property
    def measured(self) -> int:
        """memory.size after the first decode, the driver's start (its stack
        and data) replaced by the canister's (CANISTER_BASE_BYTES)."""
        return self.wasm.memory["prompt"] - self.wasm.memory["start"] + CANISTER_BASE_BYTES

    @property
    def error(self) -> int:
        """The sizing's heap less the measured one."""
        return self.sizing.heap - self.measured


def measure(case: Case, folder: Path, module: Optional[Path] = None) -> Result:
    path = write_sparse_gguf(folder / f"{case.name}.gguf", case.arch, case.options)
    written = file_architecture(path, case.arch, case.options)
    native = dry_run(path, [request_of(case.settings)])
    if not native.load_ok:
        raise RuntimeError(native.load_error)
    wasm = run(module or build.build(), path, case.settings, case.prompt)
    path.unlink()
    return Result(case, native.contexts[0], wasm, size_model(written, case.settings), written)


def within_bar(predicted: int, measured: int) -> bool:
    """Within 1 % or 1 MiB of the measurement, the larger."""
    return abs(predicted - measured) <= max(measured // 100, MIB)


def mib(value: int) -> str:
    return f"{value / MIB:,.2f}"


def table_row(result: Result) -> str:
    native = result.native
    buffers = native.model + native.context + native.compute + native.output
    error = result.error / result.measured
    return (
        f"| {result.case.name} | {mib(buffers)} | {mib(result.wasm.memory['context'])} "
        f"| {mib(result.measured)} | {mib(result.sizing.heap)} "
        f"| {mib(result.error)} ({error:+.2%}) |"
    )


HEADER = (
    "| case | native buffers (MiB) | wasm memory.size after context (MiB) "
    "| after first decode, canister's base (MiB) | sizing's heap (MiB) | error (MiB) |\n"
    "| --- | ---: | ---: | ---: | ---: | ---: |"
)


def markdown_table(cases: list[Case]) -> str:
    """Each case measured in the wasm32 build, a row each, as Markdown."""
    with tempfile.TemporaryDirectory() as folder:
        rows = [table_row(measure(case, Path(folder))) for case in cases]
    return "\n".join([HEADER, *rows])


def main(argv: list[str]) -> int:
    cases = small_cases() + (deployed_cases() if "--deployed" in argv else [])
    print(markdown_table(cases))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
