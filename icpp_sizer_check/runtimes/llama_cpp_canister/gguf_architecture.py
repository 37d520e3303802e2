"""The architecture values the sizing needs, from a parsed GGUF header, as
llama.cpp's loader reads them (llama-model.cpp's load_hparams)."""

from __future__ import annotations

from typing import Optional

from icpp_sizer_check.gguf.format import (
    ARRAY,
    BOOL,
    BUFFER_ALIGNMENT,
    INTEGER_TYPES,
    STRING,
    TYPE_NAMES,
    Field,
    GgufError,
    GgufHeader,
    shown,
)
from icpp_sizer_check.gguf.header import pad, read_header
from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import (
    ARCHITECTURES,
    MAX_LAYERS,
    Architecture,
)

# gemma3's sliding-window pattern when the file has no key for it (llama.cpp's
# gemma3 hparams: set_swa_pattern(6), five sliding layers then a global one).
GEMMA3_SWA_PATTERN = 6


def _type_name(kind: int) -> str:
    return TYPE_NAMES.get(kind, f"type {kind}")


def _missing(key: str) -> GgufError:
    return GgufError(
        f"the metadata has no {shown(key)}, which llama.cpp needs; convert the model again "
        "with a current llama.cpp"
    )


def _integer(header: GgufHeader, key: str, least: int = 0) -> Optional[int]:
    """The integer at ``key`` (any integer type), None when absent."""
    field = header.fields.get(key)
    if field is None:
        return None
    if field.type not in INTEGER_TYPES or not isinstance(field.value, int):
        raise GgufError(f"{shown(key)} is a {_type_name(field.type)}; expected an integer")
    if field.value < least:
        raise GgufError(f"{shown(key)} is {field.value}; it must be at least {least}")
    return field.value


def _required_integer(header: GgufHeader, key: str, least: int = 0) -> int:
    value = _integer(header, key, least)
    if value is None:
        raise _missing(key)
    return value


