"""Each architecture's reserve graph, as llama.cpp's src/models/<arch>.cpp builds it."""

from __future__ import annotations

from typing import Callable

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Architecture
from icpp_sizer_check.runtimes.llama_cpp_canister.graph import ggml
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.delta_net import build_qwen35
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.gemma3n import build_gemma3n
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.llm import GraphContext
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.mamba import build_mamba2_layer
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.memory import Ubatch

# smollm3 skips RoPE on every 4th layer (hparams.n_no_rope_layer_step).
SMOLLM3_NO_ROPE_STEP = 4


def build_llama_like(
    ctx: GraphContext, qk_norm: bool = False, biases: bool = False, no_rope_step: int = 0
) -> None:
    """llama, qwen2 (q/k/v biases), qwen3 (q/k norms) and smollm3 (no RoPE on
    every fourth layer): src/models/llama.cpp, qwen2.cpp, qwen3.cpp, smollm3.cpp."""
    arch = ctx.arch
    inp_l, inp_pos, attn = ctx.build_inputs()
    for il in range(arch.n_layer):
        inp_sa = inp_l
        cur = ctx.build_norm(inp_l)
        q, k, v = ctx.build_qkv(cur, il, biases=biases)
        if qk_norm:
            q, k = ctx.build_norm(q), ctx.build_norm(k)
        if not no_rope_step or (il + 1) % no_rope_step:
            q, k = ctx.rope(q, inp_pos), ctx.rope(k, inp_pos)
        cur = ctx.build_attn(attn, q, k, v, il)
        cur, inp_sa = ctx.output_rows(il, cur, inp_sa)
        ffn_inp = ggml.like("ADD", cur, inp_sa)
        cur = ctx.build_norm(ffn_inp)
        cur = ctx.build_ffn(cur, arch.ff_length(il))
        inp_l = ggml.like("ADD", cur, ffn_inp)
    ctx.build_output(inp_l)


def build_gemma3(ctx: GraphContext) -> None:
    """src/models/gemma3.cpp: scaled embeddings, q/k norms, post-norms, a GELU
    feed-forward; global and sliding-window caches when the model slides."""
    arch = ctx.arch
    inp_l, inp_pos, attn = ctx.build_inputs(scaled=True)
    for il in range(arch.n_layer):
        cur = ctx.build_norm(inp_l)
        q, k, v = ctx.build_qkv(cur, il)
        q = ctx.rope(ctx.build_norm(q), inp_pos)
        k = ctx.rope(ctx.build_norm(k), inp_pos)
        q = ggml.like("SCALE", q)
        cur = ctx.build_attn(attn, q, k, v, il)
        cur, inp_l = ctx.output_rows(il, cur, inp_l)
        cur = ctx.build_norm(cur)
        sa_out = ggml.like("ADD", cur, inp_l)
        cur = ctx.build_norm(sa_out)
        cur = ctx.build_ffn(cur, arch.ff_length(il))
        cur = ctx.build_norm(cur)
        inp_l = ggml.like("ADD", cur, sa_out)
    ctx.build_output(inp_l)


def build_lfm2(ctx: GraphContext) -> None:
    """src/models/lfm2.cpp: short-convolution layers (a recurrent state of
    l_cache - 1 tokens) and attention layers with q/k norms; every attention
    layer slides when the model has a window."""
    arch = ctx.arch
    cur, inp_pos, attn = ctx.build_inputs(hybrid=True)
    states = ctx.build_rs_inp()
    for il in range(arch.n_layer):
        prev = cur
        cur = ctx.build_norm(cur)
        if arch.is_recurrent(il):
            cur = ctx.build_shortconv(cur, states, il)
        else:
            q, k, v = ctx.build_qkv(cur, il)
            q = ctx.rope(ctx.build_norm(q), inp_pos)
            k = ctx.rope(ctx.build_norm(k), inp_pos)
            cur = ctx.build_attn(attn, q, k, v, il)
        cur, prev = ctx.output_rows(il, cur, prev)
        cur = ggml.like("ADD", prev, cur)
        ffn_out = ctx.build_ffn(ctx.build_norm(cur), arch.ff_length(il))
        cur = ggml.like("ADD", cur, ffn_out)
    ctx.build_output(cur)


