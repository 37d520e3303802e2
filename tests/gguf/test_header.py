"""The GGUF header reader: equal to the gguf package's reader on real files
written by its writer, and refusing every broken or hostile header with
GgufError alone."""

from __future__ import annotations

import contextlib
import io
import os
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any, NamedTuple, Optional, Union

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from icpp_sizer_check.gguf.format import (
    ARRAY,
    BOOL,
    FLOAT32,
    INT32,
    MAX_KEPT_STRING,
    STRING,
    UINT32,
    UINT64,
    GgufError,
    GgufHeader,
)
from icpp_sizer_check.gguf.header import parse, read_header
from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Architecture
from icpp_sizer_check.runtimes.llama_cpp_canister.gguf_architecture import (
    architecture_of,
    read_architecture,
)
from tests.fixtures import REPO, examples


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
    n_head_kv: int = 2
    head_dim: Optional[int] = None  # written as key_length/value_length when set
    n_ff: int = 128
    n_vocab: int = 96
    weight_type: str = "F16"  # F16, Q8_0 or Q4_0
    tied: bool = True
    alignment: Optional[int] = None  # general.alignment; None: the default 32
    tokenizer: str = "gpt2"  # "gpt2": tokens and merges; "none": vocab_size only
    sliding_window: int = 0
    pattern: Union[int, list[bool], None] = None
    n_merges: int = 40

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
        matrices += [
            (f"{block}.attn_q.weight", spec.n_head * hd, spec.n_embd),
            (f"{block}.attn_k.weight", spec.n_head_kv * hd, spec.n_embd),
            (f"{block}.attn_v.weight", spec.n_head_kv * hd, spec.n_embd),
            (f"{block}.attn_output.weight", spec.n_embd, spec.n_head * hd),
            (f"{block}.ffn_gate.weight", spec.n_ff, spec.n_embd),
            (f"{block}.ffn_up.weight", spec.n_ff, spec.n_embd),
            (f"{block}.ffn_down.weight", spec.n_embd, spec.n_ff),
        ]
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


def expected_architecture(spec: Spec, path: Path) -> Architecture:
    """The architecture the spec describes, from the spec and the data written."""
    data_bytes = sum(padded(data.nbytes) for _, data, _ in tensors_of(spec))
    swa = spec.arch == "gemma3" and spec.sliding_window > 0
    pattern = spec.pattern if isinstance(spec.pattern, int) else 6
    if isinstance(spec.pattern, list):
        pattern = 3  # what the lists below encode
    return Architecture(
        n_layer=spec.n_layer,
        n_embd=spec.n_embd,
        n_head=spec.n_head,
        n_head_kv=spec.n_head_kv,
        head_dim_k=spec.head_size,
        head_dim_v=spec.head_size,
        n_ff=spec.n_ff,
        n_vocab=spec.n_vocab,
        tensor_data_bytes=data_bytes,
        file_bytes=path.stat().st_size,
        arch=spec.arch,
        context_length=512,
        sliding_window=spec.sliding_window if swa else 0,
        sliding_window_pattern=pattern if swa else 0,
        n_tensors=len(tensors_of(spec)),
        n_merges=0 if spec.tokenizer == "none" else spec.n_merges,
    )


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
}


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("gguf")
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


@pytest.mark.parametrize("name", SPECS)
def test_equal_to_gguf_reader(models: dict[str, Path], name: str) -> None:
    assert_same_as_gguf_reader(models[name])


@pytest.mark.parametrize("name", SPECS)
def test_architecture(models: dict[str, Path], name: str) -> None:
    path = models[name]
    assert read_architecture(str(path)) == expected_architecture(SPECS[name], path)


def test_tensor_data_is_the_file_section_at_alignment_32(models: dict[str, Path]) -> None:
    """With the default alignment the padded tensors are the data section."""
    path = models["llama_gqa_f16_tied"]
    header = read_header(str(path))
    assert read_architecture(str(path)).tensor_data_bytes == header.file_bytes - header.data_offset


