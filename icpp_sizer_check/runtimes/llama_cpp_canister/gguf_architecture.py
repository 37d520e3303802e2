"""The architecture values the sizing needs, from a parsed GGUF header, as
llama.cpp's loader reads them (llama-model.cpp's load_hparams)."""

from __future__ import annotations

from typing import Optional, Sequence, Union

from icpp_sizer_check.gguf.format import (
    ARRAY,
    BOOL,
    BUFFER_ALIGNMENT,
    INT32,
    UINT32,
    GgufError,
    GgufHeader,
    shown,
)
from icpp_sizer_check.gguf.header import pad, read_header
from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import (
    ARCHITECTURES,
    EXAONE4_SWA,
    MAX_LAYERS,
    TOKENIZERS,
    Architecture,
    PerLayer,
)
from icpp_sizer_check.runtimes.llama_cpp_canister.gguf_keys import (
    array_length,
    integer,
    missing,
    per_layer,
    required_integer,
    required_per_layer,
    string,
    type_name,
)

PatternValue = Union[int, tuple[bool, ...]]
# The architectures whose loader reads attention.sliding_window.
WINDOWED = ("gemma3", "lfm2", "phi3", "exaone4")
# The array types llama.cpp reads a per-layer flag array from (get_arr into uint32s).
SWA_FLAG_TYPES = (BOOL, UINT32, INT32)
# tokenizer.ggml.model's values llama.cpp loads, by the vocabulary each makes
# (llama_vocab::load: "no_vocab" is "none"; "hybriddna" and "whitespace" are BPE).
TOKENIZER_OF = {
    **{name: name for name in TOKENIZERS},
    "no_vocab": "none",
    "hybriddna": "gpt2",
    "whitespace": "gpt2",
}


def compact(values: Sequence[int]) -> PerLayer:
    """One number when every layer has the same, else one per layer."""
    return values[0] if len(set(values)) == 1 else tuple(values)


def _architecture_name(header: GgufHeader) -> str:
    arch = string(header, "general.architecture")
    if arch is None:
        raise missing("general.architecture")
    if arch not in ARCHITECTURES:
        raise GgufError(
            f"the model's architecture is {shown(arch)}; this tool sizes {', '.join(ARCHITECTURES)}"
        )
    return arch


def _vocabulary_size(header: GgufHeader, arch: str, tokenizer: str) -> int:
    """llama.cpp's vocabulary: the token list, or, for tokenizer "none", as
    many dummy tokens as {arch}.vocab_size says."""
    tokens = None if tokenizer == "none" else array_length(header, "tokenizer.ggml.tokens")
    if tokens is not None:
        return tokens
    vocab_size = integer(header, f"{arch}.vocab_size", 1)
    if vocab_size is None:
        raise missing("tokenizer.ggml.tokens" if tokenizer != "none" else f"{arch}.vocab_size")
    return vocab_size


def _swa_flags(header: GgufHeader, key: str, n_layer: int) -> Optional[tuple[bool, ...]]:
    """load_swa_pattern's array form: one flag per layer (any bool, uint32 or
    int32 array llama.cpp takes, nonzero: the layer slides). Like llama.cpp,
    layers past a short array do not slide and entries past the last layer
    are ignored; None when the key is no array."""
    field = header.fields.get(key)
    if field is None or field.type != ARRAY:
        return None
    if field.item_type not in SWA_FLAG_TYPES or field.items is None:
        raise GgufError(
            f"{shown(key)} is an array of {field.length} {type_name(field.item_type or 0)} "
            f"items; expected an integer or {n_layer} bools, one per layer"
        )
    if field.length > MAX_LAYERS:
        raise GgufError(
            f"{shown(key)} has {field.length} flags; llama.cpp takes at most {MAX_LAYERS}"
        )
    flags = tuple(bool(item) for item in field.items[:n_layer])
    return flags + (False,) * (n_layer - len(flags))


def _swa_pattern(header: GgufHeader, key: str, n_layer: int) -> PatternValue:
    """The pattern key as llama.cpp's load_swa_pattern reads it: one flag per
    layer, or a period (0 when absent: the architecture's default). A written
    period of 0 slides every layer (set_swa_pattern(0)), so it is kept as flags."""
    flags = _swa_flags(header, key, n_layer)
    if flags is not None:
        return flags
    period = integer(header, key)
    if period == 0:
        return (True,) * n_layer
    return period or 0


