"""llama.cpp's warm-up held to what the sizing says of it: nothing on the heap.

A small real model (gguf_files) gets a context in a fresh process, at ubatch 8
and at ubatch 512, with and without upstream's warm-up, then a first call
(warmup_probe). The warm-up leaves the scheduler's compute buffer as reserved
at creation, and the heap after the first call is the same with it as
without; the ubatch, by contrast, moves the heap by the compute buffer. Needs
llama-cpp-python and gguf: skipped without them, failed under CI.
"""

from __future__ import annotations

import importlib
from typing import Callable

import pytest

from tests.fixtures import missing
from tests.runtimes.llama_cpp_canister.llama_cpp_probe import ContextRequest
from tests.runtimes.llama_cpp_canister.warmup_probe import WarmupFigures, measure

pytestmark = [pytest.mark.integration, pytest.mark.slow]

UBATCHES = (8, 512)
# Allocations inside llama.cpp whose sizes depend on what ran before (vector
# capacities) move the heap by a few KB: 2.5-3 KB measured.
NOISE = 64 * 1024

Warmed = Callable[[int, bool], WarmupFigures]


def _context(ubatch: int) -> ContextRequest:
    # As the canister loads Qwen3-1.7B: batch = ubatch, q8_0 K and V, flash attention.
    return ContextRequest(4096, ubatch, ubatch, "q8_0", "q8_0", True)


@pytest.fixture(scope="module")
def warmed(tmp_path_factory: pytest.TempPathFactory) -> Warmed:
    """Each (ubatch, warm-up or not) run once, on first use, in a process of its own."""
    for module in ("llama_cpp", "gguf"):
        try:
            importlib.import_module(module)
        except ImportError as error:
            missing(f"{module} cannot be imported ({error}): install llama-cpp-python and gguf")
    from tests.runtimes.llama_cpp_canister.gguf_files import SPECS_BY_NAME, write_model

    # An SPM vocabulary: the warm-up decodes its BOS and EOS, as upstream does.
    spec = SPECS_BY_NAME["llama_spm_q4_0_untied"]
    model = write_model(tmp_path_factory.mktemp("warmup"), spec)
    runs: dict[tuple[int, bool], WarmupFigures] = {}

    def get(ubatch: int, warmup: bool) -> WarmupFigures:
        if (ubatch, warmup) not in runs:
            runs[ubatch, warmup] = measure(model, _context(ubatch), warmup)
        return runs[ubatch, warmup]

    return get


@pytest.mark.parametrize("ubatch", UBATCHES)
def test_warm_up_leaves_the_compute_buffer_as_reserved(warmed: Warmed, ubatch: int) -> None:
    """After the warm-up and a first call, llama_context's destructor finds the
    scheduler's compute buffer at the size reserved when the context was made."""
    run = warmed(ubatch, True)
    assert run.matches, run.log[-3000:]
    assert run.compute_at_free == run.reserved_compute
    assert run.compute_bytes is not None and run.kv_bytes is not None
    # The creation's buffers are those of the same context made without warm-up.
    cold = warmed(ubatch, False)
    assert (run.compute_bytes, run.kv_bytes) == (cold.compute_bytes, cold.kv_bytes)


@pytest.mark.parametrize("ubatch", UBATCHES)
def test_warm_up_adds_nothing_to_the_heap_peak(warmed: Warmed, ubatch: int) -> None:
    """The heap after the first call is the same with a warm-up as without:
    what the warm-up's decode allocates on first use, the first call would."""
    warm, cold = warmed(ubatch, True), warmed(ubatch, False)
    assert warm.created_heap == cold.created_heap
    assert abs(warm.peak - cold.peak) <= NOISE, (warm.peak, cold.peak)


def test_the_ubatch_moves_the_heap_by_the_compute_buffer(warmed: Warmed) -> None:
    """What the same measurement sees of ubatch 512 instead of 8: the larger
    compute buffer, tens of MB on this small model (304 MiB on Qwen3-1.7B's
    shape): the published 316 MiB "warm-up" cost is of this kind."""
    small, large = warmed(8, False), warmed(512, False)
    assert small.compute_bytes is not None and large.compute_bytes is not None
    grown = large.compute_bytes - small.compute_bytes
    assert grown > 1000 * NOISE
    assert abs((large.peak - small.peak) - grown) <= 0.01 * grown, (large.peak - small.peak, grown)
    print(
        f"\nubatch 8: peak {small.peak:,} B; ubatch 512: peak {large.peak:,} B; "
        f"compute buffer +{grown:,.0f} B; warm-up: "
        f"{warmed(8, True).peak - small.peak:+,} B at ubatch 8, "
        f"{warmed(512, True).peak - large.peak:+,} B at ubatch 512"
    )
