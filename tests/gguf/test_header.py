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

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from icpp_sizer_check.gguf.format import (
    ARRAY,
    FLOAT32,
    MAX_KEPT_STRING,
    STRING,
    UINT32,
    UINT64,
    GgufError,
)
from icpp_sizer_check.gguf.header import parse, read_header
from icpp_sizer_check.runtimes.llama_cpp_canister.gguf_architecture import (
    architecture_of,
    read_architecture,
)
from tests.fixtures import REPO, examples
from tests.gguf.files import (
    LLAMA_ENTRIES,
    SPECS,
    assert_same_as_gguf_reader,
    build,
    entry,
    gguf,
    np,
    only,
    parse_refusal,
    parsed,
    string,
    strings,
    tensor_info,
    u32,
    write_models,
)


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_models(tmp_path_factory.mktemp("gguf"))


@pytest.mark.parametrize("name", SPECS)
def test_equal_to_gguf_reader(models: dict[str, Path], name: str) -> None:
    assert_same_as_gguf_reader(models[name])


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


def test_an_array_of_up_to_4096_numbers_keeps_its_values() -> None:
    kept = only(entry("k", ARRAY, struct.pack("<IQ", UINT32, 4096) + b"\0" * 4 * 4096))
    assert parsed(kept).fields["k"].items == (0,) * 4096
    skipped = only(entry("k", ARRAY, struct.pack("<IQ", UINT32, 4097) + b"\0" * 4 * 4097))
    assert parsed(skipped).fields["k"].items is None


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
