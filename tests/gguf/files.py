"""GGUF files for the reader's tests: real models written by the gguf
package's writer, and headers built by hand, byte by byte."""

from __future__ import annotations

import io
import os
import struct
from pathlib import Path
from typing import Any, NamedTuple, Optional, Union

import pytest

from icpp_sizer_check.gguf.format import (
    ARRAY,
    STRING,
    UINT32,
    GgufError,
    GgufHeader,
)
from icpp_sizer_check.gguf.header import parse, read_header
from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import at_layer


def require_gguf() -> Any:
    """The gguf package; without it the tests skip, but under CI they fail."""
    try:
        import gguf
    except ImportError:
        if os.environ.get("CI", "").lower() == "true":
            raise
        pytest.skip("the gguf package is not installed", allow_module_level=True)
    return gguf


gguf = require_gguf()


np = pytest.importorskip("numpy")


class Spec(NamedTuple):
    """A small model for GGUFWriter: the keys llama.cpp reads, and its tensors."""

    arch: str
    n_layer: int = 2
    n_embd: int = 64
    n_head: int = 4
    n_head_kv: Union[int, tuple[int, ...]] = 2  # a tuple: one per layer (0: no attention)
    head_dim: Optional[int] = None  # written as key_length/value_length when set
    n_ff: Union[int, tuple[int, ...]] = 128
    n_vocab: int = 96
    weight_type: str = "F16"  # F16, Q8_0 or Q4_0
    tied: bool = True
    alignment: Optional[int] = None  # general.alignment; None: the default 32
    tokenizer: str = "gpt2"  # "gpt2": tokens and merges; "none": vocab_size only
    sliding_window: int = 0
    pattern: Union[int, list[bool], None] = None
    n_merges: int = 40
    l_cache: int = 0  # lfm2's shortconv.l_cache

    @property
    def head_size(self) -> int:
        return self.head_dim or self.n_embd // self.n_head


def token_texts(count: int) -> list[str]:
    """Tokens of several lengths and scripts, as a BPE vocabulary has."""
    stems = ["a", "Ġthe", "é", "日本", "<|endoftext|>", "ing", "Ġ" + "x" * 20]
    return [f"{stems[index % len(stems)]}{index}" for index in range(count)]


def weights(spec: Spec, rows: int, columns: int, seed: int) -> tuple[Any, Any]:
    """A matrix of ``rows`` x ``columns`` (numpy order) in the spec's type, and
    that type for add_tensor (None: numpy's own dtype)."""
    values = np.random.default_rng(seed).standard_normal((rows, columns)).astype(np.float32)
    if spec.weight_type == "F16":
        return values.astype(np.float16), None
    kind = gguf.GGMLQuantizationType[spec.weight_type]
    return gguf.quants.quantize(values, kind), kind


def tensors_of(spec: Spec) -> list[tuple[str, Any, Any]]:
    """(name, data, raw type) of every tensor, in file order."""
    hd = spec.head_size
    matrices = [("token_embd.weight", spec.n_vocab, spec.n_embd)]
    for layer in range(spec.n_layer):
        block = f"blk.{layer}"
        n_kv, n_ff = at_layer(spec.n_head_kv, layer), at_layer(spec.n_ff, layer)
        matrices += [
            (f"{block}.attn_q.weight", spec.n_head * hd, spec.n_embd),
            (f"{block}.attn_k.weight", n_kv * hd, spec.n_embd),
            (f"{block}.attn_v.weight", n_kv * hd, spec.n_embd),
            (f"{block}.attn_output.weight", spec.n_embd, spec.n_head * hd),
            (f"{block}.ffn_gate.weight", n_ff, spec.n_embd),
            (f"{block}.ffn_up.weight", n_ff, spec.n_embd),
            (f"{block}.ffn_down.weight", spec.n_embd, n_ff),
        ]
    # A short-convolution layer (no key/value heads) has no key and value weights.
    matrices = [matrix for matrix in matrices if matrix[1] and matrix[2]]
    if not spec.tied:
        matrices.append(("output.weight", spec.n_vocab, spec.n_embd))
    tensors = []
    for seed, (name, rows, columns) in enumerate(matrices):
        data, kind = weights(spec, rows, columns, seed)
        tensors.append((name, data, kind))
    norms = [f"blk.{layer}.attn_norm.weight" for layer in range(spec.n_layer)]
    tensors += [(name, np.ones(spec.n_embd, np.float32), None) for name in norms]
    tensors.append(("output_norm.weight", np.ones(spec.n_embd, np.float32), None))
    return tensors


