"""The console examples of the pages, by name: each command, and the edits to
a copy of the repo's configs that the page describes beside it."""

from __future__ import annotations

import struct
from pathlib import Path

from tests.docs.console import Edit, Example
from tests.fixtures import MODEL_YAML, REPO

LLAMA2 = "configs/icpp_llama2.yaml"
LLAMA_CPP = "configs/llama_cpp_canister.yaml"
CHECK = ("--config", LLAMA2)
MODEL_110M = "    n_kv_heads: 12\n    vocab_size: 32000\n    seq_len: 1024\n"
MODEL_42M = "    n_kv_heads: 8\n    vocab_size: 32000\n    seq_len: 1024\n"


def _threshold(model: str, users: int) -> Edit:
    return Edit(LLAMA2, model, f"{model}    min_concurrent_users: {users}\n")


def _checkpoint(seven: tuple[int, ...]) -> bytes:
    """A llama2.c version 1 header ('ak42'): the seven values, a shared classifier."""
    header = struct.pack("<Ii", 0x616B3432, 1) + struct.pack("<7i", *seven) + b"\x01"
    return header.ljust(256, b"\0")


def _gguf(path: Path) -> None:
    from tests.runtimes.llama_cpp_canister.gguf_files import SPECS_BY_NAME, write_model

    write_model(path, SPECS_BY_NAME["qwen3_q8_0_tied"])


CHECKPOINTS = """output: README_checkpoints.md
canister:
  memory_mib: 3072
models:
  - name: 15M
    checkpoint: ../models/stories15M.bin   # relative to this config's folder
  - name: 110M
    checkpoint: ../models/stories110M.bin
    seq_len: 512                           # deploy with a shorter context than trained
"""

NAME_A_FORMATTER_REWRITES = "output: sizes.md\nstyle: aligned\n" + MODEL_YAML.replace(
    "name: m", 'name: "*tiny*"'
)
ONE_MODEL = "output: one_model.md\n" + MODEL_YAML.replace("name: m", "name: 260K")

STALE = Example(
    CHECK,
    edits=(
        Edit(LLAMA2, "vocab_size: 32000\n    seq_len: 256", "vocab_size: 32000\n    seq_len: 512"),
    ),
)

EXAMPLES: dict[str, Example] = {
    "check-the-repo": Example(()),
    "stale-document": STALE,
    "stale-summary": STALE._replace(head=7),
    "below-threshold": Example(CHECK, edits=(_threshold(MODEL_110M, 40),)),
    "below-threshold-42m": Example(CHECK, edits=(_threshold(MODEL_42M, 90),)),
    "beyond-the-heap-cap": Example(CHECK, edits=(_threshold(MODEL_110M, 100),)),
    "beyond-the-wasm64-cap": Example(
        CHECK,
        edits=(
            _threshold(MODEL_110M, 100),
            Edit(LLAMA2, "  memory_mib: 3072\n", "  memory_mib: 3072\n  wasm: wasm64\n"),
        ),
    ),
    "invalid-config": Example(
        CHECK,
        edits=(
            Edit(LLAMA2, "title:", "titel:"),
            Edit(LLAMA2, "dim: 64\n", "dim: 64.0\n"),
            Edit(LLAMA2, "n_kv_heads: 4", "n_kv_heads: 3"),
        ),
    ),
    "only-formatting": Example(
        CHECK,
        tail=1,
        edits=(
            Edit(LLAMA2, "min_concurrent_users: 1\n", "min_concurrent_users: 1\nstyle: aligned\n"),
        ),
        setup=(("--write", *CHECK),),
        then=(Edit(LLAMA2, "style: aligned\n", ""),),
    ),
    "name-a-formatter-rewrites": Example(
        ("--config", "configs/sizes.yaml"),
        files=(("configs/sizes.yaml", NAME_A_FORMATTER_REWRITES),),
    ),
    "checkpoints": Example(
        ("--verbose", "--config", "configs/checkpoints.yaml"),
        files=(
            ("configs/checkpoints.yaml", CHECKPOINTS),
            ("models/stories15M.bin", _checkpoint((288, 768, 6, 6, 6, 32000, 256))),
            ("models/stories110M.bin", _checkpoint((768, 2048, 12, 12, 12, 32000, 1024))),
        ),
        setup=(("--write", "--config", "configs/checkpoints.yaml"),),
    ),
    "llama-cpp-headroom": Example(
        ("--config", LLAMA_CPP),
        edits=(Edit(LLAMA_CPP, "  memory_mib: 3840\n", "  memory_mib: 2100\n"),),
        setup=(("--write", "--config", LLAMA_CPP),),
    ),
    "too-few-users": Example(
        ("--config", LLAMA_CPP),
        edits=(
            Edit(LLAMA_CPP, "min_headroom_mib: 64\n", "min_headroom_mib: 64\nmin_users: 600\n"),
        ),
        setup=(("--write", "--config", LLAMA_CPP),),
    ),
    "describe-gguf": Example(
        ("describe-gguf", "models/qwen3_q8_0_tied.gguf"),
        files=(("models/qwen3_q8_0_tied.gguf", _gguf),),
    ),
    "json-output": Example(
        ("--format", "json", "--config", "configs/one_model.yaml"),
        files=(("configs/one_model.yaml", ONE_MODEL),),
        setup=(("--write", "--config", "configs/one_model.yaml"),),
        then=(Edit("configs/one_model.yaml", "seq_len: 512", "seq_len: 1024"),),
    ),
    "help": Example(("--help",)),
}
assert (REPO / LLAMA2).exists()
