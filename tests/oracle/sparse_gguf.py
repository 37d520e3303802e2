"""GGUF files of any shape that llama.cpp loads without their weights: sparse files.

:func:`write_sparse_gguf` writes, with ``gguf.GGUFWriter``, only a header: every
key llama.cpp's loader requires for the architecture (src/llama-model.cpp's
load_hparams, src/models/<arch>.cpp's load_arch_hparams) and the info of every
tensor its load_arch_tensors creates, with its real name, shape and ggml
type. Then it extends the file with ``truncate`` to the size the tensor infos
imply. The data is a hole: a 640 MB model takes a few MB of disk. llama.cpp
checks only that each tensor lies within the file, so a load with
``no_alloc`` (which reads no weight) sizes every buffer as for the real file.

What a file holds is an :class:`Architecture` (the shape) and
:class:`SparseOptions` (the weight types and whether the output head is tied).
Per-layer values follow what each loader reads: lfm2 sizes each layer's
attention by its own head_count_kv entry (0 makes it a short convolution),
the other loaders here size every layer's tensors by layer 0's head counts and
feed-forward length, as llama.cpp does (a file whose layers differ there is
one those loaders refuse or crash on).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NamedTuple, Optional

import gguf
import numpy as np

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import (
    Architecture,
    at_layer,
)
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.gemma3n import (
    LAUREL_RANK,
    N_ALTUP,
    N_EMBD_ALTUP,
)
from tests.oracle.sparse_qwen35 import add_qwen35_hparams, qwen35_block
from tests.oracle.vocabulary import add_vocabulary

# Each tensor's data starts on this boundary (general.alignment's default);
# llama.cpp's CPU buffer pads every tensor to 32 bytes too.
ALIGNMENT = 32
RMS_EPS = 1e-6
# Weight types llama.cpp's CPU backend loads (gguf.GGMLQuantizationType names).
WEIGHT_TYPES = (
    *("F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K"),
    *("Q6_K", "Q3_K", "Q2_K", "IQ4_NL", "IQ4_XS", "MXFP4"),
)
# A matrix whose rows do not split into the asked type's blocks falls back,
# as llama.cpp's quantizer does, to the first of these that fits.
FALLBACK_TYPES = ("Q8_0", "F16")


class WeightTypes(NamedTuple):
    """The ggml type of each class of tensor; None: the matrices' type.
    Norms, biases and the convolution kernel are always F32."""

    matrix: str = "F16"  # attention, feed-forward and convolution projections
    token_embd: Optional[str] = None
    output: Optional[str] = None  # the untied output head
    attn_v: Optional[str] = None  # Q4_K_M files raise attn_v and ffn_down to Q6_K
    ffn_down: Optional[str] = None
    # Which layers' attn_v and ffn_down take those types: every layer, or
    # those llama.cpp's quantizer gives more bits (MORE_BITS, as Q4_K_M does).
    raised_layers: str = "all"


MORE_BITS = "more_bits"


def more_bits(index: int, count: int) -> bool:
    """llama-quant.cpp's use_more_bits: the first and last eighth of the
    layers, and every third between."""
    return index < count // 8 or index >= 7 * count // 8 or (index - count // 8) % 3 == 2


class SparseOptions(NamedTuple):
    types: WeightTypes = WeightTypes()
    tied: bool = True  # no output.weight: the output head reuses token_embd


DEFAULT_OPTIONS = SparseOptions()


class Tensor(NamedTuple):
    name: str
    ne: tuple[int, ...]  # ggml order: ne[0] is the row length
    type: str

    @property
    def nbytes(self) -> int:
        block, size = gguf.GGML_QUANT_SIZES[gguf.GGMLQuantizationType[self.type]]
        elements = 1
        for dim in self.ne:
            elements *= dim
        return elements // block * size


def padded(value: int, multiple: int = ALIGNMENT) -> int:
    return -(-value // multiple) * multiple


def fitting_type(wanted: str, row: int) -> str:
    """``wanted`` if a row of ``row`` elements splits into its blocks, else
    the first of FALLBACK_TYPES that does."""
    for name in (wanted, *FALLBACK_TYPES):
        if row % gguf.GGML_QUANT_SIZES[gguf.GGMLQuantizationType[name]][0] == 0:
            return name
    return "F32"


def _raised(arch: Architecture, il: int, rule: str) -> tuple[bool, bool]:
    """Whether layer ``il``'s attn_v and its ffn_down take their raised types
    (attn_v counts attention layers only, as the quantizer does)."""
    if rule != MORE_BITS:
        return True, True
    attention = [layer for layer in range(arch.n_layer) if not arch.is_recurrent(layer)]
    index = attention.index(il) if il in attention else 0
    return more_bits(index, len(attention)), more_bits(il, arch.n_layer)


def _layer_tensors(
    arch: Architecture, il: int, matrix: Any, vector: Any, rule: str
) -> list[Tensor]:
    """Block ``il``'s tensors, as the architecture's load_arch_tensors creates them."""
    kind, n_embd, blk = arch.arch, arch.n_embd, f"blk.{il}"
    raise_v, raise_down = _raised(arch, il, rule)
    if kind == "qwen35":
        return [
            Tensor(name, ne, "F32") if role == "f32" else matrix(name, *ne, role)
            for name, ne, role in qwen35_block(arch, il, raise_v, raise_down)
        ]
    # lfm2 and granitehybrid read each layer's heads; the others size every
    # layer by layer 0's.
    at = il if kind in ("lfm2", "granitehybrid") else 0
    n_ff = at_layer(arch.n_ff, at)
    n_head, n_head_kv = at_layer(arch.n_head, at), at_layer(arch.n_head_kv, at)
    n_q = arch.head_dim_k * n_head
    n_k, n_v = arch.head_dim_k * n_head_kv, arch.head_dim_v * n_head_kv
    out: list[Tensor] = []
    if kind != "exaone4":
        out.append(vector(f"{blk}.attn_norm", n_embd))
    if kind == "lfm2" and n_head_kv == 0:
        out += [
            Tensor(f"{blk}.shortconv.conv.weight", (arch.shortconv_l_cache, n_embd), "F32"),
            matrix(f"{blk}.shortconv.in_proj", n_embd, 3 * n_embd),
            matrix(f"{blk}.shortconv.out_proj", n_embd, n_embd),
        ]
    elif kind == "granitehybrid" and n_head_kv == 0:
        out += _mamba2_tensors(arch, blk, matrix, vector)
    elif kind == "phi3":  # phi3 files carry one fused q/k/v matrix
        out.append(matrix(f"{blk}.attn_qkv", n_embd, n_q + n_k + n_v))
    else:
        out += [
            matrix(f"{blk}.attn_q", n_embd, n_q),
            matrix(f"{blk}.attn_k", n_embd, n_k),
            matrix(f"{blk}.attn_v", n_embd, n_v, "attn_v" if raise_v else "matrix"),
        ]
    if kind == "qwen2":  # Qwen2 has q/k/v biases (optional to the loader)
        out += [vector(f"{blk}.attn_q", n_q, "bias"), vector(f"{blk}.attn_k", n_k, "bias")]
        out.append(vector(f"{blk}.attn_v", n_v, "bias"))
    if n_head_kv or kind not in ("lfm2", "granitehybrid"):
        out.append(matrix(f"{blk}.attn_output", n_q, n_embd))
    if kind in ("qwen3", "gemma3", "gemma3n", "exaone4") or (kind == "lfm2" and n_head_kv):
        out += [
            vector(f"{blk}.attn_q_norm", arch.head_dim_k),
            vector(f"{blk}.attn_k_norm", arch.head_dim_k),
        ]
    if kind in ("gemma3", "gemma3n", "exaone4"):
        out.append(vector(f"{blk}.post_attention_norm", n_embd))
        out.append(vector(f"{blk}.post_ffw_norm", n_embd))
    if kind != "exaone4":
        out.append(vector(f"{blk}.ffn_norm", n_embd))
    if kind == "phi3":  # gate and up in one matrix
        out.append(matrix(f"{blk}.ffn_up", n_embd, 2 * n_ff))
    else:
        out += [matrix(f"{blk}.ffn_gate", n_embd, n_ff), matrix(f"{blk}.ffn_up", n_embd, n_ff)]
    out.append(matrix(f"{blk}.ffn_down", n_ff, n_embd, "ffn_down" if raise_down else "matrix"))
    if kind == "gemma3n":
        out += _gemma3n_layer_tensors(n_embd, blk, matrix, vector)
    return out


def _gemma3n_layer_tensors(n_embd: int, blk: str, matrix: Any, vector: Any) -> list[Tensor]:
    """gemma3n's per-layer embedding gate, AltUp and LAuReL tensors (the
    AltUp coefficients' rows of 4 stay F32, as no block type fits them)."""
    n_altup, rank, ple = N_ALTUP, LAUREL_RANK, N_EMBD_ALTUP
    return [
        matrix(f"{blk}.inp_gate", n_embd, ple),
        matrix(f"{blk}.proj", ple, n_embd),
        vector(f"{blk}.post_norm", n_embd),
        Tensor(f"{blk}.altup_correct_coef.weight", (n_altup, n_altup), "F32"),
        vector(f"{blk}.altup_correct_scale", n_embd),
        Tensor(f"{blk}.altup_predict_coef.weight", (n_altup, n_altup * n_altup), "F32"),
        matrix(f"{blk}.altup_router", n_embd, n_altup),
        vector(f"{blk}.altup_router_norm", n_embd),
        matrix(f"{blk}.laurel_l", n_embd, rank),
        matrix(f"{blk}.laurel_r", rank, n_embd),
        vector(f"{blk}.laurel_post_norm", n_embd),
    ]