def test_every_value_type(tmp_path: Path) -> None:
    """Scalars of every type, arrays of every type and one array too long to
    keep its values, all as GGUFReader reads them."""
    writer = gguf.GGUFWriter(str(tmp_path / "types.gguf"), "llama")
    kinds = gguf.GGUFValueType
    scalars = {
        kinds.UINT8: 200,
        kinds.INT8: -100,
        kinds.UINT16: 60000,
        kinds.INT16: -30000,
        kinds.UINT32: 4_000_000_000,
        kinds.INT32: -2_000_000_000,
        kinds.FLOAT32: 1.5,
        kinds.BOOL: True,
        kinds.UINT64: 2**63 + 5,
        kinds.INT64: -(2**62),
        kinds.FLOAT64: 0.1,
        kinds.STRING: "héllo",
    }
    for kind, value in scalars.items():
        writer.add_key_value(f"t.scalar.{kind.name}", value, kind)
        writer.add_key_value(f"t.array.{kind.name}", [value, value], kinds.ARRAY, sub_type=kind)
    writer.add_key_value("t.long", list(range(5000)), kinds.ARRAY, sub_type=kinds.INT32)
    writer.add_tensor("x", np.ones(32, np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    header = assert_same_as_gguf_reader(tmp_path / "types.gguf")
    assert header.fields["t.long"].items is None
    assert header.fields["t.long"].length == 5000
    assert header.fields["t.array.INT32"].items == (-2_000_000_000, -2_000_000_000)


# Hand-built headers, byte by byte, for what no writer produces.


def string(text: Union[str, bytes]) -> bytes:
    raw = text.encode() if isinstance(text, str) else text
    return struct.pack("<Q", len(raw)) + raw


def entry(key: Union[str, bytes], kind: int, payload: bytes) -> bytes:
    return string(key) + struct.pack("<I", kind) + payload


def u32(key: str, value: int) -> bytes:
    return entry(key, UINT32, struct.pack("<I", value))


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


def test_hand_built_file_reads() -> None:
    header = parsed(build())
    assert [tensor.name for tensor in header.tensors] == ["token_embd.weight", "output_norm.weight"]
    architecture = architecture_of(header)
    assert architecture.n_vocab == 4
    assert architecture.n_merges == 1
    assert architecture.n_head_kv == 2
    assert architecture.head_dim_k == 16
    assert architecture.tensor_data_bytes == 512 + 128


def test_version_2_reads() -> None:
    assert parsed(build(version=2)).version == 2


def test_every_truncation_is_refused() -> None:
    """Cut anywhere before the last tensor's data ends, the file is refused."""
    content = build()
    for cut in range(len(content)):
        with pytest.raises(GgufError, match=r"truncated|too short"):
            parsed(content[:cut])


def test_every_truncation_of_a_written_model_is_refused(models: dict[str, Path]) -> None:
    content = models["qwen3_q4_0_untied_none"].read_bytes()
    header = parsed(content)
    end = header.data_offset + header.tensors[-1].offset + header.tensors[-1].nbytes
    assert parsed(content[:end]).tensors == header.tensors  # trailing padding is optional
    cuts = [*range(0, header.data_offset, 3), *range(header.data_offset, end, 997)]
    for cut in cuts:
        with pytest.raises(GgufError, match=r"truncated|too short"):
            parsed(content[:cut])


def swapped(value: int) -> int:
    return int.from_bytes(value.to_bytes(4, "little"), "big")


def test_truncated_header_message_says_what_and_where() -> None:
    content = build(entries=[u32("k", 1)], tensors=[], data=b"")
    with pytest.raises(GgufError) as caught:
        parsed(content[:39])
    message = str(caught.value)
    assert message.startswith("the file ends inside the value of 'k'")
    assert "(at byte 39, 4 bytes needed from byte 37)" in message
    assert message.endswith("the file is truncated: upload it again")
    assert "\n" not in message


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"GGU",
            "the file is 3 bytes long, too short for a GGUF model",
        ),
        (
            build(magic=b"GGML"),
            "the file starts with 'GGML', not 'GGUF': it is not a GGUF model",
        ),
        (
            build(magic=b"\x1b[2J"),
            "the file starts with '\\x1b[2J', not 'GGUF': it is not a GGUF model",
        ),
        (
            build(version=1),
            (
                "the file is GGUF version 1, which llama.cpp no longer reads; convert the "
                "model again with a current llama.cpp (version 3)"
            ),
        ),
        (
            build(version=4),
            (
                "the file is GGUF version 4; this tool reads versions 2 and 3: is the file a "
                "GGUF model?"
            ),
        ),
        (
            build(version=0),
            (
                "the file is GGUF version 0; this tool reads versions 2 and 3: is the file a "
                "GGUF model?"
            ),
        ),
        (
            build(version=swapped(3)),
            (
                "the file is a big-endian GGUF; llama.cpp on wasm32 reads only little-endian "
                "files: convert the model again without --bigendian"
            ),
        ),
        (
            build(counts=(2**63, 9)),
            (
                "the header claims 9223372036854775808 tensors, more than the 65536 any model "
                "needs; the header is corrupt"
            ),
        ),
        (
            build(counts=(2, 2**64 - 1)),
            (
                "the header claims 18446744073709551615 metadata entries, more than the 65536 "
                "any model needs; the header is corrupt"
            ),
        ),
        (
            build(entries=[string("k") + struct.pack("<I", 13) + b"\0" * 8]),
            (
                "metadata key 'k' has value type 13, which GGUF does not define (0-12); the "
                "header is corrupt"
            ),
        ),
        (
            build(entries=[entry("k", ARRAY, struct.pack("<IQ", 99, 1) + b"\0" * 8)]),
            (
                "the array 'k' has item type 99, which GGUF does not define (0-12); the "
                "header is corrupt"
            ),
        ),
        (
            build(entries=[entry("k", ARRAY, struct.pack("<IQ", STRING, 2**60))]),
            (
                "the array 'k' claims 1152921504606846976 items, more than the 751 bytes left "
                "in the file can hold; the file is truncated or its header corrupt"
            ),
        ),
        (
            build(entries=[entry("k", ARRAY, struct.pack("<IQ", UINT64, 2**61))]),
            (
                "the array 'k' claims 2305843009213693952 items, more than the 751 bytes left "
                "in the file can hold; the file is truncated or its header corrupt"
            ),
        ),
        (
            build(entries=[struct.pack("<Q", 2**62) + b"key"]),
            (
                "the key of metadata entry 0 claims 4611686018427387904 bytes at byte 24, "
                "more than the 768 left in the file; the file is truncated or its header "
                "corrupt"
            ),
        ),
        (
            build(entries=[entry("k", STRING, struct.pack("<Q", 2**40))]),
            (
                "the value of 'k' claims 1099511627776 bytes at byte 37, more than the 755 "
                "left in the file; the file is truncated or its header corrupt"
            ),
        ),
        (
            build(entries=[entry(b"bad\xff\x1bkey", UINT32, b"\0" * 4)]),
            (
                "the key of metadata entry 0 at byte 24 is not UTF-8 text "
                "('bad\\xff\\x1bkey'); the header is corrupt"
            ),
        ),
        (
            build(entries=[u32("k", 1), u32("k", 2)]),
            ("metadata key 'k' appears twice (again at byte 41); llama.cpp refuses such a file"),
        ),
        (
            build(entries=[*LLAMA_ENTRIES, u32("general.alignment", 48)], alignment=16),
            (
                "general.alignment must be a uint32 power of two (it is the uint32 48); "
                "llama.cpp refuses the file"
            ),
        ),
        (
            build(entries=[*LLAMA_ENTRIES, entry("general.alignment", UINT64, b"\0" * 8)]),
            (
                "general.alignment must be a uint32 power of two (it is the uint64 0); "
                "llama.cpp refuses the file"
            ),
        ),
        (
            build(
                entries=[entry("k", ARRAY, struct.pack("<IQ", ARRAY, 1) + struct.pack("<IQ", 0, 0))]
            ),
            "the array 'k' holds arrays, which llama.cpp refuses; the file is not a model",
        ),
        (
            build(tensors=[tensor_info("t", (32,), kind=4)]),
            (
                "tensor 't' has ggml type 4, which this tool does not know (a retired type, "
                "or one newer than this tool); requantize the model"
            ),
        ),
        (
            build(tensors=[tensor_info("t", (32,), kind=2**31)]),
            (
                "tensor 't' has ggml type 2147483648, which this tool does not know (a "
                "retired type, or one newer than this tool); requantize the model"
            ),
        ),
        (
            build(tensors=[tensor_info("t", (33, 2), kind=8)]),
            (
                "tensor 't' of type q8_0 has rows of 33 values, not a multiple of its block "
                "size 32; llama.cpp refuses it"
            ),
        ),
        (
            build(tensors=[tensor_info("t", (1, 1, 1, 1, 1))]),
            "tensor 't' has 5 dimensions; ggml allows at most 4",
        ),
        (
            build(tensors=[tensor_info("t", (2**63,))]),
            "tensor 't' has a negative dimension; the header is corrupt",
        ),
        (
            build(tensors=[tensor_info("x" * 64, (1,))]),
            ("the name of tensor 0 at byte 442 is 64 bytes long; llama.cpp allows at most 63"),
        ),
        (
            build(tensors=[tensor_info(b"\xc3(", (1,))]),
            (
                "the name of tensor 0 at byte 442 is not UTF-8 text ('\\xc3('); the header is "
                "corrupt"
            ),
        ),
        (
            build(tensors=[tensor_info("t", (32,)), tensor_info("t", (32,), offset=128)]),
            "tensor 't' appears twice; llama.cpp refuses it",
        ),
        (
            build(tensors=[tensor_info("t", (32,), offset=32)]),
            (
                "tensor 't' has offset 32 where llama.cpp expects 0 (tensors in order, each "
                "padded to 32 bytes); the header is corrupt"
            ),
        ),
        (
            build(tensors=[tensor_info("t", (32, 1000))]),
            (
                "the data of tensor 't' ends at byte 128512, past the end of the file (1152 "
                "bytes); the file is truncated: upload it again"
            ),
        ),
        (
            build(tensors=[tensor_info("t", (2**31, 2**31))]),
            (
                "the data of tensor 't' ends at byte 18446744073709552128, past the end of "
                "the file (1152 bytes); the file is truncated: upload it again"
            ),
        ),
        (
            build(data=b"\0" * 600),
            (
                "the data of tensor 'output_norm.weight' ends at byte 1216, past the end of "
                "the file (1176 bytes); the file is truncated: upload it again"
            ),
        ),
    ],
)
def test_broken_headers(content: bytes, message: str) -> None:
    with pytest.raises(GgufError) as caught:
        parsed(content)
    assert str(caught.value) == message


