"""The step summary shows anyone's text as text: rendered as GitHub renders
Markdown (CommonMark, raw HTML, tables), hostile names, paths, cells, diffs and
config errors make no element of their own and show exactly as they are."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from icpp_sizer_check.compare import CellChange, Changes, Comparison, DocumentStatus
from icpp_sizer_check.errors import Position, Problem, printable
from icpp_sizer_check.report import messages as say
from icpp_sizer_check.report.step_summary import (
    SUMMARY_CUT_NOTE,
    code_span,
    escaped_text,
    step_summary,
)
from tests.fixtures import CONFIG, DOCUMENT, edit, examples, run_in_actions
from tests.report.results import config_result, run_result, stale_at_512, stories

# GitHub's flavour as far as structure goes: CommonMark with raw HTML, and
# GFM's tables and strikethrough.
MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])
# Every element the summary itself makes.
OUR_ELEMENTS = {"h2", "h3", "p", "table", "thead", "tbody", "tr", "th", "td", "ul", "li"}
OUR_ELEMENTS |= {"code", "pre", "em"}


class _Events(HTMLParser):
    """Rendered HTML as a flat list of events; the text of each code element
    (inline, or a <pre>'s) is one "code" event, and collected in ``codes``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[tuple[str, ...]] = []
        self.codes: list[str] = []
        self._in_code = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.events.append(("start", tag, *(f"{name}={value}" for name, value in attrs)))
        if tag == "code":
            self._in_code += 1
            self.codes.append("")
            self.events.append(("code",))

    def handle_endtag(self, tag: str) -> None:
        self.events.append(("end", tag))
        self._in_code -= tag == "code"

    def handle_data(self, data: str) -> None:
        if self._in_code:
            self.codes[-1] += data
        elif self.events and self.events[-1][0] == "text":
            self.events[-1] = ("text", self.events[-1][1] + data)
        else:
            self.events.append(("text", data))


def rendered(markdown: str) -> _Events:
    events = _Events()
    events.feed(MARKDOWN.render(markdown))
    events.close()
    return events


def hostile_summary(text: str) -> tuple[str, list[str]]:
    """A failing run with ``text`` in every place anyone's text reaches the
    summary, and what each code element must show, in order."""
    models = tuple(
        model._replace(name=f"{text} {model.name}") for model in stories(thresholds={"110M": 100})
    )
    changes = Changes(
        cells=(CellChange(text, text, "Canister Metrics", text, "431"),),
        added_models=(text,),
        removed_models=(text,),
    )
    diff = f"--- {text}\n+++ {text}\n@@ -1 +1 @@\n-{text}\n+{text}\n"
    found = Comparison(DocumentStatus.STALE, diff, "values differ", 1, changes)
    config = config_result(
        DocumentStatus.STALE,
        found,
        models=models,
        config_file=f"{text}.yaml",
        output_file=f"{text}.md",
    )
    problem = Problem(f"{text}.yml", text, Position(1, 1), text)
    result = run_result([config], [problem])
    codes = [
        *(
            code
            for model in models
            for code in (config.config_file, config.output_file, model.name)
        ),
        config.config_file,
        models[-1].name,
        str(problem),
        config.output_file,
        say.fix_command(config),
        *say.changes(config),
    ]
    # The diff's fenced block: its lines, and a line break after the last.
    shown_diff = printable(diff, keep="\n\t").rstrip("\n") + "\n"
    return step_summary(result), [*map(printable, codes), shown_diff]


# What a pull request could put in a name, a path, a cell or an error message
# to make elements of its own, or to break out of the tool's.
HOSTILE = [
    "<h1>passed</h1>",
    "![pixel](https://example.com/p.png)",
    "[click](https://example.com) <https://example.com>",
    "`closes` ``the`` span ```",
    "` starts and ends with a backtick `",
    "| a | new | row |",
    "a\n# heading\n<img src=x>",
    "line\r\n| 1 | 2 |\r- item",
    "<script>alert(1)</script><!-- open comment",
    "&lt;b&gt; &amp; &#60;h1&#62;",
    "**bold** _em_ ~~struck~~",
    "www.example.com https://example.com a@example.com :tada: @octocat",
    "trailing backslash \\",
    "\\| escaped pipe \\\\| and \\`",
    "  spaces at both ends  ",
    "</code></td></tr></table></pre>",
    "````\n```diff\n~~~",
    "\x1b[31mred\u2028\x00\t",
]


def assert_shown_as_text(text: str) -> None:
    summary, codes = hostile_summary(text)
    benign_summary, _ = hostile_summary("benign")
    hostile, benign = rendered(summary), rendered(benign_summary)
    # The same elements, in the same places, with the same words around them...
    assert hostile.events == benign.events
    # ...and every code element shows its text exactly.
    assert hostile.codes == codes


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_renders_as_text(text: str) -> None:
    assert_shown_as_text(text)


@settings(max_examples=examples(300), deadline=None)
@given(st.text(min_size=1))
def test_any_text_renders_as_text(text: str) -> None:
    assert_shown_as_text(text)


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("plain", "`plain`"),
        ("a`b", "``a`b``"),
        ("``x`", "``` ``x` ```"),
        (" a ", "`  a  `"),
        (" a", "` a`"),
        ("  ", "`  `"),
        ("a\nb", "`a\\x0ab`"),
        ("", ""),
    ],
)
def test_a_code_span_outnumbers_the_backticks_inside(text: str, span: str) -> None:
    assert code_span(text) == span


