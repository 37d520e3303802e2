"""The largest GGUF file a llama_cpp_canister is known to read: the evidence,
and the default limit chosen from it.

``load_model`` reads the whole file from the stable-memory file system in one
replicated message, and the Internet Computer stops a message that touches
more than 2 GiB of stable memory (IC0524, "limit 2_097_152 KB"). The file
system touches more pages than the file has, so the limit is not the file's
size: what counts is which files have loaded and which have failed.
"""

from __future__ import annotations

from typing import NamedTuple

from icpp_sizer_check.canister import MIB
from icpp_sizer_check.render import format_mb
from icpp_sizer_check.runtimes.llama_cpp_canister.document import UNIT


class FileLoad(NamedTuple):
    """One model file a llama_cpp_canister was asked to load_model, and the outcome."""

    model: str
    file_bytes: int  # the sources' MB are 10^6 bytes
    loads: bool
    source: str


# Observed in 2026 on llama_cpp_canister's current forks.
EVIDENCE = (
    FileLoad(
        "Qwen3-1.7B Q4_K_M",
        1_107_409_472,
        True,
        "llama_cpp_canister README-qwen3-1.7B.md; icgpt's llama_cpp_qwen3_17b_q4",
    ),
    FileLoad(
        "TriLM-3.9B TQ2_0",
        1_113_000_000,
        True,
        "Aerni, Fluck and Becker's artifact (models.csv), 1,113 MB",
    ),
    FileLoad(
        "Qwen2.5-1.5B Q6_K",
        1_464_000_000,
        False,
        "IC0524 in 3 of 3 tries on a recent llama_cpp_canister fork, 1,464 MB",
    ),
    FileLoad(
        "Qwen3-1.7B Q8_0",
        1_830_000_000,
        False,
        "IC0524; llama_cpp_canister README-qwen3-1.7B.md, ~1.83 GB",
    ),
)
# The largest multiple of 256 MiB below the smallest file known to fail
# (1,396 MiB): 116 MiB (8 %) under it, as a file a little smaller than a
# failing one may touch as many pages; 219 MiB above the largest known to load.
DEFAULT_MAX_MODEL_FILE_MIB = 1280
ROUND_MIB = 256


def smallest_failure() -> FileLoad:
    return min((load for load in EVIDENCE if not load.loads), key=lambda load: load.file_bytes)


def largest_load() -> FileLoad:
    return max((load for load in EVIDENCE if load.loads), key=lambda load: load.file_bytes)


def evidence_text() -> str:
    """The evidence in short, for the message of a file too large."""
    failed, loaded = smallest_failure(), largest_load()
    return (
        f"in 2026 a {format_mb(failed.file_bytes)} {UNIT} file ({failed.model}) failed to load "
        f"with IC0524 and a {format_mb(loaded.file_bytes)} {UNIT} one ({loaded.model}) loaded"
    )


def largest_round_limit_mib() -> int:
    """The largest multiple of ROUND_MIB MiB below the smallest known failure."""
    return (smallest_failure().file_bytes - 1) // (ROUND_MIB * MIB) * ROUND_MIB