def without(key: str) -> list[bytes]:
    return [item for item in LLAMA_ENTRIES if key.encode() not in item[:60]]


def replaced(key: str, new: bytes) -> list[bytes]:
    return [*without(key), new]


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        (without("general.architecture"), "no 'general.architecture', which llama.cpp needs"),
        (without("llama.block_count"), "no 'llama.block_count'"),
        (without("llama.embedding_length"), "no 'llama.embedding_length'"),
        (without("llama.attention.head_count"), "no 'llama.attention.head_count'"),
        (without("llama.feed_forward_length"), "no 'llama.feed_forward_length'"),
        (without("tokenizer.ggml.tokens"), "no 'tokenizer.ggml.tokens'"),
        (
            replaced(
                "general.architecture", entry("general.architecture", STRING, string("mamba"))
            ),
            "architecture is 'mamba'; this tool sizes llama, qwen2, qwen3, gemma3",
        ),
        (
            replaced(
                "general.architecture",
                entry("general.architecture", STRING, string(b"x\x1b[31m\xff")),
            ),
            r"architecture is 'x\\x1b\[31m\\xff'",
        ),
        (
            replaced("general.architecture", u32("general.architecture", 1)),
            "'general.architecture' is a uint32; expected a string",
        ),
        (
            replaced("llama.block_count", entry("llama.block_count", STRING, string("2"))),
            "'llama.block_count' is a string; expected an integer",
        ),
        (
            replaced("llama.block_count", entry("llama.block_count", BOOL, b"\1")),
            "'llama.block_count' is a bool; expected an integer",
        ),
        (
            replaced("llama.block_count", u32("llama.block_count", 0)),
            "'llama.block_count' is 0; it must be at least 1",
        ),
        (
            replaced("llama.block_count", u32("llama.block_count", 513)),
            "'llama.block_count' is 513; llama.cpp allows at most 512 layers",
        ),
        (
            replaced(
                "llama.block_count",
                entry("llama.block_count", UINT64, struct.pack("<Q", 2**63)),
            ),
            "'llama.block_count' is 9223372036854775808; llama.cpp allows at most 512 layers",
        ),
        (
            replaced("llama.attention.head_count_kv", u32("llama.attention.head_count_kv", 0)),
            "'llama.attention.head_count_kv' is 0 in every layer; at least one layer needs",
        ),
        (
            [
                *LLAMA_ENTRIES,
                entry("llama.attention.head_count_kv", ARRAY, struct.pack("<IQI", UINT32, 1, 0)),
            ],
            "'llama.attention.head_count_kv' is 0 in every layer; at least one layer needs",
        ),
        (
            replaced("llama.attention.head_count", u32("llama.attention.head_count", 0)),
            "'llama.attention.head_count' is 0; it must be at least 1",
        ),
        (
            replaced(
                "llama.attention.head_count",
                entry("llama.attention.head_count", ARRAY, struct.pack("<IQii", INT32, 2, 2, 2)),
            ),
            "has 2 values for 1 layers",
        ),
        (
            replaced(
                "llama.attention.head_count",
                entry("llama.attention.head_count", ARRAY, struct.pack("<IQf", FLOAT32, 1, 2.0)),
            ),
            "is an array of 1 float32 items; expected an integer or one integer per layer",
        ),
        (
            replaced("tokenizer.ggml.merges", u32("tokenizer.ggml.merges", 3)),
            "'tokenizer.ggml.merges' is a uint32; expected an array of strings",
        ),
        (
            replaced("tokenizer.ggml.model", entry("tokenizer.ggml.model", STRING, string("none"))),
            "no 'llama.vocab_size'",
        ),
    ],
)
def test_missing_or_wrong_keys(entries: list[bytes], message: str) -> None:
    header = parsed(build(entries=entries))
    with pytest.raises(GgufError, match=message):
        architecture_of(header)


