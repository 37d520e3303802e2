"""What llama.cpp refuses of a qwen35 shape, said before any sizing; and no
qwen35 shape it accepts breaks the sizing."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Settings
from icpp_sizer_check.runtimes.llama_cpp_canister.shape import shape_problems
from icpp_sizer_check.runtimes.llama_cpp_canister.sizing import size_model
from tests.fixtures import examples
from tests.runtimes.llama_cpp_canister.test_recurrent import QWEN35


def test_a_sound_shape_has_no_problem() -> None:
    assert shape_problems(QWEN35) == []


@pytest.mark.parametrize(
    ("change", "keys", "start"),
    [
        ({"ssm_d_state": 0}, ("ssm_d_state",), "ssm_d_state is 0, and qwen35's gated DeltaNet"),
        ({"ssm_d_inner": 96}, ("ssm_d_inner", "ssm_d_state", "ssm_dt_rank"), "ssm_d_inner (96)"),
        ({"ssm_n_group": 3}, ("ssm_dt_rank", "ssm_n_group"), "ssm_dt_rank (4 value heads)"),
        ({"recurrent_layers": (True, False)}, ("recurrent_layers",), "recurrent_layers lists 2"),
        ({"nextn_predict_layers": 4}, ("nextn_predict_layers", "n_layer"), "nextn_predict_layers"),
        ({"full_attention_interval": 1}, ("full_attention_interval", "recurrent_layers"), "qwen35"),
        (
            {"recurrent_layers": (True,) * 4},
            ("full_attention_interval", "recurrent_layers"),
            "qwen",
        ),
        ({"head_dim_v": 128}, ("head_dim_v", "head_dim_k"), "head_dim_k (64) and head_dim_v"),
    ],
)
def test_what_llama_cpp_refuses_is_said_at_its_key(
    change: dict[str, Any], keys: tuple[str, ...], start: str
) -> None:
    (problem,) = shape_problems(QWEN35._replace(**change))
    assert problem.keys == keys
    assert problem.message.startswith(start)


def test_lfm2_s_convolution_rule_leaves_qwen35_alone() -> None:
    assert shape_problems(QWEN35._replace(shortconv_l_cache=0)) == []
    assert QWEN35._replace(shortconv_l_cache=3).n_embd_r() == QWEN35.n_embd_r()


sizes = st.integers(0, 9)


@given(
    n_layer=st.integers(1, 9),
    d_conv=sizes,
    d_state=sizes,
    dt_rank=sizes,
    n_group=sizes,
    d_inner=st.integers(0, 90),
    interval=sizes,
    nextn=sizes,
    ubatch=st.integers(1, 70),
)
@settings(max_examples=examples(300), deadline=None)
def test_every_shape_is_refused_or_sized(
    n_layer: int,
    d_conv: int,
    d_state: int,
    dt_rank: int,
    n_group: int,
    d_inner: int,
    interval: int,
    nextn: int,
    ubatch: int,
) -> None:
    """Hostile values reach the sizing only through shape_problems: whatever
    they are, the shape is refused or sized, never a crash."""
    arch = QWEN35._replace(
        n_layer=n_layer,
        ssm_d_conv=d_conv,
        ssm_d_state=d_state,
        ssm_dt_rank=dt_rank,
        ssm_n_group=n_group,
        ssm_d_inner=d_inner,
        full_attention_interval=interval,
        nextn_predict_layers=nextn,
    )
    if shape_problems(arch):
        return
    sizing = size_model(arch, Settings(256, ubatch, ubatch))
    assert sizing.compute > 0 and sizing.kv_cache > 0 and sizing.session > 0
