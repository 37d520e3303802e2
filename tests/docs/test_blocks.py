"""Every generated block of README.md and docs/ is what the tool prints now:
each console example run again, each table of figures made again from the
fact's one owner, compared with the page. The two tables that need real
llama.cpp are tests/docs/test_llama_cpp_tables.py's."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.docs.blocks import BLOCKS, Producer, differences, main, names_in, pages, refreshed
from tests.fixtures import REPO

QUICK = sorted(name for name, block in BLOCKS.items() if not block.llama_cpp)


@pytest.mark.parametrize("name", QUICK)
def test_each_block_is_what_its_generator_produces_now(name: str) -> None:
    assert differences(name) == []


def test_every_block_a_page_names_exists_and_every_block_is_shown() -> None:
    named = {name for page in pages() for name in names_in(page)}
    assert named - set(BLOCKS) == set()
    assert set(BLOCKS) - named == set()


def test_the_pages_are_the_readme_and_every_page_of_docs() -> None:
    listed = {str(page.relative_to(REPO)) for page in pages()}
    assert "README.md" in listed
    assert {str(path.relative_to(REPO)) for path in (REPO / "docs").rglob("*.md")} <= listed


def _page(body: str) -> str:
    return f"# A page\n\n<!-- generated: heap-caps -->\n{body}\n<!-- end generated -->\n"


def test_a_changed_figure_is_put_back_and_the_rest_of_the_page_kept(tmp_path: Path) -> None:
    """What `--write` does to a page: the block made again, nothing else moved."""
    produced = BLOCKS["heap-caps"].produce()
    page = tmp_path / "page.md"
    page.write_text(_page(produced.replace("4096 MiB", "4000 MiB")))
    produce = Producer(lambda block: not block.llama_cpp)
    assert refreshed(page, produce) == (_page(produced), ["heap-caps"])
    page.write_text(_page(produced))
    assert refreshed(page, produce) == (_page(produced), [])


def test_the_command_names_a_page_that_differs_and_write_mends_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    produced = BLOCKS["heap-caps"].produce()
    page = tmp_path / "page.md"
    page.write_text(_page(produced.replace("6144 MiB", "6000 MiB")))
    assert main([str(page)]) == 1
    assert capsys.readouterr().out == f"{page}: block heap-caps differs\n"
    assert main(["--write", str(page)]) == 0
    assert capsys.readouterr().out == f"{page}: block heap-caps rewritten\n"
    assert page.read_text() == _page(produced)
    assert main([str(page)]) == 0
    assert capsys.readouterr().out == ""
