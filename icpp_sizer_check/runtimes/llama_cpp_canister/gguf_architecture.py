"""The architecture values the sizing needs, from a parsed GGUF header, as
llama.cpp's loader reads them (llama-model.cpp's load_hparams)."""

from __future__ import annotations

from typing import Any, Optional, Sequence, Union

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
    boolean,
    integer,
    missing,
    per_layer,
    required_integer,
    required_per_layer,
    string,
    type_name,
)
from icpp_sizer_check.runtimes.llama_cpp_canister.gguf_weights import matrix_types, output_type

PatternValue = Union[int, tuple[bool, ...]]
# The architectures whose loader reads attention.sliding_window.
WINDOWED = ("gemma3", "gemma3n", "lfm2", "phi3", "exaone4")
# The recurrent layers' {arch}.ssm.* keys, which qwen35's and granitehybrid's
# loaders require, by the field each fills.
SSM_KEYS = (
    ("ssm_d_conv", "conv_kernel"),
    ("ssm_d_inner", "inner_size"),
    ("ssm_d_state", "state_size"),
    ("ssm_dt_rank", "time_step_rank"),
    ("ssm_n_group", "group_count"),
)
SSM_ARCHITECTURES = ("qwen35", "granitehybrid")
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
    window_key = f"{arch}.attention.sliding_window"
    # gemma3n's loader requires the window, and always reads the pattern
    window = (required_integer if arch == "gemma3n" else integer)(header, window_key) or 0
    pattern_key = f"{arch}.attention.sliding_window_pattern"
    reads_pattern = (
        arch == "gemma3n"
        or (arch == "gemma3" and window > 0)
        or (arch == "exaone4" and n_layer == EXAONE4_SWA[0])
    )
    return window, _swa_pattern(header, pattern_key, n_layer) if reads_pattern else 0


def _shortconv_l_cache(header: GgufHeader, arch: str) -> int:
    """lfm2's convolution length, which its loader requires."""
    return required_integer(header, f"{arch}.shortconv.l_cache") if arch == "lfm2" else 0


def _layer_flags(header: GgufHeader, key: str, n_layer: int) -> tuple[bool, ...]:
    """A flag per layer as get_key_or_arr reads it: one value for every layer,
    or an array of exactly one per layer; () when absent."""
    field = header.fields.get(key)
    if field is None:
        return ()
    if field.type != ARRAY:
        return (bool(integer(header, key)),) * n_layer
    if field.item_type not in SWA_FLAG_TYPES or field.items is None:
        raise GgufError(
            f"{shown(key)} is an array of {field.length} {type_name(field.item_type or 0)} "
            f"items; expected {n_layer} bools, one per layer"
        )
    if field.length != n_layer:
        raise GgufError(
            f"{shown(key)} has {field.length} values for {n_layer} layers; llama.cpp refuses it"
        )
    return tuple(bool(item) for item in field.items)


def _recurrent_values(header: GgufHeader, arch: str, n_layer: int) -> dict[str, Any]:
    """What the loaders read of recurrent layers and extra blocks: the ssm
    sizes (qwen35, granitehybrid), qwen35's attention interval or flags,
    granitehybrid's RoPE switch; the MTP layers and the experts of any
    architecture (llama-model.cpp's load_hparams reads both for all)."""
    values: dict[str, Any] = {
        "nextn_predict_layers": integer(header, f"{arch}.nextn_predict_layers") or 0,
        "n_expert": integer(header, f"{arch}.expert_count") or 0,
    }
    if arch in SSM_ARCHITECTURES:
        for name, key in SSM_KEYS:
            values[name] = required_integer(header, f"{arch}.ssm.{key}")
    if arch == "qwen35":
        values["full_attention_interval"] = (
            integer(header, f"{arch}.full_attention_interval", 1) or 0
        )
        values["recurrent_layers"] = _layer_flags(
            header, f"{arch}.attention.recurrent_layers", n_layer
        )
    if arch == "granitehybrid":
        values["rope_finetuned"] = boolean(header, f"{arch}.rope.scaling.finetuned", True)
    return values


def _tied_embedding_bytes(header: GgufHeader, arch: str) -> int:
    """gemma3n's token embeddings when the file has no output matrix: its
    loader loads them a second time as the output (the other architectures
    share the one tensor, so it is recorded for gemma3n only)."""
    names = {tensor.name: tensor for tensor in header.tensors}
    embedding = names.get("token_embd.weight")
    if arch != "gemma3n" or "output.weight" in names or embedding is None:
        return 0
    return pad(embedding.nbytes, BUFFER_ALIGNMENT)


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
    recurrent = _recurrent_values(header, arch, n_layer)
    trunk_layers = n_layer - int(recurrent.get("nextn_predict_layers", 0))
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
        tied_embedding_bytes=_tied_embedding_bytes(header, arch),
        **recurrent,
        matrix_types=matrix_types(header, trunk_layers),
        output_type=output_type(header),
    )


def read_architecture(path: str) -> Architecture:
    """The architecture of the GGUF model at ``path``, from its header alone."""
    return architecture_of(read_header(path))