def gemma3(extra: list[bytes], n_layer: int = 6) -> Architecture:
    """A gemma3 header, ``extra`` entries replacing those of the same key."""
    entries = [
        entry("general.architecture", STRING, string("gemma3")),
        u32("gemma3.block_count", n_layer),
        u32("gemma3.embedding_length", 32),
        u32("gemma3.feed_forward_length", 64),
        u32("gemma3.attention.head_count", 2),
        entry("tokenizer.ggml.model", STRING, string("none")),
        u32("gemma3.vocab_size", 10),
    ]
    keys = {item[8 : 8 + struct.unpack_from("<Q", item)[0]] for item in extra}
    kept = [item for item in entries if item[8 : 8 + struct.unpack_from("<Q", item)[0]] not in keys]
    return architecture_of(parsed(build(entries=kept + extra)))


def bools(flags: list[bool]) -> bytes:
    payload = struct.pack("<IQ", BOOL, len(flags)) + bytes(flags)
    return entry("gemma3.attention.sliding_window_pattern", ARRAY, payload)


@pytest.mark.parametrize(
    ("flags", "pattern"),
    [
        ([True] * 5 + [False], 6),
        ([True, False] * 3, 2),
        ([False] * 6, 1),
        ([True] * 6, 7),  # every layer slides: no global layer among the six
        ([True, True, False, True, True, False], 3),
        ([True, True, True, True, True, False], 6),
    ],
)
def test_bool_patterns_become_periods(flags: list[bool], pattern: int) -> None:
    window = u32("gemma3.attention.sliding_window", 512)
    architecture = gemma3([window, bools(flags)])
    assert architecture.sliding_window_pattern == pattern
    assert [architecture.is_swa(layer) for layer in range(6)] == flags


