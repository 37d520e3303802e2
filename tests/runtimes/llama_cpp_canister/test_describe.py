"""describe-gguf: the architecture mapping of a GGUF file, as YAML to paste."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from icpp_sizer_check.config.load import parse_config
from icpp_sizer_check.gguf.format import STRING
from icpp_sizer_check.gguf.header import parse
from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Architecture
from icpp_sizer_check.runtimes.llama_cpp_canister.describe import (
    architecture_yaml,
    describe,
    main_describe,
)
from icpp_sizer_check.runtimes.llama_cpp_canister.gguf_architecture import (
    architecture_of,
    read_architecture,
)
from tests.fixtures import Run, examples
from tests.gguf.files import (
    LLAMA_ENTRIES,
    SPECS,
    arch_entries,
    build,
    entry,
    merged,
    string,
    u32,
    u32s,
    write_model,
)


def test_qwen3_text(tmp_path: Path) -> None:
    path = write_model(tmp_path / "qwen3.gguf", SPECS["qwen3_head_dim_128_q8_0"])
    arch = read_architecture(str(path))
    assert describe(str(path)) == (
        "# qwen3.gguf\n"
        "architecture:\n"
        "  n_layer: 2\n"
        "  n_embd: 64\n"
        "  n_head: 4\n"
        "  n_head_kv: 2\n"
        "  head_dim_k: 128\n"
        "  head_dim_v: 128\n"
        "  n_ff: 128\n"
        "  n_vocab: 200\n"
        f"  tensor_data_bytes: {arch.tensor_data_bytes}\n"
        f"  file_bytes: {arch.file_bytes}\n"
        "  arch: qwen3\n"
        "  context_length: 512\n"
        "  n_tensors: 18\n"
        "  n_merges: 40\n"
        "  tokenizer: gpt2\n"
        "  matrix_types: {q8_0: 245760}\n"  # 2 x (q, k, v, o, gate, up, down)
        "  output_type: q8_0\n"
    )


def test_per_layer_values_are_flow_lists_and_lfm2s_keys_are_written(tmp_path: Path) -> None:
    path = write_model(tmp_path / "lfm2.gguf", SPECS["lfm2_window_per_layer_ff_none"])
    lines = describe(str(path)).splitlines()
    assert "  n_head: 4" in lines  # uniform: one number
    assert "  n_head_kv: [0, 2, 0, 2]" in lines
    assert "  n_ff: [128, 64, 128, 128]" in lines
    assert "  sliding_window: 64" in lines and "  shortconv_l_cache: 3" in lines
    assert "  tokenizer: none" in lines
    flags = write_model(tmp_path / "flags.gguf", SPECS["gemma3_bool_pattern"])
    assert "  sliding_window_pattern: [true, true, false, true, true, false]" in (
        describe(str(flags)).splitlines()
    )


@pytest.mark.parametrize("name", SPECS)
def test_the_yaml_is_the_architecture(tmp_path: Path, name: str) -> None:
    """Round trip: what describe-gguf prints, pasted into a config, reads back
    to the file's architecture, per-layer values and all; an optional key is
    printed when the file's value is not the default."""
    path = write_model(tmp_path / f"{name}.gguf", SPECS[name])
    text = describe(str(path))
    mapping = yaml.safe_load(text)["architecture"]
    assert list(mapping) == [key for key in Architecture._fields if key in mapping]
    arch = read_architecture(str(path))
    assert pasted_architecture(text, tmp_path) == arch
    for key, default in Architecture._field_defaults.items():
        always = key in ("arch", "n_tensors", "n_merges", "tokenizer")
        assert (key in mapping) == (always or getattr(arch, key) != default), key


def pasted_architecture(text: str, folder: Path) -> Architecture:
    """The architecture a config reads from ``text`` pasted under a model."""
    pasted = "".join(f"    {line}\n" for line in text.splitlines())
    config = f"runtime: llama_cpp_canister\noutput: m.md\nmodels:\n  - name: m\n{pasted}"
    loaded = parse_config(config, folder / "sizes.yaml", use_cache=False)
    architecture: Architecture = loaded.models[0].values.architecture
    return architecture


def test_the_file_name_is_escaped(tmp_path: Path) -> None:
    name = "evil\x1b[31m\nname\x85\u2028.gguf"
    path = write_model(tmp_path / name, SPECS["llama_gqa_f16_tied"])
    text = describe(str(path))
    first = text.splitlines()[0]
    assert first == "# evil\\x1b[31m\\x0aname\\x85\\u2028.gguf"
    assert "\x1b" not in text
    assert yaml.safe_load(text)["architecture"]["arch"] == "llama"


