"""What llama.cpp's keys in a GGUF header make of a model's architecture, and
how a missing or wrong key is refused."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

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
)
from icpp_sizer_check.gguf.header import read_header
from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Architecture, at_layer
from icpp_sizer_check.runtimes.llama_cpp_canister.gguf_architecture import (
    architecture_of,
    read_architecture,
)
from tests.gguf.files import (
    LLAMA_ENTRIES,
    SPECS,
    Spec,
    arch_entries,
    build,
    entry,
    merged,
    padded,
    parsed,
    replaced,
    string,
    strings,
    tensors_of,
    u32,
    u32s,
    without,
    write_models,
)


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_models(tmp_path_factory.mktemp("gguf"))


def expected_architecture(spec: Spec, path: Path) -> Architecture:
    """The architecture the spec describes, from the spec and the data written:
    the window of the architectures whose loader reads one, the pattern where
    it reads that (gemma3 with a window, exaone4's 64 layers)."""
    data_bytes = sum(padded(data.nbytes) for _, data, _ in tensors_of(spec))
    window = spec.sliding_window if spec.arch in ("gemma3", "lfm2", "phi3", "exaone4") else 0
    reads_pattern = (spec.arch == "gemma3" and window > 0) or (
        spec.arch == "exaone4" and spec.n_layer == 64
    )
    pattern = tuple(spec.pattern) if isinstance(spec.pattern, list) else spec.pattern or 0
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
        sliding_window=window,
        sliding_window_pattern=pattern if reads_pattern else 0,
        n_tensors=len(tensors_of(spec)),
        n_merges=0 if spec.tokenizer == "none" else spec.n_merges,
        tokenizer=spec.tokenizer,
        shortconv_l_cache=spec.l_cache,
        matrix_types=((spec.weight_type.lower(), matrix_elements(spec)),),
        output_type=spec.weight_type.lower(),
    )


def matrix_elements(spec: Spec) -> int:
    """The elements of every layer's attention and feed-forward matrices: all
    the spec's matrices a token multiplies (one type, as the spec writes them)."""
    total = 0
    for layer in range(spec.n_layer):
        n_kv, n_ff = at_layer(spec.n_head_kv, layer), at_layer(spec.n_ff, layer)
        total += 2 * spec.n_head * spec.head_size * spec.n_embd
        total += 2 * n_kv * spec.head_size * spec.n_embd + 3 * n_ff * spec.n_embd
    return total


@pytest.mark.parametrize("name", SPECS)
def test_architecture(models: dict[str, Path], name: str) -> None:
    path = models[name]
    assert read_architecture(str(path)) == expected_architecture(SPECS[name], path)


def test_tensor_data_is_the_file_section_at_alignment_32(models: dict[str, Path]) -> None:
    """With the default alignment the padded tensors are the data section."""
    path = models["llama_gqa_f16_tied"]
    header = read_header(str(path))
    assert read_architecture(str(path)).tensor_data_bytes == header.file_bytes - header.data_offset


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


def of_arch(arch: str, extra: list[bytes], n_layer: int = 6) -> Architecture:
    """A header of ``arch``, ``extra`` entries replacing those of the same key."""
    return architecture_of(parsed(build(entries=merged(arch_entries(arch, n_layer), extra))))


def gemma3(extra: list[bytes], n_layer: int = 6) -> Architecture:
    return of_arch("gemma3", extra, n_layer)


LFM2_KV = [0, 0, 2, 0, 2, 0]


def test_lfm2_keeps_its_heads_per_layer_and_its_convolution_length() -> None:
    """lfm2's loader: head_count_kv per layer (0: a short convolution), the
    required shortconv.l_cache, an optional window over the attention layers."""
    kv = u32s("lfm2.attention.head_count_kv", LFM2_KV)
    lfm2 = of_arch("lfm2", [kv, u32("lfm2.shortconv.l_cache", 3)])
    assert (lfm2.n_head_kv, lfm2.shortconv_l_cache, lfm2.sliding_window) == (tuple(LFM2_KV), 3, 0)
    assert lfm2.attention_layers() == (2, 4) and lfm2.swa_layers() == 0
    window = u32("lfm2.attention.sliding_window", 64)
    sliding = of_arch("lfm2", [kv, u32("lfm2.shortconv.l_cache", 3), window])
    assert sliding.sliding_window == 64
    assert [sliding.is_swa(layer) for layer in range(6)] == [bool(n) for n in LFM2_KV]
    assert refused_arch("lfm2", [kv]) == (
        "the metadata has no 'lfm2.shortconv.l_cache', which llama.cpp needs; "
        "convert the model again with a current llama.cpp"
    )


