from __future__ import annotations

import json
import os
import struct
from pathlib import Path

import pytest

from icpp_sizer_check.config.load import load_config
from icpp_sizer_check.errors import ConfigError
from icpp_sizer_check.runner import regenerate
from icpp_sizer_check.runtimes.icpp_llama2.checkpoint import (
    MAGIC,
    VERSIONED_HEADER_BYTES,
    CheckpointError,
    parse_header,
    read_header,
)
from tests.fixtures import STORIES_15M, Run

NAMES = ("dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len")


def legacy(seven: tuple[int, ...], padding: int = 64) -> bytes:
    """A legacy llama2.c checkpoint: seven int32, then (here, a little of) the weights."""
    return struct.pack("<7i", *seven) + b"\x01" * padding


def versioned(
    seven: tuple[int, ...], version: int, shared: bool = True, group_size: int = 64
) -> bytes:
    """A version 1 or 2 export: the 256-byte header, then a little padding for weights."""
    header = struct.pack("<Ii", MAGIC, version) + struct.pack("<7i", *seven)
    header += struct.pack("B", int(shared))
    if version == 2:
        header += struct.pack("<i", group_size)
    return header.ljust(VERSIONED_HEADER_BYTES, b"\0") + b"\x02" * 64


def test_legacy_header() -> None:
    header = parse_header(legacy(STORIES_15M))
    assert header.format == "legacy"
    assert header.values == dict(zip(NAMES, STORIES_15M))
    assert header.shared_classifier is True


def test_legacy_negative_vocab_size_means_a_separate_classifier() -> None:
    header = parse_header(legacy((288, 768, 6, 6, 6, -32000, 256)))
    assert header.values["vocab_size"] == 32000
    assert header.shared_classifier is False


@pytest.mark.parametrize("version", [1, 2])
def test_versioned_headers(version: int) -> None:
    header = parse_header(versioned(STORIES_15M, version, shared=False, group_size=32))
    assert header.format == f"v{version}"
    assert header.values == dict(zip(NAMES, STORIES_15M))
    assert header.shared_classifier is False
    assert header.group_size == (32 if version == 2 else None)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "shorter than any checkpoint header (0 bytes)"),
        (legacy(STORIES_15M, padding=0)[:20], "shorter than the 28-byte legacy header (20 bytes)"),
        (versioned(STORIES_15M, 1)[:100], "shorter than its 256-byte version 1 header (100 bytes)"),
        (versioned(STORIES_15M, 3), "unknown checkpoint version 3 (magic 'ak42')"),
        (b"GGUF" + b"\0" * 300, "this is a GGUF file (llama.cpp), not a llama2.c checkpoint"),
        (b"PK\x03\x04" + b"\0" * 300, None),  # not letters: read as legacy, then validated
        (b"ZZZZ" + b"\0" * 300, "unknown magic 'ZZZZ'"),
    ],
)
def test_bad_headers(content: bytes, message: str | None) -> None:
    if message is None:
        assert parse_header(content).format == "legacy"
        return
    with pytest.raises(CheckpointError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_header(content)


def test_only_the_header_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.bin"
    with path.open("wb") as model_file:
        model_file.write(versioned(STORIES_15M, 1))
        model_file.truncate(4 * 1024**3)  # a sparse 4 GiB file: reading it would take long
    assert read_header(path).values["dim"] == 288


def test_read_header_of_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="no such file"):
        read_header(tmp_path / "absent.bin")
    with pytest.raises(CheckpointError, match="is a folder"):
        read_header(tmp_path)


# ---- configs that point at checkpoints ---------------------------------------------

INLINE = """title: T.
command: make sizes
output: out.md
canister:
  memory_mib: 3072
models:
  - name: 15M
    dim: 288
    hidden_dim: 768
    n_layers: 6
    n_heads: 6
    n_kv_heads: 6
    vocab_size: 32000
    seq_len: 256
"""


