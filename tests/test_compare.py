from __future__ import annotations

from icpp_sizer_check.compare import compare_document, describe_difference, unified_diff

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
