"""The heaps llama_cpp_canister publishes for its models, and those models
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
    "qwen3-1.7b-q4_k_m-ubatch-512": 2_518_351_872,
    # "1.67 GiB", fresh after one load: rounded to 0.005 GiB (0.3 %).
    "lfm2.5-2.6b-q4_k_m": round(1.67 * 2**30),
}
# Published too, but no figure to hold the sizing to: LFM2.5-1.2B's came after a
# larger model had grown the heap, which never shrinks (llama_cpp_canister calls
# it anomalous).
PUBLISHED_ROUGHLY = {
    "lfm2.5-1.2b-q4_k_m": 2_215_903_232,
}


def published_models() -> dict[str, LlamaCppModel]:
    """Each model of an exact published heap: its architecture and settings, by name."""
    return {name: model for name, model in all_published_models().items() if name in PUBLISHED_HEAP}


def all_published_models() -> dict[str, LlamaCppModel]:
    """Every model of the published config, those of a rough figure too."""
    config = load_config(PUBLISHED_CONFIG, use_cache=False)
    models = {}
    for model in config.models:
        assert isinstance(model.values, LlamaCppModel)
        models[model.name] = model.values
    return models


def error_percent(predicted: int, measured: int) -> str:
    """The signed relative error as the sizing page prints it, e.g. ``+0.02 %``."""
    return f"{(predicted - measured) / measured * 100:+.2f} %"
