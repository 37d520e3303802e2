"""Small, real GGUF files that llama.cpp loads, and the :class:`Architecture` each one has.

The accuracy tests hold the sizing to what llama.cpp allocates for a file, so
they need files llama.cpp accepts: every key its loader requires and every
tensor, with the names and shapes, each architecture's graph builder asks for.
:func:`write_model` writes one from a :class:`ModelSpec`; :data:`SPECS` names
a covering set (llama with grouped-query attention and an SPM vocabulary,
qwen3 with a head size of its own and q/k norms, qwen2 with attention biases,
gemma3 with sliding-window layers, once with every layer sliding; F16, Q8_0
and Q4_0 weights; tied and untied output). Weights are random with a fixed
seed: llama.cpp only fills a context with them, and the same spec always
gives the same bytes.

:func:`architecture_of` reads a written file back with ``gguf.GGUFReader`` into
the :class:`Architecture` the sizing takes, so other tests (a header reader,
``describe-gguf``) can compare their reading against it. GGUFReader builds
every array of the header, which is fine for these files but slow for a real
vocabulary of 150,000 tokens.

Needs ``gguf`` and ``numpy``; callers skip when they are missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple, Optional

import gguf
import numpy as np

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Architecture

# Each tensor's data starts on this boundary (GGUF's default general.alignment);
# llama.cpp's CPU buffer pads every tensor to 32 bytes too.
TENSOR_ALIGNMENT = 32
# gemma3's default: every 6th layer is global, the others slide (llama.cpp
# sets this pattern when the file has no attention.sliding_window_pattern).
GEMMA3_SWA_PATTERN = 6

WEIGHT_TYPES = {
    "F16": gguf.GGMLQuantizationType.F16,
    "Q8_0": gguf.GGMLQuantizationType.Q8_0,
    "Q4_0": gguf.GGMLQuantizationType.Q4_0,
}


class ModelSpec(NamedTuple):
    """The shape and encoding of one generated model."""

    name: str  # the file's stem, unique among SPECS
    arch: str  # general.architecture: llama, qwen2, qwen3 or gemma3
    n_layer: int
    n_embd: int
    n_head: int
    n_head_kv: int
    n_ff: int
    n_vocab: int
    weight_type: str = "F16"  # of the matrices (F16, Q8_0, Q4_0); norms and biases stay F32
    tied: bool = True  # no output.weight: the output head reuses token_embd
    head_dim: Optional[int] = None  # written as key_length/value_length; None: n_embd / n_head
    vocab: str = "none"  # "none" ({arch}.vocab_size dummy tokens) or "spm" (a real SPM list)
    sliding_window: int = 0  # gemma3 only: attention.sliding_window
    context_length: int = 8192
    seed: int = 0

    @property
    def head_size(self) -> int:
        return self.head_dim if self.head_dim is not None else self.n_embd // self.n_head


# A covering set, not the full product of architecture x weight type x tying:
# each architecture appears with two weight types and both kinds of output,
# and every weight type appears tied and untied somewhere.
SPECS: tuple[ModelSpec, ...] = (
    # GQA 8:2, head size 32, a real SPM vocabulary of 32000 tokens.
    ModelSpec(
        "llama_spm_q4_0_untied", "llama", 2, 256, 8, 2, 768, 32000, "Q4_0", False, vocab="spm"
    ),
    # GQA 4:2, head size 64 (the quantized caches' rotation applies).
    ModelSpec("llama_f16_tied", "llama", 2, 256, 4, 2, 768, 16384, "F16", True),
    # key_length 128 != 256 / 4, q and k norms.
    ModelSpec("qwen3_q8_0_tied", "qwen3", 2, 256, 4, 2, 768, 16384, "Q8_0", True, head_dim=128),
    ModelSpec("qwen3_f16_untied", "qwen3", 2, 256, 4, 2, 512, 20480, "F16", False, head_dim=128),
    # q, k and v biases; qwen2 needs head size n_embd / n_head.
    ModelSpec("qwen2_q4_0_tied", "qwen2", 2, 256, 4, 2, 768, 16384, "Q4_0", True),
    ModelSpec("qwen2_q8_0_untied", "qwen2", 2, 256, 4, 2, 512, 24576, "Q8_0", False),
    # 6 layers: 5 slide over a window of 512, the 6th is global; one KV head.
    ModelSpec(
        "gemma3_q8_0_tied",
        "gemma3",
        6,
        256,
        4,
        1,
        512,
        32768,
        "Q8_0",
        True,
        128,
        sliding_window=512,
    ),
    # 3 layers of gemma3's pattern of 6: every layer slides (over 256 tokens),
    # and the full cache holds none; untied F16.
    ModelSpec(
        "gemma3_f16_untied_all_sliding",
        "gemma3",
        3,
        256,
        4,
        2,
        512,
        16384,
        "F16",
        False,
        64,
        sliding_window=256,
    ),
    # A toy vocabulary of 16 n_embd, smaller than any real model's: the logits
    # weigh least against the rest of the compute buffer.
    ModelSpec("llama_small_vocab_f16", "llama", 2, 256, 4, 2, 768, 4096, "F16", True),
)

SPECS_BY_NAME: dict[str, ModelSpec] = {spec.name: spec for spec in SPECS}


def _matrix(rng: np.random.Generator, rows: int, cols: int, weight_type: str) -> tuple[Any, Any]:
    """A rows x cols matrix (ggml ne = [cols, rows]) as GGUFWriter.add_tensor takes it."""
    values = rng.standard_normal((rows, cols), dtype=np.float32) * 0.02
    kind = WEIGHT_TYPES[weight_type]
    if kind == gguf.GGMLQuantizationType.F16:
        return values.astype(np.float16), None
    return gguf.quants.quantize(values, kind), kind


def _tensors(spec: ModelSpec) -> list[tuple[str, Any, Any]]:
    """Every tensor llama.cpp's loader creates for the spec's architecture, in
    the names of gguf's tensor map (llama-arch.cpp)."""
    rng = np.random.default_rng(spec.seed)
    head = spec.head_size
    n_q, n_kv = spec.n_head * head, spec.n_head_kv * head
    ones = {n: np.ones(n, dtype=np.float32) for n in {spec.n_embd, head}}

    def matrix(rows: int, cols: int) -> tuple[Any, Any]:
        return _matrix(rng, rows, cols, spec.weight_type)

    tensors: list[tuple[str, Any, Any]] = [
        ("token_embd.weight", *matrix(spec.n_vocab, spec.n_embd))
    ]
    for layer in range(spec.n_layer):
        blk = f"blk.{layer}"
        tensors += [
            (f"{blk}.attn_norm.weight", ones[spec.n_embd], None),
            (f"{blk}.attn_q.weight", *matrix(n_q, spec.n_embd)),
            (f"{blk}.attn_k.weight", *matrix(n_kv, spec.n_embd)),
            (f"{blk}.attn_v.weight", *matrix(n_kv, spec.n_embd)),
            (f"{blk}.attn_output.weight", *matrix(spec.n_embd, n_q)),
            (f"{blk}.ffn_norm.weight", ones[spec.n_embd], None),
            (f"{blk}.ffn_gate.weight", *matrix(spec.n_ff, spec.n_embd)),
            (f"{blk}.ffn_up.weight", *matrix(spec.n_ff, spec.n_embd)),
            (f"{blk}.ffn_down.weight", *matrix(spec.n_embd, spec.n_ff)),
        ]
        if spec.arch in ("qwen3", "gemma3"):
            tensors += [
                (f"{blk}.attn_q_norm.weight", ones[head], None),
                (f"{blk}.attn_k_norm.weight", ones[head], None),
            ]
        if spec.arch == "qwen2":
            tensors += [
                (f"{blk}.attn_q.bias", np.zeros(n_q, dtype=np.float32), None),
                (f"{blk}.attn_k.bias", np.zeros(n_kv, dtype=np.float32), None),
                (f"{blk}.attn_v.bias", np.zeros(n_kv, dtype=np.float32), None),
            ]
        if spec.arch == "gemma3":
            tensors += [
                (f"{blk}.post_attention_norm.weight", ones[spec.n_embd], None),
                (f"{blk}.post_ffw_norm.weight", ones[spec.n_embd], None),
            ]
    tensors.append(("output_norm.weight", ones[spec.n_embd], None))
    if not spec.tied:
        tensors.append(("output.weight", *matrix(spec.n_vocab, spec.n_embd)))
    return tensors


