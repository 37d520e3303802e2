"""Random model shapes and llama.cpp settings for the sweep and the property test, from a seed.

:func:`draw_case` draws, with a ``random.Random``, one :class:`Case`: an
:class:`Architecture` of one of architecture.ARCHITECTURES that its llama.cpp
loader accepts, :class:`SparseOptions` (mixed weight types, tied or untied
output) and several llama.cpp :class:`Settings` (context 64 to 40,960,
padded or not; batch and ubatch 1 to 4,096; every KV cache type llama.cpp
accepts; flash attention on or off, on whenever the V cache is quantized).

Shapes stay small (a case's file is written and loaded in well under a
second) but keep what the sizing must get right: grouped-query heads, a head
size of its own, large vocabularies, per-layer arrays (lfm2's 0 on
short-convolution layers, granitehybrid's on Mamba2 layers; a uniform array
elsewhere, the only kind those loaders accept), sliding windows and their
patterns, exaone4's 64-layer sliding model.
"""

from __future__ import annotations

import random
from typing import Any, NamedTuple

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import (
    ARCHITECTURES,
    Architecture,
    PerLayer,
    Settings,
    at_layer,
)
from icpp_sizer_check.runtimes.llama_cpp_canister.shape import MAMBA2_KEYS
from tests.oracle.dry_run import CACHE_TYPES, UNQUANTIZED
from tests.oracle.sparse_gguf import SparseOptions, WeightTypes
from tests.runtimes.llama_cpp_canister.shapes import SMALL_GRANITEHYBRID

MATRIX_TYPES = ("F16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K", "MXFP4", "BF16", "Q4_1")
HEAD_TYPES = ("Q6_K", "Q8_0", "F16", "Q4_K")
# Architectures whose query projection is n_embd wide: head_dim x n_head = n_embd.
SQUARE_QUERY = ("qwen2", "phi3", "lfm2", "exaone4")
CONTEXTS_PER_CASE = 8


class Case(NamedTuple):
    arch: Architecture
    options: SparseOptions
    contexts: list[Settings]  # llama.cpp's settings, as the sizing takes them


def _log_uniform(rng: random.Random, low: int, high: int) -> int:
    value: float = low * (high / low) ** rng.random()
    return round(value)


def _uniform_array(rng: random.Random, value: int, n_layer: int) -> PerLayer:
    """``value``, written now and then as a per-layer array of equal entries."""
    return (value,) * n_layer if rng.random() < 0.25 else value


def draw_arch(rng: random.Random, kind: str) -> Architecture:
    n_layer = 64 if kind == "exaone4" and rng.random() < 0.2 else rng.randint(1, 6)
    n_head = rng.choice((1, 2, 4, 8, 16))
    head_dim = rng.choice((32, 64, 128) if kind != "gemma3" else (64, 128, 256))
    n_embd = n_head * head_dim if kind in SQUARE_QUERY else 64 * rng.randint(1, 24)
    n_head_kv = rng.choice([k for k in range(1, n_head + 1) if n_head % k == 0])
    tokenizer = rng.choice(("none", "none", "gpt2", "llama"))
    n_vocab = _log_uniform(rng, 512, 262144 if tokenizer == "none" else 65536)
    heads_kv: PerLayer = _uniform_array(rng, n_head_kv, n_layer)
    window, pattern, l_cache = 0, 0, 0
    mamba2: dict[str, int] = {}
    if kind in ("lfm2", "granitehybrid"):
        n_layer = max(n_layer, 2)
        flags = [rng.random() < 0.4 for _ in range(n_layer)]
        flags[rng.randrange(n_layer)] = True  # at least one attention layer
        heads_kv = tuple(n_head_kv if flag else 0 for flag in flags)
    if kind == "lfm2":
        l_cache = rng.choice((2, 3, 4))
        window = rng.choice((0, 0, 64, 512))
    elif kind == "granitehybrid":
        mamba2 = _draw_mamba2(rng, n_embd)
    elif kind == "gemma3":
        window = rng.choice((0, 64, 128, 512, 1024))
        pattern = rng.choice((0, 0, 2, 3, 6))
        if rng.random() < 0.25:
            sliding = _some_sliding(rng, n_layer)
            return _shape(
                kind, n_layer, n_embd, n_head, heads_kv, head_dim, rng, n_vocab, tokenizer
            )._replace(sliding_window=window, sliding_window_pattern=sliding)
    elif kind == "gemma3n":
        return _gemma3n(rng, _shape(kind, n_layer, n_embd, n_head, heads_kv, head_dim, rng, 1, ""))
    elif kind == "phi3":
        window = rng.choice((0, 2047))  # read, then turned off by the loader
    elif kind == "qwen35":
        interval = rng.choice((0, 0, 2, 3, 4))
        n_layer = max(n_layer, interval or 4)  # at least one attention layer
        heads_kv = _uniform_array(rng, n_head_kv, n_layer)
        return _shape(
            kind, n_layer, n_embd, n_head, heads_kv, head_dim, rng, n_vocab, tokenizer
        )._replace(full_attention_interval=interval, **_deltanet(rng, n_layer))
    elif kind == "exaone4" and n_layer == 64:
        n_embd, n_head, head_dim = 64, 1, 64
        heads_kv = 1
    return _shape(
        kind, n_layer, n_embd, n_head, heads_kv, head_dim, rng, n_vocab, tokenizer
    )._replace(
        sliding_window=window,
        sliding_window_pattern=pattern,
        shortconv_l_cache=l_cache,
        **mamba2,
    )


