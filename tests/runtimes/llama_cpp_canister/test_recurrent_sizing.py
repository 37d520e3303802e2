"""A hybrid model's recurrent states in the sizing: llama_memory_recurrent's
buffer and its part of a saved session, against llama.cpp's own figures.

The session sizes were measured with llama-cpp-python 0.3.36: sparse GGUF
files of these shapes, each context filled to its last cell and saved with
llama_state_save_file (tests/runtimes/llama_cpp_canister/llama_cpp_probe.py).
"""

from __future__ import annotations

import pytest

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Architecture, Settings
from icpp_sizer_check.runtimes.llama_cpp_canister.sizing import (
    estimated_tensors,
    recurrent_state_bytes,
    size_model,
)
from tests.runtimes.llama_cpp_canister.shapes import GRANITE_4_0_H_1B, SMALL_GRANITEHYBRID

# Beside the small file as Granite 4.0 H makes them (no RoPE): one with RoPE,
# two groups and layers of unequal heads, one whose last layer attends.
GROUPED = SMALL_GRANITEHYBRID._replace(
    n_layer=7,
    n_head=(4, 4, 4, 8, 4, 4, 4),
    n_head_kv=(2, 0, 0, 4, 0, 0, 0),
    n_ff=384,
    ssm_d_state=32,
    ssm_dt_rank=16,
    ssm_n_group=2,
    rope_finetuned=True,
)
LAST_ATTENDS = SMALL_GRANITEHYBRID._replace(
    n_layer=4,
    n_head=2,
    n_head_kv=(0, 0, 0, 1),
    head_dim_k=128,
    head_dim_v=128,
    ssm_d_conv=3,
    ssm_d_state=64,
    ssm_dt_rank=4,
)


def test_granite_4_0_h_1b_keeps_55_mib_of_state_beside_a_small_kv_cache() -> None:
    """36 Mamba2 layers of (3 x 3328 + 128 x 3072) f32 values, then 4 attention
    layers' q8_0 K and V: llama.cpp's dry run of a file of this shape."""
    assert recurrent_state_bytes(GRANITE_4_0_H_1B) == 36 * (3 * 3328 + 128 * 3072) * 4
    sizing = size_model(GRANITE_4_0_H_1B, Settings(4096, 8, 8, "q8_0", "q8_0"))
    assert sizing.kv_cache == 58_060_800 + 4 * 4096 * 2 * 544 == 75_886_592
    assert sizing.compute == 3_506_400


@pytest.mark.parametrize(
    ("arch", "settings", "measured"),
    [
        (SMALL_GRANITEHYBRID, Settings(256, 64, 64), 423_637),
        (SMALL_GRANITEHYBRID, Settings(300, 512, 512, "q8_0", "q8_0"), 444_117),
        (SMALL_GRANITEHYBRID, Settings(256, 64, 64, "f16", "f32", False), 554_709),
        (GROUPED, Settings(512, 128, 128, "q4_0", "q8_0"), 693_997),
        (GROUPED, Settings(256, 64, 64, "bf16", "f16", False), 763_629),
        (LAST_ATTENDS, Settings(256, 32, 32, "q8_0", "f16", False), 513_189),
    ],
)
def test_a_saved_session_holds_both_states_of_every_mamba2_layer(
    arch: Architecture, settings: Settings, measured: int
) -> None:
    assert size_model(arch, settings).session == measured


def test_a_written_granitehybrid_without_n_tensors_counts_13_tensors_a_mamba2_layer() -> None:
    """The graph's size (8 nodes a tensor) and so the scheduler's heap follow
    the tensors: Granite 4.0 H-1B's file has 36 x 13 + 4 x 9 + 2 of them."""
    assert estimated_tensors(GRANITE_4_0_H_1B) == 36 * 13 + 4 * 9 + 3
    assert estimated_tensors(GRANITE_4_0_H_1B._replace(arch="lfm2")) == 40 * 9 + 3
