"""The config schema as editors and other tools use it: written by `--print-schema`,
read by the real check-jsonschema CLI (from PyPI, in the test extra), which loads
YAML with its own parser and resolves the schema's $refs itself."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures import BAD_CONFIGS, GOOD_CONFIGS, REPO, clean_env, run_process

SHIPPED = REPO / "icpp_sizer_check" / "schemas" / "config.schema.json"
REPO_CONFIGS = sorted((REPO / "configs").glob("*.yaml"))

# What the schema alone says of each bad config in tests/data/configs/bad/, as an
# editor would show it. Every bad config is listed; a new one needs a line here.
REJECTS = "rejects"  # a mistake of shape, type, range, key or text the schema describes
ACCEPTS = "accepts"  # valid as far as JSON Schema can say; only the tool's own checks see it
PATH = "path"  # the tool resolves paths on disk; a pattern may refuse some spellings
NO_DOCUMENT = "no document"  # not YAML a schema sees (syntax, encoding, limits): not run

SCHEMA_VERDICTS = {
    "alias_bomb": NO_DOCUMENT,  # over the node limit; expanding it is the attack
    "bool_threshold": REJECTS,
    "checkpoint_absolute": PATH,
    "checkpoint_missing": ACCEPTS,  # whether a file exists is not the schema's to know
    "dim_not_divisible": ACCEPTS,  # JSON Schema cannot relate two values
    "duplicate_mapping_key": NO_DOCUMENT,
    "duplicate_model_name": ACCEPTS,  # uniqueItems compares whole items, not names
    "empty": REJECTS,  # an empty document is null, not a mapping
    "empty_models": REJECTS,
    "empty_output": REJECTS,
    "heads_not_divisible": ACCEPTS,
    "huge_value": REJECTS,
    "keys_not_text": REJECTS,
    "lcc_block_does_not_divide_head": ACCEPTS,
    "lcc_cache_type_unknown": REJECTS,
    "lcc_flash_attn_word": REJECTS,
    "lcc_gguf_missing": ACCEPTS,
    "lcc_gguf_not_gguf": ACCEPTS,  # what a file holds is not the schema's to know
    "lcc_heads_not_divisible": ACCEPTS,
    "lcc_kv_heads_all_zero": ACCEPTS,  # per layer, the tool's to say
    "lcc_lfm2_short_convolution_length": ACCEPTS,
    "lcc_llama2_key": REJECTS,
    "lcc_min_concurrent_users": REJECTS,
    "lcc_min_headroom_in_icpp_llama2": REJECTS,
    "lcc_min_users_in_icpp_llama2": REJECTS,
    "lcc_missing_architecture_key": REJECTS,
    "lcc_n_layer_above_llama_cpp": REJECTS,
    "lcc_no_ctx_size": ACCEPTS,
    "lcc_pattern_flags_not_bools": REJECTS,
    "lcc_per_layer_heads_not_divisible": ACCEPTS,
    "lcc_per_layer_item_negative": REJECTS,
    "lcc_per_layer_list_length": ACCEPTS,  # the length n_layer sets is the tool's to check
    "lcc_per_layer_list_too_long": REJECTS,
    "lcc_per_layer_wrong_kind": REJECTS,
    "lcc_quantized_v_without_flash_attn": ACCEPTS,  # JSON Schema could, the tool words it
    "lcc_session_tokens_zero": REJECTS,
    "lcc_subnet_size_in_icpp_llama2": REJECTS,
    "lcc_tensor_bytes_zero": REJECTS,
    "lcc_tokenizer_unknown": REJECTS,
    "lcc_unknown_arch": REJECTS,
    "lcc_wasm64": ACCEPTS,  # the heap caps are the tool's table
    "missing_model_key": REJECTS,
    "missing_output": REJECTS,
    "missing_two_model_keys": REJECTS,
    "models_null": REJECTS,
    "name_empty": REJECTS,
    "name_number": REJECTS,
    "name_with_pipe": REJECTS,
    "negative_threshold": REJECTS,
    "negative_value": REJECTS,
    "not_utf8": NO_DOCUMENT,
    "not_utf8_first_byte": NO_DOCUMENT,
    "null_value": REJECTS,
    "only_comments": REJECTS,
    "output_absolute": PATH,
    "output_climbs_out": PATH,
    "output_home": PATH,
    "output_name_too_long": PATH,
    "output_path_too_long": PATH,
    "output_nul": PATH,
    "scalar_top_level": REJECTS,
    "title_two_lines": REJECTS,
    "top_level_list": REJECTS,
    "units_in_memory": REJECTS,
    "unknown_canister_key": REJECTS,
    "unknown_model_key": REJECTS,
    "unknown_tag": NO_DOCUMENT,
    "unknown_top_key": REJECTS,
    "utf16": NO_DOCUMENT,
    "wrong_type_bool": REJECTS,
    # JSON Schema counts 64.0 as an integer; the tool's validator does not.
    "wrong_type_float": ACCEPTS,
    "wrong_type_models_mapping": REJECTS,
    "wrong_type_output_number": REJECTS,
    "wrong_type_string": REJECTS,
    "yaml_bad_indent": NO_DOCUMENT,
    "yaml_control_character": NO_DOCUMENT,
    "yaml_deep_nesting": NO_DOCUMENT,
    "yaml_mapping_in_scalar": NO_DOCUMENT,
    "yaml_python_tag": NO_DOCUMENT,
    "yaml_tab_indent": NO_DOCUMENT,
    "yaml_two_documents": NO_DOCUMENT,
    "yaml_unclosed_flow": NO_DOCUMENT,
    "yaml_unclosed_quote": NO_DOCUMENT,
    "zero_memory": REJECTS,
    "zero_value": REJECTS,
    "command_c1_control": REJECTS,
    # 64.0 passes JSON Schema, and divisibility relates two values.
    "divisibility_beside_a_schema_error": ACCEPTS,
    # The heap cap depends on canister.wasm: the tool's own check.
    "memory_above_every_cap": ACCEPTS,
    "memory_above_wasm32_cap": ACCEPTS,
    "memory_above_wasm64_cap": ACCEPTS,
    "name_block_scalar": REJECTS,
    "name_delete_character": REJECTS,
    # YAML 1.2 parsers (check-jsonschema's) read 0512 as 512; the trap is YAML 1.1's.
    "octal_number": ACCEPTS,
    "output_git_component": PATH,
    "output_git_hook": PATH,
    "output_in_git": PATH,
    "output_not_markdown": PATH,
    # YAML 1.2 reads 8:32 as text, which the schema refuses.
    "sexagesimal_number": REJECTS,
    "title_block_scalar": REJECTS,
    "title_escape": REJECTS,
    "title_line_separator": REJECTS,
    "wasm_unknown": REJECTS,
    # What a Markdown formatter rewrites is the tool's rule for the formatter-proof modes.
    "name_formatter_backslash": ACCEPTS,
    "name_formatter_double_space": ACCEPTS,
    "name_formatter_emphasis": ACCEPTS,
    "name_formatter_entity": ACCEPTS,
    "name_formatter_zero_width": ACCEPTS,
    "title_formatter_underscore": ACCEPTS,
}


def bad_configs(verdict: str) -> list[Path]:
    return [path for path in BAD_CONFIGS if SCHEMA_VERDICTS.get(path.stem) == verdict]


@pytest.fixture(scope="module")
def check_jsonschema() -> str:
    beside_python = Path(sys.executable).with_name("check-jsonschema")
    found = str(beside_python) if beside_python.exists() else shutil.which("check-jsonschema")
    if found is None:
        reason = "check-jsonschema is not installed: pip install -e '.[test]'"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return found


@pytest.fixture(scope="module")
def printed_schema(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The schema as a repository keeps a copy of it: `--print-schema > file`."""
    completed = run_process(REPO, "--print-schema")
    assert completed.returncode == 0, completed.stderr
    copy = tmp_path_factory.mktemp("schema") / "icpp-sizer-check.schema.json"
    copy.write_text(completed.stdout, encoding="utf-8")
    return copy


