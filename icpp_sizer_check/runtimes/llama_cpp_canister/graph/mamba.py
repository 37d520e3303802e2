"""Mamba2's mixer layer (llm_build_mamba_base::build_mamba2_layer, src/models/mamba-base.cpp).

One sequence, n_rs_seq 0 (llama.cpp's default: no rollback snapshots), so the
scan keeps one state and each state is written back once.
"""

from __future__ import annotations

from icpp_sizer_check.runtimes.llama_cpp_canister.graph import ggml
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.ggml import F32, Tensor
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.llm import GraphContext
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.memory import RecurrentStates

FLOAT = F32.type_size


def _split(t: Tensor, dims: tuple[int, ...], first: int, offset: int) -> Tensor:
    """A view of ``t``'s rows: ``dims`` from element ``offset`` of each row, the
    first dimension ``first`` values apart when the view is 4-d."""
    strides = (t.nb[1], t.nb[2]) if len(dims) == 3 else (first * FLOAT, t.nb[1], t.nb[2])
    return ggml.view_nd(t, dims, strides, offset * FLOAT)


def build_mamba2_layer(ctx: GraphContext, cur: Tensor, states: RecurrentStates, il: int) -> Tensor:
    """The convolution over the last d_conv tokens, the selective scan, the
    gate and the grouped RMS norm, as llama.cpp builds them for one sequence."""
    arch, n_tokens = ctx.arch, ctx.n_tokens
    d_conv, d_inner, d_state = arch.ssm_d_conv, arch.ssm_d_inner, arch.ssm_d_state
    n_head, n_group = arch.ssm_dt_rank, arch.ssm_n_group
    head_dim, channels = d_inner // n_head, arch.ssm_conv_channels()
    conv_states, ssm_states = states.state(il), states.ssm_state(il)

    conv = ggml.reshape(ctx.build_rs(states, conv_states), d_conv - 1, channels, 1)
    zxbcdt = ctx.build_lora_mm(d_inner + channels + n_head, cur)
    zxbcdt = ggml.reshape(zxbcdt, zxbcdt.ne[0], n_tokens, 1)
    z = _split(zxbcdt, (head_dim, n_head, n_tokens, 1), head_dim, 0)
    xbc = _split(zxbcdt, (channels, n_tokens, 1), 0, d_inner)
    dt = _split(zxbcdt, (n_head, n_tokens, 1), 0, d_inner + channels)

    conv_x = ggml.concat(conv, ggml.transpose(xbc), 0)
    last_conv = ggml.view_nd(
        conv_x, (d_conv - 1, channels, 1), (conv_x.nb[1], conv_x.nb[2]), n_tokens * FLOAT
    )
    target = ggml.view_nd(conv_states, (conv_states.ne[0], 1), (conv_states.nb[1],), 0)
    ctx.gf.expand(ggml.cpy(last_conv, target))
    xbc = ggml.ssm_conv(conv_x, ctx.weight(d_conv, channels))
    xbc = ggml.like("UNARY", ggml.like("ADD", xbc, ctx.weight(channels)))  # bias, SiLU

    x = _split(xbc, (head_dim, n_head, n_tokens, 1), head_dim, 0)
    b = _split(xbc, (d_state, n_group, n_tokens, 1), d_state, d_inner)
    c = _split(xbc, (d_state, n_group, n_tokens, 1), d_state, d_inner + n_group * d_state)
    dt = ggml.like("ADD", ggml.cont(dt), ctx.weight(n_head))
    a = ctx.weight(1, n_head)

    def scan(rows: Tensor, ids: Tensor) -> Tensor:
        ssm = ggml.reshape(rows, d_state, head_dim, n_head, ssm_states.ne[1])
        return ggml.ssm_scan(ssm, x, dt, a, b, c, ids)

    y_ssm = ctx.build_rs(states, ssm_states, scan)
    size = d_state * d_inner
    last_state = ggml.view_nd(
        y_ssm, (size, 1, 1), (size * FLOAT, size * FLOAT), x.nelements * FLOAT
    )
    target = ggml.view_nd(ssm_states, (size, 1, 1), (ssm_states.nb[1], size * FLOAT), 0)
    ctx.gf.expand(ggml.cpy(last_state, target))

    row = x.nb[1]
    y = ggml.view_nd(
        y_ssm, (head_dim, n_head, n_tokens, 1), (row, n_head * row, n_tokens * n_head * row), 0
    )
    y = ggml.like("ADD", y, ggml.like("MUL", x, ctx.weight(1, n_head)))
    zc = ggml.cont(z)
    y = ggml.new(F32, *zc.ne, op="GLU", src=(zc, y))  # ggml_swiglu_split(z, y)
    y = ggml.reshape(y, d_inner // n_group, n_group, n_tokens, 1)
    y = ctx.build_norm(y, ctx.weight(d_inner // n_group, n_group))
    y = ggml.reshape(y, d_inner, n_tokens)
    return ctx.build_lora_mm(arch.n_embd, y)