def write_model(path: Path, spec: Spec) -> Path:
    writer = gguf.GGUFWriter(str(path), spec.arch)
    writer.add_name("test model\twith a tab")
    writer.add_context_length(512)
    writer.add_embedding_length(spec.n_embd)
    writer.add_block_count(spec.n_layer)
    writer.add_feed_forward_length(spec.n_ff)
    writer.add_head_count(spec.n_head)
    writer.add_head_count_kv(spec.n_head_kv)
    writer.add_layer_norm_rms_eps(1e-6)
    writer.add_rope_dimension_count(spec.head_size)
    if spec.head_dim is not None:
        writer.add_key_length(spec.head_dim)
        writer.add_value_length(spec.head_dim)
    if spec.alignment is not None:
        writer.add_custom_alignment(spec.alignment)
    if spec.sliding_window or spec.arch == "gemma3":
        writer.add_sliding_window(spec.sliding_window)
    if spec.l_cache:
        writer.add_shortconv_l_cache(spec.l_cache)
    key = f"{spec.arch}.attention.sliding_window_pattern"
    if isinstance(spec.pattern, int):
        writer.add_uint32(key, spec.pattern)
    elif spec.pattern is not None:
        writer.add_array(key, spec.pattern)
    if spec.tokenizer == "none":
        writer.add_tokenizer_model("none")
        writer.add_vocab_size(spec.n_vocab)
    else:
        writer.add_tokenizer_model("gpt2")
        writer.add_token_list(token_texts(spec.n_vocab))
        writer.add_token_types([1] * spec.n_vocab)
        writer.add_token_merges([f"a{index} b" for index in range(spec.n_merges)])
    for name, data, kind in tensors_of(spec):
        writer.add_tensor(name, data, raw_dtype=kind)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def padded(value: int, multiple: int = 32) -> int:
    return -(-value // multiple) * multiple


SPECS = {
    "llama_gqa_f16_tied": Spec("llama"),
    "llama_q8_0_untied_a64": Spec("llama", weight_type="Q8_0", tied=False, alignment=64),
    "qwen3_head_dim_128_q8_0": Spec("qwen3", head_dim=128, weight_type="Q8_0", n_vocab=200),
    "qwen3_q4_0_untied_none": Spec(
        "qwen3", head_dim=32, weight_type="Q4_0", tied=False, tokenizer="none"
    ),
    "qwen2_f16_a64": Spec("qwen2", n_head_kv=4, alignment=64, n_vocab=100),
    "qwen2_q4_0_tied": Spec("qwen2", n_head_kv=1, weight_type="Q4_0"),
    "gemma3_default_pattern": Spec("gemma3", n_layer=7, n_head_kv=1, sliding_window=512),
    "gemma3_pattern_4_q8_0": Spec(
        "gemma3", n_layer=4, sliding_window=128, pattern=4, weight_type="Q8_0"
    ),
    "gemma3_bool_pattern": Spec(
        "gemma3", n_layer=6, sliding_window=64, pattern=[True, True, False] * 2, alignment=64
    ),
    "gemma3_no_window_none": Spec("gemma3", n_layer=3, tokenizer="none"),
    # LFM2's layout: key/value heads on a few layers, short convolutions on the others.
    "lfm2_per_layer_kv": Spec("lfm2", n_layer=6, n_head_kv=(0, 0, 2, 0, 2, 0), l_cache=3),
    "lfm2_window_per_layer_ff_none": Spec(
        "lfm2",
        n_layer=4,
        n_head_kv=(0, 2, 0, 2),
        n_ff=(128, 64, 128, 128),
        sliding_window=64,
        l_cache=3,
        tokenizer="none",
    ),
    "phi3_window_q8_0": Spec("phi3", n_head_kv=4, sliding_window=2047, weight_type="Q8_0"),
    "granite_untied": Spec("granite", tied=False),
    "smollm3_q4_0": Spec("smollm3", n_head_kv=1, weight_type="Q4_0"),
    "exaone4_window": Spec("exaone4", n_layer=3, sliding_window=128),
    "exaone4_64_layers_pattern": Spec(
        "exaone4", n_layer=64, n_embd=32, n_head=2, n_head_kv=1, n_ff=32, pattern=[True, False] * 32
    ),
}


def write_models(folder: Path) -> dict[str, Path]:
    """Every model of SPECS, written in ``folder``, by name."""
    return {name: write_model(folder / f"{name}.gguf", spec) for name, spec in SPECS.items()}


def array_length(field: Any) -> int:
    return int(field.parts[4][0])


def assert_same_as_gguf_reader(path: Path) -> GgufHeader:
    """Every key, value, tensor and offset as gguf.GGUFReader reads them."""
    ours = read_header(str(path))
    theirs = gguf.GGUFReader(str(path))
    assert ours.data_offset == theirs.data_offset
    assert ours.alignment == theirs.alignment
    assert ours.file_bytes == path.stat().st_size
    keys = [key for key in theirs.fields if not key.startswith("GGUF.")]
    assert list(ours.fields) == keys
    for key in keys:
        field, mine = theirs.fields[key], ours.fields[key]
        assert mine.type == field.types[0], key
        if mine.type == ARRAY:
            assert mine.item_type == int(field.parts[3][0]), key
            assert mine.length == array_length(field), key
            if mine.items is not None:
                assert list(mine.items) == field.contents(), key
        elif mine.value is None:  # a string too long to keep
            assert mine.length == len(field.parts[-1]), key
        else:
            assert mine.value == field.contents(), key
    assert [tensor.name for tensor in ours.tensors] == [tensor.name for tensor in theirs.tensors]
    for mine, tensor in zip(ours.tensors, theirs.tensors):
        assert list(mine.dims) == tensor.shape.tolist()
        assert mine.ggml_type == int(tensor.tensor_type)
        assert ours.data_offset + mine.offset == tensor.data_offset
        assert mine.nbytes == tensor.n_bytes
        assert mine.elements == tensor.n_elements
    return ours


def string(text: Union[str, bytes]) -> bytes:
    raw = text.encode() if isinstance(text, str) else text
    return struct.pack("<Q", len(raw)) + raw


def entry(key: Union[str, bytes], kind: int, payload: bytes) -> bytes:
    return string(key) + struct.pack("<I", kind) + payload


def u32(key: str, value: int) -> bytes:
    return entry(key, UINT32, struct.pack("<I", value))


def u32s(key: str, values: list[int]) -> bytes:
    """A uint32 array: a per-layer value."""
    return entry(key, ARRAY, struct.pack(f"<IQ{len(values)}I", UINT32, len(values), *values))


def strings(key: str, items: list[str]) -> bytes:
    payload = struct.pack("<IQ", STRING, len(items)) + b"".join(string(item) for item in items)
    return entry(key, ARRAY, payload)


def tensor_info(
    name: Union[str, bytes], dims: tuple[int, ...], kind: int = 0, offset: int = 0
) -> bytes:
    return (
        string(name)
        + struct.pack("<I", len(dims))
        + b"".join(struct.pack("<Q", dim) for dim in dims)
        + struct.pack("<IQ", kind, offset)
    )


LLAMA_ENTRIES = [
    entry("general.architecture", STRING, string("llama")),
    u32("llama.block_count", 1),
    u32("llama.embedding_length", 32),
    u32("llama.feed_forward_length", 64),
    u32("llama.attention.head_count", 2),
    u32("llama.context_length", 128),
    entry("tokenizer.ggml.model", STRING, string("gpt2")),
    strings("tokenizer.ggml.tokens", ["a", "b", "ab", "é"]),
    strings("tokenizer.ggml.merges", ["a b"]),
]


def arch_entries(arch: str, n_layer: int) -> list[bytes]:
    """The least header of ``arch`` llama.cpp reads: no tokens, ten dummy ones."""
    return [
        entry("general.architecture", STRING, string(arch)),
        u32(f"{arch}.block_count", n_layer),
        u32(f"{arch}.embedding_length", 32),
        u32(f"{arch}.feed_forward_length", 64),
        u32(f"{arch}.attention.head_count", 2),
        entry("tokenizer.ggml.model", STRING, string("none")),
        u32(f"{arch}.vocab_size", 10),
    ]


def key_of(item: bytes) -> bytes:
    return item[8 : 8 + struct.unpack_from("<Q", item)[0]]


def merged(entries: list[bytes], extra: list[bytes]) -> list[bytes]:
    """``entries``, each one ``extra`` has a key of replaced by ``extra``'s."""
    keys = {key_of(item) for item in extra}
    return [item for item in entries if key_of(item) not in keys] + extra


LLAMA_TENSORS = [("token_embd.weight", (32, 4)), ("output_norm.weight", (32,))]


def build(
    entries: Optional[list[bytes]] = None,
    tensors: Optional[list[bytes]] = None,
    *,
    magic: bytes = b"GGUF",
    version: int = 3,
    counts: Optional[tuple[int, int]] = None,
    alignment: int = 32,
    data: Optional[bytes] = None,
) -> bytes:
    """A GGUF file: the header, padding, then ``data`` (enough f32 zeros for
    LLAMA_TENSORS when None)."""
    entries = LLAMA_ENTRIES if entries is None else entries
    if tensors is None:
        tensors = [
            tensor_info("token_embd.weight", (32, 4)),
            tensor_info("output_norm.weight", (32,), offset=512),
        ]
    n_tensors, n_entries = counts if counts is not None else (len(tensors), len(entries))
    head = magic + struct.pack("<IQQ", version, n_tensors, n_entries)
    head += b"".join(entries) + b"".join(tensors)
    head += b"\0" * (-len(head) % alignment)
    return head + (b"\0" * (512 + 128) if data is None else data)


def parsed(content: bytes) -> GgufHeader:
    return parse(io.BytesIO(content), len(content))


def without(key: str) -> list[bytes]:
    return [item for item in LLAMA_ENTRIES if key.encode() not in item[:60]]


def replaced(key: str, new: bytes) -> list[bytes]:
    return [*without(key), new]


def parse_refusal(content: bytes) -> str:
    """What the reader says when it refuses ``content``."""
    with pytest.raises(GgufError) as raised:
        parsed(content)
    return str(raised.value)


def only(*entries: bytes) -> bytes:
    """A header of these metadata entries and no tensors, the file ending with the last."""
    return b"GGUF" + struct.pack("<IQQ", 3, 0, len(entries)) + b"".join(entries)
