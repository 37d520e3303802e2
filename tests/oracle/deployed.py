"""The models IC teams deploy on llama_cpp_canister, at full size, for sparse files.

Their shapes and deployed settings have one home, the published config
(tests/data/published/llama_cpp_canister.yaml, which notes what is measured
and what is a guess); this module adds how to write each as a sparse file.
The weight types approximate each published quantization (Q8_0 throughout;
Q4_K_M: Q4_K matrices, Q6_K for the token embedding, attn_v and ffn_down),
so a sparse file's size lies near, not on, the published file's.
"""

from __future__ import annotations

from typing import NamedTuple

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Architecture, Settings
from tests.oracle.sparse_gguf import MORE_BITS, SparseOptions, WeightTypes
from tests.runtimes.llama_cpp_canister.published import all_published_models

Q8_0 = SparseOptions(WeightTypes("Q8_0"))
Q4_K_M = SparseOptions(
    WeightTypes("Q4_K", token_embd="Q6_K", attn_v="Q6_K", ffn_down="Q6_K", raised_layers=MORE_BITS)
)
QUANTIZATIONS = {"q8_0": Q8_0, "q4_k_m": Q4_K_M}


class Deployed(NamedTuple):
    name: str
    arch: Architecture
    settings: Settings  # as deployed and measured
    options: SparseOptions

    @property
    def published_file_bytes(self) -> int:
        """The GGUF file as published."""
        return self.arch.file_bytes


def _deployed() -> tuple[Deployed, ...]:
    models = []
    for name, model in all_published_models().items():
        quantization = next(key for key in QUANTIZATIONS if key in name)
        models.append(
            Deployed(name, model.architecture, model.settings, QUANTIZATIONS[quantization])
        )
    return tuple(models)


DEPLOYED = _deployed()