def _add_vocabulary(writer: gguf.GGUFWriter, spec: ModelSpec) -> None:
    if spec.vocab == "none":
        writer.add_tokenizer_model("none")
        writer.add_uint32(gguf.Keys.LLM.VOCAB_SIZE.format(arch=spec.arch), spec.n_vocab)
        return
    if spec.vocab != "spm":
        raise ValueError(f"unknown vocabulary kind {spec.vocab!r}")
    # SPM: unknown, BOS, EOS, the 256 byte tokens, then plain pieces.
    specials = ["<unk>", "<s>", "</s>"]
    byte_tokens = [f"<0x{value:02X}>" for value in range(256)]
    plain = [f"\u2581t{index}" for index in range(spec.n_vocab - len(specials) - 256)]
    types = [2, 3, 3] + [6] * 256 + [1] * len(plain)  # unknown, control, byte, normal
    writer.add_tokenizer_model("llama")
    writer.add_token_list(specials + byte_tokens + plain)
    writer.add_token_scores([0.0] * 259 + [-float(index) for index in range(len(plain))])
    writer.add_token_types(types)
    writer.add_unk_token_id(0)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)


def write_model(path: Path, spec: ModelSpec) -> Path:
    """Write ``spec`` as a GGUF file at ``path`` (a directory: the file is
    ``<path>/<spec.name>.gguf``; else the file itself). Returns the file."""
    path = Path(path)
    target = path / f"{spec.name}.gguf" if path.is_dir() else path
    writer = gguf.GGUFWriter(target, spec.arch)
    writer.add_name(spec.name)
    writer.add_context_length(spec.context_length)
    writer.add_embedding_length(spec.n_embd)
    writer.add_block_count(spec.n_layer)
    writer.add_feed_forward_length(spec.n_ff)
    writer.add_head_count(spec.n_head)
    writer.add_head_count_kv(spec.n_head_kv)
    writer.add_layer_norm_rms_eps(1e-6)
    writer.add_rope_freq_base(10000.0)
    writer.add_rope_dimension_count(spec.head_size)
    if spec.head_dim is not None:
        writer.add_key_length(spec.head_dim)
        writer.add_value_length(spec.head_dim)
    if spec.sliding_window:
        writer.add_sliding_window(spec.sliding_window)
    writer.add_file_type(
        {"F16": gguf.LlamaFileType.MOSTLY_F16, "Q8_0": gguf.LlamaFileType.MOSTLY_Q8_0}.get(
            spec.weight_type, gguf.LlamaFileType.MOSTLY_Q4_0
        )
    )
    _add_vocabulary(writer, spec)
    for name, data, raw_dtype in _tensors(spec):
        writer.add_tensor(name, data, raw_dtype=raw_dtype)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return target


