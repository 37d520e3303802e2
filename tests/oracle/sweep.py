"""The sizing held to llama.cpp's dry run on random shapes and settings: a Markdown table.

    python -m tests.oracle.sweep --cases N --seed S [--arch A]

draws shapes with draw.draw_case until N contexts are drawn, writes each shape
as a sparse GGUF file, runs llama.cpp's dry run on it (one process per shape)
and compares every context with ``size_model``: weights with the breakdown's
model bytes, kv_cache with its context bytes, output with the output buffer,
compute with its compute bytes. The table gives, per architecture, the
worst and the median relative error of each buffer and how many cases are
within the bar: weights, KV cache and output exact; compute within 1 % or
256 KiB, whichever is larger. Cases llama.cpp refuses are counted apart.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple, Optional, Sequence

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Architecture, Settings
from icpp_sizer_check.runtimes.llama_cpp_canister.gguf_architecture import read_architecture
from icpp_sizer_check.runtimes.llama_cpp_canister.sizing import size_model
from tests.oracle.draw import Case, draw_case
from tests.oracle.dry_run import Answer, dry_run
from tests.oracle.sparse_gguf import write_sparse_gguf
from tests.runtimes.llama_cpp_canister.accuracy_table import request_of

BUFFERS = ("weights", "kv_cache", "output", "compute")
COMPUTE_SLACK = (0.01, 256 * 1024)  # 1 %, or 256 KiB when that is larger


class Comparison(NamedTuple):
    arch: str
    ok: bool  # llama.cpp made the context
    errors: dict[str, float]  # relative error of each buffer (predicted - measured) / measured
    within: dict[str, bool]


def relative(predicted: int, measured: int) -> float:
    if measured == 0:
        return 0.0 if predicted == 0 else float("inf")
    return (predicted - measured) / measured


def within_bar(buffer: str, predicted: int, measured: int) -> bool:
    if buffer != "compute":
        return predicted == measured
    share, floor = COMPUTE_SLACK
    return abs(predicted - measured) <= max(share * measured, floor)


def compare(arch: Architecture, settings: Settings, answer: Answer) -> Comparison:
    """How far the sizing of ``settings`` lies from what llama.cpp answered."""
    if not answer.ok:
        return Comparison(arch.arch, False, {}, {})
    sizing = size_model(arch, settings)
    pairs = {
        "weights": (sizing.weights, answer.model),
        "kv_cache": (sizing.kv_cache, answer.context),
        "output": (sizing.output, answer.output),
        "compute": (sizing.compute, answer.compute),
    }
    return Comparison(
        arch.arch,
        True,
        {name: relative(*pair) for name, pair in pairs.items()},
        {name: within_bar(name, *pair) for name, pair in pairs.items()},
    )


def run_case(case: Case, folder: Path) -> tuple[list[Comparison], list[Answer], float]:
    """Write, dry-run and compare one case; also the seconds the dry run took."""
    path = write_sparse_gguf(folder / "model.gguf", case.arch, case.options)
    # What the tool reads of the file's header, as a config's gguf: key does:
    # the header reader is held to llama.cpp along with the sizing.
    arch = read_architecture(str(path))
    start = time.perf_counter()
    result = dry_run(path, [request_of(settings) for settings in case.contexts])
    seconds = time.perf_counter() - start
    path.unlink()
    if not result.load_ok:
        raise RuntimeError(f"llama.cpp did not load {arch}: {result.load_error}")
    answers = result.contexts
    return [compare(arch, c, a) for c, a in zip(case.contexts, answers)], answers, seconds


def _cell(comparisons: list[Comparison], buffer: str) -> str:
    errors = [abs(c.errors[buffer]) for c in comparisons]
    if not errors:
        return "-"
    ok = sum(c.within[buffer] for c in comparisons)
    worst, median = max(errors), statistics.median(errors)
    return f"{worst:.2%} / {median:.2%} ({ok}/{len(errors)})"


def markdown_table(comparisons: Sequence[Comparison]) -> str:
    """Per architecture: cases, refusals, and each buffer's worst / median
    relative error (within the bar / compared)."""
    head = "| arch | cases | refused | " + " | ".join(BUFFERS) + " |"
    lines = [head, "| --- | ---: | ---: |" + " ---: |" * len(BUFFERS)]
    for kind in [*sorted({c.arch for c in comparisons}), "all"]:
        rows = [c for c in comparisons if kind in ("all", c.arch)]
        made = [c for c in rows if c.ok]
        cells = [_cell(made, buffer) for buffer in BUFFERS]
        lines.append(
            f"| {kind} | {len(rows)} | {len(rows) - len(made)} | " + " | ".join(cells) + " |"
        )
    return "\n".join(lines)


def sweep(cases: int, seed: int, kind: str = "") -> tuple[list[Comparison], float, float]:
    """Comparisons of ``cases`` contexts; seconds per dry-run process and per context."""
    rng = random.Random(seed)
    comparisons: list[Comparison] = []
    processes: list[float] = []
    contexts: list[float] = []
    with tempfile.TemporaryDirectory(prefix="oracle-sweep-") as folder:
        while len(comparisons) < cases:
            found, answers, seconds = run_case(draw_case(rng, kind), Path(folder))
            comparisons += found
            processes.append(seconds)
            contexts += [answer.seconds for answer in answers]
    per_context = statistics.median(contexts) if contexts else 0.0
    return comparisons[:cases], statistics.mean(processes) if processes else 0.0, per_context


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.oracle.sweep", description=__doc__)
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--arch", default="", help="one architecture (default: all)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    comparisons, per_process, per_context = sweep(args.cases, args.seed, args.arch)
    total = time.perf_counter() - start
    print(markdown_table(comparisons))
    per_case = total / max(len(comparisons), 1) * 1000
    print(
        f"\n{len(comparisons)} cases in {total:.1f} s ({per_case:.0f} ms "
        f"a case with the file written); a dry-run process {per_process:.2f} s, "
        f"a context in it {per_context * 1000:.1f} ms",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
