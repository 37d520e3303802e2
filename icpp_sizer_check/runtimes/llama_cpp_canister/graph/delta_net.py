"""qwen35's reserve graph: gated DeltaNet layers between full-attention ones.

Mirrors llama.cpp's src/models/qwen35.cpp and delta-net-base.cpp as the CPU
backend runs them: llama_context::resolve_fused_ops finds the CPU backend
runs GATED_DELTA_NET, so both the one-token and the chunked DeltaNet are the
fused op (no chunking subgraph, no repeat of the key heads), and with no
recurrent rollback (n_rs_seq 0) the op keeps one state snapshot.
"""

from __future__ import annotations

from icpp_sizer_check.runtimes.llama_cpp_canister.graph import ggml
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.ggml import F32, I32, Tensor
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.llm import GraphContext
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.memory import (
    AttentionInputs,
    RecurrentStates,
)


def _unary(cur: Tensor) -> Tensor:
    """ggml_sigmoid, ggml_silu, ggml_softplus: an elementwise GGML_OP_UNARY."""
    return ggml.like("UNARY", cur)


def _l2_norm(cur: Tensor) -> Tensor:
    """build_gdn_l2_norm: an RMS norm, scaled."""
    return ggml.like("SCALE", ggml.like("RMS_NORM", cur))


def build_qwen35(ctx: GraphContext) -> None:
    """llama_model_qwen35::graph: a norm, a DeltaNet or a gated attention
    block, a post-norm and a SwiGLU feed-forward a layer; the last layer keeps
    every token, and only the final norm's output rows reach the logits; the
    MTP layers are not run."""
    arch = ctx.arch
    cur = ctx.build_inp_embd()
    attn = ctx.build_attn_inputs(hybrid=True)
    states = ctx.build_rs_inp()
    pos = ggml.input_tensor(I32, arch.positions_per_token() * ctx.n_tokens)
    out_ids = ctx.build_inp_out_ids()
    for il in range(arch.trunk_layers()):
        residual = cur
        cur = ctx.build_norm(cur)
        ctx.gf.expand(cur)
        if arch.is_recurrent(il):
            cur = build_layer_attn_linear(ctx, states, cur, il)
        else:
            cur = build_layer_attn(ctx, attn, cur, pos, il)
        cur = ggml.like("ADD", cur, residual)
        ffn_residual = cur
        cur = ctx.build_ffn(ctx.build_norm(cur), arch.ff_length(il))
        cur = ggml.like("ADD", cur, ffn_residual)
    ctx.build_output(cur, rows=out_ids)


def build_layer_attn(
    ctx: GraphContext, attn: AttentionInputs, cur: Tensor, pos: Tensor, il: int
) -> Tensor:
    """Full attention whose query projection carries a sigmoid gate per head
    (build_layer_attn): Q and the gate are interleaved views of one matrix."""
    arch, n_tokens = ctx.arch, ctx.n_tokens
    head_dim, n_head, n_head_kv = arch.head_dim_k, arch.head_count(il), arch.head_count_kv(il)
    q_full = ctx.build_lora_mm(2 * head_dim * n_head, cur)
    k = ctx.build_lora_mm(head_dim * n_head_kv, cur)
    v = ctx.build_lora_mm(arch.head_dim_v * n_head_kv, cur)
    strides = (4 * 2 * head_dim, 4 * 2 * head_dim * n_head)
    q = ggml.view_nd(q_full, (head_dim, n_head, n_tokens), strides, 0)
    q = ctx.build_norm(q)
    k = ctx.build_norm(ggml.reshape(k, head_dim, n_head_kv, n_tokens))
    gate = ggml.view_nd(q_full, (head_dim, n_head, n_tokens), strides, 4 * head_dim)
    gate = ggml.cont(gate, head_dim * n_head, n_tokens)
    v = ggml.reshape(v, arch.head_dim_v, n_head_kv, n_tokens)
    q, k = ctx.rope(q, pos), ctx.rope(k, pos)
    cur = ctx.build_attn(attn, q, k, v, il, project=False)
    cur = ggml.like("MUL", cur, _unary(gate))
    return ctx.build_lora_mm(arch.n_embd, cur)