def _layer_count(header: GgufHeader, key: str) -> int:
    """The block count, at most llama.cpp's MAX_LAYERS: checked before any
    per-layer value is built from it."""
    n_layer = required_integer(header, key, 1)
    if n_layer > MAX_LAYERS:
        raise GgufError(f"{shown(key)} is {n_layer}; llama.cpp allows at most {MAX_LAYERS} layers")
    return n_layer


def _tokenizer(header: GgufHeader) -> str:
    """tokenizer.ggml.model, as the vocabulary llama.cpp makes of it (llama_vocab::load)."""
    key = "tokenizer.ggml.model"
    model = string(header, key)
    if model is None:
        raise missing(key)
    if model not in TOKENIZER_OF:
        raise GgufError(
            f"{shown(key)} is {shown(model)}; this tool sizes the vocabularies of "
            f"{', '.join(TOKENIZERS)}"
        )
    return TOKENIZER_OF[model]


def tensor_data_bytes(header: GgufHeader) -> int:
    """The model buffer: every tensor's bytes, each padded to the CPU buffer's 32."""
    return sum(pad(tensor.nbytes, BUFFER_ALIGNMENT) for tensor in header.tensors)


def _sliding_window(header: GgufHeader, arch: str, n_layer: int) -> tuple[int, PatternValue]:
    """The window and pattern keys each architecture's loader reads
    (load_arch_hparams): gemma3's pattern only with a window, exaone4's only
    in its 64-layer model, lfm2's and phi3's window alone. Recorded as
    written; swa_layers_of decides which layers slide (phi3's none)."""
    if arch not in WINDOWED:
        return 0, 0
    window = integer(header, f"{arch}.attention.sliding_window") or 0
    pattern_key = f"{arch}.attention.sliding_window_pattern"
    reads_pattern = (arch == "gemma3" and window > 0) or (
        arch == "exaone4" and n_layer == EXAONE4_SWA[0]
    )
    return window, _swa_pattern(header, pattern_key, n_layer) if reads_pattern else 0


def _shortconv_l_cache(header: GgufHeader, arch: str) -> int:
    """lfm2's convolution length, which its loader requires."""
    return required_integer(header, f"{arch}.shortconv.l_cache") if arch == "lfm2" else 0


def architecture_of(header: GgufHeader) -> Architecture:
    """The shape llama.cpp reads from the header, in the fields a config writes.

    A per-layer array stays one value per layer (one number when every layer
    has the same); the default head size divides by the first layer's head
    count, as llama.cpp does. What llama.cpp would refuse of the values
    together (heads that do not group, say) is shape_problems' to say.
    """
    arch = _architecture_name(header)
    n_layer = _layer_count(header, f"{arch}.block_count")
    n_embd = required_integer(header, f"{arch}.embedding_length", 1)
    heads = required_per_layer(header, f"{arch}.attention.head_count", n_layer, 1)
    heads_kv = per_layer(header, f"{arch}.attention.head_count_kv", n_layer) or heads
    n_ff = required_per_layer(header, f"{arch}.feed_forward_length", n_layer)
    head_dim = n_embd // heads[0]
    head_dim_k = integer(header, f"{arch}.attention.key_length", 1)
    head_dim_v = integer(header, f"{arch}.attention.value_length", 1)
    sliding_window, pattern = _sliding_window(header, arch, n_layer)
    merges = array_length(header, "tokenizer.ggml.merges")
    tokenizer = _tokenizer(header)
    return Architecture(
        n_layer=n_layer,
        n_embd=n_embd,
        n_head=compact(heads),
        n_head_kv=compact(heads_kv),
        head_dim_k=head_dim if head_dim_k is None else head_dim_k,
        head_dim_v=head_dim if head_dim_v is None else head_dim_v,
        n_ff=compact(n_ff),
        n_vocab=_vocabulary_size(header, arch, tokenizer),
        tensor_data_bytes=tensor_data_bytes(header),
        file_bytes=header.file_bytes,
        arch=arch,
        context_length=integer(header, f"{arch}.context_length", 1),
        sliding_window=sliding_window,
        sliding_window_pattern=pattern,
        n_tensors=len(header.tensors),
        n_merges=merges or 0,
        tokenizer=tokenizer,
        shortconv_l_cache=_shortconv_l_cache(header, arch),
    )


def read_architecture(path: str) -> Architecture:
    """The architecture of the GGUF model at ``path``, from its header alone."""
    return architecture_of(read_header(path))
