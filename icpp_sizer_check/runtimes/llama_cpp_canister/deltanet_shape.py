"""What llama.cpp cannot load of a qwen35 shape: its gated DeltaNet's sizes,
which layers recur, its multi-token prediction layers (src/models/qwen35.cpp
and delta-net-base.cpp refuse or assert on each).
"""

from __future__ import annotations

from typing import NamedTuple

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Architecture

# The DeltaNet sizes qwen35's loader requires ({arch}.ssm.*), by config key.
DELTANET_KEYS = {
    "ssm_d_conv": "conv_kernel",
    "ssm_d_inner": "inner_size",
    "ssm_d_state": "state_size",
    "ssm_dt_rank": "time_step_rank",
    "ssm_n_group": "group_count",
}


class ShapeProblem(NamedTuple):
    """What is wrong, and the keys it involves, the one to fix first."""

    keys: tuple[str, ...]
    message: str


def deltanet_problems(arch: Architecture) -> list[ShapeProblem]:
    """The first of: a DeltaNet size missing; value heads not d_state wide or
    not a multiple of the key heads; flags not one per layer; no layer left
    to run besides the MTP layers; no DeltaNet or no attention layer; key and
    value heads of different sizes."""
    for key, gguf_key in DELTANET_KEYS.items():
        if getattr(arch, key) < 1:
            return [
                ShapeProblem(
                    (key,),
                    f"{key} is {getattr(arch, key)}, and qwen35's gated DeltaNet needs it; "
                    f"write the file's qwen35.ssm.{gguf_key}",
                )
            ]
    if arch.recurrent_layers and len(arch.recurrent_layers) != arch.n_layer:
        return [
            ShapeProblem(
                ("recurrent_layers",),
                f"recurrent_layers lists {len(arch.recurrent_layers)} flags for n_layer "
                f"{arch.n_layer}; write one per layer, or a full_attention_interval",
            )
        ]
    rules = (
        (
            arch.ssm_d_inner != arch.ssm_d_state * arch.ssm_dt_rank,
            ("ssm_d_inner", "ssm_d_state", "ssm_dt_rank"),
            f"ssm_d_inner ({arch.ssm_d_inner}) must be ssm_d_state x ssm_dt_rank "
            f"({arch.ssm_d_state} x {arch.ssm_dt_rank}): llama.cpp's delta rule needs value "
            "heads as wide as its state",
        ),
        (
            arch.ssm_dt_rank % arch.ssm_n_group != 0,
            ("ssm_dt_rank", "ssm_n_group"),
            f"ssm_dt_rank ({arch.ssm_dt_rank} value heads) must be divisible by ssm_n_group "
            f"({arch.ssm_n_group} key heads)",
        ),
        (
            arch.nextn_predict_layers >= arch.n_layer,
            ("nextn_predict_layers", "n_layer"),
            f"nextn_predict_layers ({arch.nextn_predict_layers}) leaves no layer of "
            f"n_layer {arch.n_layer} to run",
        ),
        (
            not arch.recurrent_layers_of() or not arch.attention_layers(),
            ("full_attention_interval", "recurrent_layers"),
            "qwen35 needs a gated DeltaNet layer and a full-attention layer: llama.cpp "
            "aborts allocating the context of a model without either (GGML_ASSERT(buffer)); "
            "write the file's full_attention_interval or recurrent_layers",
        ),
        (
            arch.head_dim_k != arch.head_dim_v,
            ("head_dim_v", "head_dim_k"),
            f"head_dim_k ({arch.head_dim_k}) and head_dim_v ({arch.head_dim_v}) must be equal "
            "in qwen35's attention layers",
        ),
    )
    return [ShapeProblem(keys, message) for broken, keys, message in rules if broken][:1]
