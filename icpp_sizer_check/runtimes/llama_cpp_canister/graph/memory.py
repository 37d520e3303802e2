"""The memory a graph reads and writes: llama_kv_cache's K and V per layer,
llama_memory_recurrent's states, their inputs, and the views llama.cpp takes
of them (llama-kv-cache.cpp, llama-memory-recurrent.cpp, llama-graph.cpp's
build_rs). Caches live in their own buffers: external to the compute buffer.
"""

from __future__ import annotations

from typing import NamedTuple, Optional

from icpp_sizer_check.gguf.ggml_types import BY_NAME, GgmlType, is_quantized
from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Architecture
from icpp_sizer_check.runtimes.llama_cpp_canister.graph import ggml
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.ggml import F16, F32, I32, I64, Tensor

# llama_kv_cache's Hadamard rotation of quantized caches: 64 by 64 for V,
# the largest power of two of at least 64 dividing the head size for K.
ROTATION_MIN = 64


class Ubatch(NamedTuple):
    """What llama_context::graph_reserve builds a graph for."""

    n_tokens: int
    n_outputs: int
    flash_attn: bool
    cache_type_k: str
    cache_type_v: str
    cache_cells: int  # cells of the full cache (its n_kv at reserve)
    swa_cells: int  # cells of the sliding-window cache, 0 without one


def _rotation_size(head_dim: int, is_k: bool) -> int:
    if not is_k:
        return ROTATION_MIN
    size = ROTATION_MIN
    while head_dim % (size * 2) == 0:
        size *= 2
    return size


class KvCache:
    """One llama_kv_cache: a K and a V tensor per layer it holds, and its inputs."""

    def __init__(self, arch: Architecture, ubatch: Ubatch, layers: list[int], cells: int) -> None:
        self.cells = cells
        self.v_trans = not ubatch.flash_attn
        self.type_k: GgmlType = BY_NAME[ubatch.cache_type_k]
        self.type_v: GgmlType = BY_NAME[ubatch.cache_type_v]
        self.k: dict[int, Tensor] = {}
        self.v: dict[int, Tensor] = {}
        # every layer's transposed V as wide as the model's widest (so
        # narrower rows are padded)
        self.n_embd_v_gqa_max = arch.n_embd_v_gqa_max()
        for il in layers:
            n_kv = arch.head_count_kv(il)
            v_width = self.n_embd_v_gqa_max if self.v_trans else arch.head_dim_v * n_kv
            self.k[il] = ggml.external(self.type_k, arch.head_dim_k * n_kv, cells, 1)
            self.v[il] = ggml.external(self.type_v, v_width, cells, 1)
        self.rotate_k = is_quantized(self.type_k) and arch.head_dim_k % ROTATION_MIN == 0
        self.rotate_v = is_quantized(self.type_v) and arch.head_dim_v % ROTATION_MIN == 0
        self.head_dim_k = arch.head_dim_k
        self.arch = arch

    # build_attn_inp_kv_impl's inputs, in its order
    def build_inputs(self, ubatch: Ubatch) -> None:
        n = ubatch.n_tokens
        self.k_idxs = ggml.input_tensor(I64, n)
        v_rows = n if not self.v_trans else n * self.n_embd_v_gqa_max
        self.v_idxs = ggml.input_tensor(I64, v_rows)
        mask_type = F16 if ubatch.flash_attn else F32
        self.kq_mask = ggml.input_tensor(mask_type, self.cells, n, 1, 1)

    def build_rotations(self, enabled: bool = True) -> None:
        self.k_rot: Optional[Tensor] = None
        self.v_rot: Optional[Tensor] = None
        if not enabled:
            return
        if self.rotate_k:
            size = _rotation_size(self.head_dim_k, True)
            self.k_rot = ggml.input_tensor(F32, size, size)
        if self.rotate_v:
            size = _rotation_size(0, False)
            self.v_rot = ggml.input_tensor(F32, size, size)

    def cpy_k(self, k_cur: Tensor, il: int) -> Tensor:
        n_embd_gqa = k_cur.ne[0] * k_cur.ne[1]
        flat = ggml.view_nd(k_cur, (n_embd_gqa, k_cur.ne[2]), (k_cur.nb[2],), 0)
        return ggml.set_rows(self.k[il], flat, self.k_idxs)

    def cpy_v(self, v_cur: Tensor, il: int) -> Tensor:
        n_embd_gqa = v_cur.ne[0] * v_cur.ne[1]
        n_tokens = v_cur.ne[2]
        v = self.v[il]
        if not self.v_trans:
            flat = ggml.view_nd(v_cur, (n_embd_gqa, n_tokens), (v_cur.nb[2],), 0)
            return ggml.set_rows(v, flat, self.v_idxs)
        if v_cur.type.row_bytes(n_embd_gqa) == v_cur.nb[2]:
            v_cur = ggml.reshape(v_cur, n_embd_gqa, n_tokens)
        else:
            v_cur = ggml.cont(v_cur, n_embd_gqa, n_tokens)
        if n_embd_gqa < v.ne[0]:
            v_cur = ggml.new(v_cur.type, v.ne[0], n_tokens, op="PAD", src=(v_cur,))
        v_view = ggml.reshape(v, 1, v.nelements)
        v_cur = ggml.reshape(v_cur, 1, v_cur.nelements)
        return ggml.set_rows(v_view, v_cur, self.v_idxs)

    # a layer without a cache of its own reads the one it reuses (map_layer_ids)
    def get_k(self, il: int) -> Tensor:
        k = self.k[self.arch.kv_layer(il)]
        kind, n_embd_k_gqa = k.type, k.ne[0]
        head_dim, n_head_kv = self.head_dim_k, self.arch.head_count_kv(il)
        return ggml.view_nd(
            k,
            (head_dim, n_head_kv, self.cells, 1),
            (
                kind.row_bytes(head_dim),
                kind.row_bytes(n_embd_k_gqa),
                kind.row_bytes(n_embd_k_gqa * self.cells),
            ),
            0,
        )

    def get_v(self, il: int) -> Tensor:
        v = self.v[self.arch.kv_layer(il)]
        kind, n_embd_v_gqa = v.type, v.ne[0]
        head_dim, n_head_kv = self.arch.head_dim_v, self.arch.head_count_kv(il)
        if not self.v_trans:
            return ggml.view_nd(
                v,
                (head_dim, n_head_kv, self.cells, 1),
                (
                    kind.row_bytes(head_dim),
                    kind.row_bytes(n_embd_v_gqa),
                    kind.row_bytes(n_embd_v_gqa * self.cells),
                ),
                0,
            )
        return ggml.view_nd(
            v,
            (self.cells, n_head_kv, head_dim, 1),
            (
                kind.row_bytes(self.cells * head_dim),
                kind.row_bytes(self.cells),
                kind.row_bytes(self.cells * n_embd_v_gqa),
            ),
            0,
        )


