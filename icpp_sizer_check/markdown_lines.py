"""What one line of Markdown is, as CommonMark and GitHub Flavored Markdown
(and markdown-it, the reference in the tests) read it: the start of a heading,
a fence, a table, a list, a quote or HTML, or text.

Each function is linear in its line: string methods, and the one pattern is a
single character class (matching it cannot backtrack).
"""

from __future__ import annotations

import re
from typing import Optional, Sequence

# Single classes: matching one cannot backtrack.
SPACES = re.compile("[ \t]+")
_BLANKS = re.compile("[ \t\n]+")
_DELIMITER_STARTS = frozenset("|-:")
_DELIMITER_CHARACTERS = str.maketrans("", "", "|-: \t")
# Tags that start an HTML block, which can end a paragraph or a table
# (CommonMark's kinds 1 to 6).
_HTML_RAW_TAGS = ("script", "pre", "style", "textarea")
_HTML_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "base",
        "basefont",
        "blockquote",
        "body",
        "caption",
        "center",
        "col",
        "colgroup",
        "dd",
        "details",
        "dialog",
        "dir",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "frame",
        "frameset",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "head",
        "header",
        "hr",
        "html",
        "iframe",
        "legend",
        "li",
        "link",
        "main",
        "menu",
        "menuitem",
        "nav",
        "noframes",
        "ol",
        "optgroup",
        "option",
        "p",
        "param",
        "section",
        "source",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "title",
        "tr",
        "track",
        "ul",
    ]
)


def indent(line: str) -> tuple[int, str]:
    """The columns of indentation (a tab to the next multiple of 4) and the rest."""
    rest = line.lstrip(" \t")
    lead = line[: len(line) - len(rest)]
    if "\t" not in lead:
        return len(lead), rest
    columns = 0
    for character in lead:
        columns = columns + 4 - columns % 4 if character == "\t" else columns + 1
    return columns, rest


def dedent(line: str, columns: int) -> str:
    """``line`` without up to ``columns`` columns of indentation; a tab that
    spans the limit leaves its remaining columns as spaces."""
    taken = position = 0
    while position < len(line) and taken < columns and line[position] in " \t":
        taken += 4 - taken % 4 if line[position] == "\t" else 1
        position += 1
    return " " * (taken - columns) + line[position:] if taken > columns else line[position:]


def inline_text(lines: Sequence[str]) -> str:
    """The text of a paragraph or heading: runs of spaces and soft line breaks
    are one space (as they render), a hard line break (two trailing spaces) is
    kept as a line break."""
    joined = "\n".join(lines)
    if "  \n" not in joined:
        return _BLANKS.sub(" ", joined).strip()
    parts = []
    for number, line in enumerate(lines):
        parts.append(SPACES.sub(" ", line.strip(" \t")))
        if number < len(lines) - 1:
            parts.append("\n" if line.endswith("  ") else " ")
    return "".join(parts).strip()


def split_row(line: str) -> list[str]:
    """The cells of a table row, with or without outer pipes, stripped; ``\\|``
    is a pipe inside a cell (as markdown-it reads it: a pipe right after any
    backslash)."""
    cells: list[str] = []
    pending: list[str] = []
    pieces = line.strip().split("|")
    for number, piece in enumerate(pieces):
        if piece.endswith("\\") and number < len(pieces) - 1:
            pending += (piece[:-1], "|")
            continue
        cells.append("".join(pending) + piece)
        pending = []
    if cells and not cells[0]:
        del cells[0]
    if cells and not cells[-1]:
        del cells[-1]
    return [cell.strip() for cell in cells]


def delimiter_cells(line: str) -> int:
    """How many columns a delimiter row (``| --- | :-: |``) sets, or 0 if it is none."""
    columns, rest = indent(line)
    if columns >= 4 or len(rest) < 2 or rest[0] not in "|-:" or rest[1] not in "|-: \t":
        return 0
    if (rest[0] == "-" and rest[1] in " \t") or rest.translate(_DELIMITER_CHARACTERS):
        return 0
    cells = rest.split("|")
    count = 0
    for number, cell in enumerate(cells):
        dashes = cell.strip()
        if not dashes and number in (0, len(cells) - 1):
            continue  # outer pipes
        dashes = dashes[1:] if dashes.startswith(":") else dashes
        dashes = dashes[:-1] if dashes.endswith(":") else dashes
        if not dashes or dashes.strip("-"):
            return 0
        count += 1
    return count