def build_layer_attn_linear(
    ctx: GraphContext, states: RecurrentStates, cur: Tensor, il: int
) -> Tensor:
    """A gated DeltaNet layer (build_layer_attn_linear): a causal convolution
    over the mixed Q, K and V channels, then the delta rule over the state."""
    arch, n_tokens = ctx.arch, ctx.n_tokens
    head_k, n_k_heads = arch.ssm_d_state, arch.ssm_n_group
    n_v_heads = arch.ssm_dt_rank
    head_v = arch.ssm_d_inner // n_v_heads
    qkv_mixed = ctx.build_lora_mm(2 * head_k * n_k_heads + arch.ssm_d_inner, cur)
    qkv_mixed = ggml.reshape(qkv_mixed, qkv_mixed.ne[0], n_tokens, 1)
    z = ctx.build_lora_mm(arch.ssm_d_inner, cur)
    beta = ctx.build_lora_mm(n_v_heads, cur)
    beta = _unary(ggml.reshape(beta, 1, n_v_heads, n_tokens, 1))
    alpha = ggml.reshape(ctx.build_lora_mm(n_v_heads, cur), n_v_heads, n_tokens, 1)
    alpha = _unary(ggml.like("ADD", alpha, ctx.weight(n_v_heads)))
    gate = ggml.like("MUL", alpha, ctx.weight(n_v_heads))
    gate = ggml.reshape(gate, 1, n_v_heads, n_tokens, 1)

    conv_input = build_conv_state(ctx, states, qkv_mixed, il)
    s = states.ssm_state(il)
    state = ggml.reshape(ctx.build_rs(states, s), head_v, head_v, n_v_heads, 1)
    kernel = ctx.weight(arch.ssm_d_conv, conv_input.ne[1])
    n_out = conv_input.ne[0] - arch.ssm_d_conv + 1
    conv = ggml.new(F32, conv_input.ne[1], n_out, 1, op="SSM_CONV", src=(conv_input, kernel))
    conv = _unary(conv)
    row = conv.nb[1]
    dims_k, dims_v = (head_k, n_k_heads, n_tokens, 1), (head_v, n_v_heads, n_tokens, 1)
    q = ggml.view_nd(conv, dims_k, (4 * head_k, row, row * n_tokens), 0)
    k = ggml.view_nd(conv, dims_k, (4 * head_k, row, row * n_tokens), 4 * head_k * n_k_heads)
    v = ggml.view_nd(conv, dims_v, (4 * head_v, row, row * n_tokens), 4 * 2 * head_k * n_k_heads)
    q, k = _l2_norm(q), _l2_norm(k)

    output = build_recurrent_attn(ctx, s, (q, k, v, gate, beta, state))
    z = ggml.reshape(z, head_v, n_v_heads, n_tokens, 1)
    cur = ggml.like("MUL", ctx.build_norm(output), _unary(z))
    cur = ggml.reshape(cur, head_v * n_v_heads, n_tokens, 1)
    cur = ctx.build_lora_mm(arch.n_embd, cur)
    return ggml.reshape(cur, arch.n_embd, n_tokens)


def build_conv_state(
    ctx: GraphContext, states: RecurrentStates, qkv_mixed: Tensor, il: int
) -> Tensor:
    """build_conv_state: the saved tokens before this ubatch's, and the last
    d_conv - 1 of them written back."""
    d_conv, channels = ctx.arch.ssm_d_conv - 1, qkv_mixed.ne[0]
    conv_all = states.state(il)
    conv_states = ggml.reshape(ctx.build_rs(states, conv_all), d_conv, channels, 1)
    conv_input = ggml.concat(conv_states, ggml.transpose(qkv_mixed), 0)
    last = ggml.view_nd(
        conv_input,
        (d_conv, channels, 1),
        (conv_input.nb[1], conv_input.nb[2]),
        4 * (conv_input.ne[0] - d_conv),
    )
    update = ggml.view_nd(conv_all, (d_conv * channels, 1), (conv_all.nb[1],), 0)
    ctx.gf.expand(ggml.cpy(last, update))
    return conv_input


def build_recurrent_attn(
    ctx: GraphContext, s: Tensor, inputs: tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]
) -> Tensor:
    """build_recurrent_attn through build_delta_net_fused: one GATED_DELTA_NET
    whose rows are every token's output, then the new state, copied back."""
    v, state = inputs[2], inputs[5]
    s_v, h_v, n_tokens = v.ne[0], v.ne[1], v.ne[2]
    result = ggml.new(F32, s_v * h_v, n_tokens + s_v, op="GATED_DELTA_NET", src=inputs)
    output = ggml.view_nd(
        result, (s_v, h_v, n_tokens, 1), (4 * s_v, 4 * s_v * h_v, 4 * s_v * h_v * n_tokens), 0
    )
    new_state = ggml.view_nd(
        result, state.ne, (4 * s_v, 4 * s_v * s_v, 4 * s_v * s_v * h_v), 4 * s_v * h_v * n_tokens
    )
    ctx.gf.expand(ggml.cpy(new_state, ggml.view_nd(s, (s.ne[0], 1), (s.nb[1],), 0)))
    return output
