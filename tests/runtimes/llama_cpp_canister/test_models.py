"""A llama_cpp_canister model's values from its config mapping: llama.cpp's
defaults for what is not written, what llama.cpp refuses, and the ranges a
header's values are held to."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

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
            ("models", 3, "architecture", "n_head_kv"),
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


def test_ungrouped_heads_written_over_a_gguf_header_are_found_at_the_key(tmp_path: Path) -> None:
    file = _gguf(tmp_path)
    model = {"ctx_size": 1024, "architecture": {"n_head": 7}}
    resolved, findings = resolve_model(2, model, frozenset(), file)
    assert resolved is None
    [finding] = findings
    assert finding.path == ("models", 2, "architecture", "n_head")
    assert finding.message.startswith("n_head (7) must be divisible by n_head_kv (")


def test_a_gemma3n_layer_reusing_a_cache_of_the_other_kind_is_refused() -> None:
    # layer 19 slides, yet the global layers past it reuse its cache
    flags = (*(il % 5 < 4 for il in range(19)), True, False, True)
    shape = {**SHAPE, "arch": "gemma3n", "n_layer": 22, "sliding_window": 512}
    model = {"architecture": {**shape, "sliding_window_pattern": flags}, "ctx_size": 4096}
    resolved, findings = _resolve(model)
    assert resolved is None
    assert [(f.path, f.message) for f in findings] == [
        (
            ("models", 3, "architecture", "sliding_window_pattern"),
            "layer 20 (global) reuses the cache of layer 19 (sliding), and llama.cpp aborts "
            "loading such a model; fix sliding_window_pattern so that layer 18 slides and "
            "layer 19 does not",
        )
    ]
    resolved, findings = _resolve({"architecture": shape, "ctx_size": 4096})
    assert resolved is not None and findings == []


@pytest.mark.parametrize(
    ("arch", "pattern"),
    [("gemma3", [False, False, False]), ("gemma3", 1), ("gemma3n", [False] * 3)],
)
def test_a_window_with_no_sliding_layer_is_refused(arch: str, pattern: Any) -> None:
    # llama.cpp asserts is_swa_any() when it makes the sliding-window cache
    shape = {**SHAPE, "arch": arch, "n_layer": 3, "sliding_window": 512}
    model = {"architecture": {**shape, "sliding_window_pattern": pattern}, "ctx_size": 4096}
    resolved, findings = _resolve(model)
    assert resolved is None
    assert [(f.path, f.message) for f in findings] == [
        (
            ("models", 3, "architecture", "sliding_window_pattern"),
            f"sliding_window_pattern makes no layer of this {arch} model slide, and llama.cpp "
            "aborts loading a model with a window but no sliding layer; mark at least one "
            "layer true (or a period of 2 or more)",
        )
    ]
    no_window = {**shape, "sliding_window": 0, "sliding_window_pattern": pattern}
    if arch == "gemma3":  # without a window gemma3 makes no sliding cache at all
        assert _resolve({"architecture": no_window, "ctx_size": 4096})[0] is not None


def test_a_mixture_of_experts_of_any_architecture_is_refused() -> None:
    # Mixtral's files say arch llama: its experts would be sized as one dense block
    model = {"architecture": {**SHAPE, "arch": "llama", "n_expert": 8}, "ctx_size": 4096}
    resolved, findings = _resolve(model)
    assert resolved is None
    assert [(f.path, f.message) for f in findings] == [
        (
            ("models", 3, "architecture", "n_expert"),
            "a llama model with experts (n_expert 8) is not sized: only dense feed-forward "
            "blocks are modelled; size a dense model",
        )
    ]


def test_a_shape_problem_of_the_header_alone_is_found_at_the_file(tmp_path: Path) -> None:
    """A written n_layer the header's per-layer list does not match: the list
    is the file's, so the file is named."""
    from tests.gguf.files import SPECS, write_model

    path = write_model(tmp_path / "lfm2.gguf", SPECS["lfm2_per_layer_kv"])
    file = ModelFile(path.name, str(path), str(path.resolve()), path.name)
    model = {"ctx_size": 1024, "architecture": {"n_layer": 3}}
    resolved, findings = resolve_model(2, model, frozenset(), file)
    assert resolved is None
    assert [(f.path, f.message) for f in findings] == [
        (
            ("models", 2, "gguf"),
            "n_head_kv lists 6 values for n_layer 3; write one per layer, or one number for "
            "every layer",
        )
    ]


