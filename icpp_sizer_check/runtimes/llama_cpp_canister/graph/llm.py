"""llama.cpp's graph-building helpers (llm_graph_context, llama-graph.cpp) over :mod:`ggml`.

A :class:`GraphContext` holds what one reserve graph is built for: the
model's shape, the ubatch (tokens and outputs), the caches and their types,
flash attention. Its methods are llama.cpp's build_* helpers, each making the
same tensors in the same order; the architectures' graphs
(:mod:`.architectures`) call them as llama.cpp's src/models/<arch>.cpp do.
"""

from __future__ import annotations

from typing import Callable, Optional

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Architecture
from icpp_sizer_check.runtimes.llama_cpp_canister.graph import ggml
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.ggml import F16, F32, I32, Tensor
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.memory import (
    AttentionInputs,
    KvCache,
    RecurrentStates,
    Ubatch,
    mul_mat_hadamard,
)

# build_rs's get_state_rows: the states and the ids of the rows to read.
GetRows = Callable[[Tensor, Tensor], Tensor]


class GraphContext:
    """llm_graph_context for one reserve graph."""

    def __init__(self, arch: Architecture, ubatch: Ubatch) -> None:
        self.arch = arch
        self.ubatch = ubatch
        self.n_tokens = ubatch.n_tokens
        self.gf = ggml.Graph()
        self.outputs: list[Tensor] = []

    # inputs

    def build_inp_embd(self) -> Tensor:
        arch = self.arch
        tok_embd = ggml.external(F32, arch.n_embd, arch.n_vocab)
        tokens = ggml.input_tensor(I32, self.n_tokens)
        embd = ggml.input_tensor(F32, arch.n_embd, self.n_tokens)
        cur = ggml.get_rows(tok_embd, tokens)
        # ggml_build_forward_select: both branches enter the graph
        self.gf.expand(cur)
        self.gf.expand(embd)
        self.tok_embd = tok_embd
        return cur

    def build_inp_pos(self) -> Tensor:
        return ggml.input_tensor(I32, self.n_tokens)

    def build_inp_out_ids(self) -> Tensor:
        return ggml.input_tensor(I32, self.ubatch.n_outputs)

    def build_inputs(
        self, scaled: bool = False, hybrid: bool = False
    ) -> tuple[Tensor, Tensor, AttentionInputs]:
        """The token embeddings (scaled, for gemma3 and granite), the positions
        and the attention's inputs, with the output rows the last layer keeps."""
        embd = self.build_inp_embd()
        if scaled:
            # build_inp_embd scales by f_embedding_scale and expands the result
            embd = ggml.like("SCALE", embd)
            self.gf.expand(embd)
        pos = self.build_inp_pos()
        attn = self.build_attn_inputs(hybrid)
        self.out_ids = self.build_inp_out_ids()
        return embd, pos, attn

    def output_rows(self, il: int, cur: Tensor, residual: Tensor) -> tuple[Tensor, Tensor]:
        """The last layer keeps only the rows of the outputs (ggml_get_rows)."""
        if il < self.arch.n_layer - 1:
            return cur, residual
        return ggml.get_rows(cur, self.out_ids), ggml.get_rows(residual, self.out_ids)

    def build_attn_inputs(self, hybrid: bool = False) -> AttentionInputs:
        """build_attn_inp_kv, or its sliding-window form when some layer slides."""
        arch = self.arch
        if not arch.swa_layers():
            cache = KvCache(
                arch, self.ubatch, list(arch.attention_layers()), self.ubatch.cache_cells
            )
            cache.build_inputs(self.ubatch)
            cache.build_rotations()
            return AttentionInputs(cache, cache, False)
        return AttentionInputs(*self.build_attn_inp_kv_iswa(rotations=not hybrid), True)

    def build_rs_inp(self) -> RecurrentStates:
        return RecurrentStates(self.arch)

    # layers

    def weight(self, *dims: int) -> Tensor:
        return ggml.external(F32, *dims)

    def build_norm(self, cur: Tensor, weight: Optional[Tensor] = None) -> Tensor:
        cur = ggml.like("RMS_NORM", cur)
        weight = weight if weight is not None else self.weight(cur.ne[0])
        return ggml.like("MUL", cur, weight)

    def build_lora_mm(self, rows: int, cur: Tensor) -> Tensor:
        return ggml.mul_mat(self.weight(cur.ne[0], rows), cur)

    def build_qkv(
        self, cur: Tensor, il: int, biases: bool = False
    ) -> tuple[Tensor, Tensor, Tensor]:
        arch = self.arch
        n_head, n_head_kv = arch.head_count(il), arch.head_count_kv(il)
        parts = []
        for head_dim, heads in (
            (arch.head_dim_k, n_head),
            (arch.head_dim_k, n_head_kv),
            (arch.head_dim_v, n_head_kv),
        ):
            part = self.build_lora_mm(head_dim * heads, cur)
            if biases:
                part = ggml.like("ADD", part, self.weight(head_dim * heads))
            parts.append(part)
        q, k, v = parts
        return (
            ggml.reshape(q, arch.head_dim_k, n_head, self.n_tokens),
            ggml.reshape(k, arch.head_dim_k, n_head_kv, self.n_tokens),
            ggml.reshape(v, arch.head_dim_v, n_head_kv, self.n_tokens),
        )

    def build_qkv_fused(self, cur: Tensor, il: int) -> tuple[Tensor, Tensor, Tensor]:
        """build_qkv from one QKV matrix: Q, K and V are views of its rows."""
        arch = self.arch
        n_head, n_head_kv = arch.head_count(il), arch.head_count_kv(il)
        n_q, n_k = arch.head_dim_k * n_head, arch.head_dim_k * n_head_kv
        qkv = self.build_lora_mm(n_q + n_k + arch.head_dim_v * n_head_kv, cur)
        row = qkv.nb[1]
        parts = (
            (arch.head_dim_k, n_head),
            (arch.head_dim_k, n_head_kv),
            (arch.head_dim_v, n_head_kv),
        )
        q, k, v = (
            ggml.view_nd(qkv, (head_dim, heads, self.n_tokens), (4 * head_dim, row), offset)
            for (head_dim, heads), offset in zip(parts, (0, 4 * n_q, 4 * (n_q + n_k)))
        )
        return q, k, v

    def rope(self, cur: Tensor, pos: Tensor) -> Tensor:
        return ggml.like("ROPE", cur, pos)

    def build_attn_inp_kv_iswa(self, rotations: bool = True) -> tuple[KvCache, KvCache]:
        """The full cache of the global layers and the window's of the sliding
        ones; a hybrid model's (build_inp_mem_hybrid_iswa) rotates neither."""
        arch, ubatch = self.arch, self.ubatch
        layers = arch.attention_layers()
        base = KvCache(
            arch, ubatch, [il for il in layers if not arch.is_swa(il)], ubatch.cache_cells
        )
        swa = KvCache(arch, ubatch, [il for il in layers if arch.is_swa(il)], ubatch.swa_cells)
        for cache in (base, swa):
            cache.build_inputs(ubatch)
        for cache in (base, swa):
            cache.build_rotations(rotations)
        return base, swa

    def build_attn(
        self,
        inputs: AttentionInputs,
        q: Tensor,
        k: Optional[Tensor],
        v: Optional[Tensor],
        il: int,
        project: bool = True,
    ) -> Tensor:
        """build_attn with a KV cache (the sliding-window variant expands K
        before V): without K and V (gemma3n's layers that reuse a cache) it
        only reads; without ``project`` (no wo) the heads come back unmixed."""
        cache, iswa = inputs.cache(self.arch, il), inputs.iswa
        if cache.k_rot is not None:
            q = mul_mat_hadamard(q, cache.k_rot)
            k = None if k is None else mul_mat_hadamard(k, cache.k_rot)
        if cache.v_rot is not None:
            v = None if v is None else mul_mat_hadamard(v, cache.v_rot)
        if iswa:
            self.gf.expand(q, k, v)
        else:
            self.gf.expand(q, v, k)
        if k is not None:
            self.gf.expand(cache.cpy_k(k, il))
        if v is not None:
            self.gf.expand(cache.cpy_v(v, il))
        cur = self.build_attn_mha(q, cache.get_k(il), cache.get_v(il), cache.kq_mask, cache.v_trans)
        if cache.v_rot is not None:
            cur = mul_mat_hadamard(cur, cache.v_rot)
        return self.build_lora_mm(self.arch.n_embd, cur) if project else cur

    def build_attn_mha(
        self, q: Tensor, k: Tensor, v: Tensor, mask: Tensor, v_trans: bool
    ) -> Tensor:
        q = ggml.view_nd(
            q, (q.ne[0], q.ne[1], q.ne[2], 1), (q.nb[1], q.nb[2], q.nb[2] * q.ne[2]), 0
        )
        q = ggml.permute(q, 0, 2, 1, 3)
        k = ggml.permute(k, 0, 2, 1, 3)
        v = ggml.permute(v, 0, 2, 1, 3)
        if self.ubatch.flash_attn:
            if v_trans:
                v = ggml.transpose(v)
            if k.type is F32:
                k = ggml.cast(k, F16)
            if v.type is F32:
                v = ggml.cast(v, F16)
            cur = ggml.flash_attn_ext(q, k, v, mask)
            cur = ggml.reshape(cur, cur.ne[0] * cur.ne[1], cur.ne[2] * cur.ne[3])
        else:
            kq = ggml.mul_mat(k, q)
            kq = ggml.like("SOFT_MAX", kq, mask)
            if not v_trans:
                v = ggml.cont(ggml.transpose(v))
            kqv = ggml.mul_mat(v, kq)
            cur = ggml.permute(kqv, 0, 2, 1, 3)
            cur = ggml.cont(cur, cur.ne[0] * cur.ne[1], cur.ne[2] * cur.ne[3])
        self.gf.expand(cur)
        return cur

    def build_ffn(self, cur: Tensor, n_ff: int, activation: str = "GLU") -> Tensor:
        """A gated feed-forward: up and gate in parallel, their GLU, then down."""
        up = self.build_lora_mm(n_ff, cur)
        gate = self.build_lora_mm(n_ff, cur)
        cur = ggml.new(F32, *gate.ne, op=activation, src=(gate, up))
        return self.build_lora_mm(self.arch.n_embd, cur)

    def build_shortconv(self, cur: Tensor, states: RecurrentStates, il: int) -> Tensor:
        """lfm2's short-convolution block (build_shortconv_block)."""
        n_embd, n_tokens = self.arch.n_embd, self.n_tokens
        d_conv = self.arch.shortconv_l_cache - 1
        cur = ggml.reshape(cur, cur.ne[0], n_tokens, 1)
        bcx = self.build_lora_mm(3 * n_embd, cur)
        chunk = bcx.ne[0] // 3
        b, c, x = (
            ggml.view_nd(bcx, (chunk, bcx.ne[1], bcx.ne[2]), (bcx.nb[1], bcx.nb[2]), i * chunk * 4)
            for i in range(3)
        )
        bx = ggml.transpose(ggml.like("MUL", b, x))
        conv_state = states.state(il)
        conv = ggml.reshape(self.build_rs(states, conv_state), d_conv, n_embd, 1)
        bx = ggml.concat(conv, bx, 0)
        snapshot = ggml.view_nd(
            bx, (d_conv, bx.ne[1], bx.ne[2]), (bx.nb[1], bx.nb[2]), (bx.ne[0] - d_conv) * 4
        )
        target = ggml.view_nd(conv_state, (d_conv * n_embd, 1), (conv_state.nb[1],), 0)
        self.gf.expand(ggml.cpy(snapshot, target))
        conv_out = ggml.ssm_conv(bx, self.weight(d_conv + 1, n_embd))
        y = self.build_lora_mm(n_embd, ggml.like("MUL", c, conv_out))
        return ggml.reshape(y, y.ne[0], n_tokens)

    def build_rs(
        self, states: RecurrentStates, s: Tensor, get_rows: Optional[GetRows] = None
    ) -> Tensor:
        """build_rs for one sequence: clear the state, read it (by ``get_rows``:
        Mamba2 scans it instead), copy the rest (none)."""
        size = s.ne[0]
        rows = ggml.reshape(s, size, s.ne[1])
        zero = ggml.view_nd(rows, (size,), (), 0)
        self.gf.expand(ggml.view_tensor(zero, "SCALE"))
        out = (get_rows or ggml.get_rows)(rows, states.copy_main)
        self.gf.expand(out)
        extra = ggml.get_rows(rows, states.copy_extra)
        self.gf.expand(ggml.cpy(extra, ggml.view_nd(s, (size, 0), (s.nb[1],), s.nb[1])))
        return out

    # the head

    def build_output(
        self,
        cur: Tensor,
        logit_scale: bool = False,
        softcap: bool = False,
        output: Optional[Tensor] = None,
        rows: Optional[Tensor] = None,
    ) -> Tensor:
        """The final norm and the logits (granite scales them, gemma3n soft-caps
        them), both graph outputs, by the model's ``output`` matrix or its token
        embeddings. With ``rows`` (qwen35) every token's norm is an output too."""
        cur = self.build_norm(cur)
        cur.flags |= ggml.FLAG_OUTPUT
        if rows is not None:
            cur = ggml.get_rows(cur, rows)
            cur.flags |= ggml.FLAG_OUTPUT
        logits = ggml.mul_mat(self.tok_embd if output is None else output, cur)
        if logit_scale:
            logits = ggml.like("SCALE", logits)
        if softcap:
            logits = ggml.like("SCALE", ggml.like("UNARY", ggml.like("SCALE", logits)))
        logits.flags |= ggml.FLAG_OUTPUT
        self.gf.expand(logits)
        return logits
