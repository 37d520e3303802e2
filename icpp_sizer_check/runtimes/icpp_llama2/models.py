"""An icpp_llama2 model's seven hyperparameters: written in the config, read
from the header of its llama2.c checkpoint, or both (the written ones win)."""

from __future__ import annotations

from typing import Any, Collection, Mapping, NamedTuple

from icpp_sizer_check import cache
from icpp_sizer_check.errors import JsonPath
from icpp_sizer_check.package_data import config_schema
from icpp_sizer_check.results import FileRead
from icpp_sizer_check.runtimes.base import Finding, ModelFile, ResolvedModel
from icpp_sizer_check.runtimes.icpp_llama2.checkpoint import (
    VERSIONED_HEADER_BYTES,
    CheckpointError,
    read_header,
)
from icpp_sizer_check.runtimes.icpp_llama2.sizing import HYPERPARAMETER_NAMES, Hyperparameters

# Keys whose values must divide: (numerator, denominator).
_DIVISIBLE = (("dim", "n_heads"), ("n_heads", "n_kv_heads"))


class CheckpointSource(NamedTuple):
    """Where a model's hyperparameters were read, and what the config overrode."""

    path: str  # as messages name it
    format: str  # "legacy", "v1" or "v2"
    shared_classifier: bool
    group_size: int | None
    header: Mapping[str, int]
    overrides: Mapping[str, int]  # keys written beside `checkpoint:`, replacing the header's


class Llama2Model(NamedTuple):
    hyperparameters: Hyperparameters
    checkpoint: CheckpointSource | None = None


def _hyperparameter_range() -> tuple[int, int]:
    """The range the schema allows a hyperparameter; a checkpoint header is held to it."""
    bounds = config_schema()["$defs"]["positive_int"]
    return int(bounds["minimum"]), int(bounds["maximum"])


def _header_values(
    where: JsonPath, file: ModelFile, written: Collection[str], model: Mapping[str, Any]
) -> tuple[dict[str, int], CheckpointSource | None, FileRead | None, list[Finding]]:
    """The header's values the config does not override (``written``: every key
    written beside the checkpoint, accepted or not), held to the schema's range."""
    try:
        header = read_header(file.real)
    except CheckpointError as error:
        return {}, None, None, [Finding(where, f"{file.written!r}: {error}")]
    source = CheckpointSource(
        path=file.shown,
        format=header.format,
        shared_classifier=header.shared_classifier,
        group_size=header.group_size,
        header=header.values,
        overrides={key: model[key] for key in HYPERPARAMETER_NAMES if key in model},
    )
    read = FileRead(file.logical, file.real, VERSIONED_HEADER_BYTES, cache.digest([header.raw]))
    lowest, highest = _hyperparameter_range()
    values: dict[str, int] = {}
    findings = []
    for key, value in header.values.items():
        if key in written:
            continue
        if lowest <= value <= highest:
            values[key] = value
        else:
            findings.append(
                Finding(
                    where,
                    f"the header of checkpoint {file.written!r} has {key} = {value}; it must be "
                    f"from {lowest} to {highest}: write {key} beside checkpoint to override "
                    "it, or fix the export",
                )
            )
    return values, source, read, findings


def resolve_model(
    index: int, model: Mapping[str, Any], refused: Collection[str], file: ModelFile | None
) -> tuple[ResolvedModel[Llama2Model] | None, list[Finding]]:
    """Merge a checkpoint's header (if any) with the keys written beside it.
    ``model`` holds the keys the schema accepted; a key in ``refused`` was
    written but refused: its value is unknown, never the header's."""
    values: dict[str, int] = {}
    origins: dict[str, JsonPath] = {}
    findings: list[Finding] = []
    source, read = None, None
    if file is not None:
        where: JsonPath = ("models", index, "checkpoint")
        read_values, source, read, findings = _header_values(where, file, {*model, *refused}, model)
        if source is None:
            return None, findings
        origins.update(dict.fromkeys(read_values, where))
        values.update(read_values)
    for key in HYPERPARAMETER_NAMES:
        if key in model:
            values[key], origins[key] = model[key], ("models", index, key)
    for numerator, denominator in _DIVISIBLE:
        if (
            numerator in values
            and denominator in values
            and values[numerator] % values[denominator]
        ):
            path = origins[denominator]
            source_note = " (from the checkpoint header)" if path[-1] == "checkpoint" else ""
            findings.append(
                Finding(
                    path,
                    f"{numerator} ({values[numerator]}) must be divisible by {denominator} "
                    f"({values[denominator]}){source_note}; pick a value of {denominator} that "
                    f"divides {numerator}",
                )
            )
    if findings or len(values) < len(HYPERPARAMETER_NAMES):
        return None, findings
    resolved = Llama2Model(Hyperparameters(**values), source)
    return ResolvedModel(resolved, (read,) if read else ()), findings