def build_phi3(ctx: GraphContext) -> None:
    """src/models/phi3.cpp: one fused QKV matrix, a scaled query, a SwiGLU of
    one up matrix of twice the feed-forward length; phi3's window is off."""
    arch = ctx.arch
    inp_l, inp_pos, attn = ctx.build_inputs()
    for il in range(arch.n_layer):
        residual = inp_l
        q, k, v = ctx.build_qkv_fused(ctx.build_norm(inp_l), il)
        q = ggml.like("SCALE", ctx.rope(q, inp_pos))
        k = ctx.rope(k, inp_pos)
        cur = ctx.build_attn(attn, q, k, v, il)
        cur, residual = ctx.output_rows(il, cur, residual)
        residual = ggml.like("ADD", cur, residual)
        up = ctx.build_lora_mm(2 * arch.ff_length(il), ctx.build_norm(residual))
        cur = ctx.build_lora_mm(arch.n_embd, ggml.swiglu(up))
        inp_l = ggml.like("ADD", residual, cur)
    ctx.build_output(inp_l)


def build_granite(ctx: GraphContext, hybrid: bool = False) -> None:
    """src/models/granite.cpp: llama's layers with the embedding, each
    residual branch and the logits scaled. granitehybrid (granite-hybrid.cpp)
    makes a layer without key/value heads a Mamba2 mixer, and rotates only
    when the file says so (Granite 4.0's do not)."""
    arch = ctx.arch
    inp_l, inp_pos, attn = ctx.build_inputs(scaled=True, hybrid=hybrid)
    states = ctx.build_rs_inp() if hybrid else None
    for il in range(arch.n_layer):
        inp_sa = inp_l
        cur = ctx.build_norm(inp_l)
        if states is not None and arch.is_recurrent(il):
            cur = build_mamba2_layer(ctx, cur, states, il)
        else:
            q, k, v = ctx.build_qkv(cur, il)
            if arch.rope_finetuned or not hybrid:
                q, k = ctx.rope(q, inp_pos), ctx.rope(k, inp_pos)
            cur = ctx.build_attn(attn, q, k, v, il)
        cur, inp_sa = ctx.output_rows(il, cur, inp_sa)
        ffn_inp = ggml.like("ADD", ggml.like("SCALE", cur), inp_sa)
        cur = ctx.build_ffn(ctx.build_norm(ffn_inp), arch.ff_length(il))
        inp_l = ggml.like("ADD", ggml.like("SCALE", cur), ffn_inp)
    ctx.build_output(inp_l, logit_scale=True)


def build_exaone4(ctx: GraphContext) -> None:
    """src/models/exaone4.cpp: no pre-norm; q/k norms; post-norms after
    attention and the feed-forward; global layers of a sliding model skip RoPE."""
    arch = ctx.arch
    inp_l, inp_pos, attn = ctx.build_inputs()
    for il in range(arch.n_layer):
        inp_sa = inp_l
        q, k, v = ctx.build_qkv(inp_l, il)
        q, k = ctx.build_norm(q), ctx.build_norm(k)
        if arch.is_swa(il) or not attn.iswa:
            q, k = ctx.rope(q, inp_pos), ctx.rope(k, inp_pos)
        cur = ctx.build_attn(attn, q, k, v, il)
        cur, inp_sa = ctx.output_rows(il, cur, inp_sa)
        ffn_inp = ggml.like("ADD", ctx.build_norm(cur), inp_sa)
        cur = ctx.build_norm(ctx.build_ffn(ffn_inp, arch.ff_length(il)))
        inp_l = ggml.like("ADD", cur, ffn_inp)
    ctx.build_output(inp_l)


BUILDERS: dict[str, Callable[[GraphContext], None]] = {
    "llama": build_llama_like,
    "qwen2": lambda ctx: build_llama_like(ctx, biases=True),
    "qwen3": lambda ctx: build_llama_like(ctx, qk_norm=True),
    "gemma3": build_gemma3,
    "lfm2": build_lfm2,
    "phi3": build_phi3,
    "granite": build_granite,
    "smollm3": lambda ctx: build_llama_like(ctx, no_rope_step=SMOLLM3_NO_ROPE_STEP),
    "exaone4": build_exaone4,
    "gemma3n": build_gemma3n,
    "qwen35": build_qwen35,
    "granitehybrid": lambda ctx: build_granite(ctx, hybrid=True),
}


def reserve_graph(arch: Architecture, ubatch: Ubatch) -> ggml.Graph:
    """The graph llama.cpp reserves the compute buffer for."""
    ctx = GraphContext(arch, ubatch)
    BUILDERS[arch.arch](ctx)
    return ctx.gf
