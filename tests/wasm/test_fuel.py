"""Per-token fuel from the fuel spent by each of the driver's stages."""

from __future__ import annotations

from tests.wasm.fuel import Fuel, fuel_of


def test_per_token_fuel_divides_each_stage_by_its_tokens() -> None:
    # start, load, context, prompt (8 tokens), first token, 4 tokens more
    spent = [10, 110, 160, 160 + 8 * 30, 160 + 8 * 30 + 45, 160 + 8 * 30 + 45 + 4 * 40]
    assert fuel_of(spent, 8, 5) == Fuel(
        load=100, per_prompt_token=30, per_generated_token=40, prompt=8
    )
