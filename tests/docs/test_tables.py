"""The tables made from the one place each fact is kept: each runtime's config
keys from the JSON Schema, the heap caps, the model-file evidence."""

from __future__ import annotations

import pytest

from icpp_sizer_check.canister import TARGETS
from icpp_sizer_check.runtimes.llama_cpp_canister.file_limit import EVIDENCE
from tests.docs import tables

RUNTIMES = ("icpp_llama2", "llama_cpp_canister")


def _keys(table: str) -> list[str]:
    return [line.split("`")[1] for line in table.split("\n")[2:]]


def _meaning(spec: tables.Schema) -> str:
    return f"**{spec['title']}.** {spec['description']}"


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_a_runtime_s_table_is_every_key_the_schema_lets_it_have(runtime: str) -> None:
    schema = tables.schema()
    table = tables.config_keys(runtime)
    refused = tables.refused_keys(runtime)
    top = [key for key in schema["properties"] if key not in refused]
    canister = [f"canister.{key}" for key in schema["properties"]["canister"]["properties"]]
    model = schema["$defs"][tables.model_definition(runtime)]["properties"]
    assert _keys(table) == [*top, *canister, *(f"models[].{key}" for key in model)]
    for key in top:
        assert _meaning(schema["properties"][key]) in table
    for key, spec in model.items():
        assert f"| `models[].{key}` |" in table and _meaning(spec) in table


def test_each_runtime_refuses_the_other_s_thresholds() -> None:
    assert "min_concurrent_users" in tables.refused_keys("llama_cpp_canister")
    assert {"min_headroom_mib", "max_model_file_mib", "min_users"} <= tables.refused_keys(
        "icpp_llama2"
    )
    assert "`min_concurrent_users`" not in tables.config_keys("llama_cpp_canister")
    assert "`min_headroom_mib`" not in tables.config_keys("icpp_llama2")


def test_the_architecture_table_is_the_schema_s_mapping() -> None:
    definition = tables.schema()["$defs"]["llama_cpp_architecture"]["properties"]
    table = tables.architecture_keys()
    assert _keys(table) == list(definition)
    assert all(_meaning(spec) in table for spec in definition.values())


def test_a_pipe_in_a_description_stays_in_its_cell() -> None:
    assert tables._cell("a | b\nc") == "a \\| b c"


def test_the_heap_caps_and_the_file_evidence_are_their_modules() -> None:
    caps = tables.heap_caps().split("\n")[2:]
    assert len(caps) == len(TARGETS)
    assert all(f"| {target.heap_cap_mib} MiB" in row for row, target in zip(caps, TARGETS.values()))
    rows = tables.file_evidence().split("\n")[2:]
    assert [row.split(" | ")[0] for row in rows] == [f"| {load.model}" for load in EVIDENCE]
    assert all(f"{load.file_bytes:,}" in row for row, load in zip(rows, EVIDENCE))


def test_the_keys_of_the_other_runtime_are_named_in_a_sentence() -> None:
    assert tables.refused_sentence("llama_cpp_canister") == (
        "`min_concurrent_users` belongs to [icpp_llama2](icpp_llama2.md): under "
        "`runtime: llama_cpp_canister` it is a config error at the key's line."
    )
    assert tables.refused_sentence("icpp_llama2").startswith(
        "`max_model_file_mib`, `min_headroom_mib`, `min_users`, `session_tokens` and "
        "`subnet_size` belong to [llama_cpp_canister](llama_cpp_canister.md)"
    )
