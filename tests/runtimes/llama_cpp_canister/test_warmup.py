"""Warm-up in the sizing: a setting the document shows, and no term of the heap.

test_warmup_llama_cpp.py shows why with real llama.cpp: upstream's warm-up
decodes two tokens within the compute buffer reserved at load.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from icpp_sizer_check.package_data import config_schema
from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Architecture, Settings
from icpp_sizer_check.runtimes.llama_cpp_canister.sizing import size_model
from tests.fixtures import examples
from tests.runtimes.llama_cpp_canister.test_sizing import GEMMA_3_270M, QWEN3_0_6B


@settings(max_examples=examples(100), deadline=None)
@given(
    arch=st.sampled_from([QWEN3_0_6B, GEMMA_3_270M]),
    ctx=st.integers(1, 40960),
    ubatch=st.integers(1, 2048),
    cache=st.sampled_from(["f16", "q8_0"]),
)
def test_warmup_adds_no_term_to_the_heap(
    arch: Architecture, ctx: int, ubatch: int, cache: str
) -> None:
    base = Settings(ctx, 2048, ubatch, cache, cache, True)
    on, off = (size_model(arch, base._replace(warmup=warmup)) for warmup in (True, False))
    assert on == off


def test_the_schema_says_warmup_adds_nothing_and_what_the_316_mib_is() -> None:
    description = config_schema()["$defs"]["llama_cpp_canister_model"]["properties"]["warmup"][
        "description"
    ]
    assert "adds nothing to the heap" in description
    assert "ubatch 512 instead of 8" in description
