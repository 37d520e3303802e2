"""Just enough Markdown to read a sizing document back: headings, tables, code.

Formatters (prettier, mdformat) pad table cells, add outer pipes, widen the
separator dashes, collapse blank lines and strip trailing spaces. Reading a
document into blocks and comparing the blocks ignores all of that while still
seeing every heading, cell and line of code.
"""

from __future__ import annotations

import re
import unicodedata
from typing import List, NamedTuple, Tuple, Union

_SEPARATOR_CELL = re.compile(r"^:?-+:?$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^(`{3,}|~{3,})(.*)$")


class Table(NamedTuple):
    heading: str  # the nearest heading above the table
    header: list[str]
    rows: list[list[str]]


class Heading(NamedTuple):
    level: int
    text: str


class Code(NamedTuple):
    info: str
    lines: Tuple[str, ...]


class Paragraph(NamedTuple):
    text: str  # white space collapsed


Block = Union[Heading, Table, Code, Paragraph]


def split_row(line: str) -> list[str]:
    """The cells of a table row, with or without outer pipes, stripped."""
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", body)]


def _is_separator(line: str) -> bool:
    cells = split_row(line)
    return "|" in line and all(_SEPARATOR_CELL.match(cell) for cell in cells)


def _starts_table(header: str, delimiter: str) -> bool:
    """A header row and a delimiter row of as many cells: with any other count,
    GitHub Flavored Markdown renders both lines as plain text, not a table."""
    return (
        "|" in header
        and _is_separator(delimiter)
        and len(split_row(delimiter)) == len(split_row(header))
    )


def parse_blocks(text: str) -> list[Block]:
    """The document as headings, tables, code blocks and paragraphs, in order."""
    lines = text.replace("\r\n", "\n").lstrip("\ufeff").split("\n")
    blocks: List[Block] = []
    heading = ""
    paragraph: list[str] = []
    index = 0

    def end_paragraph() -> None:
        if paragraph:
            blocks.append(Paragraph(" ".join(" ".join(paragraph).split())))
            paragraph.clear()

    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        fence = _FENCE.match(stripped)
        heading_match = _HEADING.match(stripped)
        if fence:
            end_paragraph()
            marker, info = fence.group(1), fence.group(2).strip()
            code: list[str] = []
            index += 1
            while index < len(lines) and not lines[index].strip().startswith(marker):
                code.append(lines[index].rstrip())
                index += 1
            blocks.append(Code(info, tuple(code)))
        elif heading_match:
            end_paragraph()
            heading = heading_match.group(2)
            blocks.append(Heading(len(heading_match.group(1)), heading))
        elif index + 1 < len(lines) and _starts_table(stripped, lines[index + 1]):
            end_paragraph()
            table = Table(heading, split_row(stripped), [])
            index += 2
            while index < len(lines) and "|" in lines[index]:
                table.rows.append(split_row(lines[index]))
                index += 1
            blocks.append(table)
            continue
        elif stripped:
            paragraph.append(stripped)
        else:
            end_paragraph()
        index += 1
    end_paragraph()
    return blocks


def tables(text: str) -> list[Table]:
    return [block for block in parse_blocks(text) if isinstance(block, Table)]


def normalized_lines(text: str) -> list[str]:
    """One canonical line per heading, table row, code line and paragraph: equal
    for two documents exactly when they differ only in formatting."""
    out: list[str] = []
    for block in parse_blocks(text):
        if isinstance(block, Heading):
            out.append(f"{'#' * block.level} {block.text}")
        elif isinstance(block, Table):
            out.append(" | ".join(block.header))
            out.append(" | ".join(["---"] * len(block.header)))
            out.extend(" | ".join(row) for row in block.rows)
        elif isinstance(block, Code):
            out.append(f"```{block.info}")
            out.extend(block.lines)
            out.append("```")
        else:
            out.append(block.text)
    return out


def display_width(text: str) -> int:
    """Terminal columns, as formatters count them: wide East Asian characters
    take two, nonspacing and enclosing marks none (prettier and wcwidth, which
    mdformat uses, both skip every such mark, whatever its combining class)."""
    width = 0
    for character in text:
        if unicodedata.category(character) in ("Mn", "Me"):
            continue
        width += 2 if unicodedata.east_asian_width(character) in ("W", "F") else 1
    return width

