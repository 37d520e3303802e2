"""Compare a committed document with the regenerated one and explain the difference."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

NO_NEWLINE = "\\ No newline at end of file\n"


@dataclass(frozen=True)
class Comparison:
    """How a committed document stands against the regenerated text."""

    status: str  # "up-to-date", "stale" or "missing"
    diff: str = ""
    summary: str = ""
    first_difference_line: int | None = None  # 1-based, in the committed file


def first_difference_line(committed: str, regenerated: str) -> int:
    """The first line of ``committed`` that differs (or is missing) from ``regenerated``."""
    old, new = committed.splitlines(keepends=True), regenerated.splitlines(keepends=True)
    for number, (old_line, new_line) in enumerate(zip(old, new), start=1):
        if old_line != new_line:
            return number
    # One is a prefix of the other: point at the last line of the committed
    # file that exists (a file annotation needs a line that is there).
    return max(1, min(len(old), len(new) + 1))


def unified_diff(committed: str, regenerated: str, label: str) -> str:
    """A unified diff, committed to regenerated, labelled with the document path."""
    lines = difflib.unified_diff(
        committed.splitlines(keepends=True),
        regenerated.splitlines(keepends=True),
        fromfile=f"{label} (committed)",
        tofile=f"{label} (regenerated)",
    )
    # Like git, say so when a last line has no newline, instead of gluing
    # the next diff line onto it.
    return "".join(line if line.endswith("\n") else line + "\n" + NO_NEWLINE for line in lines)


def describe_difference(committed: bytes, regenerated: bytes) -> str:
    """A one-line account of a difference that a diff would hide or blur."""
    if committed.startswith(b"\xef\xbb\xbf") and committed[3:] == regenerated:
        return "only a UTF-8 byte order mark at the start differs"
    if committed.replace(b"\r\n", b"\n") == regenerated:
        return "only line endings differ (CRLF vs LF)"
    if committed.rstrip(b"\n") == regenerated.rstrip(b"\n"):
        return "only the newlines at the end of the file differ"
    try:
        committed.decode("utf-8")
    except UnicodeDecodeError:
        return "the committed file is not valid UTF-8"
    stripped = b"\n".join(line.rstrip(b" \t") for line in committed.split(b"\n"))
    if stripped == b"\n".join(line.rstrip(b" \t") for line in regenerated.split(b"\n")):
        return "only trailing spaces differ"
    return ""


def compare_document(committed: bytes | None, regenerated: str, label: str) -> Comparison:
    """Compare byte for byte; ``committed`` is None when the file does not exist."""
    if committed is None:
        return Comparison("missing", summary="the document does not exist")
    wanted = regenerated.encode("utf-8")
    if committed == wanted:
        return Comparison("up-to-date")
    committed_text = committed.decode("utf-8", errors="replace")
    return Comparison(
        "stale",
        diff=unified_diff(committed_text, regenerated, label),
        summary=describe_difference(committed, wanted),
        first_difference_line=first_difference_line(committed_text, regenerated),
    )
