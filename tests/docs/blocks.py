"""Every generated block of README.md and docs/, by the name its marker gives,
and the command that checks or rewrites them:

    python -m tests.docs.blocks            # exit 1 and name each page that differs
    python -m tests.docs.blocks --write    # rewrite the blocks that differ
    python -m tests.docs.blocks --llama-cpp [--write]   # also the tables that run llama.cpp
    python -m tests.docs.blocks [--write] PAGE ...      # only these pages

tests/docs/test_blocks.py regenerates every block in the quick loop but those
that need real llama.cpp, which tests/docs/test_llama_cpp_tables.py
regenerates in the thorough run.
"""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path
from typing import Callable, NamedTuple, Optional

from tests.docs import examples, tables
from tests.docs.console import console
from tests.docs.markers import regenerate, regions
from tests.fixtures import REPO


class Block(NamedTuple):
    produce: Callable[[], str]
    llama_cpp: bool = False  # needs real llama.cpp (and the shim): integration only


def _sweep() -> str:
    from tests.oracle.sweep import markdown_table, sweep

    return markdown_table(sweep(1000, 0)[0])


def _accuracy() -> str:
    import tempfile

    from tests.runtimes.llama_cpp_canister.accuracy_table import (
        buffer_errors,
        markdown_table,
        run_matrix,
    )

    with tempfile.TemporaryDirectory(prefix="llama-cpp-accuracy-") as folder:
        return markdown_table(buffer_errors(run_matrix(Path(folder))))


def _decodes() -> str:
    from tests.wasm.cases import deployed_cases, small_cases
    from tests.wasm.decodes import markdown_table

    return markdown_table(small_cases() + deployed_cases())


def _wasm_heap() -> str:
    from tests.wasm.cases import deployed_cases, markdown_table, small_cases

    return markdown_table(small_cases() + deployed_cases())


BLOCKS: dict[str, Block] = {
    **{name: Block(partial(console, example)) for name, example in examples.EXAMPLES.items()},
    "heap-caps": Block(tables.heap_caps),
    "config-keys-icpp-llama2": Block(partial(tables.config_keys, "icpp_llama2")),
    "config-keys-llama-cpp-canister": Block(partial(tables.config_keys, "llama_cpp_canister")),
    "refused-keys-icpp-llama2": Block(partial(tables.refused_sentence, "icpp_llama2")),
    "refused-keys-llama-cpp-canister": Block(
        partial(tables.refused_sentence, "llama_cpp_canister")
    ),
    "architecture-keys": Block(tables.architecture_keys),
    "users-and-cost": Block(
        partial(
            tables.document_sections,
            "configs/llama_cpp_canister.yaml",
            ("Stable Memory (per user)", "Users and Storage Cost"),
        )
    ),
    "file-evidence": Block(tables.file_evidence),
    "published-heaps": Block(tables.published_heaps),
    "sweep": Block(_sweep, llama_cpp=True),
    "accuracy": Block(_accuracy, llama_cpp=True),
    "wasm-heap": Block(_wasm_heap, llama_cpp=True),
    "decodes": Block(_decodes, llama_cpp=True),
    "published-calls": Block(tables.published_calls),
    "published-ceilings": Block(tables.published_ceilings),
}


def pages() -> list[Path]:
    """README.md and every page of docs/."""
    return [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]


def names_in(page: Path) -> list[str]:
    lines = page.read_text(encoding="utf-8").split("\n")
    return [region.name for region in regions(lines)]


def shown(name: str) -> list[tuple[Path, str]]:
    """Each page holding block ``name``, with the block's body as it stands."""
    found = []
    for page in pages():
        lines = page.read_text(encoding="utf-8").split("\n")
        for region in regions(lines):
            if region.name == name:
                found.append((page, "\n".join(lines[region.first : region.last])))
    return found


def differences(name: str) -> list[str]:
    """Block ``name`` produced again against each page that shows it: one
    line for each page where it differs (and the command that mends it), or
    one when no page shows it."""
    block = BLOCKS[name]
    places = shown(name)
    if not places:
        return [f"block {name} is shown on no page"]
    produced = block.produce()
    mend = "python -m tests.docs.blocks --write" + (" --llama-cpp" if block.llama_cpp else "")
    return [
        f"{page.relative_to(REPO)}: block {name} differs from what it is now; run `{mend}`"
        for page, body in places
        if body != produced
    ]


class Producer:
    """Each chosen block produced once, however many pages show it."""

    def __init__(self, chosen: Callable[[Block], bool]) -> None:
        self.chosen = chosen
        self.made: dict[str, str] = {}

    def __call__(self, name: str) -> Optional[str]:
        block = BLOCKS[name]
        if not self.chosen(block):
            return None
        if name not in self.made:
            self.made[name] = block.produce()
        return self.made[name]


def refreshed(page: Path, produce: Callable[[str], Optional[str]]) -> tuple[str, list[str]]:
    """``page`` with each block ``produce`` answers for made again (the others
    as they are), and the names of those whose body differed."""
    text = page.read_text(encoding="utf-8")
    lines = text.split("\n")
    differing = []
    for region in regions(lines):
        body = produce(region.name)
        if body is not None and body != "\n".join(lines[region.first : region.last]):
            differing.append(region.name)
    return regenerate(text, produce), differing


def _shown_path(page: Path) -> Path:
    resolved = page.resolve()
    return resolved.relative_to(REPO) if resolved.is_relative_to(REPO) else page


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.docs.blocks", description=__doc__)
    parser.add_argument("--write", action="store_true", help="rewrite the blocks that differ")
    parser.add_argument("--llama-cpp", action="store_true", help="also the llama.cpp tables")
    parser.add_argument("pages", nargs="*", type=Path, help="default: README.md and docs/")
    args = parser.parse_args(argv)
    produce = Producer(lambda block: args.llama_cpp or not block.llama_cpp)
    stale = False
    for page in args.pages or pages():
        text, differing = refreshed(page, produce)
        for name in differing:
            done = "rewritten" if args.write else "differs"
            print(f"{_shown_path(page)}: block {name} {done}")
        if differing and args.write:
            page.write_text(text, encoding="utf-8")
        stale = stale or bool(differing)
    return 1 if stale and not args.write else 0


if __name__ == "__main__":
    sys.exit(main())
