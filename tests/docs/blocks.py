"""Every generated block of README.md and docs/, by the name its marker gives,
and the command that checks or rewrites them:

    python -m tests.docs.blocks            # exit 1 and name each block that differs
    python -m tests.docs.blocks --write    # rewrite them
    python -m tests.docs.blocks --llama-cpp [--write]   # also the tables that run llama.cpp

tests/test_docs.py regenerates the others in the quick loop, and
tests/oracle/test_docs_tables.py those that need real llama.cpp.
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


BLOCKS: dict[str, Block] = {
    **{name: Block(partial(console, example)) for name, example in examples.EXAMPLES.items()},
    "heap-caps": Block(tables.heap_caps),
    "config-keys-icpp-llama2": Block(partial(tables.config_keys, "icpp_llama2")),
    "config-keys-llama-cpp-canister": Block(partial(tables.config_keys, "llama_cpp_canister")),
    "architecture-keys": Block(tables.architecture_keys),
    "file-evidence": Block(tables.file_evidence),
    "published-heaps": Block(tables.published_heaps),
    "sweep": Block(_sweep, llama_cpp=True),
    "accuracy": Block(_accuracy, llama_cpp=True),
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


def refreshed(page: Path, chosen: Callable[[Block], bool]) -> str:
    """``page`` with each chosen block produced again (the others as they are)."""
    made: dict[str, str] = {}

    def produce(name: str) -> Optional[str]:
        block = BLOCKS[name]
        if not chosen(block):
            return None
        if name not in made:
            made[name] = block.produce()
        return made[name]

    return regenerate(page.read_text(encoding="utf-8"), produce)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.docs.blocks", description=__doc__)
    parser.add_argument("--write", action="store_true", help="rewrite the blocks that differ")
    parser.add_argument("--llama-cpp", action="store_true", help="also the llama.cpp tables")
    args = parser.parse_args(argv)
    stale = []
    for page in pages():
        text = refreshed(page, lambda block: args.llama_cpp or not block.llama_cpp)
        if text != page.read_text(encoding="utf-8"):
            stale.append(page.relative_to(REPO))
            if args.write:
                page.write_text(text, encoding="utf-8")
    for path in stale:
        print(f"{path}: {'rewritten' if args.write else 'differs'}")
    return 1 if stale and not args.write else 0


if __name__ == "__main__":
    sys.exit(main())
