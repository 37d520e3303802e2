"""Which layers are recurrent and how large their states are, by llama.cpp's
loaders (granite-hybrid.cpp, lfm2.cpp) and llama_hparams::n_embd_r/n_embd_s."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fixtures import examples
from tests.runtimes.llama_cpp_canister.shapes import GRANITE_4_0_H_1B


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


def test_lfm2_keeps_its_short_convolution_and_no_ssm_state() -> None:
    lfm2 = GRANITE_4_0_H_1B._replace(arch="lfm2", shortconv_l_cache=3, ssm_d_state=0)
    assert lfm2.n_embd_r() == 2 * 1536
    assert lfm2.n_embd_s() == 0
