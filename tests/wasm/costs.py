"""The instruction costs of runtimes/llama_cpp_canister/instructions.py,
measured as wasmtime fuel on the wasm32 build.

``python -m tests.wasm.costs`` prints them as that module writes them:

- a dot product's cost per element, by weight type: a model of that type
  whose feed-forward length grows by 3072, the generated token's fuel
  growing by the weight elements it adds;
- flash attention's cost per token, head, cell and head element, by cache
  type: a model of 16 heads of 128, the generated token's fuel at 1024 more
  cells attended; each K type with an f16 V, each V type with an f16 K.

Fuel counts each wasm instruction executed, on any host, so a measurement
gives the same figure everywhere; tests/wasm/test_costs.py holds the table
to it.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import NamedTuple, Optional

from icpp_sizer_check.gguf.ggml_types import CACHE_TYPES
from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Architecture, Settings
from tests.oracle.sparse_gguf import WEIGHT_TYPES, SparseOptions, WeightTypes, write_sparse_gguf
from tests.wasm import build
from tests.wasm.fuel import spent_in
from tests.wasm.run import run

GENERATE = 3  # tokens generated after the prompt; the last two are measured
FF_LENGTHS = (1024, 4096)
WEIGHT_SETTINGS = Settings(256, 64, 64, "f16", "f16", True)
# Prompts of these lengths, so the generated tokens attend 1024 more cells.
POSITIONS = (256, 1280)
HEADS, HEAD_SIZE = 16, 128


def _shape(n_embd: int, n_ff: int, n_head: int, head_size: int) -> Architecture:
    return Architecture(
        n_layer=2,
        n_embd=n_embd,
        n_head=n_head,
        n_head_kv=n_head,
        head_dim_k=head_size,
        head_dim_v=head_size,
        n_ff=n_ff,
        n_vocab=1000,
        tensor_data_bytes=0,
        file_bytes=0,
        n_merges=100,
        context_length=4096,
    )


def generated_token(
    module: Path, folder: Path, arch: Architecture, kind: str, settings: Settings, prompt: int
) -> float:
    """The fuel of one generated token after ``prompt`` tokens."""
    options = SparseOptions(WeightTypes(kind, token_embd="F32", output="F32"), tied=False)
    path = write_sparse_gguf(folder / "model.gguf", arch, options)
    stage = spent_in(run(module, path, settings, prompt, GENERATE).fuel)
    return stage["generated"] / (GENERATE - 1)


def mul_mat_cost(module: Path, folder: Path, kind: str) -> float:
    """Instructions per element of a dot product of a ``kind`` weight."""
    fuel = [
        generated_token(module, folder, _shape(1024, n_ff, 8, 128), kind, WEIGHT_SETTINGS, 8)
        for n_ff in FF_LENGTHS
    ]
    added = 3 * 1024 * (FF_LENGTHS[1] - FF_LENGTHS[0]) * 2  # gate, up, down in 2 layers
    return (fuel[1] - fuel[0]) / added


def flash_cost(module: Path, folder: Path, type_k: str, type_v: str) -> float:
    """Flash attention's instructions per token, head, cell and head element."""
    arch = _shape(256, 256, HEADS, HEAD_SIZE)
    settings = Settings(2048, 2048, 256, type_k, type_v, True)
    fuel = [generated_token(module, folder, arch, "Q8_0", settings, prompt) for prompt in POSITIONS]
    cells = POSITIONS[1] - POSITIONS[0]
    return (fuel[1] - fuel[0]) / (cells * 2 * HEADS * HEAD_SIZE)


class Costs(NamedTuple):
    """The measured tables, rounded to three decimals as instructions.py keeps them."""

    mul_mat: dict[str, float]
    flash_f16: float
    flash_k: dict[str, float]
    flash_v: dict[str, float]


def measure_mul_mat(module: Path) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        return {kind.lower(): round(mul_mat_cost(module, folder, kind), 3) for kind in WEIGHT_TYPES}


def measure_flash(module: Path) -> tuple[float, dict[str, float], dict[str, float]]:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        f16 = flash_cost(module, folder, "f16", "f16")
        flash_k = {t: round(flash_cost(module, folder, t, "f16") - f16, 3) for t in CACHE_TYPES}
        flash_v = {t: round(flash_cost(module, folder, "f16", t) - f16, 3) for t in CACHE_TYPES}
    return round(f16, 3), flash_k, flash_v


def measure(module: Optional[Path] = None) -> Costs:
    """Every cost the instruction model takes from the build."""
    module = module or build.build()
    return Costs(measure_mul_mat(module), *measure_flash(module))


def main() -> int:
    costs = measure()
    print(f"MUL_MAT = {costs.mul_mat}")
    print(f"FLASH_F16 = {costs.flash_f16}")
    print(f"FLASH_K = {costs.flash_k}")
    print(f"FLASH_V = {costs.flash_v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