def test_aperiodic_bool_pattern_is_refused() -> None:
    window = u32("gemma3.attention.sliding_window", 512)
    with pytest.raises(GgufError, match="without a period"):
        gemma3([window, bools([True, False, False, True, True, False])])


def test_gemma3_needs_its_sliding_window() -> None:
    with pytest.raises(GgufError, match=r"no 'gemma3\.attention\.sliding_window'"):
        gemma3([])


def test_per_layer_head_counts_take_the_largest() -> None:
    """Per-layer arrays size by their largest value (never short of
    llama.cpp); the default head size divides by the first layer's count."""
    per_layer = [
        entry("gemma3.attention.head_count", ARRAY, struct.pack("<IQ3I", UINT32, 3, 2, 4, 4)),
        entry("gemma3.attention.head_count_kv", ARRAY, struct.pack("<IQ3I", UINT32, 3, 1, 2, 0)),
        entry("gemma3.feed_forward_length", ARRAY, struct.pack("<IQ3I", UINT32, 3, 64, 96, 64)),
        u32("gemma3.attention.sliding_window", 0),
    ]
    architecture = gemma3(per_layer, n_layer=3)
    assert (architecture.n_head, architecture.n_head_kv, architecture.n_ff) == (4, 2, 96)
    assert architecture.head_dim_k == 32 // 2
    assert (architecture.sliding_window, architecture.sliding_window_pattern) == (0, 0)


def refusal(path: str) -> str:
    with pytest.raises(GgufError) as raised:
        read_header(path)
    return str(raised.value)


def test_read_header_refuses_what_is_no_file(tmp_path: Path) -> None:
    assert refusal(str(tmp_path / "missing.gguf")) == "no such file"
    assert refusal(str(tmp_path)) == "is a folder, not a GGUF file"
    assert refusal("a\0b") == "no such file (the path holds a NUL character)"
    fifo = tmp_path / "fifo"
    if hasattr(os, "mkfifo"):
        os.mkfifo(fifo)
        assert refusal(str(fifo)) == "is a FIFO, a device or a socket, not a GGUF file"


def test_read_header_of_a_file_that_cannot_be_opened(tmp_path: Path) -> None:
    # A name too long for the file system: an open that fails even for root.
    assert refusal(str(tmp_path / ("m" * 300 + ".gguf"))) == "cannot open it: File name too long"


@pytest.mark.slow
def test_headers_longer_than_the_reading_window(tmp_path: Path) -> None:
    """Strings and arrays across the 1 MiB window's edges, and a string value
    too long to keep, read as the gguf package reads them."""
    tokens = [f"token-{index}-" + "é" * (index % 50) for index in range(40_000)]
    entries = [
        *LLAMA_ENTRIES[:-2],
        strings("tokenizer.ggml.tokens", tokens),
        entry("big.string", STRING, string("z" * (1 << 20 | 5))),
        entry("big.floats", ARRAY, struct.pack("<IQ", FLOAT32, 100_000) + b"\0" * 400_000),
        strings("tokenizer.ggml.merges", ["a b"] * 3),
    ]
    path = tmp_path / "long.gguf"
    path.write_bytes(build(entries=entries))
    header = assert_same_as_gguf_reader(path)
    assert header.fields["tokenizer.ggml.tokens"].length == 40_000
    assert header.fields["big.string"].value is None
    assert header.fields["big.string"].length == 1 << 20 | 5
    assert read_architecture(str(path)).n_vocab == 40_000


MUTATION_BASE = build()


@pytest.mark.slow
@settings(max_examples=examples(2000), deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, len(MUTATION_BASE) - 1), st.integers(0, 255)), max_size=8),
    st.integers(0, len(MUTATION_BASE)),
)
def test_mutated_headers_raise_only_gguf_error(changes: list[tuple[int, int]], length: int) -> None:
    content = bytearray(MUTATION_BASE)
    for index, value in changes:
        content[index] = value
    try:
        architecture_of(parsed(bytes(content[:length])))
    except GgufError as error:
        assert "\n" not in str(error)


@settings(max_examples=examples(300), deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_after_the_magic_raise_only_gguf_error(tail: bytes) -> None:
    with contextlib.suppress(GgufError):
        architecture_of(parsed(b"GGUF\3\0\0\0" + tail))


def test_importing_the_reader_imports_neither_numpy_nor_gguf(models: dict[str, Path]) -> None:
    code = (
        "import sys\n"
        "from icpp_sizer_check.runtimes.llama_cpp_canister.gguf_architecture import (\n"
        "    read_architecture,\n"
        ")\n"
        f"read_architecture({str(models['qwen2_f16_a64'])!r})\n"
        "print(sorted(name for name in ('numpy', 'gguf') if name in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout == "[]\n"


@pytest.mark.parametrize(("tensors", "entries"), [(65_537, 0), (0, 65_537)])
def test_counts_beyond_any_model_are_refused_before_reading(
    tmp_path: Path, tensors: int, entries: int
) -> None:
    """Millions of tiny entries would hold a hook for half a minute; no model
    has more than a few thousand tensors or a few dozen metadata entries."""
    path = tmp_path / "many.gguf"
    path.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, tensors, entries) + b"\0" * 4096)
    with pytest.raises(GgufError, match="more than the 65536 any model needs"):
        read_header(str(path))


