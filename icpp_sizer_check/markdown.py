"""A sizing document read back as GitHub renders it: headings, tables, code,
paragraphs, in the blocks CommonMark and GitHub Flavored Markdown make of it.

Formatters (prettier, mdformat) pad table cells, add outer pipes, widen the
separator dashes, collapse blank lines and strip trailing spaces. Reading a
document into blocks and comparing the blocks ignores all of that while still
seeing every heading, cell and line of code, and where each one ends: four
spaces of indentation make code, a blank line ends a table, a row after it is
a paragraph. A construct the tool never writes (a list, a quote, HTML, a link
definition) ends the reading: the rest is kept as raw lines.

Every document is hostile, so the reader is linear in the text: string
methods, no backtracking patterns, and each line looked at a bounded number
of times (markdown-it, the reference in the tests, decides the same way).
"""

from __future__ import annotations

from typing import List, NamedTuple, Sequence, Tuple, Union

from icpp_sizer_check import markdown_lines as md
from icpp_sizer_check.markdown_lines import inline_text, split_row

__all__ = ["inline_text", "split_row"]


class Table(NamedTuple):
    heading: str  # the nearest heading above the table
    header: list[str]
    rows: list[list[str]]  # as many cells as the header, as GitHub renders them


class Heading(NamedTuple):
    level: int
    text: str


class Code(NamedTuple):
    info: str  # "" for an indented code block: it renders as a fence without one
    lines: Tuple[str, ...]


class Paragraph(NamedTuple):
    text: str  # white space collapsed; a hard line break kept as "\n"


class Rule(NamedTuple):
    """A thematic break (``---``, ``***``, ``___``)."""


class Raw(NamedTuple):
    """The rest of the document from a construct the tool never writes, as written."""

    lines: Tuple[str, ...]


Block = Union[Heading, Table, Code, Paragraph, Rule, Raw]


# The first characters of a line that may start a block other than a
# paragraph; a line starting otherwise is text (or a table's header).
_MAY_START_BLOCK = frozenset("`~>*-_+#<[0123456789")
_MAY_END_PARAGRAPH = frozenset("`~>*-_+#<=0123456789")


class _Reader:
    """One pass over the lines; each method reads one block and returns the
    index of the first line after it."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.blocks: List[Block] = []
        self.heading = ""

    def table(self, index: int, header: list[str]) -> int:
        rows = []
        index += 2
        while index < len(self.lines):
            columns, rest = md.indent(self.lines[index])
            if columns >= 4 or not rest.strip() or md.ends_block(rest, in_paragraph=False):
                break
            cells = split_row(rest)[: len(header)]
            rows.append(cells + [""] * (len(header) - len(cells)))
            index += 1
        self.blocks.append(Table(self.heading, header, rows))
        return index

    def fenced(self, index: int, indent: int, marker: str, rest: str) -> int:
        info = md.SPACES.sub(" ", rest[len(marker) :].strip())
        code = []
        index += 1
        while index < len(self.lines):
            columns, closing = md.indent(self.lines[index])
            closes = closing.startswith(marker) and not closing.lstrip(marker[0]).strip(" \t")
            if columns < 4 and closes:
                index += 1
                break
            code.append(md.dedent(self.lines[index], indent).rstrip())
            index += 1
        self.blocks.append(Code(info, tuple(code)))
        return index

    def indented(self, index: int) -> int:
        end = index
        code = []
        while index < len(self.lines):
            columns, rest = md.indent(self.lines[index])
            if rest and columns < 4:
                break
            code.append(md.dedent(self.lines[index], 4).rstrip())
            index += 1
            end = index if rest else end
        self.blocks.append(Code("", tuple(code[: len(code) - (index - end)])))
        return end

    def paragraph(self, index: int) -> int:
        """A paragraph, or a setext heading if an underline ends it."""
        start = index
        index += 1
        level = 0
        while index < len(self.lines):
            line = self.lines[index]
            rest = line.lstrip(" \t")
            if not rest:
                break
            # Most lines of text can only go on with the paragraph: one test here.
            if rest[0] in _MAY_END_PARAGRAPH:
                columns, rest = md.indent(line)
                level = md.setext_level(rest) if columns < 4 else 0
                if columns < 4 and (level or md.ends_block(rest, in_paragraph=True)):
                    break
            if md.table_header(self.lines, index) is not None:
                break
            index += 1
        text = inline_text(self.lines[start:index])
        if level:
            self.heading = text
            self.blocks.append(Heading(level, text))
            return index + 1
        self.blocks.append(Paragraph(text))
        return index

    def block(self, index: int) -> int:
        """The block that starts at ``lines[index]`` (not blank), in the order
        markdown-it tries them; the first character rules most of them out."""
        columns, rest = md.indent(self.lines[index])
        header = md.table_header(self.lines, index)
        if header is not None:
            return self.table(index, header)
        if columns >= 4:
            return self.indented(index)
        first = rest[0]
        if first == "#":
            heading = md.heading(rest)
            if heading is None:
                return self.paragraph(index)
            self.heading = heading[1]
            self.blocks.append(Heading(*heading))
            return index + 1
        if first not in _MAY_START_BLOCK:
            return self.paragraph(index)
        marker = md.fence(rest)
        if marker:
            return self.fenced(index, columns, marker, rest)
        if md.is_rule(rest):
            self.blocks.append(Rule())
            return index + 1
        if first in ">[<" or md.list_item(rest, in_paragraph=False):
            # A quote, a list, a link definition or HTML: none of the tool's.
            self.blocks.append(Raw(tuple(self.lines[index:])))
            return len(self.lines)
        return self.paragraph(index)


def parse_blocks(text: str) -> list[Block]:
    """The document as its blocks, in order."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.replace("\0", "\ufffd").split("\n")
    if lines[-1] == "":
        lines.pop()  # the last line's line feed starts no line
    reader = _Reader(lines)
    index = 0
    while index < len(lines):
        # Blank lines separate blocks and make none (the one test a blank line needs).
        index = reader.block(index) if lines[index].strip(" \t") else index + 1
    return reader.blocks


def tables(text: str) -> list[Table]:
    return [block for block in parse_blocks(text) if isinstance(block, Table)]


def same_blocks(first: Sequence[Block], second: Sequence[Block]) -> bool:
    """The same blocks in the same order: two documents that render alike,
    whatever their formatting. (Blocks are tuples: a Paragraph("x") must not
    equal some other one-field block.)"""
    return len(first) == len(second) and all(
        type(one) is type(other) and one == other for one, other in zip(first, second)
    )


def normalized_lines(blocks: Sequence[Block]) -> list[str]:
    """The blocks written out in the compact style, a blank line between two,
    for a diff that shows what changed in content and nothing else."""
    out: list[str] = []
    for block in blocks:
        if out:
            out.append("")
        if isinstance(block, Heading):
            out.append(f"{'#' * block.level} {block.text}")
        elif isinstance(block, Table):
            for row in (block.header, ["---"] * len(block.header), *block.rows):
                out.append(" | ".join(cell.replace("|", "\\|") for cell in row))
        elif isinstance(block, Code):
            out.extend((f"```{block.info}", *block.lines, "```"))
        elif isinstance(block, Paragraph):
            out.extend(block.text.split("\n"))
        elif isinstance(block, Rule):
            out.append("---")
        else:
            out.extend(block.lines)
    return out
