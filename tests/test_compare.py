from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from icpp_sizer_check import compare
from icpp_sizer_check.compare import (
    FORMATTING_ONLY,
    MAX_DIFF_CHARACTERS,
    MAX_DIFF_LINES,
    Changes,
    CompareMode,
    Comparison,
    describe_difference,
    first_difference_line,
    unified_diff,
)
from icpp_sizer_check.runtimes.icpp_llama2.document import LAYOUT
from tests.fixtures import DATA, GOLDEN, examples


# Documents here are icpp_llama2's: their columns and units are read as its layout says.
def compare_document(
    committed: bytes | None, regenerated: str, label: str, mode: str = "exact"
) -> Comparison:
    return compare.compare_document(committed, regenerated, label, CompareMode(mode), LAYOUT)


def describe_changes(committed: str, regenerated: str) -> Changes:
    return compare.describe_changes(committed, regenerated, LAYOUT)


TEXT = "# T\n\nrow | 1\nrow | 2\n"


def test_identical_bytes_are_up_to_date() -> None:
    assert compare_document(TEXT.encode(), TEXT, "doc.md").status == "up-to-date"


def test_missing_document() -> None:
    assert compare_document(None, TEXT, "doc.md").status == "missing"


def test_stale_document_gets_a_labelled_unified_diff() -> None:
    comparison = compare_document(TEXT.replace("2", "3").encode(), TEXT, "doc.md")
    assert comparison.status == "stale"
    assert comparison.diff.splitlines()[:2] == [
        "--- doc.md (committed)",
        "+++ doc.md (regenerated)",
    ]
    assert "-row | 3\n+row | 2\n" in comparison.diff
    assert comparison.summary == ""


def test_a_last_line_without_newline_is_marked_like_git_does() -> None:
    diff = unified_diff("a\nb", "a\nc\n", "d.md")
    assert "-b\n\\ No newline at end of file\n+c\n" in diff


def test_line_ending_bom_and_whitespace_differences_are_named() -> None:
    wanted = TEXT.encode()
    assert describe_difference(wanted.replace(b"\n", b"\r\n"), wanted) == (
        "only line endings differ (CRLF vs LF)"
    )
    assert describe_difference(b"\xef\xbb\xbf" + wanted, wanted).startswith("only a UTF-8 byte")
    assert describe_difference(wanted.rstrip(b"\n"), wanted) == (
        "only the newlines at the end of the file differ"
    )
    assert describe_difference(wanted.replace(b"| 1", b"| 1  "), wanted) == (
        "only trailing spaces differ"
    )
    assert describe_difference(b"\xff" + wanted, wanted) == "the committed file is not valid UTF-8"


ALIGNED_GOLDEN = DATA / "golden" / "icpp_llama2_resource_requirements.aligned.md"


def test_content_mode_passes_a_formatted_document_ignoring_formatting() -> None:
    comparison = compare_document(
        ALIGNED_GOLDEN.read_bytes(), GOLDEN.read_text(), "doc.md", mode="content"
    )
    assert (comparison.status, comparison.summary) == ("up-to-date", "ignoring formatting")
    exact = compare_document(ALIGNED_GOLDEN.read_bytes(), GOLDEN.read_text(), "doc.md")
    assert exact.status == "stale"


def test_content_mode_still_catches_a_real_change_with_a_clean_diff() -> None:
    regenerated = GOLDEN.read_text().replace("| 88 | 35", "| 88 | 36")
    comparison = compare_document(ALIGNED_GOLDEN.read_bytes(), regenerated, "doc.md", "content")
    assert comparison.status == "stale"
    changed = [
        line
        for line in comparison.diff.splitlines()
        if line[:1] in "+-" and not line.startswith(("---", "+++"))
    ]
    assert changed == [
        "-Max number of concurrent users | 4760 | 847 | 88 | 35",
        "+Max number of concurrent users | 4760 | 847 | 88 | 36",
    ]
    assert "(committed, formatting ignored)" in comparison.diff
    assert [str(cell) for cell in comparison.changes.cells] == [
        "110M · Max number of concurrent users: 35 → 36"
    ]


