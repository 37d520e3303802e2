"""Sparse GGUF files: a header whose tensor infos span the whole file, and a hole for the data."""

from __future__ import annotations

from pathlib import Path

import pytest

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Settings
from icpp_sizer_check.runtimes.llama_cpp_canister.gguf_architecture import read_architecture
from icpp_sizer_check.runtimes.llama_cpp_canister.sizing import size_model
from tests.fixtures import missing

try:
    import gguf
except ImportError:
    missing("the gguf package is not installed: pip install gguf")

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import ARCHITECTURES
from tests.oracle.deployed import DEPLOYED
from tests.oracle.draw import small_shape
from tests.oracle.sparse_gguf import (
    ALIGNMENT,
    SparseOptions,
    WeightTypes,
    file_architecture,
    fitting_type,
    padded,
    write_sparse_gguf,
)
from tests.oracle.vocabulary import byte_level_tokens, merges

MIXED = SparseOptions(WeightTypes("Q4_K", token_embd="Q6_K", output="Q8_0", attn_v="MXFP4"), False)


@pytest.mark.parametrize("kind", ARCHITECTURES)
def test_the_file_ends_where_its_tensor_infos_say(tmp_path: Path, kind: str) -> None:
    arch = small_shape(kind)
    path = write_sparse_gguf(tmp_path / f"{kind}.gguf", arch, MIXED)
    written = file_architecture(path, arch, MIXED)
    reader = gguf.GGUFReader(path)
    assert len(reader.tensors) == written.n_tensors
    assert sum(padded(int(t.n_bytes)) for t in reader.tensors) == written.tensor_data_bytes
    first = min(int(t.data_offset) for t in reader.tensors)
    assert first % ALIGNMENT == 0
    assert path.stat().st_size == first + written.tensor_data_bytes == written.file_bytes
    assert all(int(t.data_offset) + int(t.n_bytes) <= written.file_bytes for t in reader.tensors)
    names = {t.name for t in reader.tensors}
    assert "output.weight" in names  # untied
    mxfp4 = any(t.tensor_type == gguf.GGMLQuantizationType.MXFP4 for t in reader.tensors)
    assert mxfp4 or kind == "phi3"  # phi3 files fuse attn_v into attn_qkv


@pytest.mark.parametrize("tied", [False, True])
@pytest.mark.parametrize("kind", ARCHITECTURES)
def test_the_header_reads_as_the_shape_written(tmp_path: Path, kind: str, tied: bool) -> None:
    """What the tool reads of a file's header (a config's gguf: key) sizes as
    the shape the file was written from: every architecture's keys are read."""
    arch, options = small_shape(kind), MIXED._replace(tied=tied)
    path = write_sparse_gguf(tmp_path / f"{kind}.gguf", arch, options)
    read, written = read_architecture(str(path)), file_architecture(path, arch, options)
    for settings in (Settings(1000, 512, 96), Settings(300, 64, 64, "q8_0", "q8_0", False)):
        assert size_model(read, settings) == size_model(written, settings)


def test_a_full_size_model_takes_little_disk(tmp_path: Path) -> None:
    (model,) = (model for model in DEPLOYED if model.arch.arch == "gemma3")  # 262,144 tokens
    path = write_sparse_gguf(tmp_path / "gemma.gguf", model.arch, model.options)
    size = path.stat().st_size
    assert abs(size - model.published_file_bytes) < 0.05 * model.published_file_bytes
    assert path.stat().st_blocks * 512 < size / 20


@pytest.mark.parametrize(
    ("wanted", "row", "expected"),
    [("Q4_K", 256, "Q4_K"), ("Q4_K", 64, "Q8_0"), ("Q4_K", 48, "F16"), ("MXFP4", 32, "MXFP4")],
)
def test_a_row_that_does_not_split_into_blocks_falls_back(
    wanted: str, row: int, expected: str
) -> None:
    assert fitting_type(wanted, row) == expected


def test_vocabulary_strings_are_distinct() -> None:
    assert len(set(byte_level_tokens())) == 256
    assert len(set(merges(5000))) == 5000