LFM2: dict[str, Any] = {
    **SHAPE,
    "arch": "lfm2",
    "n_layer": 4,
    "n_head": 32,
    "n_head_kv": [0, 8, 0, 8],
    "shortconv_l_cache": 3,
}


def test_per_layer_lists_are_taken_one_value_per_layer() -> None:
    written = {**LFM2, "n_ff": [8192, 8192, 4096, 8192], "sliding_window_pattern": [True] * 4}
    resolved, findings = _resolve({"architecture": written, "ctx_size": 4096})
    assert findings == []
    arch = resolved.values.architecture
    assert (arch.n_head, arch.n_head_kv, arch.n_ff) == (32, (0, 8, 0, 8), (8192, 8192, 4096, 8192))
    assert arch.sliding_window_pattern == (True,) * 4
    assert arch.attention_layers() == (1, 3)


@pytest.mark.parametrize(
    ("changed", "key", "message"),
    [
        (
            {"n_head_kv": [0, 8, 0]},
            "n_head_kv",
            "n_head_kv lists 3 values for n_layer 4; write one per layer, or one number for "
            "every layer",
        ),
        (
            {"sliding_window_pattern": [True]},
            "sliding_window_pattern",
            "sliding_window_pattern lists 1 values for n_layer 4; write one per layer, or a period",
        ),
        (
            {"n_head_kv": [0, 8, 0, 3]},
            "n_head_kv",
            "n_head (32) must be divisible by n_head_kv (3) on layer 3; "
            "fix the architecture values",
        ),
        (
            {"n_head": [32, 32, 32, 12]},
            "n_head_kv",
            "n_head (12) must be divisible by n_head_kv (8) on layer 3; "
            "fix the architecture values",
        ),
        (
            {"n_head_kv": [0, 0, 0, 0]},
            "n_head_kv",
            "n_head_kv is 0 on every layer; at least one layer needs key/value heads",
        ),
        (
            {"arch": "llama"},
            "n_head_kv",
            "n_head_kv is 0 on layer 0, and only lfm2's short-convolution and granitehybrid's "
            "Mamba2 layers have no key/value heads; give the layer its heads, or set arch: lfm2 "
            "or granitehybrid",
        ),
        (
            {"shortconv_l_cache": 1},
            "shortconv_l_cache",
            "shortconv_l_cache is 1, and lfm2's short-convolution layers (n_head_kv 0) need at "
            "least 2; write the file's lfm2.shortconv.l_cache (3 in LFM2 models)",
        ),
    ],
)
def test_per_layer_shapes_llama_cpp_refuses_are_found_at_the_key(
    changed: dict[str, Any], key: str, message: str
) -> None:
    resolved, findings = _resolve({"architecture": {**LFM2, **changed}, "ctx_size": 4096})
    assert resolved is None
    assert [(f.path, f.message) for f in findings] == [
        (("models", 3, "architecture", key), message)
    ]


def test_an_unwritten_convolution_length_is_found_at_the_mapping() -> None:
    written = {key: value for key, value in LFM2.items() if key != "shortconv_l_cache"}
    _, findings = _resolve({"architecture": written, "ctx_size": 4096})
    assert [f.path for f in findings] == [("models", 3, "architecture")]
    assert findings[0].message.startswith("shortconv_l_cache is 0, and lfm2's")