def table_header(lines: Sequence[str], index: int) -> Optional[list[str]]:
    """The header cells if a table starts at ``lines[index]``, else None: a row
    with a pipe over a delimiter row of as many cells (with any other count,
    GitHub renders both lines as text)."""
    if index + 1 >= len(lines) or lines[index + 1].lstrip(" \t")[:1] not in _DELIMITER_STARTS:
        return None
    if "|" not in lines[index]:
        return None
    columns, rest = indent(lines[index])
    count = delimiter_cells(lines[index + 1]) if columns < 4 else 0
    header = split_row(rest) if count else []
    return header if header and len(header) == count else None


def fence(rest: str) -> str:
    """The fence (```` ``` ```` or ``~~~``, at least three) that opens a code block, or ""."""
    if rest[:1] not in ("`", "~"):
        return ""
    marker = rest[: len(rest) - len(rest.lstrip(rest[0]))]
    if len(marker) < 3 or (marker[0] == "`" and "`" in rest[len(marker) :]):
        return ""
    return marker


def heading(rest: str) -> Optional[tuple[int, str]]:
    """An ATX heading (``## Text ##``), or None."""
    body = rest.lstrip("#")
    level = len(rest) - len(body)
    if not 1 <= level <= 6 or body[:1] not in ("", " ", "\t"):
        return None
    body = body.rstrip(" \t")
    unclosed = body.rstrip("#")
    if unclosed[-1:] in (" ", "\t"):
        body = unclosed
    return (level, SPACES.sub(" ", body.strip()))


def is_rule(rest: str) -> bool:
    marker = rest[:1]
    return marker in ("*", "-", "_") and rest.count(marker) >= 3 and not rest.strip(marker + " \t")


def list_item(rest: str, in_paragraph: bool) -> bool:
    """A list item starts here; in a paragraph, only one that may end it (a
    bullet or "1." with text after it)."""
    if rest[:1] in ("-", "+", "*"):
        marker = rest[:1]
    else:
        digits = rest[: len(rest) - len(rest.lstrip("0123456789"))][:10]
        if not 1 <= len(digits) <= 9 or rest[len(digits) : len(digits) + 1] not in (".", ")"):
            return False
        if in_paragraph and int(digits) != 1:
            return False
        marker = rest[: len(digits) + 1]
    after = rest[len(marker) :]
    if after[:1] not in ("", " ", "\t"):
        return False
    return not in_paragraph or bool(after.strip(" \t"))


def html_block(rest: str) -> bool:
    """An HTML block of a kind that can end a paragraph starts here."""
    if rest[:1] != "<":
        return False
    if rest.startswith(("<!--", "<?", "<![CDATA[")) or (rest[2:3].isalpha() and rest[1] == "!"):
        return True
    name = rest[2:14] if rest[1:2] == "/" else rest[1:13]
    word = name[
        : len(name)
        - len(name.lstrip("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))
    ].lower()
    after = name[len(word) :]
    ends = after[:1] in ("", ">") or after[:1].isspace() or after.startswith("/>")
    if rest[1:2] != "/" and word in _HTML_RAW_TAGS and ends:
        return True
    return word in _HTML_BLOCK_TAGS and ends


def ends_block(rest: str, in_paragraph: bool) -> bool:
    """A line (indented less than four columns) that ends a paragraph or a
    table by starting another block."""
    if not rest or rest[0] not in "`~>*-_+#<0123456789":
        return False
    return bool(
        fence(rest)
        or rest[0] == ">"
        or is_rule(rest)
        or list_item(rest, in_paragraph)
        or html_block(rest)
        or heading(rest)
    )


def setext_level(rest: str) -> int:
    """2 for a ``---`` underline, 1 for ``===``, else 0."""
    underline = rest.rstrip(" \t")
    if underline[:1] not in ("=", "-") or underline.strip(underline[0]):
        return 0
    return 1 if underline[0] == "=" else 2