def test_changed_cells_are_named_by_model_and_row() -> None:
    regenerated = (
        GOLDEN.read_text()
        .replace("wq | 0.08 | 1.90 | 8.00 | 27.00", "wq | 0.08 | 1.90 | 9.00 | 27.00")
        .replace("Total | 1.12 | 93.11 | 221.53 | 511.57", "Total | 1.12 | 93.11 | 222.53 | 511.57")
    )
    changes = compare_document(GOLDEN.read_bytes(), regenerated, "d.md").changes
    assert changes.lines() == [
        "42M · wq: 8.00 → 9.00 MB",
        "42M · Total (TransformerWeights Memory): 221.53 → 222.53 MB",
    ]


def test_added_and_removed_models_are_listed_by_name() -> None:
    regenerated = GOLDEN.read_text().replace("260K<br>(MB)", "7B<br>(MB)")
    changes = compare_document(GOLDEN.read_bytes(), regenerated, "d.md").changes
    assert changes.added_models == ("7B",)
    assert changes.removed_models == ("260K",)
    assert changes.lines()[:2] == ["added model 7B", "removed model 260K"]


# ---- every row, every line ----------------------------------------------------------

GOLDEN_LINES = GOLDEN.read_text().splitlines(keepends=True)
# (line number, row name, 110M cell) of every data row of every table
DATA_ROWS = [
    (number, line.split(" | ")[0], line.rstrip("\n").split(" | ")[-1])
    for number, line in enumerate(GOLDEN_LINES, start=1)
    if " | " in line and not line.startswith(("Memory Type", "Canister Metrics", "---"))
]


def _with_line(lines: list[str], number: int, new_line: str) -> str:
    return "".join(new_line if index == number else line for index, line in enumerate(lines, 1))


def test_the_golden_document_has_rows_in_every_table() -> None:
    assert len(DATA_ROWS) == 3 + 13 + 13 + 4 + 1


@pytest.mark.parametrize(("number", "row", "cell"), DATA_ROWS, ids=[r[1] for r in DATA_ROWS])
def test_content_mode_sees_a_change_in_any_row_of_a_formatted_document(
    number: int, row: str, cell: str
) -> None:
    changed = GOLDEN_LINES[number - 1].rstrip("\n").removesuffix(cell) + "999.99\n"
    regenerated = _with_line(GOLDEN_LINES, number, changed)
    comparison = compare_document(ALIGNED_GOLDEN.read_bytes(), regenerated, "d.md", "content")
    assert comparison.status == "stale"
    (change,) = comparison.changes.cells
    assert (change.model, change.row, change.committed, change.regenerated) == (
        "110M",
        row,
        cell,
        "999.99",
    )
    removed = [
        line for line in comparison.diff.splitlines() if line.startswith("-") and "|" in line
    ]
    assert removed == ["-" + GOLDEN_LINES[number - 1].rstrip("\n")]


@pytest.mark.parametrize("number", range(1, len(GOLDEN_LINES) + 1))
def test_the_first_differing_line_is_the_changed_line(number: int) -> None:
    committed = _with_line(GOLDEN_LINES, number, "edited by hand\n")
    comparison = compare_document(committed.encode(), GOLDEN.read_text(), "d.md")
    assert comparison.status == "stale"
    assert comparison.first_difference_line == number


def test_the_first_differing_line_of_a_shortened_or_lengthened_document() -> None:
    regenerated = ["a\n", "b\n", "c\n", "d\n"]
    # Lines lost at the end: the last line the committed file still has.
    assert first_difference_line(regenerated[:2], regenerated) == 2
    # Lines added at the end: the first added line.
    assert first_difference_line([*regenerated, "e\n", "f\n"], regenerated) == 5
    # An empty committed file still gets a line to point at.
    assert first_difference_line([], regenerated) == 1
    assert first_difference_line(["a\n", "B\n", "c\n"], regenerated) == 2


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: b"\xef\xbb\xbf" + text,
        lambda text: text.replace(b"\n", b"\r\n"),
        lambda text: text.rstrip(b"\n"),
        lambda text: text + b"\n\n",
        lambda text: text.replace(b"| 1\n", b"| 1  \n"),
    ],
    ids=["bom", "crlf", "no-final-newline", "extra-newlines", "trailing-spaces"],
)
def test_a_harmless_difference_beside_a_real_change_is_not_called_the_only_one(
    damage: Callable[[bytes], bytes],
) -> None:
    wanted = TEXT.encode()
    assert describe_difference(damage(wanted), wanted).startswith("only")
    assert describe_difference(damage(wanted.replace(b"2", b"3")), wanted) == ""