def test_phi3s_window_is_recorded_and_slides_no_layer() -> None:
    """llama.cpp reads phi3's window and turns it off ("Phi SWA is currently disabled")."""
    phi3 = of_arch("phi3", [u32("phi3.attention.sliding_window", 2047)])
    assert (phi3.sliding_window, phi3.sliding_window_pattern, phi3.swa_layers()) == (2047, 0, 0)


def test_exaone4_reads_its_pattern_only_in_its_64_layer_model() -> None:
    pattern = u32("exaone4.attention.sliding_window_pattern", 2)
    small = of_arch("exaone4", [pattern], n_layer=30)
    assert (small.sliding_window_pattern, small.swa_layers()) == (0, 0)
    large = of_arch("exaone4", [pattern], n_layer=64)
    assert large.sliding_window_pattern == 2 and large.swa_layers() == 32
    default = of_arch("exaone4", [], n_layer=64)
    assert default.sliding_window_pattern == 0 and default.swa_layers() == 48


@pytest.mark.parametrize("arch", ["llama", "qwen2", "qwen3", "granite", "smollm3"])
def test_an_architecture_without_sliding_layers_ignores_the_window_keys(arch: str) -> None:
    window = u32(f"{arch}.attention.sliding_window", 512)
    read = of_arch(arch, [window, u32(f"{arch}.attention.sliding_window_pattern", 2)])
    assert (read.arch, read.sliding_window, read.sliding_window_pattern) == (arch, 0, 0)


@pytest.mark.parametrize(
    ("written", "read"),
    [
        *[(name, name) for name in ("llama", "gpt2", "bert", "t5", "none")],
        *[("no_vocab", "none"), ("hybriddna", "gpt2"), ("whitespace", "gpt2")],
    ],
)
def test_the_tokenizer_is_the_vocabulary_llama_cpp_makes(written: str, read: str) -> None:
    tokens = [strings("tokenizer.ggml.tokens", ["a", "b"])]
    model = entry("tokenizer.ggml.model", STRING, string(written))
    assert of_arch("llama", [model, *tokens], n_layer=1).tokenizer == read


def test_a_tokenizer_llama_cpp_does_not_load_or_none_is_refused() -> None:
    rwkv = entry("tokenizer.ggml.model", STRING, string("rwkv"))
    assert refused_arch("llama", [rwkv]) == (
        "'tokenizer.ggml.model' is 'rwkv'; this tool sizes the vocabularies of "
        "llama, gpt2, bert, t5, none"
    )
    no_model = [item for item in LLAMA_ENTRIES if b"tokenizer.ggml.model" not in item[:40]]
    assert refused_header(no_model).startswith("the metadata has no 'tokenizer.ggml.model'")


def refused_arch(arch: str, extra: list[bytes]) -> str:
    with pytest.raises(GgufError) as raised:
        of_arch(arch, extra)
    return str(raised.value)


def bools(flags: list[bool]) -> bytes:
    payload = struct.pack("<IQ", BOOL, len(flags)) + bytes(flags)
    return entry("gemma3.attention.sliding_window_pattern", ARRAY, payload)


@pytest.mark.parametrize(
    "flags",
    [
        [True] * 5 + [False],
        [True, False] * 3,
        [False] * 6,
        [True] * 6,
        [True, False, False, True, True, False],  # no period: kept all the same
    ],
)
def test_bool_patterns_are_kept_one_flag_per_layer(flags: list[bool]) -> None:
    window = u32("gemma3.attention.sliding_window", 512)
    architecture = gemma3([window, bools(flags)])
    assert architecture.sliding_window_pattern == tuple(flags)
    assert [architecture.is_swa(layer) for layer in range(6)] == flags


