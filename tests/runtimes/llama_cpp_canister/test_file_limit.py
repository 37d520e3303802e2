"""max_model_file_mib's default held to the files llama_cpp_canister is known
to load and to fail on, and the failure that cites them."""

from __future__ import annotations

from icpp_sizer_check.canister import MIB
from icpp_sizer_check.package_data import config_schema
from icpp_sizer_check.runtimes.llama_cpp_canister import DEFAULT_MAX_MODEL_FILE_MIB
from icpp_sizer_check.runtimes.llama_cpp_canister.file_limit import (
    EVIDENCE,
    evidence_text,
    largest_round_limit_mib,
)

# The four files of the 2026 observations, as data (MB = 10^6 bytes, as the
# sources write them): whether each loaded.
KNOWN = {
    "Qwen3-1.7B Q4_K_M": (1_107_409_472, True),
    "TriLM-3.9B TQ2_0": (1_113 * 10**6, True),
    "Qwen2.5-1.5B Q6_K": (1_464 * 10**6, False),
    "Qwen3-1.7B Q8_0": (1_830 * 10**6, False),
}


def test_the_default_fails_every_known_failure_and_passes_every_known_load() -> None:
    limit = DEFAULT_MAX_MODEL_FILE_MIB * MIB
    for model, (size, loads) in KNOWN.items():
        assert (size <= limit) == loads, model


def test_the_evidence_is_the_known_files() -> None:
    assert {load.model: (load.file_bytes, load.loads) for load in EVIDENCE} == KNOWN


def test_the_default_is_the_largest_round_figure_below_the_smallest_failure() -> None:
    # 1,464 MB is 1,396.2 MiB: 1280 leaves 116 MiB, and 1536 is above it.
    assert DEFAULT_MAX_MODEL_FILE_MIB == largest_round_limit_mib() == 1280


def test_the_schema_states_the_default() -> None:
    schema = config_schema()
    described = schema["properties"]["max_model_file_mib"]
    assert described["default"] == DEFAULT_MAX_MODEL_FILE_MIB
    assert f"Default {DEFAULT_MAX_MODEL_FILE_MIB}:" in described["description"]


def test_the_evidence_in_short_names_the_closest_failure_and_load() -> None:
    assert evidence_text() == (
        "in 2026 a 1396.18 MB file (Qwen2.5-1.5B Q6_K) failed to load with IC0524 and a "
        "1061.44 MB one (TriLM-3.9B TQ2_0) loaded"
    )
