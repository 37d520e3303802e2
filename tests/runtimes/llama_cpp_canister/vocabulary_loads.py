"""What llama.cpp's vocabulary took in vocabulary-only loads, as recorded, and
how far the sizing's formula may stray from it.

Measured with vocabulary_probe (each file loaded with ``vocab_only`` in a fresh
process; the glibc heap in use after the load less before it) on x86-64, with
llama-cpp-python 0.3.36's llama.cpp, as test_vocabulary_llama_cpp.py measures
them again. The shipped files are the ``models/ggml-vocab-*.gguf`` of that
version's source distribution; the generated ones have tokenizer ``none`` and
``{arch}.vocab_size`` dummy tokens (gguf_files.write_model).
"""

from __future__ import annotations

from typing import NamedTuple

from icpp_sizer_check.runtimes.llama_cpp_canister.vocabulary import (
    BPE,
    cost_of,
    vocabulary_bytes,
)

# The formula sees only counts. A BPE vocabulary's cost per entry moves with
# its tokens' lengths (the longer ones take heap of their own, three times
# over), so the 13 BPE files spread +-9.4 % about the best fit; 10 % holds
# them. SPM, WPM, UGM and none cost the same per token to within 0.3 %; 3 %
# leaves room for the fixed part, which is 22 % of the smallest (4,096-token)
# vocabulary. Against a canister's heap (a 42 MB vocabulary in 1,758 MB for
# Qwen3-0.6B) 10 % of the vocabulary is 0.24 % of the heap.
BPE_TOLERANCE = 0.10
TOLERANCE = 0.03
# How far a new measurement may drift from the recorded one: the log lines
# llama.cpp writes while loading move the figure by a few hundred bytes.
DRIFT = 0.01


class VocabularyLoad(NamedTuple):
    file: str  # a shipped ggml-vocab file, or a generated one's name
    tokenizer: str  # tokenizer.ggml.model
    n_vocab: int
    n_merges: int
    measured: int  # bytes the vocabulary-only load left allocated

    @property
    def predicted(self) -> int:
        return vocabulary_bytes(self.tokenizer, self.n_vocab, self.n_merges)

    @property
    def error(self) -> float:
        return (self.predicted - self.measured) / self.measured

    @property
    def tolerance(self) -> float:
        return BPE_TOLERANCE if cost_of(self.tokenizer) == BPE else TOLERANCE


SHIPPED = (
    VocabularyLoad("ggml-vocab-aquila.gguf", "gpt2", 100008, 99743, 30381216),
    VocabularyLoad("ggml-vocab-baichuan.gguf", "llama", 64000, 0, 9430400),
    VocabularyLoad("ggml-vocab-bert-bge.gguf", "bert", 30522, 0, 4557952),
    VocabularyLoad("ggml-vocab-command-r.gguf", "gpt2", 256000, 253333, 71427808),
    VocabularyLoad("ggml-vocab-deepseek-coder.gguf", "gpt2", 32256, 31757, 8302304),
    VocabularyLoad("ggml-vocab-deepseek-llm.gguf", "gpt2", 102400, 99757, 27269984),
    VocabularyLoad("ggml-vocab-falcon.gguf", "gpt2", 65024, 64784, 18786128),
    VocabularyLoad("ggml-vocab-gemma-4.gguf", "gemma4", 262144, 514906, 95943536),
    VocabularyLoad("ggml-vocab-gpt-2.gguf", "gpt2", 50257, 50000, 15339904),
    VocabularyLoad("ggml-vocab-gpt-neox.gguf", "gpt2", 50432, 50009, 15449488),
    VocabularyLoad("ggml-vocab-llama-bpe.gguf", "gpt2", 128256, 280147, 52443584),
    VocabularyLoad("ggml-vocab-llama-spm.gguf", "llama", 32000, 0, 4751600),
    VocabularyLoad("ggml-vocab-mpt.gguf", "gpt2", 50432, 50009, 15449584),
    VocabularyLoad("ggml-vocab-nomic-bert-moe.gguf", "t5", 250048, 0, 128578480),
    VocabularyLoad("ggml-vocab-phi-3.gguf", "llama", 32064, 0, 4761808),
    VocabularyLoad("ggml-vocab-qwen2.gguf", "gpt2", 151936, 151387, 41768304),
    VocabularyLoad("ggml-vocab-qwen35.gguf", "gpt2", 151936, 151387, 41768304),
    VocabularyLoad("ggml-vocab-refact.gguf", "gpt2", 49216, 48891, 15268240),
    VocabularyLoad("ggml-vocab-starcoder.gguf", "gpt2", 49152, 48872, 15262624),
)
GENERATED = (
    VocabularyLoad("none-4096", "none", 4096, 0, 203232),
    VocabularyLoad("none-131072", "none", 131072, 0, 5286336),
    VocabularyLoad("none-262144", "none", 262144, 0, 10529216),
)
LOADS = SHIPPED + GENERATED


def markdown_table(loads: tuple[VocabularyLoad, ...]) -> str:
    """Each load's measured and predicted bytes and the error, as Markdown."""
    lines = [
        "| file | tokenizer | tokens | merges | measured bytes | formula bytes | error |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for load in loads:
        lines.append(
            f"| {load.file} | {load.tokenizer} | {load.n_vocab:,} | {load.n_merges:,} "
            f"| {load.measured:,} | {load.predicted:,} | {load.error * 100:+.1f} % |"
        )
    return "\n".join(lines)
