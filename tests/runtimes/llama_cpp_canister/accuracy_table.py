"""The accuracy matrix: the project's llama.cpp sizing against real llama.cpp, buffer by buffer.

test_accuracy.py asserts each case within its buffer's tolerance; run as
``python -m tests.runtimes.llama_cpp_canister.accuracy_table`` this module
measures the same matrix and prints a Markdown table of the relative errors
(docs/sizing/llama_cpp_canister.md shows it, and tests/docs regenerates it).

Each model of :data:`gguf_files.SPECS` is written, read back into an
:class:`Architecture` and loaded once by llama.cpp, which then creates one
context per setting of :func:`settings_for`. The settings cover a context that
is not a multiple of 256 (1000, 300) and a larger one (4096), micro-batches of
32 and 512 (and one clamped to the context), the cache types f16, q8_0, q4_0
and one of f32/bf16/q5_1 per model, and flash attention on and off.

llama.cpp logs MiB with two decimals, so an error is counted beyond that
rounding (the log's ±0.005 MiB, ±0.00005 MiB for the compute buffer's
4-decimal line): a prediction within the rounding has error 0. The saved
session is the size of the file ``llama_state_save_file`` writes once the
context is full, exact to the byte.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Architecture, Settings
from icpp_sizer_check.runtimes.llama_cpp_canister.sizing import LlamaCppSizing, size_model
from tests.runtimes.llama_cpp_canister.gguf_files import (
    SPECS,
    ModelSpec,
    architecture_of,
    write_model,
)
from tests.runtimes.llama_cpp_canister.llama_cpp_probe import (
    LOG_ROUNDING,
    ContextFigures,
    ContextRequest,
    ModelFigures,
    probe,
)

# The relative error each buffer may have beyond the log's rounding: none. The
# sizing follows llama.cpp's allocations, the compute buffer's included, and
# the saved session is a file whose size llama.cpp gives exactly.
TOLERANCES = {
    "weights": 0.0,
    "kv_cache": 0.0,
    "output": 0.0,
    "compute": 0.0,
    "session": 0.0,
}
BUFFERS = tuple(TOLERANCES)

# A quantized V cache without flash attention: llama.cpp refuses the context.
REFUSED = Settings(ctx_size=1000, cache_type_v="q8_0", flash_attn=False)
# One more cache type per model, in turn.
EXTRA_CACHE_TYPES = ("f32", "bf16", "q5_1")


def settings_for(index: int, spec: ModelSpec) -> list[Settings]:
    """The contexts created for the ``index``-th model of SPECS."""
    extra = EXTRA_CACHE_TYPES[index % len(EXTRA_CACHE_TYPES)]
    settings = [
        Settings(1000, ubatch_size=512),
        Settings(1000, ubatch_size=512, flash_attn=False),
        Settings(300, cache_type_k="q8_0", cache_type_v="q8_0"),  # ubatch clamped to 300
        Settings(4096, ubatch_size=32, cache_type_k="q4_0", cache_type_v="q4_0"),
        Settings(4096, ubatch_size=512, cache_type_k="q8_0", flash_attn=False),
        Settings(1000, ubatch_size=32, cache_type_k=extra, cache_type_v=extra),
    ]
    if spec.sliding_window:  # a sliding-window cache of PAD(512 + 32, 256) = 768 cells
        settings.append(Settings(4096, ubatch_size=32, flash_attn=False))
    return settings


MATRIX: list[tuple[ModelSpec, list[Settings]]] = [
    (spec, settings_for(index, spec)) for index, spec in enumerate(SPECS)
]


def request_of(settings: Settings) -> ContextRequest:
    return ContextRequest(
        n_ctx=settings.ctx_size,
        n_batch=settings.batch_size,
        n_ubatch=settings.ubatch_size,
        cache_type_k=settings.cache_type_k,
        cache_type_v=settings.cache_type_v,
        flash_attn=settings.flash_attn,
    )


def case_label(spec: ModelSpec, settings: Settings) -> str:
    """A case's name, e.g. ``qwen3_q8_0_tied-c1000-ub512-f16-f16-fa``."""
    fa = "fa" if settings.flash_attn else "no-fa"
    return (
        f"{spec.name}-c{settings.ctx_size}-ub{settings.ubatch_size}-"
        f"{settings.cache_type_k}-{settings.cache_type_v}-{fa}"
    )


class Case(NamedTuple):
    """One context of one model: the prediction and llama.cpp's figures."""

    spec: ModelSpec
    settings: Settings
    predicted: LlamaCppSizing
    measured: ContextFigures

    @property
    def label(self) -> str:
        return case_label(self.spec, self.settings)


