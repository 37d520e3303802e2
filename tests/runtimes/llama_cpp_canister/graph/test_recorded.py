"""The sizing against llama.cpp's own figures, recorded: the quick loop's
sample of the oracle, for machines without llama.cpp.

tests/data/oracle/dry_run_cases.jsonl holds one case a line: an architecture
mapping, the settings, and what llama.cpp 0.3.36's no_alloc dry run reported
for a GGUF file of that shape (model, context and compute bytes, and n_ctx).
The live oracle tests (tests/oracle) rerun llama.cpp itself on thousands of
shapes; these cases keep the quick loop honest without it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import (
    ARCHITECTURES,
    Settings,
)
from icpp_sizer_check.runtimes.llama_cpp_canister.sizing import size_model
from tests.fixtures import ORACLE, architecture_of_mapping

CASES = ORACLE / "dry_run_cases.jsonl"


def _cases() -> list[dict[str, Any]]:
    return [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines()]


def _name(case: dict[str, Any]) -> str:
    arch, settings = case["architecture"], case["settings"]
    return (
        f"{arch['arch']}-{arch['n_layer']}l-ctx{settings['ctx_size']}-ub{settings['ubatch_size']}"
    )


@pytest.mark.parametrize("case", _cases(), ids=_name)
def test_buffers_equal_llama_cpps_dry_run(case: dict[str, Any]) -> None:
    arch = architecture_of_mapping(case["architecture"])
    sizing = size_model(arch, Settings(**case["settings"]))
    measured = case["llama_cpp"]
    assert sizing.context.n_ctx == measured["n_ctx"]
    assert sizing.kv_cache == measured["context"]
    assert sizing.compute == measured["compute"]
    if arch.tensor_data_bytes:
        assert sizing.weights == measured["model"]


def test_every_architecture_is_recorded() -> None:
    recorded = {case["architecture"]["arch"] for case in _cases()}
    assert recorded == set(ARCHITECTURES)
