"""A granitehybrid GGUF file of a given shape that llama.cpp loads: every key
and tensor granite-hybrid.cpp's loader requires, F16 matrices and F32 vectors,
the data left as zeros (the file is truncated to its full size, so it stays
sparse on disk). Needs ``gguf`` and ``numpy``."""

from __future__ import annotations

from pathlib import Path

import gguf
import numpy as np

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Architecture

ALIGNMENT = 32
F16, F32 = gguf.GGMLQuantizationType.F16, gguf.GGMLQuantizationType.F32
Tensors = list[tuple[str, tuple[int, ...], gguf.GGMLQuantizationType]]


def _layer(arch: Architecture, il: int) -> Tensors:
    """One block's tensors; shapes in numpy's order (ggml's reversed)."""
    b, n_embd, n_ff = f"blk.{il}.", arch.n_embd, arch.ff_length(il)
    tensors: Tensors = [
        (b + "attn_norm.weight", (n_embd,), F32),
        (b + "ffn_norm.weight", (n_embd,), F32),
        (b + "ffn_gate.weight", (n_ff, n_embd), F16),
        (b + "ffn_up.weight", (n_ff, n_embd), F16),
        (b + "ffn_down.weight", (n_embd, n_ff), F16),
    ]
    if not arch.is_recurrent(il):
        q, kv = arch.head_dim_k * arch.head_count(il), arch.head_dim_k * arch.head_count_kv(il)
        return [
            *tensors,
            (b + "attn_q.weight", (q, n_embd), F16),
            (b + "attn_k.weight", (kv, n_embd), F16),
            (b + "attn_v.weight", (kv, n_embd), F16),
            (b + "attn_output.weight", (n_embd, q), F16),
        ]
    d_inner, heads, channels = arch.ssm_d_inner, arch.ssm_dt_rank, arch.ssm_conv_channels()
    return [
        *tensors,
        (b + "ssm_in.weight", (d_inner + channels + heads, n_embd), F16),
        (b + "ssm_conv1d.weight", (channels, arch.ssm_d_conv), F32),
        (b + "ssm_conv1d.bias", (channels,), F32),
        (b + "ssm_dt.bias", (heads,), F32),
        (b + "ssm_a", (heads, 1), F32),
        (b + "ssm_d", (heads, 1), F32),
        (b + "ssm_norm.weight", (arch.ssm_n_group, d_inner // arch.ssm_n_group), F32),
        (b + "ssm_out.weight", (n_embd, d_inner), F16),
    ]


def write_granitehybrid(path: Path, arch: Architecture) -> Path:
    name = "granitehybrid"
    writer = gguf.GGUFWriter(path, name)
    writer.add_block_count(arch.n_layer)
    writer.add_context_length(arch.context_length or 8192)
    writer.add_embedding_length(arch.n_embd)
    writer.add_feed_forward_length(arch.ff_length(0))
    writer.add_head_count([arch.head_count(il) for il in range(arch.n_layer)])
    writer.add_head_count_kv([arch.head_count_kv(il) for il in range(arch.n_layer)])
    writer.add_key_length(arch.head_dim_k)
    writer.add_value_length(arch.head_dim_v)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_tokenizer_model("none")
    writer.add_vocab_size(arch.n_vocab)
    for key, value in (
        ("ssm.conv_kernel", arch.ssm_d_conv),
        ("ssm.inner_size", arch.ssm_d_inner),
        ("ssm.state_size", arch.ssm_d_state),
        ("ssm.time_step_rank", arch.ssm_dt_rank),
        ("ssm.group_count", arch.ssm_n_group),
    ):
        writer.add_uint32(f"{name}.{key}", value)
    writer.add_bool(f"{name}.rope.scaling.finetuned", arch.rope_finetuned)
    for key, scale in (("logit_scale", 8.0), ("residual_scale", 0.22), ("embedding_scale", 12.0)):
        writer.add_float32(f"{name}.{key}", scale)
    tensors: Tensors = [
        ("token_embd.weight", (arch.n_vocab, arch.n_embd), F16),
        ("output_norm.weight", (arch.n_embd,), F32),
    ]
    for il in range(arch.n_layer):
        tensors += _layer(arch, il)
    data = 0
    for tensor, shape, kind in tensors:
        nbytes = int(np.prod(shape)) * (2 if kind == F16 else 4)
        dtype = np.float16 if kind == F16 else np.float32
        writer.add_tensor_info(tensor, shape, np.dtype(dtype), nbytes, raw_dtype=kind)
        data += -(-nbytes // ALIGNMENT) * ALIGNMENT
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    writer.close()
    start = -(-path.stat().st_size // ALIGNMENT) * ALIGNMENT
    with path.open("r+b") as file:
        file.truncate(start + data)
    return path