def write_project(root: Path, checkpoint: bytes, model_lines: str = "") -> Path:
    (root / ".git").mkdir(exist_ok=True)
    (root / "models").mkdir(exist_ok=True)
    (root / "models" / "stories15M.bin").write_bytes(checkpoint)
    config = root / "configs" / "llm.yaml"
    config.parent.mkdir(exist_ok=True)
    config.write_text(
        "title: T.\ncommand: make sizes\noutput: out.md\ncanister:\n  memory_mib: 3072\n"
        "models:\n  - name: 15M\n"
        "    checkpoint: ../models/stories15M.bin\n" + model_lines
    )
    return config


@pytest.mark.parametrize(
    "checkpoint",
    [legacy(STORIES_15M), versioned(STORIES_15M, 1), versioned(STORIES_15M, 2)],
    ids=["legacy", "v1", "v2"],
)
def test_checkpoint_config_renders_like_the_inline_config(
    tmp_path: Path, checkpoint: bytes
) -> None:
    config = write_project(tmp_path, checkpoint)
    inline = tmp_path / "configs" / "inline.yaml"
    inline.write_text(INLINE)
    from_checkpoint, _ = regenerate(load_config(config))
    from_inline, _ = regenerate(load_config(inline))
    assert from_checkpoint == from_inline
    assert load_config(config).models[0].values.checkpoint is not None


def test_overrides_beside_the_checkpoint_apply_and_are_recorded(tmp_path: Path) -> None:
    config = write_project(tmp_path, versioned(STORIES_15M, 1), "    seq_len: 128\n")
    model = load_config(config).models[0]
    assert model.values.hyperparameters.seq_len == 128
    assert model.values.hyperparameters.dim == 288
    assert model.values.checkpoint is not None
    assert model.values.checkpoint.header["seq_len"] == 256
    assert dict(model.values.checkpoint.overrides) == {"seq_len": 128}


def test_overrides_are_visible_in_verbose_and_json_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run
) -> None:
    write_project(tmp_path, legacy((288, 768, 6, 6, 6, -32000, 256)), "    seq_len: 128\n")
    monkeypatch.chdir(tmp_path)
    assert run("--write").code == 0
    verbose = run("--verbose")
    assert verbose.code == 0
    assert (
        "configs/llm.yaml:7:5: model 15M: 1632 users, threshold 1; hyperparameters from "
        "models/stories15M.bin (legacy header, separate classifier); "
        "the config overrides seq_len 256 -> 128"
    ) in verbose.out
    document = json.loads(run("--format", "json").out)
    source = document["configs"][0]["models"][0]["checkpoint"]
    assert source["path"] == "models/stories15M.bin"
    assert source["format"] == "legacy"
    assert source["shared_classifier"] is False
    assert source["overrides"] == {"seq_len": {"header": 256, "config": 128}}
    assert document["configs"][0]["models"][0]["hyperparameters"]["seq_len"] == 128


def test_a_changed_checkpoint_makes_the_document_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run
) -> None:
    write_project(tmp_path, versioned(STORIES_15M, 2))
    monkeypatch.chdir(tmp_path)
    assert run("--write").code == 0
    (tmp_path / "models" / "stories15M.bin").write_bytes(
        versioned((288, 768, 6, 6, 6, 32000, 512), 2)
    )
    stale = run()
    assert stale.code == 1
    assert "+Max number of concurrent users | 431" in stale.out