def test_a_period_is_kept_and_a_period_of_zero_slides_every_layer() -> None:
    """llama.cpp's set_swa_pattern(0) slides every layer; a period of 0 in a
    config means the architecture's default, so the header's 0 is kept as flags."""
    window = u32("gemma3.attention.sliding_window", 512)
    period = gemma3([window, u32("gemma3.attention.sliding_window_pattern", 3)])
    assert period.sliding_window_pattern == 3
    zero = gemma3([window, u32("gemma3.attention.sliding_window_pattern", 0)])
    assert zero.sliding_window_pattern == (True,) * 6 and zero.swa_layers() == 6
    default = gemma3([window])
    assert default.sliding_window_pattern == 0 and default.swa_layers() == 5


def test_gemma3_without_a_window_has_no_sliding_layers() -> None:
    """llama.cpp's gemma3 reads the window as optional: without one, no layer
    slides, and the pattern is not read."""
    architecture = gemma3([bools([True] * 6)])
    assert (architecture.sliding_window, architecture.sliding_window_pattern) == (0, 0)
    assert architecture.swa_layers() == 0


def test_per_layer_values_are_kept_per_layer() -> None:
    """Per-layer arrays stay one value per layer, a uniform one a number; the
    default head size divides by the first layer's head count, as llama.cpp does."""
    per_layer = [
        entry("gemma3.attention.head_count", ARRAY, struct.pack("<IQ3I", UINT32, 3, 2, 4, 4)),
        entry("gemma3.attention.head_count_kv", ARRAY, struct.pack("<IQ3I", UINT32, 3, 1, 1, 1)),
        entry("gemma3.feed_forward_length", ARRAY, struct.pack("<IQ3I", UINT32, 3, 64, 96, 64)),
        u32("gemma3.attention.sliding_window", 0),
    ]
    architecture = gemma3(per_layer, n_layer=3)
    assert (architecture.n_head, architecture.n_head_kv, architecture.n_ff) == (
        (2, 4, 4),
        1,
        (64, 96, 64),
    )
    assert architecture.head_dim_k == 32 // 2
    assert (architecture.sliding_window, architecture.sliding_window_pattern) == (0, 0)


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
        (pattern_array(0, bytes(6), 6), "6 uint8"),  # GGUF's type 0 is uint8
        (pattern_array(FLOAT32, struct.pack("<6f", *[1.0] * 6), 6), "6 float32"),
    ],
)
def test_a_sliding_window_pattern_array_of_another_type_is_refused(
    pattern: bytes, shown: str
) -> None:
    """llama.cpp reads the flags from bool, uint32 or int32 arrays only."""
    window = u32("gemma3.attention.sliding_window", 512)
    with pytest.raises(GgufError) as raised:
        gemma3([window, pattern])
    assert str(raised.value) == (
        f"'gemma3.attention.sliding_window_pattern' is an array of {shown} items; "
        "expected an integer or 6 bools, one per layer"
    )


def test_a_flag_array_is_read_as_llama_cpp_reads_it() -> None:
    """int32 flags count as bools; a short array leaves the last layers
    global, a long one's extra flags are ignored; more than llama.cpp's 512
    layers is refused."""
    window = u32("gemma3.attention.sliding_window", 512)
    int32s = pattern_array(INT32, struct.pack("<6i", 1, 0, 2, 0, 1, 0), 6)
    assert gemma3([window, int32s]).sliding_window_pattern == (True, False) * 3
    short = gemma3([window, bools([True] * 4)]).sliding_window_pattern
    assert short == (True,) * 4 + (False,) * 2
    assert gemma3([window, bools([True] * 9)]).sliding_window_pattern == (True,) * 6
    with pytest.raises(GgufError) as raised:
        gemma3([window, bools([True] * 513)])
    assert str(raised.value) == (
        "'gemma3.attention.sliding_window_pattern' has 513 flags; llama.cpp takes at most 512"
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
    assert architecture_of(parsed(build(entries=[*entries, feed_forward]))).n_ff == (0, 64)
    at_most = replaced("llama.block_count", u32("llama.block_count", 512))
    assert architecture_of(parsed(build(entries=at_most))).n_layer == 512
    no_tokenizer = [item for item in LLAMA_ENTRIES if b"tokenizer.ggml" not in item[:40]]
    one_token = [*no_tokenizer, entry("tokenizer.ggml.model", STRING, string("none"))]
    vocab = architecture_of(parsed(build(entries=[*one_token, u32("llama.vocab_size", 1)])))
    assert vocab.n_vocab == 1
    assert refused_header([*one_token, u32("llama.vocab_size", 0)]) == (
        "'llama.vocab_size' is 0; it must be at least 1"
    )


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
