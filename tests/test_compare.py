from __future__ import annotations

from icpp_sizer_check.compare import (
    FORMATTING_ONLY,
    compare_document,
    describe_difference,
    unified_diff,
)
from tests.conftest import DATA, GOLDEN

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


def test_lines_are_split_at_line_feeds_only() -> None:
    from icpp_sizer_check.compare import NO_NEWLINE, lines_of

    assert lines_of("a\x0cb\u2028c\r\nd\n") == ["a\x0cb\u2028c\r\n", "d\n"]
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
