"""gemma3n's reserve graph, as llama.cpp's src/models/gemma3n.cpp builds it.

Its hidden state is four "AltUp" copies of the embedding ([n_embd, n_tokens,
4]); each layer predicts them from the active one, runs attention, LAuReL
and the feed-forward on it, then corrects them and adds the layer's
per-layer embedding (PLE). Layers past the first 20 attend over an earlier
layer's cache and have no K or V of their own.
"""

from __future__ import annotations

from icpp_sizer_check.runtimes.llama_cpp_canister.graph import ggml
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.ggml import F32, I32, Tensor
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.llm import GraphContext
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.memory import AttentionInputs

# The shape gemma3n's loader fixes rather than reads (llama_hparams' defaults):
# AltUp copies (n_altup), the active one (i_altup_act), LAuReL's rank, the
# width of a per-layer embedding (n_embd_altup).
N_ALTUP = 4
I_ALTUP_ACT = 0
LAUREL_RANK = 64
N_EMBD_ALTUP = 256
# The first layers' feed-forward gates are sparsified (n_layer_sparsity).
N_LAYER_SPARSITY = 10

# A layer's AltUp router: its norm's weight and its matrix.
Router = tuple[Tensor, Tensor]


def slice_2d(x: Tensor, idx: int) -> Tensor:
    """gemma3n_view_2d_slice: the idx-th [ne0, ne1] matrix of a 3-d tensor."""
    matrix = x.ne[0] * x.ne[1] * x.type.type_size
    return ggml.view_nd(x, (x.ne[0], x.ne[1]), (x.type.row_bytes(x.ne[0]),), idx * matrix)


def slice_rest(x: Tensor) -> Tensor:
    """The matrices of a 3-d tensor after the first (a ggml_view_3d)."""
    row = x.type.row_bytes(x.ne[0])
    matrix = x.ne[0] * x.ne[1] * x.type.type_size
    return ggml.view_nd(x, (x.ne[0], x.ne[1], x.ne[2] - 1), (row, row * x.ne[1]), matrix)


def row_reduce(op: str, x: Tensor) -> Tensor:
    """ggml_sum_rows / ggml_mean: one value a row."""
    return ggml.new(x.type, 1, *x.ne[1:], op=op, src=(x,))


def magnitude(x: Tensor) -> Tensor:
    """calc_magnitude: each row's Euclidean norm."""
    return ggml.like("SQRT", row_reduce("SUM_ROWS", ggml.like("SQR", x)))


def rescaled(x: Tensor, target: Tensor) -> Tensor:
    """x scaled to the target magnitude: x * target / |x|."""
    return ggml.like("DIV", ggml.like("MUL", x, target), magnitude(x))


def repeat(x: Tensor, *dims: int) -> Tensor:
    return ggml.new(x.type, *dims, op="REPEAT", src=(x,))


