"""Recurrent layers: which layers are, the state they keep, the session that
saves it (qwen35's gated DeltaNet and lfm2's short convolution)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Architecture, Settings
from icpp_sizer_check.runtimes.llama_cpp_canister.sizing import (
    recurrent_state_bytes,
    size_model,
)
from tests.fixtures import examples
from tests.runtimes.llama_cpp_canister.shapes import GRANITE_4_0_H_1B

# A small qwen35 (the shape of tests/data/oracle's qwen35 cases): 4 value
# heads of 32, 2 key heads of 32, a convolution of 4.
QWEN35 = Architecture(
    n_layer=4,
    n_embd=256,
    n_head=4,
    n_head_kv=2,
    head_dim_k=64,
    head_dim_v=64,
    n_ff=512,
    n_vocab=4096,
    tensor_data_bytes=0,
    file_bytes=0,
    arch="qwen35",
    ssm_d_conv=4,
    ssm_d_inner=128,
    ssm_d_state=32,
    ssm_dt_rank=4,
    ssm_n_group=2,
)


def test_qwen35_attends_every_fourth_layer_by_default() -> None:
    arch = QWEN35._replace(n_layer=8)
    assert arch.attention_layers() == (3, 7)
    assert arch.recurrent_layers_of() == (0, 1, 2, 4, 5, 6)


@given(n_layer=st.integers(1, 64), interval=st.integers(1, 9))
@settings(max_examples=examples(200), deadline=None)
def test_qwen35_attends_every_nth_layer_of_its_interval(n_layer: int, interval: int) -> None:
    arch = QWEN35._replace(n_layer=n_layer, full_attention_interval=interval)
    assert arch.attention_layers() == tuple(range(interval - 1, n_layer, interval))


def test_qwen35_written_flags_override_the_interval() -> None:
    arch = QWEN35._replace(
        n_layer=5, full_attention_interval=2, recurrent_layers=(True, False, True, True, False)
    )
    assert arch.recurrent_layers_of() == (0, 2, 3)
    assert arch.attention_layers() == (1, 4)


def test_qwen35_mtp_layers_neither_attend_nor_recur() -> None:
    # blk.4 is the multi-token prediction block: the loader flags it not
    # recurrent, the main context filters it out of the KV cache
    arch = QWEN35._replace(n_layer=5, nextn_predict_layers=1)
    assert arch.trunk_layers() == 4
    assert arch.attention_layers() == (3,)
    assert arch.recurrent_layers_of() == (0, 1, 2)
    assert size_model(arch, Settings(512)) == size_model(QWEN35, Settings(512))


def test_recurrent_rules_leave_other_architectures_alone() -> None:
    llama = QWEN35._replace(arch="llama", recurrent_layers=(True,) * 4)
    assert llama.recurrent_layers_of() == ()
    assert llama.positions_per_token() == 1
    assert QWEN35.positions_per_token() == 4


def test_qwen35_state_is_the_convolution_and_the_deltanet_matrices() -> None:
    # conv: (4 - 1) x (128 + 2 x 2 x 32) floats; DeltaNet: 32 x 128 floats
    assert (QWEN35.n_embd_r(), QWEN35.n_embd_s()) == (3 * 256, 32 * 128)
    assert recurrent_state_bytes(QWEN35) == 3 * (768 + 4096) * 4


def test_lfm2_state_is_its_convolution_alone() -> None:
    lfm2 = QWEN35._replace(arch="lfm2", n_head_kv=(0, 2, 0, 2), shortconv_l_cache=3, ssm_d_inner=0)
    assert (lfm2.n_embd_r(), lfm2.n_embd_s()) == (2 * 256, 0)
    assert recurrent_state_bytes(lfm2) == 2 * 512 * 4


def test_a_granitehybrid_layer_without_key_value_heads_is_a_mamba2_mixer() -> None:
    arch = GRANITE_4_0_H_1B
    assert arch.attention_layers() == (10, 13, 17, 27)
    assert [il for il in range(arch.n_layer) if arch.is_recurrent(il)] == [
        il for il in range(40) if il not in (10, 13, 17, 27)
    ]


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(st.integers(0, 8), min_size=1, max_size=12), st.sampled_from(["granite", "llama"]))
def test_only_hybrid_architectures_have_recurrent_layers(heads: list[int], name: str) -> None:
    """A dense architecture's layer without key/value heads is no recurrent
    layer: llama.cpp marks recurrent layers in lfm2's and granitehybrid's loaders only."""
    arch = GRANITE_4_0_H_1B._replace(n_layer=len(heads), n_head_kv=tuple(heads))
    assert [arch.is_recurrent(il) for il in range(len(heads))] == [h == 0 for h in heads]
    assert not any(arch._replace(arch=name).is_recurrent(il) for il in range(len(heads)))


def test_mamba2_keeps_the_last_d_conv_minus_one_inputs_and_a_state_per_channel() -> None:
    """n_embd_r = (d_conv - 1)(d_inner + 2 n_group d_state); n_embd_s = d_state d_inner."""
    arch = GRANITE_4_0_H_1B
    assert arch.ssm_conv_channels() == 3072 + 2 * 128
    assert arch.n_embd_r() == 3 * 3328
    assert arch.n_embd_s() == 128 * 3072
    grouped = arch._replace(ssm_n_group=4, ssm_d_conv=3)
    assert grouped.n_embd_r() == 2 * (3072 + 8 * 128)


# llama_state_save_file's size once a context of the tests/data/oracle qwen35
# shapes is filled to its last cell, measured with llama.cpp 0.3.36
# (tests/runtimes/llama_cpp_canister/llama_cpp_probe.py): each KV cell also
# saves its M-RoPE position (llama_kv_cell_ext, 12 bytes).
SAVED_SESSIONS = [
    (QWEN35, Settings(256, 256, 256), 196_766),
    (QWEN35, Settings(300, 512, 64, "q8_0", "q8_0"), 212_126),
    (QWEN35._replace(n_layer=5, nextn_predict_layers=1), Settings(256, 256, 256), 196_766),
    (
        QWEN35._replace(
            n_layer=5,
            n_head=2,
            n_head_kv=1,
            head_dim_k=256,
            head_dim_v=256,
            ssm_d_conv=3,
            ssm_d_state=64,
            ssm_dt_rank=2,
            ssm_n_group=1,
            recurrent_layers=(True, False, True, True, False),
        ),
        Settings(256, 64, 64, "f16", "f32", False),
        898_230,
    ),
    (
        QWEN35._replace(
            n_layer=6,
            n_head=8,
            head_dim_k=128,
            head_dim_v=128,
            ssm_d_inner=256,
            ssm_d_state=64,
            ssm_n_group=4,
            full_attention_interval=3,
        ),
        Settings(512, 128, 128),
        1_362_126,
    ),
    (
        QWEN35._replace(n_layer=8, n_ff=384, ssm_d_conv=2, ssm_d_inner=256, ssm_dt_rank=8),
        Settings(260, 2048, 32, "q4_0", "q8_0"),
        433_406,
    ),
]


@pytest.mark.parametrize(("arch", "load", "saved"), SAVED_SESSIONS)
def test_qwen35_session_is_llama_cpps_saved_file(
    arch: Architecture, load: Settings, saved: int
) -> None:
    assert size_model(arch, load).session == saved
