"""llama.cpp's dry run as an oracle: equal to an allocating load, to the byte;
a sparse file equal to a real-data file; every architecture's generated file
loaded; the deployed models' full-size shapes loaded.

Runs real llama.cpp (integration): needs llama_cpp, gguf, g++ and llama.cpp's
source (tests/oracle/shim.py); skipped without them, failed under CI.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures import missing

try:
    import gguf
except ImportError:
    missing("the gguf package is not installed: pip install gguf")

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import ARCHITECTURES
from icpp_sizer_check.runtimes.llama_cpp_canister.sizing import size_model
from tests.oracle.deployed import DEPLOYED, Deployed
from tests.oracle.draw import small_shape
from tests.oracle.dry_run import Answer, dry_run, request_of
from tests.oracle.sparse_gguf import (
    WEIGHT_TYPES,
    SparseOptions,
    WeightTypes,
    file_architecture,
    write_sparse_gguf,
)
from tests.runtimes.llama_cpp_canister.gguf_files import (
    SPECS,
    ModelSpec,
    architecture_of,
    write_model,
)
from tests.runtimes.llama_cpp_canister.llama_cpp_probe import (
    LOG_ROUNDING,
    ContextRequest,
    probe,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("shim_library")]

# A figure printed with two decimals of MiB is off by up to half its last
# digit: printf rounds an exact half to even (0.125 MiB prints 0.12).
LOGGED = LOG_ROUNDING + 1

CONTEXTS = [
    ContextRequest(256, 64, 64, "q8_0", "q8_0", True),
    ContextRequest(300, 512, 128, "f16", "f16", False),
    ContextRequest(1000, 32, 32, "q4_0", "f16", True),
    ContextRequest(512, 512, 512, "bf16", "q5_1", True),
]


def figures(answer: Answer) -> tuple[int, int, int, int, int]:
    return (answer.n_ctx, answer.model, answer.context, answer.compute, answer.output)


@pytest.mark.parametrize("spec", SPECS, ids=[spec.name for spec in SPECS])
def test_the_dry_run_equals_an_allocating_load(tmp_path: Path, spec: ModelSpec) -> None:
    """To the byte against the same load with buffers allocated, and within
    the log's rounding against the accuracy tests' probe."""
    path = write_model(tmp_path, spec)
    dry = dry_run(path, CONTEXTS)
    real = dry_run(path, CONTEXTS, allocate=True)
    assert [figures(a) for a in dry.contexts] == [figures(a) for a in real.contexts]
    assert all(a.ok for a in dry.contexts)
    small = CONTEXTS[:2]  # the probe fills each context: keep them short
    probed = probe(path, small)
    for answer, measured in zip(dry.contexts, probed.contexts):
        assert answer.n_ctx == measured.n_ctx
        assert measured.kv_bytes is not None and measured.output_bytes is not None
        assert abs(answer.context - measured.kv_bytes) <= LOGGED * measured.kv_lines
        assert abs(answer.output - measured.output_bytes) <= LOGGED
        assert measured.compute_bytes is not None
        assert abs(answer.compute - measured.compute_bytes) <= measured.compute_rounding
    assert probed.model_bytes is not None
    assert abs(dry.contexts[0].model - probed.model_bytes) <= LOGGED


@pytest.mark.parametrize("spec", SPECS, ids=[spec.name for spec in SPECS])
def test_a_sparse_file_sizes_as_the_real_one(tmp_path: Path, spec: ModelSpec) -> None:
    real = write_model(tmp_path, spec)
    tokenizer = {"spm": "llama", "none": "none"}[spec.vocab]
    arch = architecture_of(real)._replace(tokenizer=tokenizer)
    options = SparseOptions(WeightTypes(spec.weight_type), tied=spec.tied)
    sparse = write_sparse_gguf(tmp_path / "sparse.gguf", arch, options)
    assert sparse.stat().st_size < real.stat().st_size * 1.1
    from_real, from_sparse = dry_run(real, CONTEXTS), dry_run(sparse, CONTEXTS)
    assert [figures(a) for a in from_sparse.contexts] == [figures(a) for a in from_real.contexts]
    assert from_sparse.model_size == from_real.model_size


@pytest.mark.parametrize("kind", ARCHITECTURES)
def test_every_architecture_s_sparse_file_loads(tmp_path: Path, kind: str) -> None:
    """The generator writes every key and tensor each loader asks for."""
    options = SparseOptions(WeightTypes("Q4_K", token_embd="Q6_K", attn_v="Q8_0"), tied=False)
    path = write_sparse_gguf(tmp_path / f"{kind}.gguf", small_shape(kind), options)
    result = dry_run(path, CONTEXTS)
    assert result.load_ok, result.load_error
    assert [a.ok for a in result.contexts] == [True] * len(CONTEXTS)
    assert all(a.output == 4 * 1000 for a in result.contexts)  # n_vocab floats, one sequence
    assert all(abs(a.output - a.output_logged) <= LOGGED for a in result.contexts)


@pytest.mark.slow
@pytest.mark.parametrize("weight_type", WEIGHT_TYPES)
def test_each_weight_type_loads_and_sizes_the_model_buffer(
    tmp_path: Path, weight_type: str
) -> None:
    """The model buffer is every tensor's bytes padded to 32, whatever the type."""
    arch = small_shape("llama")._replace(n_embd=512, n_ff=1024)
    options = SparseOptions(WeightTypes(weight_type), tied=False)
    path = write_sparse_gguf(tmp_path / "model.gguf", arch, options)
    result = dry_run(path, CONTEXTS[:1])
    assert result.load_ok, result.load_error
    written = file_architecture(path, arch, options)
    assert result.contexts[0].model == written.tensor_data_bytes