def _draw_mamba2(rng: random.Random, n_embd: int) -> dict[str, Any]:
    """granitehybrid's mixer: twice n_embd wide (the only expansion llama.cpp
    takes), heads of 16 to 64 and 1 to 8 groups (n_embd is a multiple of 64,
    so both divide it), RoPE now and then (Granite 4.0 H files have none)."""
    return {
        "ssm_d_conv": rng.choice((2, 3, 4)),
        "ssm_d_inner": 2 * n_embd,
        "ssm_d_state": rng.choice((16, 32, 64, 128)),
        "ssm_dt_rank": 2 * n_embd // rng.choice((16, 32, 64)),
        "ssm_n_group": rng.choice((1, 2, 4, 8)),
        "rope_finetuned": rng.random() < 0.3,
    }


def _some_sliding(rng: random.Random, n_layer: int) -> tuple[bool, ...]:
    """A flag per layer, most of them sliding and one at least (llama.cpp
    aborts loading a model with a window and no sliding layer)."""
    flags = [rng.random() < 0.7 for _ in range(n_layer)]
    flags[rng.randrange(n_layer)] = True
    return tuple(flags)


def _gemma3n(rng: random.Random, arch: Architecture) -> Architecture:
    """gemma3n: often past the 20 layers that own a cache; a window it needs;
    its default pattern, or flags where layer 18 slides and 19 does not (the
    caches the later layers reuse); a vocabulary kept small, as its per-layer
    table holds 256 x n_layer values a token."""
    n_layer = rng.choice((arch.n_layer, rng.randint(21, 26)))
    pattern: int | tuple[bool, ...] = rng.choice((0, 0, 5, 3))
    if rng.random() < 0.25:
        drawn = _some_sliding(rng, n_layer)
        pattern = tuple(il == 18 or (il != 19 and drawn[il]) for il in range(n_layer))
    elif pattern == 3 and n_layer > 20:
        pattern = 5
    tokenizer = rng.choice(("none", "gpt2", "llama"))
    return arch._replace(
        n_layer=n_layer,
        n_head=at_layer(arch.n_head, 0),
        n_head_kv=at_layer(arch.n_head_kv, 0),
        n_ff=at_layer(arch.n_ff, 0),
        n_vocab=_log_uniform(rng, 512, 16384),
        tokenizer=tokenizer,
        n_merges=rng.randint(1, 4000) if tokenizer == "gpt2" else 0,
        sliding_window=rng.choice((64, 128, 512, 1024)),
        sliding_window_pattern=pattern,
    )


def _deltanet(rng: random.Random, n_layer: int) -> dict[str, Any]:
    """qwen35's gated DeltaNet: key heads dividing the value heads, both
    d_state wide; now and then a flag per layer instead of the interval, with
    a DeltaNet and an attention layer at least (llama.cpp aborts without)."""
    n_group = rng.choice((1, 2, 4))
    d_state = rng.choice((16, 32, 64, 128))
    dt_rank = n_group * rng.choice((1, 2, 4))
    flags: tuple[bool, ...] = ()
    if rng.random() < 0.3:
        drawn = [rng.random() < 0.7 for _ in range(n_layer)]
        recurrent, attention = rng.sample(range(n_layer), 2)
        drawn[recurrent], drawn[attention] = True, False
        flags = tuple(drawn)
    return {
        "ssm_d_conv": rng.choice((2, 3, 4)),
        "ssm_d_inner": d_state * dt_rank,
        "ssm_d_state": d_state,
        "ssm_dt_rank": dt_rank,
        "ssm_n_group": n_group,
        "recurrent_layers": flags,
    }