def test_a_missing_key_is_named_with_what_to_do() -> None:
    with pytest.raises(GgufError) as raised:
        architecture_of(parsed(build(entries=without("llama.embedding_length"))))
    assert str(raised.value) == (
        "the metadata has no 'llama.embedding_length', which llama.cpp needs; "
        "convert the model again with a current llama.cpp"
    )


def pattern_array(kind: int, payload: bytes, length: int) -> bytes:
    body = struct.pack("<IQ", kind, length) + payload
    return entry("gemma3.attention.sliding_window_pattern", ARRAY, body)


@pytest.mark.parametrize(
    ("pattern", "shown"),
    [
        (bools([True] * 5), "5 bool"),
        (pattern_array(INT32, struct.pack("<6i", *[1] * 6), 6), "6 int32"),
        (pattern_array(0, bytes(6), 6), "6 uint8"),  # GGUF's type 0 is uint8
    ],
)
def test_a_sliding_window_pattern_array_must_be_one_bool_per_layer(
    pattern: bytes, shown: str
) -> None:
    window = u32("gemma3.attention.sliding_window", 512)
    with pytest.raises(GgufError) as raised:
        gemma3([window, pattern])
    assert str(raised.value) == (
        f"'gemma3.attention.sliding_window_pattern' is an array of {shown} items; "
        "expected an integer or 6 bools, one per layer"
    )


def test_an_aperiodic_bool_pattern_is_refused_with_the_reason() -> None:
    window = u32("gemma3.attention.sliding_window", 512)
    with pytest.raises(GgufError) as raised:
        gemma3([window, bools([True, False, False, True, True, False])])
    assert str(raised.value) == (
        "'gemma3.attention.sliding_window_pattern' marks sliding-window layers without a "
        "period (every Nth layer global); this tool cannot size that layout"
    )


def parse_refusal(content: bytes) -> str:
    """What the reader says when it refuses ``content``."""
    with pytest.raises(GgufError) as raised:
        parsed(content)
    return str(raised.value)


def only(*entries: bytes) -> bytes:
    """A header of these metadata entries and no tensors, the file ending with the last."""
    return b"GGUF" + struct.pack("<IQQ", 3, 0, len(entries)) + b"".join(entries)


@pytest.mark.parametrize(
    ("kind", "length", "size"), [(UINT32, 3, 4), (UINT64, 5000, 8), (STRING, 2, 0)]
)
def test_an_array_may_end_exactly_where_the_file_does(kind: int, length: int, size: int) -> None:
    items = b"".join(string("ab") for _ in range(length)) if kind == STRING else b""
    body = struct.pack("<IQ", kind, length) + (items or b"\1" * size * length)
    field = parsed(only(entry("k", ARRAY, body))).fields["k"]
    assert (field.item_type, field.length) == (kind, length)


@pytest.mark.parametrize(
    ("cut", "what"), [(2, "the item type of the array 'k'"), (6, "the length of the array 'k'")]
)
def test_an_array_cut_in_its_own_header_names_the_part(cut: int, what: str) -> None:
    content = only(entry("k", ARRAY, struct.pack("<IQ", UINT32, 1)))[: 37 + cut]
    with pytest.raises(GgufError) as raised:
        parsed(content)
    needed = 4 if "type" in what else 8
    assert str(raised.value) == (
        f"the file ends inside {what} (at byte {37 + cut}, {needed} bytes needed from byte "
        f"{37 if needed == 4 else 41}); the file is truncated: upload it again"
    )


def test_an_array_claiming_more_items_than_the_file_holds_is_refused_before_reading() -> None:
    # Ten uint32 need 40 bytes; the file holds 20 after the array's length.
    content = only(entry("k", ARRAY, struct.pack("<IQ", UINT32, 10) + b"\0" * 20))
    assert parse_refusal(content) == (
        "the array 'k' claims 10 items, more than the 20 bytes left in the file can hold; "
        "the file is truncated or its header corrupt"
    )


def test_a_string_of_an_array_claiming_more_than_the_file_holds_is_named() -> None:
    body = struct.pack("<IQ", STRING, 2) + string("ab") + struct.pack("<Q", 99) + b"x"
    assert parse_refusal(only(entry("k", ARRAY, body))) == (
        "a string of the array 'k' claims 99 bytes at byte 59, more than the 1 left in the "
        "file; the file is truncated or its header corrupt"
    )


def refused_header(entries: list[bytes]) -> str:
    with pytest.raises(GgufError) as raised:
        architecture_of(parsed(build(entries=entries)))
    return str(raised.value)


def uint8s(key: str, count: int) -> bytes:
    return entry(key, ARRAY, struct.pack("<IQ", 0, count) + b"\1" * count)  # type 0: uint8