def test_only_trailing_tabs_and_spaces_differ() -> None:
    wanted = TEXT.encode()
    assert describe_difference(wanted.replace(b"\n", b" \t\n"), wanted) == (
        "only trailing spaces differ"
    )
    # Leading spaces are no trailing spaces; Markdown renders them alike.
    assert describe_difference(wanted.replace(b"row", b" row"), wanted) == FORMATTING_ONLY


def test_a_document_whose_only_difference_is_invalid_utf8_says_so() -> None:
    wanted = TEXT.encode()
    committed = wanted.replace(b"2", b"\xff")
    comparison = compare_document(committed, TEXT, "d.md")
    assert comparison.summary == "the committed file is not valid UTF-8"
    assert "-row | \ufffd\n+row | 2\n" in comparison.diff


# ---- what changed, table by table ---------------------------------------------------


def _table_document(*tables: tuple[str, str, list[str]]) -> str:
    """A compact document: (heading, header, rows) per table."""
    parts = []
    for heading, header, rows in tables:
        separator = " | ".join(["---"] * len(header.split(" | ")))
        parts.append(f"### {heading}\n\n{header}\n{separator}\n" + "".join(f"{r}\n" for r in rows))
    return "\n".join(parts)


def test_changes_after_a_new_section_are_still_found() -> None:
    committed = _table_document(("A", "Memory Type | m<br>(MB)", ["x | 1.00", "y | 2.00"]))
    regenerated = _table_document(
        ("New", "Memory Type | m<br>(MB)", ["z | 9.00"]),
        ("A", "Memory Type | m<br>(MB)", ["x | 1.00", "y | 2.50"]),
    )
    assert describe_changes(committed, regenerated).lines() == ["m · y: 2.00 → 2.50 MB"]


def test_changes_beside_a_new_model_column_are_still_found() -> None:
    committed = _table_document(("A", "Memory Type | a<br>(MB) | b<br>(MB)", ["x | 1.00 | 2.00"]))
    regenerated = _table_document(
        ("A", "Memory Type | new<br>(MB) | a<br>(MB) | b<br>(MB)", ["x | 7.00 | 1.00 | 2.50"])
    )
    changes = describe_changes(committed, regenerated)
    assert changes.lines() == ["added model new", "b · x: 2.00 → 2.50 MB"]


def test_reordered_model_columns_are_matched_by_name() -> None:
    committed = _table_document(("A", "Memory Type | b<br>(MB) | a<br>(MB)", ["x | 2.00 | 1.00"]))
    regenerated = _table_document(("A", "Memory Type | a<br>(MB) | b<br>(MB)", ["x | 1.00 | 2.00"]))
    assert describe_changes(committed, regenerated) == Changes()


def test_changed_cells_are_grouped_by_model_in_column_order() -> None:
    committed = _table_document(
        ("A", "Memory Type | a<br>(MB) | b<br>(MB)", ["x | 1.00 | 1.00", "y | 1.00 | 1.00"])
    )
    regenerated = _table_document(
        ("A", "Memory Type | a<br>(MB) | b<br>(MB)", ["x | 1.00 | 2.00", "y | 2.00 | 2.00"])
    )
    assert describe_changes(committed, regenerated).lines() == [
        "a · y: 1.00 → 2.00 MB",
        "b · x: 1.00 → 2.00 MB",
        "b · y: 1.00 → 2.00 MB",
    ]


