"""The markers that delimit a generated block in a Markdown page, and the one
that excuses a block from being generated.

A generated block stands between ``<!-- generated: NAME -->`` and
``<!-- end generated -->``, each alone on its line; NAME is a key of
``tests.docs.blocks.BLOCKS``. A console example or a table of figures that
cannot be generated is preceded by ``<!-- not checked: REASON -->``.
"""

from __future__ import annotations

import re
from typing import Callable, NamedTuple

START = re.compile(r"^<!-- generated: ([a-z0-9][a-z0-9-]*) -->$")
END = "<!-- end generated -->"
NOT_CHECKED = re.compile(r"^<!-- not checked: \S.*\S -->$")
FENCE = re.compile(r"^(```+|~~~+)\s*(\S*)")


class Region(NamedTuple):
    """A generated block: its name, and its body's lines [first, last)."""

    name: str
    first: int
    last: int


class MarkerError(ValueError):
    """A start marker without its end, or an end without a start."""


def _outside_fences(lines: list[str]) -> list[int]:
    """The indexes of the lines that are not in a fenced code block shown as
    such (markers written inside one are an example, not a block)."""
    kept = []
    fence: str | None = None
    for index, line in enumerate(lines):
        opening = FENCE.match(line)
        if fence is not None:
            if line.strip() == fence:
                fence = None
        elif opening:
            fence = opening.group(1)
        else:
            kept.append(index)
    return kept


def regions(lines: list[str]) -> list[Region]:
    found: list[Region] = []
    open_at: tuple[str, int] | None = None
    for index in _outside_fences(lines):
        line = lines[index]
        start = START.match(line)
        if start:
            if open_at is not None:
                raise MarkerError(f"line {index + 1}: {open_at[0]} is not ended")
            open_at = (start.group(1), index + 1)
        elif line == END:
            if open_at is None:
                raise MarkerError(f"line {index + 1}: an end marker without a start")
            found.append(Region(open_at[0], open_at[1], index))
            open_at = None
    if open_at is not None:
        raise MarkerError(f"{open_at[0]} is not ended")
    return found


def regenerate(text: str, produce: Callable[[str], str | None]) -> str:
    """``text`` with each block's body replaced by ``produce(name)`` (a body
    without its final line break); a block ``produce`` answers None for is kept."""
    lines = text.split("\n")
    out: list[str] = []
    kept = 0
    for region in regions(lines):
        body = produce(region.name)
        if body is None:
            continue
        out += lines[kept : region.first]
        out += body.split("\n")
        kept = region.last
    return "\n".join(out + lines[kept:])


# A cell that is a figure: a number, with its sign, separators and unit.
FIGURE = re.compile(r"^[+-]?\d[\d,.]*\s*(%|[kMG]i?B|[kMG]B/s|s|ms|x)?$")
DELIMITER_ROW = re.compile(r"^\|(\s*:?-+:?\s*\|)+\s*$")


def _cells(row: str) -> list[str]:
    return [cell.strip().strip("*`") for cell in row.strip().strip("|").split("|")]


def figures_table(delimiter: str, body: list[str]) -> bool:
    """A table of figures: a right-aligned column, or a column past the first
    (which names the row) whose every cell is a figure."""
    if "-:" in delimiter:
        return True
    rows = [_cells(row) for row in body]
    columns = max((len(row) for row in rows), default=0)
    return any(
        all(len(row) > column and FIGURE.match(row[column]) for row in rows)
        for column in range(1, columns)
    )


def _table_body(lines: list[str], delimiter: int) -> list[str]:
    body = []
    for line in lines[delimiter + 1 :]:
        if not line.startswith("|"):
            break
        body.append(line)
    return body


def _fence_kind(language: str, first: str) -> str | None:
    """What a fence shows that must be guarded: a console example (a
    ``console`` fence, or any whose first line is a ``$`` prompt), or what a
    fence without a language hides."""
    if language == "console" or first.startswith("$ "):
        return "a console example"
    if language == "":
        return "a fence without a language"
    return None


def unguarded(text: str) -> list[str]:
    """What shows figures but is neither generated nor marked not checked: each
    console example and each table of figures, and each fence without a
    language, which hides what it holds. One line each."""
    lines = text.split("\n")
    inside = {i for region in regions(lines) for i in range(region.first, region.last)}
    problems = []
    fence: str | None = None
    previous = ""
    for index, line in enumerate(lines):
        opening = FENCE.match(line)
        if fence is not None:
            if line.startswith(fence) and line.strip() == fence:
                fence = None
        elif opening:
            fence = opening.group(1)
            guarded = index in inside or NOT_CHECKED.match(previous)
            first = lines[index + 1] if index + 1 < len(lines) else ""
            kind = _fence_kind(opening.group(2), first)
            if kind and not guarded:
                problems.append(f"line {index + 1}: {kind} neither generated nor marked")
        elif line.startswith("|") and DELIMITER_ROW.match(line):
            header = index - 1
            above = next((lines[i] for i in range(header - 1, -1, -1) if lines[i].strip()), "")
            guarded = header in inside or NOT_CHECKED.match(above)
            if figures_table(line, _table_body(lines, index)) and not guarded:
                problems.append(f"line {index}: a table of figures neither generated nor marked")
        if line.strip():
            previous = line
    return problems
