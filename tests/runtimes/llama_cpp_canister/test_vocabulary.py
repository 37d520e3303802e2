"""The vocabulary's heap by tokenizer, held to the recorded llama.cpp loads
(test_vocabulary_llama_cpp.py measures them again with real llama.cpp)."""

from __future__ import annotations

import pytest

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import (
    DEFAULT_TOKENIZER,
    TOKENIZERS,
    Architecture,
)
from icpp_sizer_check.runtimes.llama_cpp_canister.vocabulary import (
    BPE,
    BY_TOKENIZER,
    FIXED_BYTES,
    cost_of,
    vocabulary_bytes,
)
from tests.runtimes.llama_cpp_canister.vocabulary_loads import LOADS, VocabularyLoad

ARCH = Architecture(2, 256, 4, 2, 64, 64, 768, 1000, 10_000, 20_000)


@pytest.mark.parametrize("load", LOADS, ids=[load.file for load in LOADS])
def test_vocabulary_holds_what_llama_cpp_loaded(load: VocabularyLoad) -> None:
    """The native vocabulary, by tokenizer, within the kind's tolerance of
    what llama.cpp's vocabulary-only load of the file took."""
    vocabulary = vocabulary_bytes(load.tokenizer, load.n_vocab, load.n_merges)
    error = (vocabulary - load.measured) / load.measured
    assert abs(error) <= load.tolerance, (vocabulary, load.measured)


def test_every_tokenizer_the_config_names_has_a_cost() -> None:
    assert set(TOKENIZERS) <= set(BY_TOKENIZER)


def test_a_config_without_a_tokenizer_is_sized_as_gpt2() -> None:
    assert ARCH.tokenizer == DEFAULT_TOKENIZER == "gpt2"
    assert cost_of(ARCH.tokenizer) == BPE
    # A name llama.cpp builds no vocabulary for is sized the same way.
    assert cost_of("no such tokenizer") == BPE


def test_merges_count_only_where_the_tokenizer_keeps_them() -> None:
    for tokenizer in ("llama", "bert", "t5", "none"):
        assert vocabulary_bytes(tokenizer, 1000, 5000) == vocabulary_bytes(tokenizer, 1000, 0)
    assert vocabulary_bytes("gpt2", 1000, 5000) - vocabulary_bytes("gpt2", 1000, 0) == 5000 * 107


def test_each_kind_has_its_cost_per_token() -> None:
    per_token = {
        name: vocabulary_bytes(name, 1001, 0) - vocabulary_bytes(name, 1000, 0)
        for name in TOKENIZERS
    }
    assert per_token == {"none": 40, "llama": 147, "gpt2": 175, "bert": 148, "t5": 514}
    assert vocabulary_bytes("t5", 0, 0) == FIXED_BYTES