def validate(
    check_jsonschema: str, schema: Path, files: list[Path], *options: str
) -> tuple[int, dict[str, Any]]:
    completed = subprocess.run(
        [check_jsonschema, "--output-format", "json", *options, "--schemafile", str(schema)]
        + [str(file) for file in files],
        capture_output=True,
        text=True,
        check=False,
        env=clean_env(),
        timeout=300,
    )
    report: dict[str, Any] = json.loads(completed.stdout)
    return completed.returncode, report


def test_the_printed_schema_is_the_shipped_file(printed_schema: Path) -> None:
    assert printed_schema.read_bytes() == SHIPPED.read_bytes()


def test_the_schema_is_valid_draft_2020_12(check_jsonschema: str, printed_schema: Path) -> None:
    completed = subprocess.run(
        [check_jsonschema, "--check-metaschema", str(printed_schema)],
        capture_output=True,
        text=True,
        check=False,
        env=clean_env(),
        timeout=120,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_every_good_config_is_valid(check_jsonschema: str, printed_schema: Path) -> None:
    configs = [*REPO_CONFIGS, *GOOD_CONFIGS]
    assert REPO / "configs" / "icpp_llama2.yaml" in configs and len(configs) > 2
    code, report = validate(check_jsonschema, printed_schema, configs)
    assert (code, report["status"], report["errors"]) == (0, "ok", []), report


def test_every_bad_config_has_a_schema_verdict() -> None:
    names = {path.stem for path in BAD_CONFIGS}
    unlisted = sorted(names - set(SCHEMA_VERDICTS))
    assert not unlisted, f"say in SCHEMA_VERDICTS of {__file__} what the schema says of {unlisted}"
    assert not sorted(set(SCHEMA_VERDICTS) - names), "SCHEMA_VERDICTS names configs that are gone"


def test_the_schema_rejects_each_config_it_should(
    check_jsonschema: str, printed_schema: Path
) -> None:
    rejected = bad_configs(REJECTS)
    assert len(rejected) >= 25
    code, report = validate(check_jsonschema, printed_schema, rejected)
    assert code == 1
    assert report["parse_errors"] == []
    flagged = {Path(error["filename"]).stem for error in report["errors"]}
    assert flagged == {path.stem for path in rejected}


def test_what_only_the_tool_sees_passes_the_schema(
    check_jsonschema: str, printed_schema: Path
) -> None:
    """The other side of the verdicts: these configs are valid JSON Schema-wise,
    which is why the tool checks more than the schema."""
    code, report = validate(check_jsonschema, printed_schema, bad_configs(ACCEPTS))
    assert (code, report["status"], report["errors"]) == (0, "ok", []), report


def test_defaults_in_the_schema_are_the_tools_defaults() -> None:
    from icpp_sizer_check.compare import CompareMode
    from icpp_sizer_check.render import Style
    from icpp_sizer_check.runtimes import DEFAULT_RUNTIME, RUNTIMES, get_runtime
    from icpp_sizer_check.runtimes.llama_cpp_canister import DEFAULT_MAX_MODEL_FILE_MIB
    from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import (
        ARCHITECTURES,
        TOKENIZERS,
        Architecture,
    )
    from icpp_sizer_check.runtimes.llama_cpp_canister.models import DEFAULTS

    schema = json.loads(SHIPPED.read_text())
    properties = schema["properties"]
    memory = properties["canister"]["properties"]["memory_mib"]["description"]
    for name in RUNTIMES:  # each runtime's default memory and threshold
        runtime = get_runtime(name)
        assert f"{runtime.default_memory_mib} for {name}" in memory.replace(
            " (the whole wasm32 heap)", ""
        ).replace(" (the Internet Computer's default limit)", "")
        assert properties[runtime.threshold_key]["default"] == runtime.default_threshold
    assert properties["max_model_file_mib"]["default"] == DEFAULT_MAX_MODEL_FILE_MIB
    model = schema["$defs"]["llama_cpp_canister_model"]["properties"]
    for key in ("batch_size", "ubatch_size", "cache_type_k", "cache_type_v", "warmup"):
        assert model[key]["default"] == getattr(DEFAULTS, key), key
    assert model["flash_attn"]["default"] == "auto"
    assert properties["style"]["default"] == Style.COMPACT
    assert properties["compare"]["default"] == CompareMode.EXACT
    assert properties["runtime"]["default"] == DEFAULT_RUNTIME
    # Each choice the schema offers is one the tool knows, and the other way round.
    assert properties["style"]["enum"] == [style.value for style in Style]
    assert properties["compare"]["enum"] == [mode.value for mode in CompareMode]
    assert properties["runtime"]["enum"] == list(RUNTIMES)
    architecture = schema["$defs"]["llama_cpp_architecture"]["properties"]
    assert architecture["arch"]["enum"] == list(ARCHITECTURES)
    assert architecture["tokenizer"]["enum"] == list(TOKENIZERS)
    assert list(architecture) == list(Architecture._fields)
    for key, default in Architecture._field_defaults.items():
        written = architecture[key].get("default", None)
        # JSON has no tuple: a per-layer list's default is written as a list
        assert (tuple(written) if isinstance(written, list) else written) == default, key
    for name in RUNTIMES:
        assert get_runtime(name).schema_definition in schema["$defs"]


def test_every_key_has_a_title_a_description_and_examples() -> None:
    schema = json.loads(SHIPPED.read_text())
    assert schema["$id"]
    objects = {
        "(top level)": schema,
        "canister": schema["properties"]["canister"],
        "models[]": schema["$defs"]["icpp_llama2_model"],
        "models[] (llama_cpp_canister)": schema["$defs"]["llama_cpp_canister_model"],
        "models[].architecture": schema["$defs"]["llama_cpp_architecture"],
    }
    for where, node in objects.items():
        for key, spec in node["properties"].items():
            for annotation in ("title", "description", "examples"):
                assert spec.get(annotation), f"{where}.{key} has no {annotation}"


def test_the_schemas_own_examples_are_valid(
    check_jsonschema: str, printed_schema: Path, tmp_path: Path
) -> None:
    """What the schema offers editors as examples passes the schema itself."""
    schema = json.loads(SHIPPED.read_text())
    configs = list(schema["examples"])
    configs += [
        {"output": "a.md", "models": [model]}
        for model in schema["$defs"]["icpp_llama2_model"]["examples"]
    ]
    configs += [
        {"output": "a.md", "models": models}
        for models in schema["properties"]["models"]["examples"]
    ]
    files = []
    for number, config in enumerate(configs):
        file = tmp_path / f"example{number}.json"
        file.write_text(json.dumps(config))
        files.append(file)
    code, report = validate(check_jsonschema, printed_schema, files)
    assert (code, report["status"], report["errors"]) == (0, "ok", []), report