def _shape(
    kind: str,
    n_layer: int,
    n_embd: int,
    n_head: int,
    n_head_kv: PerLayer,
    head_dim: int,
    rng: random.Random,
    n_vocab: int,
    tokenizer: str,
) -> Architecture:
    return Architecture(
        n_layer=n_layer,
        n_embd=n_embd,
        n_head=_uniform_array(rng, n_head, n_layer),
        n_head_kv=n_head_kv,
        head_dim_k=head_dim,
        head_dim_v=head_dim,
        n_ff=_uniform_array(rng, 32 * rng.randint(2, 96), n_layer),
        n_vocab=n_vocab,
        tensor_data_bytes=0,
        file_bytes=0,
        arch=kind,
        context_length=rng.choice((2048, 8192, 40960)),
        tokenizer=tokenizer,
        n_merges=rng.randint(1, 4000) if tokenizer == "gpt2" else 0,
    )


def draw_options(rng: random.Random) -> SparseOptions:
    matrix = rng.choice(MATRIX_TYPES)
    types = WeightTypes(
        matrix=matrix,
        token_embd=rng.choice((None, *HEAD_TYPES)),
        output=rng.choice((None, *HEAD_TYPES)),
        attn_v=rng.choice((None, "Q6_K")),
        ffn_down=rng.choice((None, "Q6_K")),
    )
    return SparseOptions(types, tied=rng.random() < 0.5)


def draw_context(rng: random.Random) -> Settings:
    n_ctx = _log_uniform(rng, 64, 40960)
    if rng.random() < 0.3:
        n_ctx = -(-n_ctx // 256) * 256  # a padded value now and then
    type_v = rng.choice(CACHE_TYPES)
    flash_attn = True if type_v not in UNQUANTIZED else rng.random() < 0.5
    return Settings(
        ctx_size=n_ctx,
        batch_size=_log_uniform(rng, 1, 4096),
        ubatch_size=_log_uniform(rng, 1, 4096),
        cache_type_k=rng.choice(CACHE_TYPES),
        cache_type_v=type_v,
        flash_attn=flash_attn,
    )


def draw_case(rng: random.Random, kind: str = "", contexts: int = CONTEXTS_PER_CASE) -> Case:
    """One shape of ``kind`` (any architecture when empty) and its settings."""
    arch = draw_arch(rng, kind or rng.choice(ARCHITECTURES))
    return Case(arch, draw_options(rng), [draw_context(rng) for _ in range(contexts)])


def small_shape(kind: str) -> Architecture:
    """A small, fixed shape of ``kind`` with what sets it apart: lfm2 with
    short-convolution layers, granitehybrid with Mamba2 layers of two groups,
    gemma3 sliding over 128 tokens in a pattern of 3, phi3 with a window its
    loader turns off, exaone4 in its 64-layer sliding form, grouped-query
    heads everywhere."""
    n_layer = {"lfm2": 4, "granitehybrid": 4, "gemma3": 4, "exaone4": 64}.get(kind, 2)
    square = kind in SQUARE_QUERY
    arch = Architecture(
        n_layer=n_layer,
        n_embd=256 if square or kind == "exaone4" else 320,
        n_head=4,
        n_head_kv=2,
        head_dim_k=64,
        head_dim_v=64,
        n_ff=512,
        n_vocab=1000,
        tensor_data_bytes=0,
        file_bytes=0,
        arch=kind,
        context_length=4096,
        tokenizer="gpt2",
        n_merges=100,
    )
    if kind == "lfm2":
        return arch._replace(n_head_kv=(0, 2, 0, 2), shortconv_l_cache=3)
    if kind == "granitehybrid":
        mamba2 = {key: getattr(SMALL_GRANITEHYBRID, key) for key in MAMBA2_KEYS}
        return arch._replace(n_embd=256, n_head_kv=(0, 2, 0, 2), **mamba2)._replace(ssm_n_group=2)
    if kind == "gemma3":
        return arch._replace(sliding_window=128, sliding_window_pattern=3, tokenizer="llama")
    if kind == "phi3":
        return arch._replace(sliding_window=2047, tokenizer="none")
    if kind == "exaone4":
        return arch._replace(n_embd=64, n_head=1, n_head_kv=1, n_ff=64)
    if kind == "gemma3n":  # two layers past the 20 that own a cache
        return arch._replace(n_layer=22, sliding_window=128)
    if kind == "qwen35":  # three DeltaNet layers, then full attention
        return arch._replace(
            n_layer=4, ssm_d_conv=4, ssm_d_inner=128, ssm_d_state=32, ssm_dt_rank=4, ssm_n_group=2
        )
    return arch
