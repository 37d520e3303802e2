"""The weights' types a decode's count needs, read from a header's tensors
(runtimes/llama_cpp_canister/gguf_weights.py), and the schema's names for
them."""

from __future__ import annotations

import re

import pytest

from icpp_sizer_check.gguf.format import GgufError, GgufHeader, TensorInfo
from icpp_sizer_check.gguf.ggml_types import GGML_TYPES
from icpp_sizer_check.package_data import config_schema
from icpp_sizer_check.runtimes.llama_cpp_canister.gguf_weights import matrix_types, output_type

Q8_0, Q6_K, F32 = 8, 14, 0


def header(*tensors: tuple[str, tuple[int, ...], int]) -> GgufHeader:
    infos = tuple(TensorInfo(name, dims, kind, 0) for name, dims, kind in tensors)
    return GgufHeader(3, {}, infos, 32, 0, 0)


def test_the_matrices_a_token_multiplies_by_type() -> None:
    """Not the embedding tables (read by row), the output head, a norm, nor a
    multi-token prediction layer's matrices."""
    read = header(
        ("token_embd.weight", (64, 1000), Q6_K),
        ("per_layer_token_embd.weight", (64, 1000), Q8_0),
        ("blk.0.attn_q.weight", (64, 64), Q8_0),
        ("blk.0.ffn_down.weight", (128, 64), Q6_K),
        ("blk.0.attn_norm.weight", (64,), F32),
        ("blk.1.attn_q.weight", (64, 64), Q8_0),
        ("output.weight", (64, 1000), Q8_0),
    )
    assert matrix_types(read, trunk_layers=1) == (("q6_k", 8192), ("q8_0", 4096))
    assert matrix_types(read, trunk_layers=2) == (("q6_k", 8192), ("q8_0", 8192))


def test_the_output_head_is_its_own_matrix_or_the_token_embeddings() -> None:
    untied = header(("token_embd.weight", (64, 9), Q6_K), ("output.weight", (64, 9), Q8_0))
    assert output_type(untied) == "q8_0"
    assert output_type(header(("token_embd.weight", (64, 9), Q6_K))) == "q6_k"
    assert output_type(header()) is None
    assert matrix_types(header(), trunk_layers=1) is None


def test_a_type_ggml_has_not_is_an_error_naming_the_tensor() -> None:
    with pytest.raises(GgufError, match=re.escape("tensor 'blk.0.attn_q.weight' has ggml type 4")):
        matrix_types(header(("blk.0.attn_q.weight", (64, 64), 4)), trunk_layers=1)


def test_the_schema_names_every_ggml_type_for_them() -> None:
    """describe-gguf prints any type a header holds; the schema takes each back."""
    properties = config_schema()["$defs"]["llama_cpp_architecture"]["properties"]
    names = [kind.name for kind in GGML_TYPES.values()]
    assert properties["matrix_types"]["propertyNames"]["enum"] == names
    assert properties["output_type"]["enum"] == names
