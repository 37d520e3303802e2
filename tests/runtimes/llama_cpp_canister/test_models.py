"""A llama_cpp_canister model's values from its config mapping: llama.cpp's
defaults for what is not written, what llama.cpp refuses, and the ranges a
header's values are held to."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from icpp_sizer_check.runtimes.base import ModelFile
from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Architecture, Settings
from icpp_sizer_check.runtimes.llama_cpp_canister.models import (
    LlamaCppModel,
    out_of_range,
    resolve_model,
)

SHAPE: dict[str, Any] = {
    "n_layer": 28,
    "n_embd": 1024,
    "n_head": 16,
    "n_head_kv": 8,
    "head_dim_k": 128,
    "head_dim_v": 128,
    "n_ff": 3072,
    "n_vocab": 151936,
    "tensor_data_bytes": 633495552,
    "file_bytes": 639781632,
}


def _resolve(model: dict[str, Any], refused: frozenset[str] = frozenset()) -> Any:
    return resolve_model(3, model, refused, None)


def test_written_settings_are_taken_as_written() -> None:
    resolved, findings = _resolve(
        {
            "architecture": SHAPE,
            "ctx_size": 1000,
            "batch_size": 64,
            "ubatch_size": 32,
            "cache_type_k": "q8_0",
            "cache_type_v": "q8_0",
            "flash_attn": "auto",
            "warmup": False,
        }
    )
    assert findings == []
    assert resolved.values == LlamaCppModel(
        Architecture(**SHAPE), Settings(1000, 64, 32, "q8_0", "q8_0", True, False)
    )
    assert resolved.reads == ()


def test_unwritten_settings_are_llama_cpps_defaults() -> None:
    # -b 2048, -ub 512, f16 caches, -fa auto (on for the CPU backend), warmup on.
    resolved, findings = _resolve({"architecture": SHAPE, "ctx_size": 4096})
    assert findings == []
    assert resolved.values.settings == Settings(4096, 2048, 512, "f16", "f16", True, True)
    off, _ = _resolve({"architecture": SHAPE, "ctx_size": 4096, "flash_attn": False})
    assert off.values.settings.flash_attn is False


def test_a_refused_architecture_or_setting_leaves_the_model_unsized() -> None:
    for key in ("architecture", "batch_size", "warmup"):
        assert _resolve({"architecture": SHAPE, "ctx_size": 4096}, frozenset({key})) == (None, [])
    resolved, _ = _resolve({"architecture": SHAPE, "ctx_size": 4096}, frozenset({"name"}))
    assert resolved is not None


def test_heads_that_do_not_group_are_refused_with_the_fix() -> None:
    resolved, findings = _resolve({"architecture": {**SHAPE, "n_head_kv": 3}, "ctx_size": 4096})
    assert resolved is None
    assert [(f.path, f.message) for f in findings] == [
        (
            ("models", 3, "architecture"),
            "n_head (16) must be divisible by n_head_kv (3); fix the architecture values",
        )
    ]


def test_a_header_value_at_the_schemas_bounds_is_in_range() -> None:
    # ctx_size and context_length are llama.cpp's int32: 1 to 2147483647.
    arch = Architecture(**SHAPE, context_length=2**31 - 1)
    assert out_of_range(arch, {"context_length"}) == []
    assert out_of_range(arch._replace(context_length=1), {"context_length"}) == []
    assert out_of_range(arch._replace(context_length=2**31), {"context_length"}) == [
        ("context_length", 2**31, 1, 2**31 - 1)
    ]
    assert out_of_range(arch._replace(context_length=0), {"context_length"}) == [
        ("context_length", 0, 1, 2**31 - 1)
    ]
    # Only the keys read from the header are held to the ranges.
    assert out_of_range(arch._replace(context_length=0), {"n_layer"}) == []


def _gguf(tmp_path: Path) -> ModelFile:
    from tests.runtimes.llama_cpp_canister.gguf_files import SPECS_BY_NAME, write_model

    path = write_model(tmp_path, SPECS_BY_NAME["qwen2_q8_0_untied"])
    return ModelFile(path.name, str(path), str(path.resolve()), f"models/{path.name}")


def test_a_gguf_models_read_is_kept_for_the_replay(tmp_path: Path) -> None:
    file = _gguf(tmp_path)
    resolved, findings = resolve_model(0, {"ctx_size": 1024}, frozenset(), file)
    assert findings == [] and resolved is not None
    [read] = resolved.reads
    # The file is sized whole; only its header is read and hashed.
    assert (read.path, read.real, read.size) == (
        file.logical,
        file.real,
        Path(file.real).stat().st_size,
    )
    assert isinstance(resolved.values, LlamaCppModel) and resolved.values.gguf is not None
    assert resolved.values.gguf.path == "models/qwen2_q8_0_untied.gguf"


def test_ungrouped_heads_written_over_a_gguf_header_are_found_at_the_file(tmp_path: Path) -> None:
    file = _gguf(tmp_path)
    model = {"ctx_size": 1024, "architecture": {"n_head": 7}}
    resolved, findings = resolve_model(2, model, frozenset(), file)
    assert resolved is None
    [finding] = findings
    assert finding.path == ("models", 2, "gguf")
    assert finding.message.startswith("n_head (7) must be divisible by n_head_kv (")


GRANITEHYBRID: dict[str, Any] = {
    **SHAPE,
    "n_layer": 4,
    "n_embd": 256,
    "n_head_kv": (0, 0, 2, 0),
    "arch": "granitehybrid",
    "ssm_d_conv": 4,
    "ssm_d_inner": 512,
    "ssm_d_state": 16,
    "ssm_dt_rank": 8,
    "ssm_n_group": 1,
}


def test_a_granitehybrid_shape_llama_cpp_would_not_load_is_refused_with_the_fix() -> None:
    """granite-hybrid.cpp requires the ssm keys, an expansion of 2 and heads and
    groups that divide the mixer; a shape without them is not sized, nor one
    with experts (Granite 4.0 H-Tiny and H-Small)."""
    resolved, findings = _resolve({"architecture": GRANITEHYBRID, "ctx_size": 1024})
    assert resolved is not None and findings == []
    for changed, message in (
        (
            {"ssm_d_state": 0, "ssm_n_group": 0},
            "a granitehybrid model needs ssm_d_state, ssm_n_group of at least 1 "
            "(the file's granitehybrid.ssm.* keys)",
        ),
        (
            {"ssm_d_inner": 768},
            "ssm_d_inner (768) must be twice n_embd (256), the only expansion llama.cpp supports",
        ),
        ({"ssm_dt_rank": 6}, "ssm_d_inner (512) must be divisible by ssm_dt_rank (6)"),
        ({"ssm_n_group": 3}, "ssm_d_inner (512) must be divisible by ssm_n_group (3)"),
        (
            {"n_expert": 64},
            "a granitehybrid model with experts (n_expert 64) is not sized: its "
            "mixture-of-experts feed-forward is not modelled, only the dense H models are",
        ),
    ):
        model = {"architecture": {**GRANITEHYBRID, **changed}, "ctx_size": 1024}
        resolved, findings = _resolve(model)
        assert resolved is None
        assert [(f.path, f.message) for f in findings] == [
            (("models", 3, "architecture"), f"{message}; fix the architecture values")
        ]


def test_a_granitehybrid_file_whose_mamba2_shape_is_unread_is_refused(tmp_path: Path) -> None:
    """Until the header's ssm keys are read, a granitehybrid file is refused
    at the file rather than sized as if it had no Mamba2 layers."""
    from tests.runtimes.llama_cpp_canister.granitehybrid_file import write_granitehybrid
    from tests.runtimes.llama_cpp_canister.shapes import SMALL_GRANITEHYBRID

    path = write_granitehybrid(tmp_path / "h.gguf", SMALL_GRANITEHYBRID)
    file = ModelFile(path.name, str(path), str(path.resolve()), "models/h.gguf")
    resolved, findings = resolve_model(1, {"ctx_size": 1024}, frozenset(), file)
    assert resolved is None
    [finding] = findings
    assert finding.path == ("models", 1, "gguf")
    assert finding.message.startswith("a granitehybrid model needs ssm_d_conv, ssm_d_inner, ")


def test_a_hybrid_without_any_attention_layer_is_refused_with_the_fix() -> None:
    """llama.cpp loads it and reserves its graph, then aborts on the KV cache's
    missing buffer when a context is filled (measured: GGML_ASSERT(buffer))."""
    for arch in ("granitehybrid", "lfm2"):
        shape = {**GRANITEHYBRID, "arch": arch, "n_head_kv": (0, 0, 0, 0), "shortconv_l_cache": 3}
        resolved, findings = _resolve({"architecture": shape, "ctx_size": 1024})
        assert resolved is None
        assert [f.message for f in findings] == [
            "n_head_kv is 0 in every layer; at least one layer needs a key/value head: "
            "fix the architecture values"
        ]