def _per_layer(
    header: GgufHeader, key: str, n_layer: int, least: int = 0
) -> Optional[tuple[int, ...]]:
    """A hyperparameter llama.cpp reads as one integer or one per layer
    (get_key_or_arr): the value of every layer, None when absent."""
    field = header.fields.get(key)
    if field is None:
        return None
    if field.type != ARRAY:
        value = _integer(header, key, least)
        return None if value is None else (value,) * n_layer
    if field.item_type not in INTEGER_TYPES or field.items is None:
        raise GgufError(
            f"{shown(key)} is an array of {field.length} {_type_name(field.item_type or 0)} "
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


def _required_per_layer(
    header: GgufHeader, key: str, n_layer: int, least: int = 0
) -> tuple[int, ...]:
    values = _per_layer(header, key, n_layer, least)
    if values is None:
        raise _missing(key)
    return values


def _field(header: GgufHeader, key: str, kind: int, expected: str) -> Optional[Field]:
    """The field at ``key``, None when absent; one of another type than ``kind`` is refused."""
    field = header.fields.get(key)
    if field is not None and field.type != kind:
        raise GgufError(f"{shown(key)} is a {_type_name(field.type)}; expected {expected}")
    return field


def _string(header: GgufHeader, key: str) -> Optional[str]:
    field = _field(header, key, STRING, "a string")
    if field is None:
        return None
    if not isinstance(field.value, str):  # longer than the reader keeps
        raise GgufError(
            f"{shown(key)} is a string of {field.length} bytes, more than any model "
            "needs there; the header is corrupt"
        )
    return field.value


def _array_length(header: GgufHeader, key: str) -> Optional[int]:
    field = _field(header, key, ARRAY, "an array of strings")
    if field is None:
        return None
    if field.item_type != STRING:
        raise GgufError(
            f"{shown(key)} is an array of {field.length} {_type_name(field.item_type or 0)} "
            "items; expected an array of strings"
        )
    return field.length


def _architecture_name(header: GgufHeader) -> str:
    arch = _string(header, "general.architecture")
    if arch is None:
        raise _missing("general.architecture")
    if arch not in ARCHITECTURES:
        raise GgufError(
            f"the model's architecture is {shown(arch)}; this tool sizes {', '.join(ARCHITECTURES)}"
        )
    return arch


def _vocabulary_size(header: GgufHeader, arch: str) -> int:
    """llama.cpp's vocabulary: the token list, or, for tokenizer "none", as
    many dummy tokens as {arch}.vocab_size says."""
    model = _string(header, "tokenizer.ggml.model")
    tokens = None if model == "none" else _array_length(header, "tokenizer.ggml.tokens")
    if tokens is not None:
        return tokens
    vocab_size = _integer(header, f"{arch}.vocab_size", 1)
    if vocab_size is None:
        raise _missing("tokenizer.ggml.tokens" if model != "none" else f"{arch}.vocab_size")
    return vocab_size


def _swa_pattern(header: GgufHeader, key: str, n_layer: int) -> int:
    """The pattern of Architecture.is_swa (every Nth layer global) from the
    pattern key: an integer, or one bool per layer (true: a sliding layer),
    which must repeat with some period to be written as an integer."""
    field = header.fields.get(key)
    if field is None:
        return GEMMA3_SWA_PATTERN
    if field.type != ARRAY:
        value = _integer(header, key, 1)
        return GEMMA3_SWA_PATTERN if value is None else value
    if field.item_type != BOOL or field.items is None or field.length != n_layer:
        raise GgufError(
            f"{shown(key)} is an array of {field.length} {_type_name(field.item_type or 0)} "
            f"items; expected an integer or {n_layer} bools, one per layer"
        )
    flags = [bool(item) for item in field.items]
    for pattern in range(1, n_layer + 2):
        if all(flag == (layer % pattern < pattern - 1) for layer, flag in enumerate(flags)):
            return pattern
    raise GgufError(
        f"{shown(key)} marks sliding-window layers without a period (every Nth layer "
        "global); this tool cannot size that layout"
    )


def _layer_count(header: GgufHeader, key: str) -> int:
    """The block count, at most llama.cpp's MAX_LAYERS: checked before any
    per-layer value is built from it."""
    n_layer = _required_integer(header, key, 1)
    if n_layer > MAX_LAYERS:
        raise GgufError(f"{shown(key)} is {n_layer}; llama.cpp allows at most {MAX_LAYERS} layers")
    return n_layer


def _kv_heads(header: GgufHeader, key: str, n_layer: int) -> Optional[tuple[int, ...]]:
    """Key/value heads per layer: a layer may have none, not every layer."""
    heads_kv = _per_layer(header, key, n_layer)
    if heads_kv is not None and not any(heads_kv):
        raise GgufError(
            f"{shown(key)} is 0 in every layer; at least one layer needs a key/value head"
        )
    return heads_kv


def tensor_data_bytes(header: GgufHeader) -> int:
    """The model buffer: every tensor's bytes, each padded to the CPU buffer's 32."""
    return sum(pad(tensor.nbytes, BUFFER_ALIGNMENT) for tensor in header.tensors)


def architecture_of(header: GgufHeader) -> Architecture:
    """The shape llama.cpp reads from the header, in the fields a config writes.

    A per-layer array of head counts or feed-forward lengths is sized by its
    largest value: the sizing may then exceed, never fall short of, what
    llama.cpp allocates. The default head size divides by the first layer's
    head count, as llama.cpp does.
    """
    arch = _architecture_name(header)
    n_layer = _layer_count(header, f"{arch}.block_count")
    n_embd = _required_integer(header, f"{arch}.embedding_length", 1)
    heads = _required_per_layer(header, f"{arch}.attention.head_count", n_layer, 1)
    heads_kv = _kv_heads(header, f"{arch}.attention.head_count_kv", n_layer) or heads
    n_ff = _required_per_layer(header, f"{arch}.feed_forward_length", n_layer)
    head_dim = n_embd // heads[0]
    head_dim_k = _integer(header, f"{arch}.attention.key_length", 1)
    head_dim_v = _integer(header, f"{arch}.attention.value_length", 1)
    sliding_window, pattern = 0, 0
    if arch == "gemma3":
        sliding_window = _required_integer(header, f"{arch}.attention.sliding_window")
        pattern = _swa_pattern(header, f"{arch}.attention.sliding_window_pattern", n_layer)
    merges = _array_length(header, "tokenizer.ggml.merges")
    return Architecture(
        n_layer=n_layer,
        n_embd=n_embd,
        n_head=max(heads),
        n_head_kv=max(heads_kv),
        head_dim_k=head_dim if head_dim_k is None else head_dim_k,
        head_dim_v=head_dim if head_dim_v is None else head_dim_v,
        n_ff=max(n_ff),
        n_vocab=_vocabulary_size(header, arch),
        tensor_data_bytes=tensor_data_bytes(header),
        file_bytes=header.file_bytes,
        arch=arch,
        context_length=_integer(header, f"{arch}.context_length", 1),
        sliding_window=sliding_window,
        sliding_window_pattern=pattern if sliding_window else 0,
        n_tensors=len(header.tensors),
        n_merges=merges or 0,
    )


def read_architecture(path: str) -> Architecture:
    """The architecture of the GGUF model at ``path``, from its header alone."""
    return architecture_of(read_header(path))
