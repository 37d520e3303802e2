"""A model's hyperparameters from its config keys and its checkpoint's header."""

from __future__ import annotations

import struct
from pathlib import Path

from icpp_sizer_check import cache
from icpp_sizer_check.results import FileRead
from icpp_sizer_check.runtimes.base import Finding, ModelFile
from icpp_sizer_check.runtimes.icpp_llama2.checkpoint import MAGIC, VERSIONED_HEADER_BYTES
from icpp_sizer_check.runtimes.icpp_llama2.models import Llama2Model, resolve_model
from icpp_sizer_check.runtimes.icpp_llama2.sizing import Hyperparameters
from tests.fixtures import STORIES_15M

HIGHEST = 2**31 - 1  # the schema's positive_int maximum


def checkpoint(folder: Path, seven: tuple[int, ...], group_size: int = 64) -> ModelFile:
    """A version 2 llama2.c export (its 256-byte header, then a little of the weights)."""
    header = struct.pack("<Ii7iBi", MAGIC, 2, *seven, 1, group_size)
    path = folder / "m.bin"
    path.write_bytes(header.ljust(VERSIONED_HEADER_BYTES, b"\0") + b"\x02" * 64)
    return ModelFile("m.bin", str(path), str(path.resolve()), "models/m.bin")


def resolved(file: ModelFile, **written: int) -> Llama2Model:
    model, findings = resolve_model(0, written, (), file)
    assert findings == []
    assert model is not None
    values = model.values
    assert isinstance(values, Llama2Model)
    return values


def test_a_checkpoint_is_recorded_as_read_with_the_hash_of_its_header(tmp_path: Path) -> None:
    file = checkpoint(tmp_path, STORIES_15M, group_size=32)
    model, _ = resolve_model(0, {}, (), file)
    assert model is not None
    header = Path(file.real).read_bytes()[:VERSIONED_HEADER_BYTES]
    # What a replay checks again: the path as named, the file it led to, the
    # bytes read and their hash.
    assert model.reads == (
        FileRead(file.logical, file.real, VERSIONED_HEADER_BYTES, cache.digest([header])),
    )
    assert isinstance(model.values, Llama2Model)
    source = model.values.checkpoint
    assert source is not None
    assert (source.path, source.format, source.group_size) == ("models/m.bin", "v2", 32)


def test_a_key_written_beside_the_checkpoint_replaces_only_its_own_value(tmp_path: Path) -> None:
    # dim is the header's first value: the values after it still come from the header.
    values = resolved(checkpoint(tmp_path, STORIES_15M), dim=384)
    assert values.hyperparameters == STORIES_15M._replace(dim=384)
    assert values.checkpoint is not None
    assert dict(values.checkpoint.overrides) == {"dim": 384}


def test_header_values_at_either_end_of_the_schema_range_are_taken(tmp_path: Path) -> None:
    seven = STORIES_15M._replace(n_kv_heads=1, seq_len=HIGHEST)
    assert resolved(checkpoint(tmp_path, seven)).hyperparameters == seven


def test_a_header_value_out_of_range_says_how_to_override_it(tmp_path: Path) -> None:
    model, findings = resolve_model(0, {}, (), checkpoint(tmp_path, STORIES_15M._replace(dim=0)))
    assert model is None
    assert findings == [
        Finding(
            ("models", 0, "checkpoint"),
            f"the header of checkpoint 'm.bin' has dim = 0; it must be from 1 to {HIGHEST}: "
            "write dim beside checkpoint to override it, or fix the export",
        )
    ]


def test_without_a_checkpoint_the_written_values_are_the_model() -> None:
    model, findings = resolve_model(0, STORIES_15M._asdict(), (), None)
    assert findings == []
    assert model is not None
    assert model.values == Llama2Model(Hyperparameters(*STORIES_15M))
    assert model.reads == ()
