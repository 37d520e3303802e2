"""qwen35's part of a sparse GGUF file: the keys of src/models/qwen35.cpp's
load_arch_hparams and the tensors of its load_arch_tensors.

A block is a gated DeltaNet layer (a causal convolution over the mixed Q, K
and V channels, then the delta rule) or a gated full-attention layer whose
query projection is twice as wide (the query and its gate); every block
sizes its tensors by layer 0's head counts and feed-forward length, as the
loader does. Multi-token prediction blocks are not written: llama.cpp does
not load them by default (load_mtp), so their bytes are no model buffer's.
"""

from __future__ import annotations

import gguf

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Architecture, at_layer

# (name, ne, role): role is the WeightTypes field a matrix takes its type
# from, or "f32" for what the loader keeps in F32 (norms, the convolution
# kernel, the decay and time-step vectors).
Spec = tuple[str, tuple[int, ...], str]
# M-RoPE's sections (rope.dimension_sections, required): Qwen3.5's split of
# its rotated pairs between time, height and width.
ROPE_SECTIONS = (11, 11, 10, 0)


def qwen35_block(arch: Architecture, il: int, raise_v: bool, raise_down: bool) -> list[Spec]:
    """Block ``il``'s tensors."""
    n_embd, blk = arch.n_embd, f"blk.{il}"
    n_ff, n_head, n_head_kv = (
        at_layer(value, 0) for value in (arch.n_ff, arch.n_head, arch.n_head_kv)
    )
    head_dim = arch.head_dim_k
    out: list[Spec] = [
        (f"{blk}.attn_norm.weight", (n_embd,), "f32"),
        (f"{blk}.post_attention_norm.weight", (n_embd,), "f32"),
    ]
    if arch.is_recurrent(il):
        key_dim = arch.ssm_d_state * arch.ssm_n_group
        conv_dim = 2 * key_dim + arch.ssm_d_inner
        heads = arch.ssm_dt_rank
        out += [
            (f"{blk}.attn_qkv", (n_embd, conv_dim), "matrix"),
            (f"{blk}.attn_gate", (n_embd, arch.ssm_d_inner), "matrix"),
            (f"{blk}.ssm_conv1d.weight", (arch.ssm_d_conv, conv_dim), "f32"),
            (f"{blk}.ssm_dt.bias", (heads,), "f32"),
            (f"{blk}.ssm_a", (heads,), "f32"),
            (f"{blk}.ssm_beta", (n_embd, heads), "matrix"),
            (f"{blk}.ssm_alpha", (n_embd, heads), "matrix"),
            (f"{blk}.ssm_norm.weight", (arch.ssm_d_state,), "f32"),
            (f"{blk}.ssm_out", (arch.ssm_d_inner, n_embd), "matrix"),
        ]
    else:
        out += [
            (f"{blk}.attn_q", (n_embd, 2 * head_dim * n_head), "matrix"),
            (f"{blk}.attn_k", (n_embd, head_dim * n_head_kv), "matrix"),
            (
                f"{blk}.attn_v",
                (n_embd, arch.head_dim_v * n_head_kv),
                "attn_v" if raise_v else "matrix",
            ),
            (f"{blk}.attn_output", (head_dim * n_head, n_embd), "matrix"),
            (f"{blk}.attn_q_norm.weight", (head_dim,), "f32"),
            (f"{blk}.attn_k_norm.weight", (head_dim,), "f32"),
        ]
    return [
        *out,
        (f"{blk}.ffn_gate", (n_embd, n_ff), "matrix"),
        (f"{blk}.ffn_up", (n_embd, n_ff), "matrix"),
        (f"{blk}.ffn_down", (n_ff, n_embd), "ffn_down" if raise_down else "matrix"),
    ]


def add_qwen35_hparams(writer: gguf.GGUFWriter, arch: Architecture) -> None:
    """The DeltaNet's sizes, the M-RoPE sections, and which layers recur."""
    name = arch.arch
    for key, value in (
        ("{arch}.ssm.conv_kernel", arch.ssm_d_conv),
        ("{arch}.ssm.inner_size", arch.ssm_d_inner),
        ("{arch}.ssm.state_size", arch.ssm_d_state),
        ("{arch}.ssm.time_step_rank", arch.ssm_dt_rank),
        ("{arch}.ssm.group_count", arch.ssm_n_group),
    ):
        writer.add_uint32(key.format(arch=name), value)
    writer.add_array(f"{name}.rope.dimension_sections", list(ROPE_SECTIONS))
    if arch.full_attention_interval:
        writer.add_uint32(f"{name}.full_attention_interval", arch.full_attention_interval)
    if arch.recurrent_layers:
        writer.add_array(f"{name}.attention.recurrent_layers", list(arch.recurrent_layers))
