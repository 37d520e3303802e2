"""A decode's instructions as the model counts them, held to the wasm32
build's fuel (tests/wasm/decodes.py): a prompt and the tokens generated
after it, for every supported architecture's small case, a long context,
and each deployed model at full size with its deployed settings.

Integration, slow: needs the wasm32 module (tests/wasm/build.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.wasm.cases import Case, deployed_cases, small_cases
from tests.wasm.decodes import both, prompt_of

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# How far the count may stray from the fuel: a full-size model is its dot
# products, measured per weight type; a small one is more nodes than
# products, and a node's cost is one fitted figure for every op.
SMALL_BAR, DEPLOYED_BAR = 0.10, 0.07


def check(module: Path, folder: Path, case: Case, prompt: int, bar: float) -> None:
    fuel, count = both(module, folder, case, prompt)
    assert count.prompt == pytest.approx(fuel.prompt, rel=bar)
    assert count.generated == pytest.approx(fuel.generated, rel=bar)


@pytest.mark.parametrize("case", small_cases(), ids=lambda case: case.name)
def test_each_architecture_at_a_small_shape(wasm_module: Path, tmp_path: Path, case: Case) -> None:
    check(wasm_module, tmp_path, case, prompt_of(case), SMALL_BAR)


def test_a_long_context_costs_its_attention(wasm_module: Path, tmp_path: Path) -> None:
    """Tokens generated after 1500 others, each attending 1500 cells (qwen3's
    case has flash attention off: its products over the cache are counted)."""
    case = next(case for case in small_cases() if case.name == "qwen3")
    long = case._replace(settings=case.settings._replace(ctx_size=2048, batch_size=2048))
    check(wasm_module, tmp_path, long, 1500, SMALL_BAR)


@pytest.mark.parametrize("case", deployed_cases(), ids=lambda case: case.name)
def test_each_deployed_model_at_full_size(wasm_module: Path, tmp_path: Path, case: Case) -> None:
    check(wasm_module, tmp_path, case, prompt_of(case), DEPLOYED_BAR)
