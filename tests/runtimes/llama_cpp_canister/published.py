"""The heaps llama_cpp_canister publishes for three models, and those models
as the published config under tests/data describes them."""

from __future__ import annotations

from icpp_sizer_check.config.load import load_config
from icpp_sizer_check.runtimes.llama_cpp_canister.models import LlamaCppModel
from tests.fixtures import DATA

PUBLISHED_CONFIG = DATA / "published" / "llama_cpp_canister.yaml"
# Heap after load_model (get_memory_status), as llama_cpp_canister publishes it.
PUBLISHED_HEAP = {
    "qwen3-0.6b-q8_0": 1_758_068_736,
    "qwen3-1.7b-q4_k_m": 2_187_264_000,
    "gemma-3-270m-q8_0": 928_645_120,
}


def published_models() -> dict[str, LlamaCppModel]:
    """Each published model's architecture and settings, by name."""
    config = load_config(PUBLISHED_CONFIG, use_cache=False)
    models = {}
    for model in config.models:
        assert isinstance(model.values, LlamaCppModel)
        models[model.name] = model.values
    return models


def error_percent(predicted: int, measured: int) -> str:
    """The signed relative error as the README prints it, e.g. ``+0.02 %``."""
    return f"{(predicted - measured) / measured * 100:+.2f} %"