def test_a_header_values_range_is_checked_layer_by_layer() -> None:
    arch = Architecture(**{**SHAPE, "n_layer": 2}, shortconv_l_cache=3)
    assert out_of_range(arch._replace(n_head_kv=(0, 8)), {"n_head_kv"}) == []
    assert out_of_range(arch._replace(n_ff=(1, 2**31)), {"n_ff"}) == [
        ("n_ff[1]", 2**31, 0, 2**31 - 1)
    ]
    assert out_of_range(arch._replace(n_head=(1, 0)), {"n_head"}) == [
        ("n_head[1]", 0, 1, 2**31 - 1)
    ]
    assert (
        out_of_range(
            arch._replace(sliding_window_pattern=(True, False)), {"sliding_window_pattern"}
        )
        == []
    )


GRANITEHYBRID: dict[str, Any] = {
    **SHAPE,
    "n_layer": 4,
    "n_embd": 256,
    "n_head_kv": [0, 0, 2, 0],
    "arch": "granitehybrid",
    "ssm_d_conv": 4,
    "ssm_d_inner": 512,
    "ssm_d_state": 16,
    "ssm_dt_rank": 8,
    "ssm_n_group": 1,
}


@pytest.mark.parametrize(
    ("changed", "key", "message"),
    [
        (
            {"ssm_d_state": 0, "ssm_n_group": 0},
            "ssm_d_state",
            "ssm_d_state, ssm_n_group must be at least 1 for granitehybrid's Mamba2 layers; "
            "write the file's granitehybrid.ssm.* values",
        ),
        (
            {"ssm_d_inner": 768},
            "ssm_d_inner",
            "ssm_d_inner (768) must be twice n_embd (256), the only expansion llama.cpp "
            "supports; fix the architecture values",
        ),
        (
            {"ssm_dt_rank": 6},
            "ssm_dt_rank",
            "ssm_d_inner (512) must be divisible by ssm_dt_rank (6); fix the architecture values",
        ),
        (
            {"ssm_n_group": 3},
            "ssm_n_group",
            "ssm_d_inner (512) must be divisible by ssm_n_group (3); fix the architecture values",
        ),
        (
            {"n_expert": 64},
            "n_expert",
            "a granitehybrid model with experts (n_expert 64) is not sized: only dense "
            "feed-forward blocks are modelled; size a dense model",
        ),
    ],
)
def test_a_granitehybrid_shape_that_is_not_sized_is_found_at_the_key(
    changed: dict[str, Any], key: str, message: str
) -> None:
    """granite-hybrid.cpp requires the ssm keys, an expansion of 2 and heads and
    groups that divide the mixer; a shape without them is not sized, nor one
    with experts."""
    resolved, findings = _resolve({"architecture": GRANITEHYBRID, "ctx_size": 1024})
    assert resolved is not None and findings == []
    resolved, findings = _resolve({"architecture": {**GRANITEHYBRID, **changed}, "ctx_size": 1024})
    assert resolved is None
    assert [(f.path, f.message) for f in findings] == [
        (("models", 3, "architecture", key), message)
    ]


def test_a_granitehybrid_file_is_sized_with_its_mamba2_shape(tmp_path: Path) -> None:
    """The header's ssm keys and RoPE switch are read, so a granitehybrid
    file is sized with its Mamba2 layers' states."""
    from icpp_sizer_check.runtimes.llama_cpp_canister.gguf_architecture import (
        read_architecture,
    )
    from tests.oracle.sparse_gguf import write_sparse_gguf
    from tests.runtimes.llama_cpp_canister.shapes import SMALL_GRANITEHYBRID

    path = write_sparse_gguf(tmp_path / "h.gguf", SMALL_GRANITEHYBRID)
    file = ModelFile(path.name, str(path), str(path.resolve()), "models/h.gguf")
    resolved, findings = resolve_model(1, {"ctx_size": 1024}, frozenset(), file)
    assert findings == [] and resolved is not None
    read = read_architecture(str(path))
    keys = ("ssm_d_conv", "ssm_d_inner", "ssm_d_state", "ssm_dt_rank", "ssm_n_group")
    assert [getattr(read, key) for key in (*keys, "rope_finetuned", "n_head_kv")] == [
        getattr(SMALL_GRANITEHYBRID, key) for key in (*keys, "rope_finetuned", "n_head_kv")
    ]
