"""Every reader of untrusted text takes time linear in it: a committed document
of each hostile shape, up to the 2 MiB the tool reads, through both compare
modes against both styles; a config of each hostile shape, up to its 1 MiB.

Time is measured, never asserted tight: a shape must take less than eight
times as long at four times the size (linear is four, quadratic sixteen), and
its largest size must finish well within a ceiling far above the second or so
it takes. benchmarks/hostile_text_bench.py prints the times.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import pytest

from icpp_sizer_check.compare import CompareMode, compare_document
from icpp_sizer_check.config.load import parse_config
from icpp_sizer_check.errors import ConfigError
from icpp_sizer_check.paths import MAX_CONFIG_BYTES, MAX_DOCUMENT_BYTES
from icpp_sizer_check.runtimes.icpp_llama2.document import LAYOUT
from tests.fixtures import DATA, GOLDEN, REPO

pytestmark = [pytest.mark.slow, pytest.mark.timing]

ALIGNED = DATA / "golden" / "icpp_llama2_resource_requirements.aligned.md"
CEILING_SECONDS = 10.0

Shape = Callable[[int], str]

# Each makes a document of about n characters.
DOCUMENTS: dict[str, Shape] = {
    "spaces inside a heading": lambda n: "# a" + " " * n + "b\n",
    "a heading of #": lambda n: "# " + "#" * n + "b\n",
    "spaces and # closing a heading": lambda n: "# a" + " #" * (n // 2) + "b\n",
    "a run of #": lambda n: "#" * n + "\n",
    "a run of |": lambda n: "|" * n + "\n",
    "pipes over a delimiter row": lambda n: "|" * (n // 2) + "\n" + "|-" * (n // 4) + "\n",
    "a long delimiter cell": lambda n: "a|b\n" + "-" * n + "|-\n",
    "colons in a delimiter row": lambda n: "a|b\n" + ":-" * (n // 2) + "|\n",
    "escaped pipes in a row": lambda n: "a|b\n-|-\n" + "\\|" * (n // 2) + "\n",
    "backslashes": lambda n: "\\" * n + "\n",
    "a run of backticks": lambda n: "`" * n + "\n",
    "backticks in a fence's info": lambda n: "```" + "`a" * (n // 2) + "\n",
    "one long line of words": lambda n: "a " * (n // 2) + "\n",
    "many short lines": lambda n: "a\n" * (n // 2),
    "many lines of |": lambda n: "|\n" * (n // 2),
    "many headings": lambda n: "#\n" * (n // 2),
    "many fences": lambda n: "```\n" * (n // 4),
    "many table rows": lambda n: "a|b\n-|-\n" + "1|2\n" * (n // 4),
    "many columns": lambda n: "|a" * (n // 4) + "|\n" + "|-" * (n // 4) + "|\n",
    "nested emphasis": lambda n: "*_" * (n // 2) + "\n",
    "tabs": lambda n: "\t" * n + "x\n",
    "blank lines": lambda n: "\n" * n,
    "indented code": lambda n: "    a\n" * (n // 6),
    "a setext underline": lambda n: "a\n" + "=" * n + "\n",
    "many rules": lambda n: "-\n" * (n // 2),
    "hard line breaks": lambda n: "a  \n" * (n // 4),
    "a list": lambda n: "- " * (n // 2) + "\n",
}


_CONFIG = (REPO / "configs" / "icpp_llama2.yaml").read_text()


def _with(old: str, new: str) -> str:
    return _CONFIG.replace(old, new, 1)


def _titled(title: str) -> str:
    return _with("title: Canister resource requirements for icpp_llama2.", f"title: {title}")


# Each makes a config of about n characters.
CONFIGS: dict[str, Shape] = {
    "spaces inside a title": lambda n: _titled('"a' + " " * n + 'b"'),
    "a blank title": lambda n: _titled('"' + " " * n + '"'),
    "a title ending in spaces": lambda n: _titled('"a' + " " * n + '"'),
    "a control character after spaces": lambda n: _titled('"a' + " " * n + '\\x01"'),
    "spaces and a pipe in a model name": lambda n: _with("name: 260K", 'name: "a' + " " * n + '|"'),
    "a long output path": lambda n: _with("output: ", "output: " + "a/" * (n // 2)),
    "many unknown keys": lambda n: "".join(f"k{i}: 1\n" for i in range(n // 10)),
    "long unknown keys": lambda n: "".join(
        f'"{i}' + "k" * 1000 + '": 1\n' for i in range(n // 1010)
    ),
    "a long tag": lambda n: _titled("!<" + "x" * n + "> a"),
    "a long alias": lambda n: _titled("*" + "x" * n),
    "a syntax error after a long line": lambda n: _titled("a" * n + ": b: c"),
    "deep flow nesting": lambda n: _titled("[" * n),
    "a long octal number": lambda n: _with(
        "min_concurrent_users: 1", "min_concurrent_users: 0" + "7" * n
    ),
    "a long comment": lambda n: _titled("a #" + "#" * n),
    "escapes in a quoted title": lambda n: _titled('"' + "\\\\" * (n // 2) + '"'),
    "many models": lambda n: _with(
        "models:\n", "models:\n" + "  - name: m\n    dim: 1\n" * (n // 24)
    ),
}


def _compare(committed: bytes, ways: int) -> float:
    """The longest of the first ``ways`` comparisons (exact against the compact
    style, content against the aligned one, then the other two), in seconds."""
    longest = 0.0
    ways_to_compare = [
        (GOLDEN, CompareMode.EXACT),
        (ALIGNED, CompareMode.CONTENT),
        (GOLDEN, CompareMode.CONTENT),
        (ALIGNED, CompareMode.EXACT),
    ]
    for golden, mode in ways_to_compare[:ways]:
        regenerated = golden.read_text()
        start = time.perf_counter()
        compare_document(committed, regenerated, "d.md", mode, LAYOUT)
        longest = max(longest, time.perf_counter() - start)
    return longest


def _load(project: Path, text: str) -> float:
    config = project / "c.yaml"
    config.write_text(text)
    start = time.perf_counter()
    try:
        parse_config(text, config, use_cache=False)
    except ConfigError as error:
        str(error)
    return time.perf_counter() - start


def _assert_linear(seconds: Callable[[int], float], size: int) -> None:
    """Four times the text takes less than eight times as long: linear time
    takes four, quadratic sixteen. Best of three runs each: one run can be
    slowed down by anything else on the machine."""
    quarter = min(seconds(size // 4) for _ in range(3))
    whole = min(seconds(size) for _ in range(3))
    assert whole < 8 * quarter + 0.05, f"{quarter:.3f} s for a quarter, {whole:.3f} s for all"


@pytest.mark.parametrize("shape", DOCUMENTS)
def test_a_hostile_document_is_compared_in_linear_time(shape: str) -> None:
    _assert_linear(lambda size: _compare(DOCUMENTS[shape](size).encode(), ways=2), 1024 * 1024)


@pytest.mark.parametrize("shape", DOCUMENTS)
def test_a_hostile_document_of_the_largest_size_is_compared_every_way(shape: str) -> None:
    text = DOCUMENTS[shape](MAX_DOCUMENT_BYTES - 16).encode()
    assert MAX_DOCUMENT_BYTES // 2 < len(text) <= MAX_DOCUMENT_BYTES
    assert _compare(text, ways=4) < CEILING_SECONDS


@pytest.mark.parametrize("shape", CONFIGS)
def test_a_hostile_config_is_loaded_in_linear_time(shape: str, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    text = CONFIGS[shape](MAX_CONFIG_BYTES - 4096)
    assert MAX_CONFIG_BYTES // 2 < len(text.encode()) <= MAX_CONFIG_BYTES
    _assert_linear(lambda size: _load(tmp_path, CONFIGS[shape](size)), MAX_CONFIG_BYTES - 4096)
    assert _load(tmp_path, text) < CEILING_SECONDS
