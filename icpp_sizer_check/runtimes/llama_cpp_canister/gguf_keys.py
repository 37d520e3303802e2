"""Typed values of a parsed GGUF header's keys, as llama.cpp's loader takes
them (llama_model_loader's get_key, get_key_or_arr and get_arr), each wrong
type, bound or length refused in one line that names the key."""

from __future__ import annotations

from typing import Optional

from icpp_sizer_check.gguf.format import (
    ARRAY,
    BOOL,
    INTEGER_TYPES,
    STRING,
    TYPE_NAMES,
    Field,
    GgufError,
    GgufHeader,
    shown,
)


def type_name(kind: int) -> str:
    return TYPE_NAMES.get(kind, f"type {kind}")


def missing(key: str) -> GgufError:
    return GgufError(
        f"the metadata has no {shown(key)}, which llama.cpp needs; convert the model again "
        "with a current llama.cpp"
    )


def integer(header: GgufHeader, key: str, least: int = 0) -> Optional[int]:
    """The integer at ``key`` (any integer type), None when absent."""
    field = header.fields.get(key)
    if field is None:
        return None
    if field.type not in INTEGER_TYPES or not isinstance(field.value, int):
        raise GgufError(f"{shown(key)} is a {type_name(field.type)}; expected an integer")
    if field.value < least:
        raise GgufError(f"{shown(key)} is {field.value}; it must be at least {least}")
    return field.value


def required_integer(header: GgufHeader, key: str, least: int = 0) -> int:
    value = integer(header, key, least)
    if value is None:
        raise missing(key)
    return value


def per_layer(
    header: GgufHeader, key: str, n_layer: int, least: int = 0
) -> Optional[tuple[int, ...]]:
    """A hyperparameter llama.cpp reads as one integer or one per layer
    (get_key_or_arr): the value of every layer, None when absent."""
    field = header.fields.get(key)
    if field is None:
        return None
    if field.type != ARRAY:
        value = integer(header, key, least)
        return None if value is None else (value,) * n_layer
    if field.item_type not in INTEGER_TYPES or field.items is None:
        raise GgufError(
            f"{shown(key)} is an array of {field.length} {type_name(field.item_type or 0)} "
            "items; expected an integer or one integer per layer"
        )
    if field.length != n_layer:
        raise GgufError(
            f"{shown(key)} has {field.length} values for {n_layer} layers; llama.cpp refuses it"
        )
    values = tuple(int(item) for item in field.items)
    if min(values) < least:
        raise GgufError(f"{shown(key)} holds {min(values)}; every value must be at least {least}")
    return values


def required_per_layer(
    header: GgufHeader, key: str, n_layer: int, least: int = 0
) -> tuple[int, ...]:
    values = per_layer(header, key, n_layer, least)
    if values is None:
        raise missing(key)
    return values


def typed_field(header: GgufHeader, key: str, kind: int, expected: str) -> Optional[Field]:
    """The field at ``key``, None when absent; one of another type than ``kind`` is refused."""
    field = header.fields.get(key)
    if field is not None and field.type != kind:
        raise GgufError(f"{shown(key)} is a {type_name(field.type)}; expected {expected}")
    return field


def string(header: GgufHeader, key: str) -> Optional[str]:
    field = typed_field(header, key, STRING, "a string")
    if field is None:
        return None
    if not isinstance(field.value, str):  # longer than the reader keeps
        raise GgufError(
            f"{shown(key)} is a string of {field.length} bytes, more than any model "
            "needs there; the header is corrupt"
        )
    return field.value


def boolean(header: GgufHeader, key: str, default: bool) -> bool:
    """The bool at ``key``, ``default`` when absent."""
    field = typed_field(header, key, BOOL, "a bool")
    return default if field is None else bool(field.value)


def array_length(header: GgufHeader, key: str) -> Optional[int]:
    field = typed_field(header, key, ARRAY, "an array of strings")
    if field is None:
        return None
    if field.item_type != STRING:
        raise GgufError(
            f"{shown(key)} is an array of {field.length} {type_name(field.item_type or 0)} "
            "items; expected an array of strings"
        )
    return field.length
