"""ggml's tensor types: the bytes a block of each holds, as ggml's type traits give them.

One table for weights (any type a GGUF tensor may have) and for the KV cache
(the types llama.cpp's ``--cache-type-k/-v`` accept). tests/runtimes/
llama_cpp_canister/test_ggml_types.py holds it equal to ``gguf.GGML_QUANT_SIZES``.
"""

from __future__ import annotations

from typing import NamedTuple


class GgmlType(NamedTuple):
    name: str  # as llama.cpp's flags and logs write it, lower case
    block_size: int  # elements per block
    type_size: int  # bytes per block

    def row_bytes(self, elements: int) -> int:
        """ggml_row_size: the bytes of ``elements`` values (whole blocks)."""
        return elements // self.block_size * self.type_size


# By ggml type id (ggml.h's enum ggml_type); ids 4, 5 and 31-33 are retired.
GGML_TYPES: dict[int, GgmlType] = {
    0: GgmlType("f32", 1, 4),
    1: GgmlType("f16", 1, 2),
    2: GgmlType("q4_0", 32, 18),
    3: GgmlType("q4_1", 32, 20),
    6: GgmlType("q5_0", 32, 22),
    7: GgmlType("q5_1", 32, 24),
    8: GgmlType("q8_0", 32, 34),
    9: GgmlType("q8_1", 32, 40),
    10: GgmlType("q2_k", 256, 84),
    11: GgmlType("q3_k", 256, 110),
    12: GgmlType("q4_k", 256, 144),
    13: GgmlType("q5_k", 256, 176),
    14: GgmlType("q6_k", 256, 210),
    15: GgmlType("q8_k", 256, 292),
    16: GgmlType("iq2_xxs", 256, 66),
    17: GgmlType("iq2_xs", 256, 74),
    18: GgmlType("iq3_xxs", 256, 98),
    19: GgmlType("iq1_s", 256, 50),
    20: GgmlType("iq4_nl", 32, 18),
    21: GgmlType("iq3_s", 256, 110),
    22: GgmlType("iq2_s", 256, 82),
    23: GgmlType("iq4_xs", 256, 136),
    24: GgmlType("i8", 1, 1),
    25: GgmlType("i16", 1, 2),
    26: GgmlType("i32", 1, 4),
    27: GgmlType("i64", 1, 8),
    28: GgmlType("f64", 1, 8),
    29: GgmlType("iq1_m", 256, 56),
    30: GgmlType("bf16", 1, 2),
    34: GgmlType("tq1_0", 256, 54),
    35: GgmlType("tq2_0", 256, 66),
    39: GgmlType("mxfp4", 32, 17),
    40: GgmlType("nvfp4", 64, 36),
    41: GgmlType("q1_0", 128, 18),
}

BY_NAME: dict[str, GgmlType] = {kind.name: kind for kind in GGML_TYPES.values()}

# What llama.cpp's --cache-type-k/-v accept (common/arg.cpp, kv_cache_types).
CACHE_TYPES = ("f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "iq4_nl", "q5_0", "q5_1")
DEFAULT_CACHE_TYPE = "f16"


def is_quantized(kind: GgmlType) -> bool:
    return kind.block_size > 1