def _scalar(reader: gguf.GGUFReader, key: str) -> Optional[Any]:
    field = reader.get_field(key)
    return None if field is None else field.contents()


def architecture_of(path: Path) -> Architecture:
    """The :class:`Architecture` of a GGUF file as llama.cpp reads its header:
    head sizes from key_length/value_length else n_embd / n_head, KV heads from
    head_count_kv else head_count, the vocabulary from the token list else
    ``{arch}.vocab_size``, and each tensor's bytes padded to 32 (the model buffer)."""
    path = Path(path)
    reader = gguf.GGUFReader(path)
    arch = str(_scalar(reader, gguf.Keys.General.ARCHITECTURE))

    def key(template: str) -> Optional[Any]:
        return _scalar(reader, template.format(arch=arch))

    n_embd = int(key(gguf.Keys.LLM.EMBEDDING_LENGTH))
    n_head = int(key(gguf.Keys.Attention.HEAD_COUNT))
    n_head_kv = key(gguf.Keys.Attention.HEAD_COUNT_KV)
    head_dim_k = key(gguf.Keys.Attention.KEY_LENGTH)
    head_dim_v = key(gguf.Keys.Attention.VALUE_LENGTH)
    tokens = reader.get_field(gguf.Keys.Tokenizer.LIST)
    merges = reader.get_field(gguf.Keys.Tokenizer.MERGES)
    n_vocab = len(tokens.data) if tokens is not None else int(key(gguf.Keys.LLM.VOCAB_SIZE))
    sliding_window = int(key(gguf.Keys.Attention.SLIDING_WINDOW) or 0)
    pattern = key(gguf.Keys.Attention.SLIDING_WINDOW_PATTERN)
    if pattern is None:
        pattern = GEMMA3_SWA_PATTERN if arch == "gemma3" and sliding_window else 0
    context_length = key(gguf.Keys.LLM.CONTEXT_LENGTH)
    return Architecture(
        n_layer=int(key(gguf.Keys.LLM.BLOCK_COUNT)),
        n_embd=n_embd,
        n_head=n_head,
        n_head_kv=int(n_head_kv) if n_head_kv is not None else n_head,
        head_dim_k=int(head_dim_k) if head_dim_k is not None else n_embd // n_head,
        head_dim_v=int(head_dim_v) if head_dim_v is not None else n_embd // n_head,
        n_ff=int(key(gguf.Keys.LLM.FEED_FORWARD_LENGTH)),
        n_vocab=n_vocab,
        tensor_data_bytes=sum(
            -(-int(tensor.n_bytes) // TENSOR_ALIGNMENT) * TENSOR_ALIGNMENT
            for tensor in reader.tensors
        ),
        file_bytes=path.stat().st_size,
        arch=arch,
        context_length=int(context_length) if context_length is not None else None,
        sliding_window=sliding_window,
        sliding_window_pattern=int(pattern),
        n_tensors=len(reader.tensors),
        n_merges=len(merges.data) if merges is not None else 0,
    )