@pytest.mark.parametrize(
    ("checkpoint", "model_lines", "fragment"),
    [
        (None, "", "models[0].checkpoint: '../models/stories15M.bin': no such file"),
        (legacy(STORIES_15M)[:10], "", "shorter than the 28-byte legacy header (10 bytes)"),
        (versioned(STORIES_15M, 7), "", "unknown checkpoint version 7"),
        (b"GGUF" + b"\0" * 300, "", "this is a GGUF file"),
        (legacy((288, 768, 6, 0, 6, 32000, 256)), "", "has n_heads = 0; it must be from 1 to"),
        (legacy((288, 768, -6, 6, 6, 32000, 256)), "", "has n_layers = -6; it must be from 1 to"),
        (
            legacy((288, 768, 6, 6, 6, -(2**31), 256)),
            "",
            "has vocab_size = 2147483648; it must be from 1 to 2147483647",
        ),
        (
            legacy((288, 768, 6, 7, 7, 32000, 256)),
            "",
            "dim (288) must be divisible by n_heads (7) (from the checkpoint header)",
        ),
        (
            versioned(STORIES_15M, 1),
            "    n_kv_heads: 4\n",
            "models[0].n_kv_heads: n_heads (6) must be divisible by n_kv_heads (4)",
        ),
        (versioned(STORIES_15M, 1), "    seq_len: 0\n", "models[0].seq_len: must be at least 1"),
    ],
    ids=[
        "missing",
        "truncated-legacy",
        "unknown-version",
        "gguf",
        "zero-heads",
        "negative-layers",
        "vocab-size-out-of-range",
        "heads-do-not-divide-dim",
        "override-breaks-divisibility",
        "override-zero",
    ],
)
def test_bad_checkpoints_fail_cleanly(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    run: Run,
    checkpoint: bytes | None,
    model_lines: str,
    fragment: str,
) -> None:
    write_project(tmp_path, checkpoint or b"", model_lines)
    if checkpoint is None:
        (tmp_path / "models" / "stories15M.bin").unlink()
    monkeypatch.chdir(tmp_path)
    outcome = run("--write")
    assert outcome.code == 2
    assert fragment in outcome.err
    assert "Traceback" not in outcome.err
    assert not (tmp_path / "configs" / "out.md").exists()