def test_a_list_of_numbers_where_strings_belong_is_named_as_such() -> None:
    assert refused_header(
        replaced("tokenizer.ggml.merges", uint8s("tokenizer.ggml.merges", 2))
    ) == ("'tokenizer.ggml.merges' is an array of 2 uint8 items; expected an array of strings")
    int32s = entry("tokenizer.ggml.merges", ARRAY, struct.pack("<IQi", INT32, 1, 5))
    assert refused_header(replaced("tokenizer.ggml.merges", int32s)) == (
        "'tokenizer.ggml.merges' is an array of 1 int32 items; expected an array of strings"
    )


def test_a_string_too_long_to_keep_is_refused_where_a_name_belongs() -> None:
    huge = entry("general.architecture", STRING, string("x" * (MAX_KEPT_STRING + 1)))
    assert refused_header(replaced("general.architecture", huge)) == (
        f"'general.architecture' is a string of {MAX_KEPT_STRING + 1} bytes, more than any "
        "model needs there; the header is corrupt"
    )


def test_a_per_layer_array_is_checked_value_by_value() -> None:
    two_layers = replaced("llama.block_count", u32("llama.block_count", 2))
    heads = entry("llama.attention.head_count", ARRAY, struct.pack("<IQ2I", UINT32, 2, 2, 0))
    entries = [item for item in two_layers if b"head_count" not in item[:40]] + [heads]
    assert refused_header(entries) == (
        "'llama.attention.head_count' holds 0; every value must be at least 1"
    )
    many = [*without("llama.attention.head_count"), uint8s("llama.attention.head_count", 5000)]
    assert refused_header(many) == (
        "'llama.attention.head_count' is an array of 5000 uint8 items; expected an integer "
        "or one integer per layer"
    )


def test_the_least_values_llama_cpp_accepts_are_accepted() -> None:
    """A layer may have no feed-forward block; a vocabulary of one token and
    llama.cpp's most layers are allowed."""
    feed_forward = entry("llama.feed_forward_length", ARRAY, struct.pack("<IQ2I", UINT32, 2, 0, 64))
    two_layers = replaced("llama.block_count", u32("llama.block_count", 2))
    entries = [item for item in two_layers if b"feed_forward_length" not in item[:60]]
    assert architecture_of(parsed(build(entries=[*entries, feed_forward]))).n_ff == 64
    at_most = replaced("llama.block_count", u32("llama.block_count", 512))
    assert architecture_of(parsed(build(entries=at_most))).n_layer == 512
    no_tokenizer = [item for item in LLAMA_ENTRIES if b"tokenizer.ggml" not in item[:40]]
    one_token = [*no_tokenizer, entry("tokenizer.ggml.model", STRING, string("none"))]
    vocab = architecture_of(parsed(build(entries=[*one_token, u32("llama.vocab_size", 1)])))
    assert vocab.n_vocab == 1
    assert refused_header([*one_token, u32("llama.vocab_size", 0)]) == (
        "'llama.vocab_size' is 0; it must be at least 1"
    )


def test_an_array_of_up_to_4096_numbers_keeps_its_values() -> None:
    kept = only(entry("k", ARRAY, struct.pack("<IQ", UINT32, 4096) + b"\0" * 4 * 4096))
    assert parsed(kept).fields["k"].items == (0,) * 4096
    skipped = only(entry("k", ARRAY, struct.pack("<IQ", UINT32, 4097) + b"\0" * 4 * 4097))
    assert parsed(skipped).fields["k"].items is None


@pytest.mark.parametrize(
    "key",
    ["embedding_length", "context_length", "attention.key_length", "attention.value_length"],
)
def test_a_size_of_at_least_one_is_accepted_and_zero_refused(key: str) -> None:
    one = replaced(f"llama.{key}", u32(f"llama.{key}", 1))
    assert architecture_of(parsed(build(entries=one)))
    assert refused_header(replaced(f"llama.{key}", u32(f"llama.{key}", 0))) == (
        f"'llama.{key}' is 0; it must be at least 1"
    )


def test_the_default_head_size_is_a_whole_number() -> None:
    embedding = replaced("llama.embedding_length", u32("llama.embedding_length", 33))
    architecture = architecture_of(parsed(build(entries=embedding)))
    assert (architecture.head_dim_k, architecture.head_dim_v) == (16, 16)


@pytest.mark.parametrize(("alignment", "accepted"), [(1, True), (2, True), (64, True), (3, False)])
def test_the_alignment_is_any_power_of_two(alignment: int, accepted: bool) -> None:
    content = build(entries=[*LLAMA_ENTRIES, u32("general.alignment", alignment)], alignment=64)
    if accepted:
        assert parsed(content).alignment == alignment
    else:
        with pytest.raises(GgufError, match="power of two"):
            parsed(content)


def test_the_alignment_must_be_a_uint32_even_when_a_power_of_two() -> None:
    wide = entry("general.alignment", UINT64, struct.pack("<Q", 32))
    assert parse_refusal(build(entries=[*LLAMA_ENTRIES, wide])) == (
        "general.alignment must be a uint32 power of two (it is the uint64 32); "
        "llama.cpp refuses the file"
    )


FIRST_TENSOR = tensor_info("a" * 30, (32,))


