"""The llama.cpp sizing held to real llama.cpp, buffer by buffer.

Each model of gguf_files.SPECS is written, loaded once by llama.cpp in a fresh
process and given the contexts of accuracy_table.MATRIX; the project's
``size_model`` must match what llama.cpp logs: every buffer within the log
line's rounding, and the saved session file exactly.
Cell counts and the padded context are compared exactly. llama.cpp must
also refuse a quantized V cache without flash attention, as the project's
config check does.

Needs llama-cpp-python (built from source, docs/sizing/llama_cpp_memory.md
§1) and gguf: skipped without them, failed under CI, which installs them.
"""

from __future__ import annotations

import importlib
from typing import Callable

import pytest

from tests.fixtures import missing

pytestmark = pytest.mark.integration


def _require(module: str) -> None:
    """Skip without ``module``; fail under CI, so a skip there cannot hide a gap."""
    try:
        importlib.import_module(module)
    except ImportError as error:
        reason = (
            f"{module} cannot be imported ({error}): install gguf and llama-cpp-python "
            "(pip install gguf; pip install --no-binary llama-cpp-python llama-cpp-python)"
        )
        missing(reason)


_require("gguf")


@pytest.fixture(autouse=True, scope="module")
def _llama_cpp() -> None:
    # Asked when a test of this module runs, not on import: a run that
    # deselects them (the quick loop) neither reports nor fails their skip.
    _require("llama_cpp")


from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Settings  # noqa: E402
from icpp_sizer_check.runtimes.llama_cpp_canister.sizing import size_model  # noqa: E402
from tests.runtimes.llama_cpp_canister.accuracy_table import (  # noqa: E402
    MATRIX,
    TOLERANCES,
    ModelRun,
    buffer_errors,
    case_label,
    markdown_table,
    relative_error,
    run_model,
)
from tests.runtimes.llama_cpp_canister.gguf_files import ModelSpec  # noqa: E402
from tests.runtimes.llama_cpp_canister.llama_cpp_probe import LOG_ROUNDING  # noqa: E402

SPECS = [spec for spec, _ in MATRIX]
CASES = [
    pytest.param(spec, index, settings, id=case_label(spec, settings))
    for spec, settings_list in MATRIX
    for index, settings in enumerate(settings_list)
]


@pytest.fixture(scope="session")
def model_run(tmp_path_factory: pytest.TempPathFactory) -> Callable[[ModelSpec], ModelRun]:
    """Each model written and loaded by llama.cpp once, on first use."""
    directory = tmp_path_factory.mktemp("gguf")
    settings = {spec.name: settings_list for spec, settings_list in MATRIX}
    runs: dict[str, ModelRun] = {}

    def get(spec: ModelSpec) -> ModelRun:
        if spec.name not in runs:
            runs[spec.name] = run_model(spec, settings[spec.name], directory)
        return runs[spec.name]

    return get


def within(predicted: float, measured: float, tolerance: float, rounding: float) -> bool:
    return abs(relative_error(predicted, measured, rounding)) <= tolerance


@pytest.mark.parametrize("spec", SPECS, ids=[spec.name for spec in SPECS])
def test_weights(model_run: Callable[[ModelSpec], ModelRun], spec: ModelSpec) -> None:
    """The model buffer is every tensor's bytes padded to 32, with no copy of a
    tied embedding when repacking is off (as in wasm)."""
    run = model_run(spec)
    measured = run.figures.model_bytes
    assert measured is not None, run.figures.log[-2000:]
    predicted = size_model(run.arch, Settings(1000)).weights
    assert within(predicted, measured, TOLERANCES["weights"], LOG_ROUNDING), (predicted, measured)
    # llama_model_size is exact: the tensors' bytes before the 32-byte padding.
    padding = 32 * (run.arch.n_tensors or 0)
    assert run.figures.model_size <= predicted < run.figures.model_size + padding


@pytest.mark.parametrize(("spec", "index", "settings"), CASES)
def test_kv_cache_and_output(
    model_run: Callable[[ModelSpec], ModelRun], spec: ModelSpec, index: int, settings: Settings
) -> None:
    """The padded context and every cache's cells exactly; the KV and output
    buffers within their tolerance of the log's figures."""
    case = model_run(spec).cases[index]
    measured, predicted = case.measured, case.predicted
    assert measured.ok, measured.log[-2000:]
    assert measured.n_ctx == predicted.context.n_ctx
    arch = model_run(spec).arch
    swa_layers = sum(arch.is_swa(layer) for layer in range(arch.n_layer))
    cells = [[predicted.context.n_ctx, arch.n_layer - swa_layers]]
    if swa_layers:
        cells.append([predicted.context.n_swa_cells, swa_layers])
    assert measured.kv_cells == cells
    assert measured.kv_bytes is not None and measured.output_bytes is not None
    kv_rounding = LOG_ROUNDING * measured.kv_lines
    assert within(predicted.kv_cache, measured.kv_bytes, TOLERANCES["kv_cache"], kv_rounding), (
        predicted.kv_cache,
        measured.kv_bytes,
    )
    assert within(predicted.output, measured.output_bytes, TOLERANCES["output"], LOG_ROUNDING), (
        predicted.output,
        measured.output_bytes,
    )


@pytest.mark.parametrize(("spec", "index", "settings"), CASES)
def test_compute(
    model_run: Callable[[ModelSpec], ModelRun],
    spec: ModelSpec,
    index: int,
    settings: Settings,
) -> None:
    """The compute buffer equal to llama.cpp's reserve within its log line's
    rounding (the graph and its placement are llama.cpp's)."""
    case = model_run(spec).cases[index]
    measured = case.measured
    assert measured.compute_bytes is not None, measured.log[-2000:]
    error = relative_error(
        case.predicted.compute, measured.compute_bytes, measured.compute_rounding
    )
    assert abs(error) <= TOLERANCES["compute"], (case.predicted.compute, measured.compute_bytes)


@pytest.mark.parametrize(("spec", "index", "settings"), CASES)
def test_saved_session(
    model_run: Callable[[ModelSpec], ModelRun],
    spec: ModelSpec,
    index: int,
    settings: Settings,
) -> None:
    """The session file of the context filled to its last cell, to the byte:
    a saved conversation costs stable memory, and llama.cpp gives its size exactly."""
    case = model_run(spec).cases[index]
    assert case.measured.session_bytes == case.predicted.session, case.label


@pytest.mark.parametrize("spec", SPECS, ids=[spec.name for spec in SPECS])
def test_quantized_v_cache_needs_flash_attention(
    model_run: Callable[[ModelSpec], ModelRun], spec: ModelSpec
) -> None:
    """llama.cpp refuses a quantized V cache with flash attention off (the
    project refuses the setting as a config error)."""
    refused = model_run(spec).refused
    assert not refused.ok
    assert refused.refused_quantized_v(), refused.log[-2000:]


def test_accuracy_table(model_run: Callable[[ModelSpec], ModelRun]) -> None:
    """The table accuracy_table prints, from the runs above (``pytest -s`` shows it)."""
    errors = buffer_errors([model_run(spec) for spec in SPECS])
    table = markdown_table(errors)
    print("\n" + table)
    assert [line.split("|")[1].strip() for line in table.splitlines()[2:]] == list(TOLERANCES)
    for buffer in ("weights", "kv_cache", "output", "session"):
        assert max(map(abs, errors[buffer])) <= TOLERANCES[buffer], buffer
