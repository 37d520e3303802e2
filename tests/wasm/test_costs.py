"""The instruction model's measured costs (runtimes/llama_cpp_canister/
instructions.py) are the wasm32 build's: measured again, they round to the
table's figures (fuel counts instructions, so the same build gives the same
counts on any host).

Integration, slow: needs the wasm32 module (tests/wasm/build.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from icpp_sizer_check.runtimes.llama_cpp_canister import instructions
from tests.wasm.costs import flash_cost, measure_flash, measure_mul_mat

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_each_weight_types_dot_product_costs_what_the_table_says(wasm_module: Path) -> None:
    assert measure_mul_mat(wasm_module) == instructions.MUL_MAT


def test_flash_attention_costs_what_the_table_says(wasm_module: Path) -> None:
    f16, flash_k, flash_v = measure_flash(wasm_module)
    assert f16 == instructions.FLASH_F16
    assert flash_k == instructions.FLASH_K
    assert flash_v == instructions.FLASH_V


@pytest.mark.parametrize("type_k, type_v", [("q8_0", "q8_0"), ("q4_0", "q5_1"), ("bf16", "bf16")])
def test_a_k_and_a_v_type_add_their_costs(
    wasm_module: Path, tmp_path: Path, type_k: str, type_v: str
) -> None:
    """Two quantized types together cost f16's plus what each adds alone."""
    added = instructions.FLASH_K[type_k] + instructions.FLASH_V[type_v]
    predicted = instructions.FLASH_F16 + added
    assert flash_cost(wasm_module, tmp_path, type_k, type_v) == pytest.approx(predicted, rel=0.02)