@pytest.mark.parametrize(
    ("at", "needed", "what"),
    [
        (0, 8, "the length of the name of tensor 1"),
        (9, 4, "the dimension count of tensor 't'"),
        (9 + 4 + 8, 8, "the dimensions of tensor 't'"),
        (9 + 4 + 16, 4, "the type of tensor 't'"),
        (9 + 4 + 16 + 4, 8, "the offset of tensor 't'"),
    ],
)
def test_a_tensor_info_cut_short_names_the_part(at: int, needed: int, what: str) -> None:
    """``at``: where the part starts in the second tensor's info."""
    second = 24 + len(FIRST_TENSOR)
    content = b"GGUF" + struct.pack("<IQQ", 3, 2, 0) + FIRST_TENSOR + tensor_info("t", (32, 2))
    cut = second + at + needed - 1
    assert parse_refusal(content[:cut]) == (
        f"the file ends inside {what} (at byte {cut}, {needed} bytes needed from byte "
        f"{second + at}); the file is truncated: upload it again"
    )


def test_the_most_dimensions_and_the_largest_dimension_pass_their_own_checks() -> None:
    header = parsed(build(tensors=[tensor_info("t", (32, 1, 1, 1))], data=b"\0" * 128))
    assert header.tensors[0].dims == (32, 1, 1, 1)
    with pytest.raises(GgufError, match=r"ends at byte \d+, past the end of the file"):
        parsed(build(tensors=[tensor_info("t", (2**63 - 1,))]))


def test_a_string_may_end_exactly_where_the_file_does_and_up_to_1_mib_is_kept() -> None:
    assert parsed(only(entry("k", STRING, string("ab")))).fields["k"].value == "ab"
    longest = "x" * MAX_KEPT_STRING
    assert parsed(only(entry("k", STRING, string(longest)))).fields["k"].value == longest
    field = parsed(only(entry("k", STRING, string(longest + "x")))).fields["k"]
    assert (field.value, field.length) == (None, MAX_KEPT_STRING + 1)


def test_a_key_cut_in_its_length_names_the_entry() -> None:
    content = only(u32("a" * 20, 1), u32("b", 2))
    assert parse_refusal(content[:64]) == (
        "the file ends inside the length of the key of metadata entry 1 (at byte 64, 8 bytes "
        "needed from byte 60); the file is truncated: upload it again"
    )


def test_a_file_of_the_magic_alone_ends_inside_the_version() -> None:
    assert parse_refusal(b"GGUF") == (
        "the file ends inside the version (at byte 4, 4 bytes needed from byte 4); "
        "the file is truncated: upload it again"
    )


def test_an_entry_cut_in_its_value_type_names_the_key() -> None:
    content = only(u32("a" * 20, 1), u32("b", 2))
    assert parse_refusal(content[:71]) == (
        "the file ends inside the value type of 'b' (at byte 71, 4 bytes needed from byte 69); "
        "the file is truncated: upload it again"
    )


def test_a_key_longer_than_any_kept_string_is_refused() -> None:
    assert parse_refusal(only(u32("k" * (MAX_KEPT_STRING + 1), 1))) == (
        f"the key of metadata entry 0 at byte 24 is {MAX_KEPT_STRING + 1} bytes long; "
        "the header is corrupt"
    )


def test_a_file_shorter_than_its_size_said_has_shrunk() -> None:
    content = build()
    with pytest.raises(GgufError) as raised:
        parse(io.BytesIO(content[:4]), len(content))
    assert str(raised.value) == (
        "the file shrank while it was read; read it again when it is written"
    )


@pytest.mark.skipif(not os.path.exists("/proc/self/mem"), reason="Linux's /proc")
def test_a_read_that_fails_is_a_gguf_error() -> None:
    # Reading this process's memory at address 0 fails with EIO: a real read error.
    with open("/proc/self/mem", "rb", buffering=0) as memory, pytest.raises(GgufError) as raised:
        parse(memory, 100)
    assert str(raised.value) == "cannot read it: Input/output error"


@pytest.mark.parametrize(
    ("tail", "what"), [(b"\0" * 4, "the tensor count"), (b"\0" * 12, "the metadata count")]
)
def test_a_header_cut_in_its_counts_names_the_count(tail: bytes, what: str) -> None:
    start = 8 if what == "the tensor count" else 16
    assert parse_refusal(b"GGUF\3\0\0\0" + tail) == (
        f"the file ends inside {what} (at byte {8 + len(tail)}, 8 bytes needed from byte "
        f"{start}); the file is truncated: upload it again"
    )


@pytest.mark.parametrize(("tensors", "entries"), [(65_536, 0), (100, 0), (0, 100)])
def test_counts_are_held_to_the_bytes_the_file_has_left(tensors: int, entries: int) -> None:
    content = b"GGUF" + struct.pack("<IQQ", 3, tensors, entries) + b"\0" * 8
    assert parse_refusal(content) == (
        f"the header claims {tensors} tensors and {entries} metadata entries, more than the "
        "8 bytes left in the file can hold; the file is truncated or its header corrupt"
    )


def test_entries_may_fill_the_file_to_its_last_byte() -> None:
    """The smallest entry: an empty key, a type, a one-byte value (13 bytes)."""
    assert parsed(only(entry("", 0, b"\7"))).fields[""].value == 7  # type 0: uint8