def test_main_describe_prints_the_yaml(tmp_path: Path) -> None:
    path = write_model(tmp_path / "m.gguf", SPECS["gemma3_default_pattern"])
    out, err = io.StringIO(), io.StringIO()
    assert main_describe(str(path), out, err) == 0
    assert out.getvalue() == describe(str(path))
    # The pattern is the architecture's default (6), which the file leaves out.
    assert "  sliding_window: 512\n  n_tensors:" in out.getvalue()
    assert err.getvalue() == ""


def broken(tmp_path: Path, name: str, content: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda folder: str(folder / "missing.gguf"), "no such file"),
        (lambda folder: str(folder), "is a folder, not a GGUF file"),
        (lambda folder: broken(folder, "x.gguf", b"GGML" + b"\0" * 40), "the file starts with"),
        (lambda folder: broken(folder, "v1.gguf", build(version=1)), "GGUF version 1"),
        (lambda folder: broken(folder, "t.gguf", build()[:100]), "truncated"),
    ],
)
def test_main_describe_reports_one_line(tmp_path: Path, make: object, message: str) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    out, err = io.StringIO(), io.StringIO()
    assert main_describe(path, out, err) == 2
    assert out.getvalue() == ""
    line = err.getvalue()
    assert line.startswith(f"{path}: ") and message in line
    assert line.endswith("\n") and line.count("\n") == 1


def two_layers(*extra: bytes, arch: str = "llama") -> bytes:
    """A two-layer header of ``arch``, ``extra`` added."""
    return build(merged(arch_entries(arch, 2), list(extra)))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            two_layers(u32s("llama.attention.head_count_kv", [0, 0])),
            "llama.cpp cannot load its header: n_head_kv is 0 on every layer; "
            "at least one layer needs key/value heads",
        ),
        (
            two_layers(u32s("llama.attention.head_count_kv", [2, 0])),
            "llama.cpp cannot load its header: n_head_kv is 0 on layer 1, and only lfm2's "
            "short-convolution and granitehybrid's Mamba2 layers have no key/value heads",
        ),
        (
            two_layers(
                u32s("lfm2.attention.head_count_kv", [0, 2]),
                u32("lfm2.shortconv.l_cache", 1),
                arch="lfm2",
            ),
            "llama.cpp cannot load its header: shortconv_l_cache is 1, and lfm2's "
            "short-convolution layers (n_head_kv 0) need at least 2",
        ),
        (
            two_layers(u32s("llama.feed_forward_length", [64, 3_000_000_000])),
            "its header has n_ff[1] = 3000000000; a config takes 0 to 2147483647",
        ),
    ],
)
def test_a_header_no_config_could_hold_is_refused_in_one_line(
    tmp_path: Path, content: bytes, message: str
) -> None:
    """describe-gguf prints only what pastes into a valid config."""
    path = broken(tmp_path, "m.gguf", content)
    out, err = io.StringIO(), io.StringIO()
    assert main_describe(path, out, err) == 2
    assert out.getvalue() == "" and err.getvalue().count("\n") == 1
    assert err.getvalue().startswith(f"{path}: {message}")


def test_main_describe_escapes_the_path_and_the_message(tmp_path: Path) -> None:
    path = broken(tmp_path, "bad\x1b]0;x\x07\n.gguf", build(magic=b"\x1b[2J"))
    err = io.StringIO()
    assert main_describe(path, io.StringIO(), err) == 2
    line = err.getvalue()
    assert "\x1b" not in line and "\x07" not in line and line.count("\n") == 1
    assert "bad\\x1b]0;x\\x07\\x0a.gguf: the file starts with '\\x1b[2J'" in line


@pytest.mark.skipif(os.name != "posix", reason="file names of bytes are POSIX")
def test_a_file_name_that_is_not_utf8(tmp_path: Path) -> None:
    raw = os.path.join(os.fsencode(tmp_path), b"model-\xff.gguf")
    write_model(Path(os.fsdecode(raw)), SPECS["qwen2_q4_0_tied"])
    text = describe(os.fsdecode(raw))
    assert text.splitlines()[0] == "# model-\\xff.gguf"