def test_ragged_rows_compare_as_rendered_and_missing_rows_are_skipped() -> None:
    """A row with too few cells renders them empty; an extra cell is not shown."""
    header = "Memory Type | a<br>(MB) | b<br>(MB)"
    committed = _table_document(
        ("A", header, ["x | 1.00 |", "y | 1.00 | 1.00 | 5.00", "z | 1.00 | 1.00", "gone | 1 | 1"])
    )
    regenerated = _table_document(
        ("A", header, ["new | 1 | 1", "x | 3.00 | 1.00", "y | 1.00 | 4.00", "z | 2.00 |"])
    )
    assert describe_changes(committed, regenerated).lines() == [
        "a · x: 1.00 → 3.00 MB",
        "a · z: 1.00 → 2.00 MB",
        "b · x:  → 1.00 MB",
        "b · y: 1.00 → 4.00 MB",
        "b · z: 1.00 →  MB",
    ]


def test_only_a_row_name_of_several_tables_names_its_table() -> None:
    committed = _table_document(
        ("A (per x)", "Memory Type | a<br>(MB)", ["x | 1.00", "Total | 1.00"]),
        ("B (per y)", "Memory Type | a<br>(MB)", ["y | 1.00", "Total | 1.00"]),
    )
    regenerated = committed.replace("x | 1.00", "x | 2.00").replace(
        "Total | 1.00\n\n", "Total | 2.00\n\n"
    )
    assert describe_changes(committed, regenerated).lines() == [
        "a · x: 1.00 → 2.00 MB",
        "a · Total (A): 1.00 → 2.00 MB",
    ]


def test_a_document_without_tables_has_no_models() -> None:
    assert describe_changes("# Title\n\ntext\n", "# Title\n\nother text\n") == Changes()


# ---- harmless differences, for any text ---------------------------------------------

lines_of_text = st.lists(
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12), min_size=1, max_size=5
)


@settings(max_examples=examples(300), deadline=None)
@given(lines=lines_of_text, ending=st.text("\n", max_size=3), other=st.text("\n", max_size=3))
@example(lines=["row | 1X"], ending="\n", other="")
@example(lines=["row | 1 "], ending="\n", other="")
def test_only_the_final_newlines_differ_for_any_text(
    lines: list[str], ending: str, other: str
) -> None:
    text = "\n".join(lines).rstrip("\n")
    assume(ending != other and not text.startswith("\ufeff"))
    assert describe_difference((text + ending).encode(), (text + other).encode()) == (
        "only the newlines at the end of the file differ"
    )


@settings(max_examples=examples(300), deadline=None)
@given(lines=lines_of_text, line=st.integers(0, 4), blanks=st.text(" \t", min_size=1, max_size=3))
@example(lines=["# Models X"], line=0, blanks=" ")
# A title may hold any character but a line break, a form feed too.
@example(lines=["# Models\x0c", "text"], line=0, blanks=" ")
def test_only_trailing_blanks_differ_for_any_text(lines: list[str], line: int, blanks: str) -> None:
    regenerated = "\n".join(lines) + "\n"
    assume(not regenerated.startswith("\ufeff") and "\r" not in regenerated)
    padded = list(lines)
    padded[line % len(lines)] += blanks
    committed = "\n".join(padded) + "\n"
    assert describe_difference(committed.encode(), regenerated.encode()) == (
        "only trailing spaces differ"
    )


@settings(max_examples=examples(300), deadline=None)
@given(lines=lines_of_text, extra=st.characters(blacklist_categories=("Cs", "Cc", "Zs")))
@example(lines=["row | 1"], extra="X")
def test_a_character_added_at_a_line_end_is_a_real_change(lines: list[str], extra: str) -> None:
    regenerated = "\n".join(lines) + "\n"
    assume(not regenerated.startswith("\ufeff"))
    for committed in (regenerated.rstrip("\n") + extra, regenerated.replace("\n", extra + "\n", 1)):
        if committed.startswith("\ufeff"):
            continue  # a byte order mark that starts the file is no character of a line
        assert describe_difference(committed.encode(), regenerated.encode()) == ""


def test_line_endings_and_trailing_spaces_together_are_not_only_trailing_spaces() -> None:
    wanted = TEXT.encode()
    # (Trailing spaces at the end of a paragraph: inside one, two make a line break.)
    committed = wanted.replace(b"| 2\n", b"| 2  \n").replace(b"\n", b"\r\n")
    # Both together are neither account alone; a formatter could leave both.
    assert describe_difference(committed, wanted) == FORMATTING_ONLY