def test_a_checkpoint_path_may_not_leave_the_repository(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    config = write_project(project, legacy(STORIES_15M))
    (tmp_path / "outside.bin").write_bytes(legacy(STORIES_15M))
    config.write_text(config.read_text().replace("../models/stories15M.bin", "../../outside.bin"))
    with pytest.raises(ConfigError, match="the path leaves the repository"):
        load_config(config)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_a_symlink_out_of_the_repository_is_refused(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    config = write_project(project, legacy(STORIES_15M))
    (tmp_path / "outside.bin").write_bytes(legacy(STORIES_15M))
    link = project / "models" / "stories15M.bin"
    link.unlink()
    link.symlink_to(tmp_path / "outside.bin")
    with pytest.raises(ConfigError, match="the path leaves the repository"):
        load_config(config)


def test_a_model_needs_a_checkpoint_or_all_seven_values(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("output: o.md\nmodels:\n  - name: m\n    dim: 64\n")
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert "missing required keys 'hidden_dim', 'n_layers', 'n_heads', 'n_kv_heads', " in str(
        caught.value
    )


# ---- boundaries of the header layouts ----------------------------------------------


def test_a_legacy_header_of_exactly_28_bytes_is_enough() -> None:
    header = parse_header(legacy(STORIES_15M, padding=0))
    assert header.values == dict(zip(NAMES, STORIES_15M))
    with pytest.raises(
        CheckpointError, match=r"shorter than the 28-byte legacy header \(27 bytes\)"
    ):
        parse_header(legacy(STORIES_15M, padding=0)[:27])


@pytest.mark.parametrize("size", range(4))
def test_files_under_four_bytes_have_no_header_at_all(size: int) -> None:
    with pytest.raises(CheckpointError) as caught:
        parse_header(b"\x01" * size)
    assert str(caught.value) == (
        f"file is shorter than any checkpoint header ({size} bytes); is it a llama2.c model file?"
    )


@pytest.mark.parametrize("size", range(4, 8))
def test_files_of_four_to_seven_bytes_are_a_truncated_legacy_header(size: int) -> None:
    with pytest.raises(CheckpointError) as caught:
        parse_header(legacy(STORIES_15M)[:size])
    assert str(caught.value) == (
        f"file is shorter than the 28-byte legacy header ({size} bytes); "
        "is it a llama2.c model file?"
    )


@pytest.mark.parametrize("size", [6, 8, 36, 255])
def test_a_truncated_version_1_export_is_named_by_its_version(size: int) -> None:
    with pytest.raises(CheckpointError) as caught:
        parse_header(versioned(STORIES_15M, 1)[:size])
    assert str(caught.value) == (
        f"file is shorter than its 256-byte version 1 header ({size} bytes); "
        "the export is truncated"
    )


def test_a_versioned_header_of_exactly_256_bytes_is_enough() -> None:
    header = parse_header(versioned(STORIES_15M, 2)[:VERSIONED_HEADER_BYTES])
    assert (header.format, header.values["seq_len"], header.group_size) == ("v2", 256, 64)


def test_an_unknown_magic_is_named_whatever_follows_it() -> None:
    with pytest.raises(CheckpointError) as caught:
        parse_header(b"ZZZZ\xff\xfe" + b"\0" * 300)
    assert str(caught.value) == (
        "unknown magic 'ZZZZ'; expected a llama2.c checkpoint "
        "(legacy, or version 1 or 2 with magic 'ak42')"
    )


@pytest.mark.parametrize(
    ("vocab_size", "shared", "stored"),
    [(1, True, 1), (0, False, 0), (-1, False, 1)],
)
def test_legacy_vocab_size_sign_at_its_boundaries(
    vocab_size: int, shared: bool, stored: int
) -> None:
    # llama2.c: shared_weights = vocab_size > 0 (0 is then refused by validation).
    header = parse_header(legacy((288, 768, 6, 6, 6, vocab_size, 256)))
    assert (header.shared_classifier, header.values["vocab_size"]) == (shared, stored)


def test_a_negative_v2_group_size_is_read_signed() -> None:
    assert parse_header(versioned(STORIES_15M, 2, group_size=-1)).group_size == -1


def test_every_field_of_a_versioned_header_is_read_from_its_own_offset() -> None:
    seven = (101, 202, 303, 404, 505, 606, 707)
    header = parse_header(versioned(seven, 2, shared=True, group_size=808))
    assert header.values == dict(zip(NAMES, seven))
    assert (header.shared_classifier, header.group_size) == (True, 808)


def test_a_folder_and_an_unreadable_path_are_named(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError) as caught:
        read_header(tmp_path)
    assert str(caught.value) == "is a folder, not a regular file"
    (tmp_path / "file.bin").write_bytes(b"")
    with pytest.raises(CheckpointError) as caught:
        read_header(tmp_path / "file.bin" / "model.bin")
    assert str(caught.value) == "cannot read it: Not a directory"


@pytest.mark.parametrize(
    ("header", "model_lines", "problem"),
    [
        # The header's n_heads (6) does not divide the written dim (64); the
        # written n_heads was refused, so it is unknown, not the header's.
        (
            STORIES_15M,
            "    dim: 64\n    n_heads: 1.5\n",
            "models[0].n_heads: expected a whole number, got a number with a fraction (1.5)",
        ),
        # An out-of-range header value the config overrides, if wrongly.
        (
            (-5, 768, 6, 6, 6, 32000, 256),
            "    dim: 288.0\n",
            "models[0].dim: expected a whole number, got a number with a fraction (288.0)",
        ),
    ],
    ids=["divisibility", "range"],
)
def test_a_refused_override_is_not_replaced_by_the_header(
    tmp_path: Path, header: tuple[int, ...], model_lines: str, problem: str
) -> None:
    config = write_project(tmp_path, legacy(header), model_lines)
    with pytest.raises(ConfigError) as raised:
        load_config(config)
    assert [f"{found.json_path}: {found.message}" for found in raised.value.problems] == [problem]


def test_a_checkpoint_name_too_long_for_the_file_system_is_a_config_error(
    tmp_path: Path,
) -> None:
    config = write_project(tmp_path, legacy(STORIES_15M))
    name = "x" * 300 + ".bin"
    config.write_text(config.read_text().replace("../models/stories15M.bin", name))
    with pytest.raises(ConfigError) as raised:
        load_config(config)
    (found,) = raised.value.problems
    assert found.message == f"{name!r}: File name too long"