class ModelRun(NamedTuple):
    """One model's load: its architecture, llama.cpp's figures and its cases."""

    spec: ModelSpec
    arch: Architecture
    figures: ModelFigures
    cases: list[Case]
    refused: ContextFigures  # the REFUSED context


def run_model(spec: ModelSpec, settings: list[Settings], directory: Path) -> ModelRun:
    """Write ``spec`` into ``directory``, load it once and create every context."""
    path = write_model(directory, spec)
    arch = architecture_of(path)
    figures = probe(path, [request_of(each) for each in [*settings, REFUSED]])
    cases = [
        Case(spec, each, size_model(arch, each), measured)
        for each, measured in zip(settings, figures.contexts)
    ]
    return ModelRun(spec, arch, figures, cases, figures.contexts[-1])


def relative_error(predicted: float, measured: float, rounding: float) -> float:
    """(predicted - measured) / measured beyond the log's rounding of ``measured``."""
    difference = predicted - measured
    beyond = abs(difference) - rounding
    if beyond < 0.5:  # within the rounding, to the byte (MiB x 2^20 is a float)
        return 0.0
    return (beyond if difference > 0 else -beyond) / measured


def buffer_errors(runs: list[ModelRun]) -> dict[str, list[float]]:
    """Each buffer's relative errors: the weights once per model, the others per context."""
    errors: dict[str, list[float]] = {buffer: [] for buffer in BUFFERS}
    for run in runs:
        assert run.figures.model_bytes is not None
        errors["weights"].append(
            relative_error(run.arch.tensor_data_bytes, run.figures.model_bytes, LOG_ROUNDING)
        )
        for case in run.cases:
            m, p = case.measured, case.predicted
            assert m.kv_bytes and m.output_bytes and m.compute_bytes, case.label
            assert m.session_bytes, case.label
            errors["kv_cache"].append(
                relative_error(p.kv_cache, m.kv_bytes, LOG_ROUNDING * m.kv_lines)
            )
            errors["output"].append(relative_error(p.output, m.output_bytes, LOG_ROUNDING))
            errors["compute"].append(relative_error(p.compute, m.compute_bytes, m.compute_rounding))
            errors["session"].append(relative_error(p.session, m.session_bytes, 0))
    return errors


def _tolerance(buffer: str) -> str:
    tolerance = TOLERANCES[buffer]
    return f"{tolerance:.1%}" if tolerance else "exact"


def markdown_table(errors: dict[str, list[float]]) -> str:
    """buffer | cases | worst error | median error | tolerance | cases beyond it;
    the worst error is the largest in size, signed (+: the sizing is above llama.cpp)."""
    lines = [
        "| buffer | cases | worst error | median error | tolerance | cases beyond it |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for buffer in BUFFERS:
        values = errors[buffer]
        worst = max(values, key=abs)
        median = statistics.median(abs(value) for value in values)
        beyond = sum(abs(value) > TOLERANCES[buffer] for value in values)
        lines.append(
            f"| {buffer} | {len(values)} | {worst:+.2%} | {median:.2%} "
            f"| {_tolerance(buffer)} | {beyond} |"
        )
    return "\n".join(lines)


def compute_outliers(runs: list[ModelRun]) -> list[str]:
    """The cases whose compute buffer the sizing misses beyond its tolerance, one
    Markdown list item each: predicted and llama.cpp's bytes, and the error."""
    items = []
    for run in runs:
        for case in run.cases:
            measured = case.measured.compute_bytes
            assert measured is not None, case.label
            error = relative_error(case.predicted.compute, measured, case.measured.compute_rounding)
            if abs(error) > TOLERANCES["compute"]:
                items.append(
                    f"- {case.label}: predicted {case.predicted.compute:,} B, "
                    f"llama.cpp {measured:,.0f} B ({error:+.2%})"
                )
    return items


def run_matrix(directory: Path) -> list[ModelRun]:
    return [run_model(spec, settings, directory) for spec, settings in MATRIX]


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="llama-cpp-accuracy-") as directory:
        runs = run_matrix(Path(directory))
    sys.stdout.write(markdown_table(buffer_errors(runs)) + "\n")
    sys.stdout.write(
        "\nErrors are (predicted - llama.cpp) / llama.cpp beyond the log's rounding "
        "(±0.005 MiB; compute ±0.00005 MiB; the session file to the byte), "
        f"over {len(runs)} models and "
        f"{sum(len(run.cases) for run in runs)} contexts.\n"
    )
    outliers = compute_outliers(runs)
    if outliers:
        sys.stdout.write("\nCompute beyond its tolerance:\n\n" + "\n".join(outliers) + "\n")


if __name__ == "__main__":
    main()
