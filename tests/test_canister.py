from __future__ import annotations

from pathlib import Path

import pytest

from icpp_sizer_check.canister import (
    TARGETS,
    WASM32,
    WASM64,
    WasmTarget,
    memory_above_cap,
)
from icpp_sizer_check.config.load import parse_config
from icpp_sizer_check.errors import ConfigError
from icpp_sizer_check.package_data import config_schema
from icpp_sizer_check.runtimes import get_runtime
from tests.fixtures import MODEL_YAML


def test_the_schema_offers_exactly_the_targets_and_names_their_caps() -> None:
    wasm = config_schema()["properties"]["canister"]["properties"]["wasm"]
    assert wasm["enum"] == list(TARGETS)
    for target in TARGETS.values():
        assert f"{target.name} " in wasm["description"]
        assert f"{target.heap_cap_mib} MiB" in wasm["description"]
    assert "wasm32 (the default" in wasm["description"]


@pytest.mark.parametrize("target", TARGETS.values(), ids=lambda t: t.name)
def test_memory_up_to_the_cap_is_allowed(target: WasmTarget) -> None:
    assert memory_above_cap(1, target, TARGETS.values()) is None
    assert memory_above_cap(target.heap_cap_mib, target, TARGETS.values()) is None
    assert memory_above_cap(target.heap_cap_mib + 1, target, TARGETS.values()) is not None


def test_above_wasm32_offers_wasm64_only_while_its_heap_is_large_enough() -> None:
    assert memory_above_cap(6144, WASM32, (WASM32, WASM64)) == (
        "6144 MiB is above the wasm32 heap cap of 4096 MiB; lower it to 4096 or less, "
        "or set canister.wasm: wasm64 (cap 6144 MiB)"
    )
    assert memory_above_cap(6145, WASM32, (WASM32, WASM64)) == (
        "6145 MiB is above the wasm32 heap cap of 4096 MiB; lower it to 4096 or less; "
        "no canister's heap is that large: to serve more users, spread them over "
        "several canisters"
    )


def test_a_runtime_built_for_wasm32_only_is_never_offered_wasm64() -> None:
    message = memory_above_cap(5000, WASM32, targets=(WASM32,))
    assert message is not None and "wasm64" not in message
    assert "lower it to 4096 or less; no canister's heap is that large" in message


def config(canister: str) -> str:
    return f"output: o.md\ncanister:\n{canister}" + MODEL_YAML


def test_the_default_target_is_wasm32_with_the_default_memory() -> None:
    parsed = parse_config("output: o.md\n" + MODEL_YAML, Path("c.yaml"))
    assert (parsed.target, parsed.memory_mib) == (
        WASM32,
        get_runtime("icpp_llama2").default_memory_mib,
    )


def test_wasm64_keeps_the_default_memory_of_icpp_llama2() -> None:
    parsed = parse_config(config("  wasm: wasm64\n"), Path("c.yaml"))
    assert (parsed.target, parsed.memory_mib) == (WASM64, 4096)


@pytest.mark.parametrize("target", TARGETS.values(), ids=lambda t: t.name)
def test_the_whole_heap_is_a_valid_memory(target: WasmTarget) -> None:
    text = config(f"  wasm: {target.name}\n  memory_mib: {target.heap_cap_mib}\n")
    parsed = parse_config(text, Path("c.yaml"))
    assert (parsed.target, parsed.memory_mib) == (target, target.heap_cap_mib)


@pytest.mark.usefixtures("project")  # the current folder is a project root
@pytest.mark.parametrize("target", TARGETS.values(), ids=lambda t: t.name)
def test_one_mib_over_the_cap_is_a_config_error_at_the_memory(target: WasmTarget) -> None:
    text = config(f"  wasm: {target.name}\n  memory_mib: {target.heap_cap_mib + 1}\n")
    with pytest.raises(ConfigError) as caught:
        parse_config(text, Path("c.yaml"))
    (problem,) = caught.value.problems
    assert str(problem).startswith(
        f"c.yaml:4:15: canister.memory_mib: {target.heap_cap_mib + 1} MiB is above the "
        f"{target.name} heap cap of {target.heap_cap_mib} MiB; "
        f"lower it to {target.heap_cap_mib} or less"
    )


@pytest.mark.usefixtures("project")  # the current folder is a project root
def test_a_bad_target_is_reported_once_without_a_cap_check() -> None:
    text = config("  memory_mib: 99999\n  wasm: [wasm32]\n")
    with pytest.raises(ConfigError) as caught:
        parse_config(text, Path("c.yaml"))
    (problem,) = caught.value.problems
    assert str(problem).startswith("c.yaml:4:9: canister.wasm: must be one of wasm32, wasm64")