@settings(max_examples=examples(100), deadline=None)
@given(prefix=st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zs")), min_size=1))
@example(prefix="X")
def test_content_mode_sees_text_before_the_title(prefix: str) -> None:
    assume(prefix.strip("\ufeff#") == prefix)
    committed = (prefix + ALIGNED_GOLDEN.read_text()).encode()
    comparison = compare_document(committed, GOLDEN.read_text(), "d.md", "content")
    assert comparison.status == "stale"


def test_a_missing_document_says_so() -> None:
    comparison = compare_document(None, TEXT, "doc.md", "content")
    assert (comparison.status, comparison.summary) == ("missing", "the document does not exist")
    assert comparison.first_difference_line is None


def test_a_stale_document_in_content_mode_is_labelled_and_located() -> None:
    number, _, cell = DATA_ROWS[-1]
    changed = GOLDEN_LINES[number - 1].rstrip("\n").removesuffix(cell) + "36\n"
    committed = _with_line(GOLDEN_LINES, number, changed)
    comparison = compare_document(committed.encode(), GOLDEN.read_text(), "doc.md", "content")
    assert comparison.status == "stale"
    assert comparison.summary == ""
    assert comparison.first_difference_line == number
    assert comparison.diff.splitlines()[:2] == [
        "--- doc.md (committed, formatting ignored)",
        "+++ doc.md (regenerated, formatting ignored)",
    ]


def test_a_long_diff_is_cut_after_max_lines_with_the_count_of_the_rest() -> None:
    regenerated = [f"line {number}\n" for number in range(3 * MAX_DIFF_LINES)]
    shown = unified_diff([], regenerated, "d.md").splitlines(keepends=True)
    whole = 3 + len(regenerated)  # the two labels, the hunk header, a line each
    assert len(shown) == MAX_DIFF_LINES + 1
    assert shown[-1] == f"[diff cut here: {whole - MAX_DIFF_LINES} more lines not shown]\n"


def test_a_cut_diff_counts_the_committed_lines_it_never_compared() -> None:
    # Past the regenerated length plus MAX_DIFF_LINES, committed lines are not
    # diffed at all; the count of hidden lines still includes their removal.
    committed = [f"old {number}\n" for number in range(5 * MAX_DIFF_LINES)]
    diff = unified_diff(committed, [], "d.md")
    whole = 3 + len(committed)
    assert diff.endswith(f"[diff cut here: {whole - MAX_DIFF_LINES} more lines not shown]\n")


def _diff_lines_adding_up_to(characters: int, count: int = 100) -> list[str]:
    """``count`` regenerated lines whose diff against nothing, labels and hunk
    header included, is ``characters`` long."""
    header = "".join(unified_diff([], ["x\n"] * count, "d.md").splitlines(True)[:3])
    width, rest = divmod(characters - len(header), count)
    # A diff line is "+", the line, and its newline.
    return ["y" * (width - 2) + "\n"] * (count - 1) + ["y" * (width + rest - 2) + "\n"]


def test_a_diff_of_exactly_max_characters_is_whole_and_one_more_is_cut() -> None:
    fitting = unified_diff([], _diff_lines_adding_up_to(MAX_DIFF_CHARACTERS), "d.md")
    assert len(fitting) == MAX_DIFF_CHARACTERS
    assert "diff cut here" not in fitting
    over = unified_diff([], _diff_lines_adding_up_to(MAX_DIFF_CHARACTERS + 1), "d.md")
    *kept, note = over.splitlines(keepends=True)
    assert note == "[diff cut here: 1 more lines not shown]\n"
    assert len(kept) == 3 + 99
    assert len("".join(kept)) < MAX_DIFF_CHARACTERS


def test_a_committed_last_line_without_newline_is_kept_and_marked() -> None:
    comparison = compare_document(b"a\nb", "a\nb\n", "d.md")
    assert comparison.diff.endswith("-b\n\\ No newline at end of file\n+b\n")


def test_lines_are_split_at_line_feeds_only() -> None:
    from icpp_sizer_check.compare import NO_NEWLINE, lines_of

    assert lines_of("a\x0cb\u2028c\r\nd\n") == ["a\x0cb\u2028c\r\n", "d\n"]
    assert lines_of("a\nb") == ["a\n", "b"]  # a last line without its newline
    assert lines_of("") == []
    regenerated = "x\ny\n"
    comparison = compare_document(b"x\x0c\ny\n", regenerated, "d.md")
    assert NO_NEWLINE not in comparison.diff
    assert comparison.first_difference_line == 1


def test_exact_mode_names_a_formatting_only_difference_and_the_settings_that_fit() -> None:
    comparison = compare_document(ALIGNED_GOLDEN.read_bytes(), GOLDEN.read_text(), "doc.md")
    assert comparison.status == "stale"
    assert comparison.summary == FORMATTING_ONLY
    assert "\n" not in FORMATTING_ONLY
    for advice in ("'style: aligned'", "'compare: content'", "keep the formatter off"):
        assert advice in FORMATTING_ONLY


def test_a_real_change_under_the_formatting_is_not_called_formatting() -> None:
    changed = ALIGNED_GOLDEN.read_text().replace("| 847 ", "| 848 ", 1)
    assert changed != ALIGNED_GOLDEN.read_text()
    assert describe_difference(changed.encode(), GOLDEN.read_bytes()) == ""


def test_narrower_accounts_win_over_formatting() -> None:
    """Line endings or trailing spaces alone are named as such, not as formatting."""
    wanted = GOLDEN.read_bytes()
    assert describe_difference(wanted.replace(b"\n", b"\r\n"), wanted) == (
        "only line endings differ (CRLF vs LF)"
    )
    assert describe_difference(wanted.replace(b"command: \n", b"command:\n"), wanted) == (
        "only trailing spaces differ"
    )


def test_content_mode_fails_a_document_whose_table_no_longer_renders_as_one() -> None:
    aligned = ALIGNED_GOLDEN.read_text()
    delimiter = next(line for line in aligned.splitlines() if line.startswith("| ---"))
    broken = aligned.replace(delimiter, delimiter.rsplit(" | ", 1)[0] + " |", 1)
    assert broken != aligned
    comparison = compare_document(broken.encode(), GOLDEN.read_text(), "doc.md", "content")
    assert comparison.status == "stale"
    assert "\n-| Memory Type " in comparison.diff  # the header row is now plain text
    assert "\n+Memory Type | 260K<br>(MB) |" in comparison.diff


def _indented(text: str) -> str:
    return "".join(f"    {line}\n" for line in text.splitlines())


@pytest.mark.parametrize(
    ("golden", "old", "new"),
    [
        # A blank line ends a table: the last row renders as a paragraph.
        (GOLDEN, "\nTotal | 0.00 | 0.24", "\n\nTotal | 0.00 | 0.24"),
        (ALIGNED_GOLDEN, "\n| Total               |", "\n\n| Total               |"),
        # A table's heading escaped into text, or indented into code.
        (GOLDEN, "### Tokenizer", "\\### Tokenizer"),
        (ALIGNED_GOLDEN, "\n### Tokenizer", "\n    ### Tokenizer"),
    ],
)
def test_content_mode_sees_the_blocks_github_renders(golden: Path, old: str, new: str) -> None:
    regenerated = golden.read_text()
    committed = regenerated.replace(old, new, 1)
    assert committed != regenerated
    comparison = compare_document(committed.encode(), regenerated, "doc.md", "content")
    assert comparison.status == "stale"
    assert comparison.diff


@pytest.mark.parametrize("golden", [GOLDEN, ALIGNED_GOLDEN])
def test_content_mode_fails_a_document_indented_into_code(golden: Path) -> None:
    """Four spaces of indentation: on GitHub a code block, no heading, no table."""
    regenerated = golden.read_text()
    title, tables = regenerated.split("\n###", 1)
    for committed in (_indented(regenerated), title + "\n" + _indented("###" + tables)):
        comparison = compare_document(committed.encode(), regenerated, "doc.md", "content")
        assert comparison.status == "stale"
