"""What llama_cpp_canister publishes of its update calls (its model READMEs,
v0.14-v0.16.4, on its b10076 llama.cpp fork built with wasi-sdk and wasm
SIMD), and what the tool counts for the same models and settings: the
instructions of a whole call, and the tokens a call affords.

The published models' shapes and settings are the published config's
(tests/data/published/llama_cpp_canister.yaml); a figure's context is its own.
"""

from __future__ import annotations

from typing import NamedTuple, Optional

from icpp_sizer_check.runtimes.llama_cpp_canister.instructions import weights_of
from icpp_sizer_check.runtimes.llama_cpp_canister.models import LlamaCppModel
from icpp_sizer_check.runtimes.llama_cpp_canister.update_call import (
    Ceilings,
    Decoder,
    ceilings,
)
from tests.runtimes.llama_cpp_canister.published import all_published_models


class PublishedCall(NamedTuple):
    """A run_update's cycles as published: on a 13-node subnet one cycle an
    instruction, and 5 million for the message."""

    model: str
    ctx_size: int
    generated: int
    cycles: int
    source: str


MESSAGE_FEE = 5_000_000
PUBLISHED_CALLS = (
    PublishedCall("qwen3-1.7b-q4_k_m", 4096, 4, 26_836_073_673, "README-qwen3-1.7B.md L150-200"),
    PublishedCall("qwen3-1.7b-q4_k_m", 24576, 4, 31_132_686_530, "README-qwen3-1.7B.md L150-200"),
    PublishedCall("lfm2.5-1.2b-q4_k_m", 4096, 4, 12_446_618_543, "README-LFM2.5-1.2B.md L68"),
    PublishedCall("lfm2.5-2.6b-q4_k_m", 4096, 4, 38_865_179_739, "README-LFM2.5-2.6B.md L252-258"),
)


class PublishedCeiling(NamedTuple):
    """Tokens one call affords as published: the most that passed, and the
    fewest that failed (None: no failing count published)."""

    model: str
    ctx_size: int
    kind: str  # "generated" or "prompt"
    passed: int
    failed: Optional[int]
    source: str
    cache_type: str = ""  # K and V, when not the published config's


PUBLISHED_CEILINGS = (
    PublishedCeiling("gemma-3-270m-q8_0", 4096, "generated", 55, 60, "README-gemma-3.md L84-93"),
    PublishedCeiling("gemma-3-270m-q8_0", 4096, "generated", 50, None, "README.md L931", "f16"),
    PublishedCeiling(
        "qwen3-0.6b-q8_0", 16384, "generated", 25, None, "README.md L941 (first calls: up to 29)"
    ),
    PublishedCeiling("qwen3-1.7b-q4_k_m", 4096, "generated", 6, 7, "README-qwen3-1.7B.md L95-122"),
    PublishedCeiling("qwen3-1.7b-q4_k_m", 4096, "prompt", 8, 9, "README-qwen3-1.7B.md L95-122"),
    PublishedCeiling(
        "qwen3-1.7b-q4_k_m", 16384, "generated", 5, None, "README-qwen3-1.7B.md L95-122"
    ),
    PublishedCeiling("lfm2.5-1.2b-q4_k_m", 4096, "generated", 9, 10, "README-LFM2.5-1.2B.md L18"),
    PublishedCeiling("lfm2.5-1.2b-q4_k_m", 4096, "prompt", 11, None, "README-LFM2.5-1.2B.md L18"),
    PublishedCeiling("lfm2.5-2.6b-q4_k_m", 4096, "generated", 4, 5, "README-LFM2.5-2.6B.md L28-60"),
    PublishedCeiling("lfm2.5-2.6b-q4_k_m", 4096, "prompt", 4, 5, "README-LFM2.5-2.6B.md L28-60"),
)


def _model(name: str, ctx_size: int, cache_type: str = "") -> LlamaCppModel:
    model = all_published_models()[name]
    settings = model.settings._replace(ctx_size=ctx_size)
    if cache_type:
        settings = settings._replace(cache_type_k=cache_type, cache_type_v=cache_type)
    return model._replace(settings=settings)


def counted_call(call: PublishedCall) -> int:
    """The instructions the tool counts for that call (a new conversation),
    with the message's fee, as cycles."""
    model = _model(call.model, call.ctx_size)
    arch, settings = model.architecture, model.settings
    weights = weights_of(arch)
    assert weights is not None
    return Decoder(arch, settings, weights).generation_cost(1, call.generated) + MESSAGE_FEE


def counted_ceilings(ceiling: PublishedCeiling) -> Ceilings:
    model = _model(ceiling.model, ceiling.ctx_size, ceiling.cache_type)
    counted = ceilings(model.architecture, model.settings, 1)
    assert counted is not None
    return counted


def counted_ceiling(ceiling: PublishedCeiling) -> int:
    counted = counted_ceilings(ceiling)
    return counted.prompt if ceiling.kind == "prompt" else counted.generated
