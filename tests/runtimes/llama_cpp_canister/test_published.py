"""The sizing against the heap llama_cpp_canister publishes for three models,
and the README's table of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from icpp_sizer_check.config.load import load_config
from icpp_sizer_check.runtimes.llama_cpp_canister.models import LlamaCppModel
from icpp_sizer_check.runtimes.llama_cpp_canister.sizing import size_model
from tests.fixtures import DATA, REPO

PUBLISHED_CONFIG = DATA / "published" / "llama_cpp_canister.yaml"
# Heap after load_model (get_memory_status), as llama_cpp_canister publishes it.
PUBLISHED_HEAP = {
    "qwen3-0.6b-q8_0": 1_758_068_736,
    "qwen3-1.7b-q4_k_m": 2_187_264_000,
    "gemma-3-270m-q8_0": 928_645_120,
}
# How far the prediction may stray: the canister runs another llama.cpp on
# wasm32, and its overhead is derived, not measured there.
TOLERANCE = 0.01


def _predictions() -> dict[str, tuple[int, int]]:
    """Each model's predicted heap, and its weights and KV cache alone."""
    config = load_config(PUBLISHED_CONFIG, use_cache=False)
    found = {}
    for model in config.models:
        assert isinstance(model.values, LlamaCppModel)
        sizing = size_model(model.values.architecture, model.values.settings)
        found[model.name] = (sizing.heap, sizing.weights + sizing.kv_cache)
    return found


def _error(predicted: int, measured: int) -> str:
    return f"{(predicted - measured) / measured * 100:+.2f} %"


@pytest.mark.parametrize("name", PUBLISHED_HEAP)
def test_heap_within_one_percent_of_the_published(name: str) -> None:
    heap, _ = _predictions()[name]
    assert abs(heap - PUBLISHED_HEAP[name]) / PUBLISHED_HEAP[name] <= TOLERANCE, heap


def test_readme_table_shows_prediction_measurement_and_error(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name, (heap, weights_and_kv) in _predictions().items():
        published = PUBLISHED_HEAP[name]
        cells = (
            f"| {published:,} | {heap:,} | {_error(heap, published)} "
            f"| {weights_and_kv:,} | {_error(weights_and_kv, published)} |"
        )
        assert cells in readme, cells