def _gemma3n_tensors(arch: Architecture, matrix: Any, vector: Any) -> list[Tensor]:
    """gemma3n's tensors besides the blocks: the AltUp projections and the
    per-layer embeddings' table, projection and norm."""
    n_embd, ple = arch.n_embd, N_EMBD_ALTUP * arch.n_layer
    kind = matrix("altup_proj", n_embd, n_embd).type  # one square matrix per extra copy
    return [
        *(
            Tensor(f"{name}.weight", (n_embd, n_embd, N_ALTUP - 1), kind)
            for name in ("altup_proj", "altup_unembd_proj")
        ),
        matrix("per_layer_token_embd", ple, arch.n_vocab),
        matrix("per_layer_model_proj", n_embd, ple),
        vector("per_layer_proj_norm", N_EMBD_ALTUP),
    ]


def _mamba2_tensors(arch: Architecture, blk: str, matrix: Any, vector: Any) -> list[Tensor]:
    """A granitehybrid Mamba2 layer's mixer (granite-hybrid.cpp): the input
    projection (z, x, B, C, dt), the convolution and its bias, dt's bias, A,
    D, the grouped norm and the output projection."""
    d_inner, heads, channels = arch.ssm_d_inner, arch.ssm_dt_rank, arch.ssm_conv_channels()
    return [
        matrix(f"{blk}.ssm_in", arch.n_embd, d_inner + channels + heads),
        Tensor(f"{blk}.ssm_conv1d.weight", (arch.ssm_d_conv, channels), "F32"),
        vector(f"{blk}.ssm_conv1d", channels, "bias"),
        vector(f"{blk}.ssm_dt", heads, "bias"),
        Tensor(f"{blk}.ssm_a", (1, heads), "F32"),
        Tensor(f"{blk}.ssm_d", (1, heads), "F32"),
        Tensor(f"{blk}.ssm_norm.weight", (d_inner // arch.ssm_n_group, arch.ssm_n_group), "F32"),
        matrix(f"{blk}.ssm_out", d_inner, arch.n_embd),
    ]


def tensors_of(arch: Architecture, options: SparseOptions) -> list[Tensor]:
    """Every tensor of the file, in its order."""
    types = options.types

    def matrix(name: str, row: int, rows: int, role: str = "matrix") -> Tensor:
        wanted = getattr(types, role) or types.matrix
        return Tensor(f"{name}.weight", (row, rows), fitting_type(wanted, row))

    def vector(name: str, length: int, part: str = "weight") -> Tensor:
        return Tensor(f"{name}.{part}", (length,), "F32")

    embd_type = types.token_embd or types.matrix
    out = [
        Tensor(
            "token_embd.weight", (arch.n_embd, arch.n_vocab), fitting_type(embd_type, arch.n_embd)
        )
    ]
    out.append(vector("token_embd_norm" if arch.arch == "lfm2" else "output_norm", arch.n_embd))
    if not options.tied:
        head = types.output or embd_type
        out.append(
            Tensor("output.weight", (arch.n_embd, arch.n_vocab), fitting_type(head, arch.n_embd))
        )
    if arch.arch == "gemma3n":
        out += _gemma3n_tensors(arch, matrix, vector)
    for il in range(arch.n_layer):
        out += _layer_tensors(arch, il, matrix, vector, types.raised_layers)
    return out


def _add_hparams(writer: gguf.GGUFWriter, arch: Architecture) -> None:
    name = arch.arch

    def uint(key: str, value: int) -> None:
        writer.add_uint32(key.format(arch=name), value)

    def per_layer(key: str, value: Any) -> None:
        if isinstance(value, tuple):
            writer.add_array(key.format(arch=name), list(value))
        else:
            uint(key, value)

    uint(gguf.Keys.LLM.CONTEXT_LENGTH, arch.context_length or 4096)
    uint(gguf.Keys.LLM.EMBEDDING_LENGTH, arch.n_embd)
    uint(gguf.Keys.LLM.BLOCK_COUNT, arch.n_layer)
    per_layer(gguf.Keys.LLM.FEED_FORWARD_LENGTH, arch.n_ff)
    per_layer(gguf.Keys.Attention.HEAD_COUNT, arch.n_head)
    per_layer(gguf.Keys.Attention.HEAD_COUNT_KV, arch.n_head_kv)
    uint(gguf.Keys.Attention.KEY_LENGTH, arch.head_dim_k)
    uint(gguf.Keys.Attention.VALUE_LENGTH, arch.head_dim_v)
    uint(gguf.Keys.Rope.DIMENSION_COUNT, arch.head_dim_k)  # llama requires n_rot == head size
    writer.add_float32(gguf.Keys.Rope.FREQ_BASE.format(arch=name), 10000.0)
    writer.add_float32(gguf.Keys.Attention.LAYERNORM_RMS_EPS.format(arch=name), RMS_EPS)
    if arch.sliding_window:
        uint(gguf.Keys.Attention.SLIDING_WINDOW, arch.sliding_window)
    pattern = arch.sliding_window_pattern
    if isinstance(pattern, tuple):
        writer.add_array(
            gguf.Keys.Attention.SLIDING_WINDOW_PATTERN.format(arch=name), list(pattern)
        )
    elif pattern:
        uint(gguf.Keys.Attention.SLIDING_WINDOW_PATTERN, pattern)
    if name == "lfm2":
        uint(gguf.Keys.ShortConv.L_CACHE, arch.shortconv_l_cache)
    if name == "qwen35":
        add_qwen35_hparams(writer, arch)
    if name in ("granite", "granitehybrid"):
        # The logit scale is required; Granite 3's and 4's files carry the
        # embedding and residual scales too (IBM's config), and the sizing's graph has them.
        writer.add_float32(gguf.Keys.LLM.LOGIT_SCALE.format(arch=name), 8.0)
        writer.add_float32(gguf.Keys.LLM.EMBEDDING_SCALE.format(arch=name), 12.0)
        writer.add_float32(gguf.Keys.LLM.RESIDUAL_SCALE.format(arch=name), 0.22)
    if name == "granitehybrid":
        _add_mamba2_hparams(writer, arch)


def _add_mamba2_hparams(writer: gguf.GGUFWriter, arch: Architecture) -> None:
    """granitehybrid's ssm keys and RoPE's switch (Granite 4.0 H files: off)."""
    name = arch.arch
    for key, value in (
        (gguf.Keys.SSM.CONV_KERNEL, arch.ssm_d_conv),
        (gguf.Keys.SSM.INNER_SIZE, arch.ssm_d_inner),
        (gguf.Keys.SSM.STATE_SIZE, arch.ssm_d_state),
        (gguf.Keys.SSM.TIME_STEP_RANK, arch.ssm_dt_rank),
        (gguf.Keys.SSM.GROUP_COUNT, arch.ssm_n_group),
    ):
        writer.add_uint32(key.format(arch=name), value)
    writer.add_bool(gguf.Keys.Rope.SCALING_FINETUNED.format(arch=name), arch.rope_finetuned)


def write_sparse_gguf(
    path: Path, arch: Architecture, options: SparseOptions = DEFAULT_OPTIONS
) -> Path:
    """Write ``arch`` as a sparse GGUF file at ``path``; returns ``path``.
    The architecture's tensor_data_bytes, file_bytes and n_tensors are not
    read: :func:`file_architecture` answers what the written file has."""
    path = Path(path)
    writer = gguf.GGUFWriter(path, arch.arch)
    # Not the architecture: llama.cpp keys token attributes off general.name
    # (a name holding "phi3" needs Phi-3's special tokens in the vocabulary).
    writer.add_name("sparse model")
    _add_hparams(writer, arch)
    add_vocabulary(writer, arch.arch, arch.tokenizer, arch.n_vocab, arch.n_merges)
    tensors = tensors_of(arch, options)
    for tensor in tensors:
        writer.add_tensor_info(
            tensor.name,
            tuple(reversed(tensor.ne)),  # numpy order, as GGUFWriter takes shapes
            np.dtype(np.float32),
            tensor.nbytes,
            raw_dtype=gguf.GGMLQuantizationType[tensor.type],
        )
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    writer.close()
    header = path.stat().st_size
    data_start = padded(header, ALIGNMENT)
    os.truncate(path, data_start + sum(padded(tensor.nbytes) for tensor in tensors))
    return path


def file_architecture(path: Path, arch: Architecture, options: SparseOptions) -> Architecture:
    """The :class:`Architecture` of the file :func:`write_sparse_gguf` wrote at ``path``."""
    tensors = tensors_of(arch, options)
    return arch._replace(
        tensor_data_bytes=sum(padded(tensor.nbytes) for tensor in tensors),
        file_bytes=Path(path).stat().st_size,
        n_tensors=len(tensors),
        tied_embedding_bytes=padded(tensors[0].nbytes) if options.tied else 0,
    )
