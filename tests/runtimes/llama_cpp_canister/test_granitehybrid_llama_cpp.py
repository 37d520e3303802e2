"""granitehybrid's sizing held to real llama.cpp: small files of Granite 4.0
H's kind (tests/oracle/sparse_gguf) loaded in a fresh process, each context filled
to its last cell and saved. The padded context and the saved session must be
llama.cpp's exactly; the attention layers' KV buffer and the compute buffer
within the log's rounding (tests/data/oracle/dry_run_cases.jsonl holds the
exact figures of llama.cpp's dry run). Needs llama-cpp-python and gguf:
skipped without them, failed under CI.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Architecture, Settings
from icpp_sizer_check.runtimes.llama_cpp_canister.sizing import recurrent_state_bytes, size_model
from tests.fixtures import missing
from tests.runtimes.llama_cpp_canister.llama_cpp_probe import LOG_ROUNDING, ContextRequest, probe
from tests.runtimes.llama_cpp_canister.shapes import SMALL_GRANITEHYBRID

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# As Granite 4.0 H makes them, and a RoPE file of two groups whose heads vary.
SHAPES = {
    "h": SMALL_GRANITEHYBRID,
    "rope_groups": SMALL_GRANITEHYBRID._replace(
        n_head=(4, 4, 8, 4, 4, 4), n_head_kv=(0, 0, 4, 0, 2, 0), ssm_n_group=2, rope_finetuned=True
    ),
}
CONTEXTS = (
    ContextRequest(256, 64, 64),
    ContextRequest(300, 512, 512, "q8_0", "q8_0"),
    ContextRequest(256, 32, 32, "bf16", "f16", False),
)


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_granitehybrid_buffers_and_session_are_llama_cpps(name: str, tmp_path: Path) -> None:
    for module in ("llama_cpp", "gguf"):
        try:
            importlib.import_module(module)
        except ImportError as error:
            missing(f"{module} cannot be imported ({error}): install llama-cpp-python and gguf")
    from tests.oracle.sparse_gguf import write_sparse_gguf

    arch: Architecture = SHAPES[name]
    model = write_sparse_gguf(tmp_path / f"{name}.gguf", arch)
    figures = probe(model, list(CONTEXTS))
    for request, measured in zip(CONTEXTS, figures.contexts):
        sizing = size_model(arch, Settings(*request))
        assert measured.ok, measured.log
        assert sizing.context.n_ctx == measured.n_ctx
        assert sizing.session == measured.session_bytes
        kv = sizing.kv_cache - recurrent_state_bytes(arch)
        assert measured.kv_bytes is not None and measured.compute_bytes is not None
        # a byte beyond the rounding: the log's MiB are read back as floats
        assert abs(kv - measured.kv_bytes) <= LOG_ROUNDING * measured.kv_lines + 1
        assert abs(sizing.compute - measured.compute_bytes) <= measured.compute_rounding + 1
