"""The markers of a generated block, and what a page may not show unguarded."""

from __future__ import annotations

import pytest

from tests.docs.markers import MarkerError, regenerate, regions, unguarded

BODY = "<!-- generated: a -->\nold\n<!-- end generated -->"


def test_regenerate_replaces_each_body_and_keeps_what_it_is_not_asked_for() -> None:
    text = f"intro\n{BODY}\n\n{BODY.replace(': a', ': b')}\nend"
    produced = regenerate(text, lambda name: "new\nlines" if name == "a" else None)
    assert produced == (
        "intro\n<!-- generated: a -->\nnew\nlines\n<!-- end generated -->\n\n"
        f"{BODY.replace(': a', ': b')}\nend"
    )
    empty = "<!-- generated: a -->\n<!-- end generated -->"
    assert regenerate(empty, lambda name: "x") == BODY.replace("old", "x")


@pytest.mark.parametrize(
    "text",
    ["<!-- generated: a -->\nx", "x\n<!-- end generated -->", f"<!-- generated: b -->\n{BODY}"],
)
def test_markers_that_do_not_pair_are_an_error(text: str) -> None:
    with pytest.raises(MarkerError):
        regions(text.split("\n"))


def test_markers_inside_a_fence_are_an_example_not_a_block() -> None:
    text = f"```markdown\n{BODY}\n```\n{BODY}"
    assert [region.name for region in regions(text.split("\n"))] == ["a"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("```console\n$ x\n```", "line 1: a console example neither generated nor marked"),
        ("```\nx\n```", "line 1: a fence without a language neither generated nor marked"),
        (
            "| a | b |\n| --- | ---: |\n| x | 1 |",
            "line 1: a table of figures neither generated nor marked",
        ),
        (
            "| model | file | heap |\n| --- | --- | --- |\n| a | 1,056 MiB | x |\n| b | 3 % | y |",
            "line 1: a table of figures neither generated nor marked",
        ),
        (
            "```bash\n$ icpp-sizer-check\nok\n```",
            "line 1: a console example neither generated nor marked",
        ),
    ],
)
def test_what_shows_figures_must_be_generated_or_marked(text: str, problem: str) -> None:
    assert unguarded(text) == [problem]
    assert unguarded(f"<!-- not checked: a reason here -->\n\n{text}") == []
    assert unguarded(f"<!-- generated: a -->\n{text}\n<!-- end generated -->") == []


def test_text_tables_and_labelled_fences_need_no_marker() -> None:
    assert unguarded("| a | b |\n| --- | --- |\n| x | y |\n\n```yaml\nx: 1\n```") == []
    # Numbers that name the row (an exit code), or stand among words, are no figures.
    assert (
        unguarded("| code | meaning |\n| --- | --- |\n| 0 | up to date |\n| 2 | bad input |") == []
    )
    assert unguarded("| a | b |\n| --- | --- |\n| x | 512 (454) |\n| y | f16 |") == []
    assert unguarded("```bash\npython3 -m venv .venv\n```") == []