def test_in_a_table_cell_pipes_are_escaped() -> None:
    assert code_span("a|b\\|", in_table=True) == "`a\\|b\\\\|`"
    assert code_span("a|b") == "`a|b`"
    cell = code_span("a|b\\|c", in_table=True)
    table = f"| x |\n| --- |\n| {cell} |\n"
    assert rendered(table).codes == ["a|b\\|c"]


def test_the_tools_own_words_are_escaped() -> None:
    assert escaped_text("memory_mib (now 3) <b>") == "memory\\_mib \\(now 3\\) \\<b\\>"
    assert rendered(escaped_text("*a* `b` <i>c</i> [d](e)")).events == [
        ("start", "p"),
        ("text", "*a* `b` <i>c</i> [d](e)"),
        ("end", "p"),
        ("text", "\n"),
    ]


def test_a_hostile_project_renders_only_the_tools_elements(committed: Path) -> None:
    """End to end: model names and a committed cell that would be markup, through
    a GitHub Actions step; the summary file, rendered, holds our elements only."""
    edit(committed / CONFIG, "name: 260K", "name: '<h1>passed</h1>'")
    edit(committed / CONFIG, "name: 15M", "name: '![x](https://example.com/x.png) `a` www.a.com'")
    edit(committed / DOCUMENT, "| 4760 |", "| <img src=x> [a](b) |")
    completed = run_in_actions(committed)
    assert completed.returncode == 1, completed.stderr
    shown = rendered((committed / "summary.md").read_text(encoding="utf-8"))
    assert {event[1] for event in shown.events if event[0] == "start"} <= OUR_ELEMENTS
    assert "<h1>passed</h1>" in shown.codes
    assert "![x](https://example.com/x.png) `a` www.a.com" in shown.codes
    assert any("<img src=x> [a](b)" in code for code in shown.codes)


def test_a_summary_cut_short_closes_what_it_opens() -> None:
    """Whatever the room, the note that the summary is cut renders as a note,
    not as the inside of a code block left open."""
    result = run_result([stale_at_512(), stale_at_512()])
    whole = len(step_summary(result).encode())
    # Every third budget: a cut leaves a fence open over six of them (the
    # empty line of a diff and the closing fence).
    cut = {step_summary(result, budget) for budget in range(0, whole, 3)}
    for summary in cut:
        if "The summary is cut here" in summary:
            shown = rendered(summary)
            assert shown.events[-6:] == [
                ("start", "p"),
                ("start", "em"),
                ("text", SUMMARY_CUT_NOTE.strip().strip("_")),
                ("end", "em"),
                ("end", "p"),
                ("text", "\n"),
            ], summary