class RecurrentStates:
    """llama_memory_recurrent for one sequence: each recurrent layer's states
    (a convolution's last inputs, qwen35's DeltaNet matrices and Mamba2's SSM
    state), and the input that picks them."""

    def __init__(self, arch: Architecture) -> None:
        layers = arch.recurrent_layers_of()
        self.states = {il: ggml.external(F32, arch.n_embd_r(), 1) for il in layers}
        self.ssm_states = {il: ggml.external(F32, arch.n_embd_s(), 1) for il in layers}
        self.copy = ggml.input_tensor(I32, 1)
        self.copy_main = ggml.view_nd(self.copy, (1,), (), 0)
        self.copy_extra = ggml.view_nd(self.copy, (0,), (), 4)

    def state(self, il: int) -> Tensor:
        return self.states[il]

    def ssm_state(self, il: int) -> Tensor:
        return self.ssm_states[il]


class AttentionInputs(NamedTuple):
    """The caches a graph attends over: one, or the global and the sliding one."""

    base: KvCache
    swa: KvCache
    iswa: bool

    def cache(self, arch: Architecture, il: int) -> KvCache:
        return self.swa if self.iswa and arch.is_swa(il) else self.base


def mul_mat_hadamard(cur: Tensor, rot: Tensor) -> Tensor:
    """llama_mul_mat_hadamard (llama-impl.h)."""
    n = rot.ne[0]
    if not cur.is_contiguous():
        res = ggml.cont(cur, n, cur.nelements // n)
    else:
        res = ggml.reshape(cur, n, cur.nelements // n)
    res = ggml.mul_mat(rot, res)
    return ggml.reshape(res, *cur.ne)
