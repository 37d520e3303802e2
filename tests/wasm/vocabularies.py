"""The vocabulary files llama.cpp's source ships (models/ggml-vocab-*.gguf of
llama-cpp-python 0.3.36's source distribution), with what the sizing reads of
each header, and how far wasm_heap.vocabulary_bytes may stray from what a
vocabulary-only load of each takes in the wasm32 build.

The formula sees only counts. A BPE vocabulary's cost per token moves with its
tokens' lengths: a string of more than 10 bytes takes a heap block of its own
(libc++'s short strings hold 10 on wasm32), so BPE files spread about the fit;
10 % holds all but two. SPM, WPM and UGM cost the same per token to within
about 1 %; 3 % leaves room. Against a canister's heap (a 31 MB vocabulary in
1,768 MB for Qwen3-0.6B) 10 % of the vocabulary is under 0.2 % of the heap.
"""

from __future__ import annotations

from typing import NamedTuple

BPE_TOLERANCE = 0.10
TOLERANCE = 0.03
# The two BPE files the counts cannot place, measured in tests/wasm's build:
# deepseek-coder's 32,256 tokens are short (code fragments), so most fit
# libc++'s short strings and the load takes 5.9 MB where the fit says 8.6 (+46 %);
# aquila's 100,008 are long (Chinese words, 3 bytes a character), so it takes
# 26.9 MB where the fit says 21.0 (-22 %).
OUTLIERS = {"ggml-vocab-deepseek-coder.gguf": 0.50, "ggml-vocab-aquila.gguf": 0.25}
# Loading command-r's vocabulary throws (unicode_utf8_to_byte's
# unordered_map::at, which native llama.cpp catches in token_to_piece's
# caller); without C++ exceptions, as in the canister's build, it aborts.
ABORTS = "ggml-vocab-command-r.gguf"


class ShippedVocabulary(NamedTuple):
    file: str
    tokenizer: str  # tokenizer.ggml.model
    n_vocab: int
    n_merges: int

    @property
    def tolerance(self) -> float:
        if self.file in OUTLIERS:
            return OUTLIERS[self.file]
        return BPE_TOLERANCE if self.tokenizer in ("gpt2", "gemma4") else TOLERANCE


SHIPPED = (
    ShippedVocabulary("ggml-vocab-aquila.gguf", "gpt2", 100008, 99743),
    ShippedVocabulary("ggml-vocab-baichuan.gguf", "llama", 64000, 0),
    ShippedVocabulary("ggml-vocab-bert-bge.gguf", "bert", 30522, 0),
    ShippedVocabulary("ggml-vocab-command-r.gguf", "gpt2", 256000, 253333),
    ShippedVocabulary("ggml-vocab-deepseek-coder.gguf", "gpt2", 32256, 31757),
    ShippedVocabulary("ggml-vocab-deepseek-llm.gguf", "gpt2", 102400, 99757),
    ShippedVocabulary("ggml-vocab-falcon.gguf", "gpt2", 65024, 64784),
    ShippedVocabulary("ggml-vocab-gemma-4.gguf", "gemma4", 262144, 514906),
    ShippedVocabulary("ggml-vocab-gpt-2.gguf", "gpt2", 50257, 50000),
    ShippedVocabulary("ggml-vocab-gpt-neox.gguf", "gpt2", 50432, 50009),
    ShippedVocabulary("ggml-vocab-llama-bpe.gguf", "gpt2", 128256, 280147),
    ShippedVocabulary("ggml-vocab-llama-spm.gguf", "llama", 32000, 0),
    ShippedVocabulary("ggml-vocab-mpt.gguf", "gpt2", 50432, 50009),
    ShippedVocabulary("ggml-vocab-nomic-bert-moe.gguf", "t5", 250048, 0),
    ShippedVocabulary("ggml-vocab-phi-3.gguf", "llama", 32064, 0),
    ShippedVocabulary("ggml-vocab-qwen2.gguf", "gpt2", 151936, 151387),
    ShippedVocabulary("ggml-vocab-qwen35.gguf", "gpt2", 151936, 151387),
    ShippedVocabulary("ggml-vocab-refact.gguf", "gpt2", 49216, 48891),
    ShippedVocabulary("ggml-vocab-starcoder.gguf", "gpt2", 49152, 48872),
)
