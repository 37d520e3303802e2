"""The heap llama.cpp's vocabulary takes, by the kind of tokenizer it builds.

llama.cpp keeps every token three times over (``id_to_token``, the
``token_to_id`` hash map and the piece cache), and each kind of tokenizer adds
its own tables: BPE a map of its merges, UGM a trie of every token, and BPE
pays once for the Unicode tables its pre-tokenizer builds. So the heap grows
with the tokens (and, for BPE, the merges) at a rate of its own per kind.

The constants come from vocabulary-only loads (``vocab_only``) of the
vocabulary files llama.cpp ships (``models/ggml-vocab-*.gguf`` of the
llama.cpp that llama-cpp-python 0.3.36 vendors) and of generated files with
tokenizer ``none``, each in a fresh process, measured as the glibc heap in use
(``mallinfo2``) after the load less before it. tests/runtimes/
llama_cpp_canister/vocabulary_loads.py records every load and the tolerance
each kind is held to; the integration test measures them again.

They are x86-64 figures: a wasm32 build has 4-byte pointers and 12-byte
strings where x86-64 has 8 and 32, so the canister's vocabulary is no larger
and the figures err high there.
"""

from __future__ import annotations

from typing import NamedTuple

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import DEFAULT_TOKENIZER

# What any vocabulary costs beyond its tokens: the llama_model a
# vocabulary-only load makes (the intercept of the tokenizer-none loads:
# 5,286,256 B for 131,072 tokens and 10,529,136 B for 262,144, i.e. 40 B a
# token plus 43,376 B), rounded up.
FIXED_BYTES = 44_000


class VocabularyCost(NamedTuple):
    """One kind of vocabulary's heap: a fixed part, per token, per merge."""

    fixed: int
    per_token: int
    per_merge: int = 0


# tokenizer "none": no strings, only llama.cpp's 40-byte token records
# (std::string, score, attributes) of {arch}.vocab_size dummy tokens.
NONE = VocabularyCost(FIXED_BYTES, 40)
# SPM (tokenizer "llama"): ggml-vocab-llama-spm 32,000 tokens 4,752,096 B,
# -phi-3 32,064 tokens 4,761,440 B, -baichuan 64,000 tokens 9,431,120 B:
# 146.2 B a token between them; 147 with FIXED_BYTES, within 0.3 % of all three.
SPM = VocabularyCost(FIXED_BYTES, 147)
# BPE (tokenizer "gpt2", and gemma4's): 13 files from 32,256 tokens
# (deepseek-coder, 8,302,768 B) to 262,144 tokens and 514,906 merges (gemma-4,
# 95,942,944 B); qwen2's 151,936 tokens and 151,387 merges take 41,768,096 B.
# Tokens and merges come in near-equal numbers in most files, and the tokens'
# lengths, which no count shows, move the cost per entry by +-9 %: the
# constants are those whose worst relative error over the 13 files is least
# (9.4 %: deepseek-coder above, refact and starcoder below) with FIXED_BYTES
# as the fixed part.
BPE = VocabularyCost(FIXED_BYTES, 175, 107)
# WPM (tokenizer "bert"): ggml-vocab-bert-bge, 30,522 tokens, 4,558,416 B.
WPM = VocabularyCost(FIXED_BYTES, 148)
# UGM (tokenizer "t5"): ggml-vocab-nomic-bert-moe, 250,048 tokens,
# 128,578,816 B; its token trie and matchers triple the cost of a token.
UGM = VocabularyCost(FIXED_BYTES, 514)

# llama.cpp's vocabulary kind for each tokenizer.ggml.model (llama-vocab.cpp,
# llama_vocab::impl::load).
BY_TOKENIZER = {
    "none": NONE,
    "llama": SPM,
    "gpt2": BPE,
    "gemma4": BPE,
    "bert": WPM,
    "t5": UGM,
}


def cost_of(tokenizer: str) -> VocabularyCost:
    """The cost of ``tokenizer``'s vocabulary; a name llama.cpp does not build
    one for is sized as the default (gpt2), as a config without one is."""
    return BY_TOKENIZER.get(tokenizer, BY_TOKENIZER[DEFAULT_TOKENIZER])


def vocabulary_bytes(tokenizer: str, n_vocab: int, n_merges: int) -> int:
    """The heap of a vocabulary of ``n_vocab`` tokens and ``n_merges`` merges
    (counted only where the tokenizer keeps them: BPE)."""
    cost = cost_of(tokenizer)
    return cost.fixed + cost.per_token * n_vocab + cost.per_merge * n_merges