@pytest.mark.slow
@pytest.mark.parametrize("model", DEPLOYED, ids=[model.name for model in DEPLOYED])
def test_deployed_models_size_as_llama_cpp_allocates_them(tmp_path: Path, model: Deployed) -> None:
    """Each deployed model at full size with its deployed settings: llama.cpp
    loads its sparse file, and the sizing's every buffer equals the dry run's."""
    path = write_sparse_gguf(tmp_path / "model.gguf", model.arch, model.options)
    # Short token strings and an approximate quantization mix: near the
    # published file.
    assert abs(path.stat().st_size - model.published_file_bytes) < 0.01 * model.published_file_bytes
    written = file_architecture(path, model.arch, model.options)
    settings = model.settings
    result = dry_run(path, [request_of(settings)])
    assert result.load_ok, result.load_error
    (answer,) = result.contexts
    assert answer.ok, answer.refusal
    sizing = size_model(written, settings)
    assert (answer.model, answer.context, answer.output, answer.compute) == (
        sizing.weights,
        sizing.kv_cache,
        sizing.output,
        sizing.compute,
    )


def test_gemma3_reads_its_sliding_window_pattern(tmp_path: Path) -> None:
    """Two files alike but for attention.sliding_window_pattern (none: the
    default 6; then 2) hold different KV caches: llama.cpp reads the key."""
    arch = small_shape("gemma3")._replace(n_layer=6, sliding_window_pattern=0)
    context = [ContextRequest(4096, 512, 512)]
    default = dry_run(write_sparse_gguf(tmp_path / "a.gguf", arch), context).contexts[0]
    arch = arch._replace(sliding_window_pattern=2)
    every_other = dry_run(write_sparse_gguf(tmp_path / "b.gguf", arch), context).contexts[0]
    row = 2 * 64 * 2 * 2  # K and V, 2 heads of 64, f16
    # default: 5 layers slide over pad(128 + 512, 256) = 768 cells, 1 global of 4096
    assert default.context == row * (5 * 768 + 4096)
    assert every_other.context == row * (3 * 768 + 3 * 4096)


def test_a_window_with_no_sliding_layer_aborts_llama_cpp(tmp_path: Path) -> None:
    """What the sizing refuses (shape.py's _sliding_problems) llama.cpp
    cannot load: a gemma3 with a window whose flags make no layer slide
    aborts in its sliding-window cache."""
    arch = small_shape("gemma3")._replace(n_layer=3, sliding_window_pattern=(False,) * 3)
    with pytest.raises(RuntimeError, match="is_swa_any"):
        dry_run(write_sparse_gguf(tmp_path / "model.gguf", arch), [ContextRequest(512, 512, 512)])


def test_the_reserve_graph_is_written(tmp_path: Path) -> None:
    """The prompt-processing ubatch's graph: its tensors as JSON lines, the
    logits of every token last among the nodes."""
    import json

    arch = small_shape("qwen3")
    path = write_sparse_gguf(tmp_path / "model.gguf", arch)
    graph = tmp_path / "graph.jsonl"
    result = dry_run(path, [ContextRequest(1000, 512, 96)], graphs=[graph])
    assert result.contexts[0].ok
    tensors = [json.loads(line) for line in graph.read_text().splitlines()]
    nodes = [t for t in tensors if t["kind"] == "node"]
    assert nodes[-1]["name"] == "result_output"
    assert nodes[-1]["ne"] == [arch.n_vocab, 96, 1, 1]  # min(n_ctx, n_ubatch) outputs
    assert {t["kind"] for t in tensors} >= {"node", "leaf"}


def test_a_file_short_of_its_last_tensor_is_refused(tmp_path: Path) -> None:
    """llama.cpp checks each tensor's data against the file's size: the
    sparse file must reach the end of its last tensor, and does."""
    import os

    path = write_sparse_gguf(tmp_path / "model.gguf", small_shape("llama"))
    reader = gguf.GGUFReader(path)
    end = max(int(t.data_offset) + int(t.n_bytes) for t in reader.tensors)
    del reader  # its memory map
    assert dry_run(path, []).load_ok
    os.truncate(path, end - 1)
    short = dry_run(path, [])
    assert not short.load_ok
    assert "within the file bounds" in short.load_error