class Gemma3n:
    """llama_model_gemma3n::graph's helpers over a GraphContext."""

    def __init__(self, ctx: GraphContext, pos: Tensor, attn: AttentionInputs) -> None:
        self.ctx = ctx
        self.pos = pos
        self.attn = attn
        self.n_embd = ctx.arch.n_embd
        self.n_tokens = ctx.n_tokens

    def inp_per_layer(self) -> Tensor:
        """build_inp_per_layer: each token's per-layer embeddings, scaled."""
        arch = self.ctx.arch
        tokens = ggml.input_tensor(I32, self.n_tokens)
        table = ggml.external(F32, N_EMBD_ALTUP * arch.n_layer, arch.n_vocab)
        rows = ggml.get_rows(table, tokens)
        rows = ggml.reshape(rows, N_EMBD_ALTUP, arch.n_layer, self.n_tokens)
        return ggml.like("SCALE", rows)

    def project_per_layer_inputs(self, inp: Tensor, per_layer: Tensor) -> Tensor:
        """The embedding's projection added to the per-layer embeddings, laid
        out [n_embd_altup, n_tokens, n_layer]."""
        ctx = self.ctx
        proj = ggml.like("SCALE", ctx.build_lora_mm(N_EMBD_ALTUP * ctx.arch.n_layer, inp))
        proj = ggml.reshape(proj, N_EMBD_ALTUP, ctx.arch.n_layer, self.n_tokens)
        proj = ctx.build_norm(proj)
        per_layer = ggml.like("SCALE", ggml.like("ADD", proj, per_layer))
        return ggml.cont(ggml.permute(per_layer, 0, 2, 1, 3))

    def stack_altups(self, inp: Tensor) -> Tensor:
        """The embedding and its N_ALTUP - 1 projections, rescaled to its magnitude."""
        target = magnitude(inp)
        repeated = repeat(inp, self.n_embd, self.n_tokens, N_ALTUP - 1, 1)
        added = ggml.mul_mat(ggml.external(F32, self.n_embd, self.n_embd, N_ALTUP - 1), repeated)
        return ggml.concat(inp, rescaled(added, target), 2)

    def router_modalities(self, x: Tensor, router: Router) -> Tensor:
        """altup_compute_router_modalities: [n_altup, n_tokens]."""
        norm, matrix = router
        inputs = ggml.like("SCALE", self.ctx.build_norm(x, norm))
        return ggml.like("UNARY", ggml.mul_mat(matrix, inputs))  # tanh

    def altup_predict(self, cur: Tensor, router: Router) -> Tensor:
        modalities = self.router_modalities(slice_2d(cur, I_ALTUP_ACT), router)
        coefs = self.ctx.build_lora_mm(N_ALTUP * N_ALTUP, modalities)
        coefs = ggml.reshape(coefs, N_ALTUP, N_ALTUP, self.n_tokens)
        permuted = ggml.cont(ggml.permute(cur, 1, 2, 0, 3))
        predictions = ggml.mul_mat(permuted, coefs)
        predictions = ggml.cont(ggml.permute(predictions, 0, 2, 1, 3))
        return ggml.like("ADD", predictions, cur)

    def altup_correct(self, predictions: Tensor, activated: Tensor, router: Router) -> Tensor:
        modalities = self.router_modalities(activated, router)
        innovation = ggml.like("SUB", activated, slice_2d(predictions, I_ALTUP_ACT))
        coefs = ggml.like("SCALE", self.ctx.build_lora_mm(N_ALTUP, modalities))  # + 1
        coefs = ggml.cont(ggml.transpose(coefs), 1, self.n_tokens, N_ALTUP)
        innovation = repeat(innovation, self.n_embd, self.n_tokens, N_ALTUP, 1)
        corrected = ggml.like("MUL", innovation, coefs)
        return ggml.like("ADD", corrected, predictions)

    def laurel(self, cur: Tensor) -> Tensor:
        ctx = self.ctx
        tmp = ctx.build_lora_mm(self.n_embd, ctx.build_lora_mm(LAUREL_RANK, cur))
        return ggml.like("ADD", ctx.build_norm(tmp), cur)

    def gaussian_topk(self, x: Tensor) -> Tensor:
        """The gate's values above mean + 1.645 std of their row."""
        mean = row_reduce("MEAN", x)
        deviations = ggml.like("SQR", ggml.like("SUB", x, mean))
        std = ggml.like("SQRT", ggml.like("SCALE", row_reduce("SUM_ROWS", deviations)))
        cutoff = ggml.like("ADD", mean, ggml.like("SCALE", std))
        return ggml.like("UNARY", ggml.like("SUB", x, cutoff))  # relu

    def ffn(self, cur: Tensor, il: int) -> Tensor:
        ctx = self.ctx
        n_ff = ctx.arch.ff_length(0)  # the loader shapes every layer's as layer 0's
        up = ctx.build_lora_mm(n_ff, cur)
        gate = ctx.build_lora_mm(n_ff, cur)
        if il < N_LAYER_SPARSITY:
            gate = self.gaussian_topk(gate)
        cur = ggml.like("MUL", up, ggml.like("UNARY", gate))  # gelu
        return ctx.build_lora_mm(self.n_embd, cur)

    def attention(self, cur: Tensor, il: int) -> Tensor:
        ctx, arch, pos = self.ctx, self.ctx.arch, self.pos
        # the graph's head counts are layer 0's (llm_graph_context's n_head, n_head_kv)
        head_dim, n_head = arch.head_dim_k, arch.head_count(0)
        if arch.has_kv(il):
            q, k, v = ctx.build_qkv(cur, 0)
            q, k = ctx.build_norm(q), ctx.build_norm(k)
            v = ggml.like("RMS_NORM", v)
            return ctx.build_attn(self.attn, ctx.rope(q, pos), ctx.rope(k, pos), v, il)
        q = ggml.reshape(ctx.build_lora_mm(head_dim * n_head, cur), head_dim, n_head, self.n_tokens)
        q = ctx.rope(ctx.build_norm(q), pos)
        return ctx.build_attn(self.attn, q, None, None, il)

    def per_layer_output(self, corrected: Tensor, per_layer: Tensor, il: int) -> Tensor:
        """The corrected active copy gated by the layer's per-layer embedding."""
        ctx = self.ctx
        first = ggml.like("MUL", slice_2d(corrected, I_ALTUP_ACT), ctx.weight(self.n_embd))
        first = ggml.like("UNARY", ctx.build_lora_mm(N_EMBD_ALTUP, first))  # gelu
        first = ggml.like("MUL", first, slice_2d(per_layer, il))
        return ctx.build_norm(ctx.build_lora_mm(self.n_embd, first))

    def layer(self, inp: Tensor, per_layer: Tensor, il: int) -> Tensor:
        ctx = self.ctx
        # one router (norm and matrix) serves the layer's prediction and correction
        router = (ctx.weight(self.n_embd), ctx.weight(self.n_embd, N_ALTUP))
        predictions = self.altup_predict(inp, router)
        active = slice_2d(predictions, I_ALTUP_ACT)
        cur = ctx.build_norm(active)
        laurel_out = self.laurel(cur)
        cur = ctx.build_norm(self.attention(cur, il))
        cur = ggml.like("ADD", cur, active)
        attn_laurel = ggml.like("SCALE", ggml.like("ADD", cur, laurel_out))
        cur = ctx.build_norm(self.ffn(ctx.build_norm(attn_laurel), il))
        gated = ggml.like("ADD", cur, attn_laurel)
        corrected = self.altup_correct(predictions, gated, router)
        first = self.per_layer_output(corrected, per_layer, il)
        rest = ggml.like("ADD", slice_rest(corrected), first)
        return ggml.concat(slice_2d(corrected, 0), rest, 2)

    def unembed(self, cur: Tensor) -> Tensor:
        """The copies merged back into one: their mean after rescaling."""
        target = magnitude(slice_2d(cur, I_ALTUP_ACT))
        weight = ggml.external(F32, self.n_embd, self.n_embd, N_ALTUP - 1)
        unembd = rescaled(ggml.mul_mat(weight, slice_rest(cur)), target)
        merged = slice_2d(cur, 0)
        for i in range(N_ALTUP - 1):
            merged = ggml.like("ADD", merged, slice_2d(unembd, i))
        return ggml.like("SCALE", merged)


def build_gemma3n(ctx: GraphContext) -> None:
    """src/models/gemma3n.cpp: the output rows are taken after the last layer,
    and the logits are soft-capped (scale, tanh, scale)."""
    cur = ggml.like("SCALE", ctx.build_inp_embd())
    pos = ctx.build_inp_pos()
    g = Gemma3n(ctx, pos, ctx.build_attn_inputs())
    per_layer = g.inp_per_layer()
    ctx.gf.expand(per_layer)
    per_layer = g.project_per_layer_inputs(cur, per_layer)
    cur = g.stack_altups(cur)
    for il in range(ctx.arch.n_layer):
        cur = g.layer(cur, per_layer, il)
    cur = ggml.get_rows(g.unembed(cur), ctx.build_inp_out_ids())
    # the output matrix is a duplicate of the embeddings, a tensor of its own
    ctx.build_output(cur, softcap=True, output=ctx.weight(ctx.arch.n_embd, ctx.arch.n_vocab))