def test_the_subcommand_prints_a_mapping_a_config_takes(tmp_path: Path, run: Run) -> None:
    """describe-gguf's output pasted under a model sizes it as the file does."""
    from tests.runtimes.llama_cpp_canister.gguf_files import SPECS_BY_NAME
    from tests.runtimes.llama_cpp_canister.gguf_files import write_model as write_spec

    model = write_spec(tmp_path, SPECS_BY_NAME["gemma3_q8_0_tied"])
    described = run("describe-gguf", str(model))
    assert described.code == 0 and described.err == ""
    mapping = "".join(f"    {line}\n" for line in described.out.splitlines())
    head = "runtime: llama_cpp_canister\noutput: {}.md\nmodels:\n  - name: m\n    ctx_size: 2048\n"
    (tmp_path / "written.yaml").write_text(head.format("written") + mapping)
    (tmp_path / "read.yaml").write_text(head.format("read") + f"    gguf: {model.name}\n")
    for name in ("written", "read"):
        assert run("--write", "--config", str(tmp_path / f"{name}.yaml")).code == 0
    assert (tmp_path / "written.md").read_text().replace("written", "read") == (
        tmp_path / "read.md"
    ).read_text()


def test_the_subcommand_refuses_what_is_not_one_gguf_file(tmp_path: Path, run: Run) -> None:
    assert run("describe-gguf").code == 2
    assert run("describe-gguf", "a.gguf", "b.gguf").code == 2
    (tmp_path / "x.gguf").write_bytes(b"GGML" + b"\0" * 32)
    refused = run("describe-gguf", str(tmp_path / "x.gguf"))
    assert refused.code == 2 and refused.out == ""
    assert refused.err.startswith(f"{tmp_path / 'x.gguf'}: ") and refused.err.count("\n") == 1
    assert run("describe-gguf", "--help").code == 0


def test_a_noncharacter_in_the_file_name_is_escaped() -> None:
    """Regression: U+FFFE in a file name made a comment PyYAML refuses."""
    text = architecture_yaml(read_architecture_of(build()), "a\ufffe\uffff\ufeffb.gguf")
    assert text.splitlines()[0] == "# a\\ufffe\\uffff\\ufeffb.gguf"
    assert yaml.safe_load(text)["architecture"]["arch"] == "llama"


def read_architecture_of(content: bytes) -> Architecture:
    return architecture_of(parse(io.BytesIO(content), len(content)))


# File names as the command line gets them: any bytes but "/" and NUL, decoded
# as Python decodes arguments (a byte that is not UTF-8 as a lone surrogate).
file_names = (
    st.binary(min_size=1, max_size=200)
    | st.text(min_size=1, max_size=60).map(lambda text: text.encode("utf-8", "surrogatepass"))
).map(lambda raw: os.fsdecode(raw.replace(b"/", b"_").replace(b"\0", b"_")[:250]))


@pytest.mark.slow
@settings(max_examples=examples(1000), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=file_names)
@example(name="\ufffe")
@example(name="\ufeff\x85\u2028#: x")
def test_the_output_loads_as_yaml_and_pastes_into_a_config(tmp_path: Path, name: str) -> None:
    arch = read_architecture_of(build())
    text = architecture_yaml(arch, name)
    assert text.count("\n") == len(yaml.safe_load(text)["architecture"]) + 2
    assert pasted_architecture(text, tmp_path) == arch


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="file names of bytes are POSIX")
@settings(max_examples=examples(300), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=file_names.filter(lambda name: name not in (".", "..")),
    architecture=st.sampled_from([b"llama", b"qwen3"]) | st.binary(max_size=20),
    strings=st.lists(st.binary(max_size=20), max_size=3),
)
@example(name="\ufffe.gguf", architecture=b"llama", strings=[b"\xef\xbf\xbe"])
def test_any_file_name_and_header_strings_describe_or_refuse(
    tmp_path: Path, name: str, architecture: bytes, strings: list[bytes]
) -> None:
    """A real file of any name, its header's strings anything: the subcommand
    prints YAML that loads, or one line saying why not."""
    entries = [entry("general.architecture", STRING, string(architecture)), *LLAMA_ENTRIES[1:]]
    entries += [
        entry(f"general.s{index}", STRING, string(text)) for index, text in enumerate(strings)
    ]
    path = tmp_path / name
    path.write_bytes(build(entries))
    out, err = io.StringIO(), io.StringIO()
    code = main_describe(str(path), out, err)
    if code == 0:
        assert yaml.safe_load(out.getvalue())["architecture"]["arch"].encode() == architecture
    else:
        assert code == 2 and out.getvalue() == "" and err.getvalue().count("\n") == 1
    path.unlink()
