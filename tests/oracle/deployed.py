"""Full-size shapes of the models IC teams deploy on llama_cpp_canister, for sparse files.

Shapes from the models' Hugging Face configs and their GGUF headers as
llama.cpp reads them (docs: /work/shared/runtimes/deployed_models.md's
figures); a value marked "guess" is not from a config. The weight types
approximate each published quantization (Q8_0 throughout; Q4_K_M: Q4_K
matrices, Q6_K for the token embedding, attn_v and ffn_down), so a sparse
file's size lies near, not on, the published file's.
"""

from __future__ import annotations

from typing import NamedTuple

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Architecture
from tests.oracle.sparse_gguf import MORE_BITS, SparseOptions, WeightTypes

# The shapes measured from the real files (their tensor bytes included).
from tests.runtimes.llama_cpp_canister.test_sizing import GEMMA_3_270M, QWEN3_0_6B

Q8_0 = SparseOptions(WeightTypes("Q8_0"))
Q4_K_M = SparseOptions(
    WeightTypes("Q4_K", token_embd="Q6_K", attn_v="Q6_K", ffn_down="Q6_K", raised_layers=MORE_BITS)
)


class Deployed(NamedTuple):
    name: str
    arch: Architecture
    options: SparseOptions
    published_file_bytes: int  # the GGUF file as published


def _arch(**fields: object) -> Architecture:
    return Architecture(tensor_data_bytes=0, file_bytes=0, **fields)  # type: ignore[arg-type]


# LFM2-1.2B's attention layers (gguf-parser-go #31's head_count_kv array).
LFM2_1_2B_KV = (0, 0, 8, 0, 0, 8, 0, 0, 8, 0, 8, 0, 8, 0, 8, 0)
# LFM2.5-2.6B: 30 blocks, 8 of them attention (LCC); which 8 is a guess
# (LFM2-2.6B's layer_types as recalled: 2, 6, 10, 14, 18, 21, 24, 27).
LFM2_2_6B_KV = tuple(8 if il in (2, 6, 10, 14, 18, 21, 24, 27) else 0 for il in range(30))

DEPLOYED = (
    Deployed(
        "Qwen3-0.6B-Q8_0",
        QWEN3_0_6B._replace(context_length=40960, tokenizer="gpt2"),
        Q8_0,
        639_446_688,
    ),
    Deployed(
        "Qwen3-1.7B-Q4_K_M",
        _arch(
            n_layer=28,
            n_embd=2048,
            n_head=16,
            n_head_kv=8,
            head_dim_k=128,
            head_dim_v=128,
            n_ff=6144,
            n_vocab=151936,
            arch="qwen3",
            context_length=40960,
            tokenizer="gpt2",
            n_merges=151387,
        ),
        Q4_K_M,
        1_107_409_472,
    ),
    Deployed(
        "gemma-3-270m-it-Q8_0",
        GEMMA_3_270M._replace(context_length=32768, tokenizer="llama"),
        Q8_0,
        291_546_144,
    ),
    Deployed(
        # n_ff 8192: the config's block_ff_dim 12288 after auto_adjust_ff_dim
        # (llama.cpp's lfm2 loader names 8192 "1.2B"); merges: a guess.
        "LFM2.5-1.2B-Instruct-Q4_K_M",
        _arch(
            n_layer=16,
            n_embd=2048,
            n_head=32,
            n_head_kv=LFM2_1_2B_KV,
            head_dim_k=64,
            head_dim_v=64,
            n_ff=8192,
            n_vocab=65536,
            arch="lfm2",
            context_length=128000,
            tokenizer="gpt2",
            n_merges=63683,
            shortconv_l_cache=3,
        ),
        Q4_K_M,
        730_895_168,
    ),
    Deployed(
        # n_ff 10752 (the loader's "2.6B"); vocab 128000 per LCC; merges a guess.
        "LFM2.5-2.6B-Q4_K_M",
        _arch(
            n_layer=30,
            n_embd=2048,
            n_head=32,
            n_head_kv=LFM2_2_6B_KV,
            head_dim_k=64,
            head_dim_v=64,
            n_ff=10752,
            n_vocab=128000,
            arch="lfm2",
            context_length=128000,
            tokenizer="gpt2",
            n_merges=127000,
            shortconv_l_cache=3,
        ),
        Q4_K_M,
        1_674_454_848,
    ),
)
