"""Compare a committed document with the regenerated one and explain the difference.

Two modes: ``exact`` compares bytes; ``content`` compares headings, table cells,
code and text, so a document re-padded by a Markdown formatter still passes.
Either way a stale document gets a unified diff, a one-line account of
differences a diff blurs (line endings, a BOM), and the list of changed cells.
"""

from __future__ import annotations

from enum import Enum
from typing import Callable, NamedTuple

from icpp_sizer_check.markdown import (
    Block,
    Table,
    normalized_lines,
    parse_blocks,
    same_blocks,
)

NO_NEWLINE = "\\ No newline at end of file\n"


class CompareMode(str, Enum):
    """How a committed document is held against the regenerated one."""

    EXACT = "exact"  # byte for byte
    CONTENT = "content"  # headings, cells, code and text; formatting ignored


class DocumentStatus(str, Enum):
    UP_TO_DATE = "up-to-date"
    STALE = "stale"
    MISSING = "missing"
    WRITTEN = "written"  # only in write mode: the file changed on disk

    @property
    def is_current(self) -> bool:
        """The document on disk is what the configs make."""
        return self in (DocumentStatus.UP_TO_DATE, DocumentStatus.WRITTEN)


class ColumnLayout(NamedTuple):
    """How a runtime's document heads its model columns and units its rows;
    the runtime gives it, so that comparison names models and units right."""

    # A table's heading and one of its column headings -> the model's name: a
    # column heading alone may not say it (a name may end as a unit suffix does).
    model_of: Callable[[str, str], str]
    unit_of: Callable[[str], str]  # a row's name -> the unit printed after its values, or ""
    table_of: Callable[[str], str]  # a table's heading -> how a changed cell names it


IGNORING_FORMATTING = "ignoring formatting"
FORMATTING_ONLY = (
    "only Markdown formatting differs (a formatter such as prettier would undo --write): "
    "set 'style: aligned' or 'compare: content' in the config, or keep the formatter off "
    "this file"
)


class CellChange(NamedTuple):
    """One printed value that differs between the committed and regenerated tables."""

    model: str
    row: str
    section: str
    committed: str
    regenerated: str
    row_is_ambiguous: bool = False  # a row name that stands in several tables
    unit: str = ""  # printed after the values
    table: str = ""  # how the line names the table of an ambiguous row

    def __str__(self) -> str:
        row = f"{self.row} ({self.table})" if self.row_is_ambiguous else self.row
        return f"{self.model} · {row}: {self.committed} → {self.regenerated}{self.unit}"


class Changes(NamedTuple):
    cells: tuple[CellChange, ...] = ()
    added_models: tuple[str, ...] = ()
    removed_models: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        return [
            *(f"added model {name}" for name in self.added_models),
            *(f"removed model {name}" for name in self.removed_models),
            *map(str, self.cells),
        ]


class Comparison(NamedTuple):
    """How a committed document stands against the regenerated text."""

    status: DocumentStatus  # up to date, stale or missing
    diff: str = ""
    summary: str = ""
    first_difference_line: int | None = None  # 1-based, in the committed file
    changes: Changes = Changes()


def _model_names(document_tables: list[Table], layout: ColumnLayout) -> list[str]:
    """The models of a document: the columns of its first table."""
    if not document_tables:
        return []
    first = document_tables[0]
    return [layout.model_of(first.heading, cell) for cell in first.header[1:]]


def describe_changes(committed: str, regenerated: str, layout: ColumnLayout) -> Changes:
    """Changed cells, and added or removed models, table by table."""
    return changes_between(parse_blocks(committed), parse_blocks(regenerated), layout)


def changes_between(
    committed: list[Block], regenerated: list[Block], layout: ColumnLayout
) -> Changes:
    """describe_changes for documents already read into blocks."""
    old_parsed = [block for block in committed if isinstance(block, Table)]
    old_tables = {table.heading: table for table in old_parsed}
    new_tables = [block for block in regenerated if isinstance(block, Table)]
    row_counts: dict[str, int] = {}
    for table in new_tables:
        for row in table.rows:
            row_counts[row[0]] = row_counts.get(row[0], 0) + 1
    cells: list[tuple[int, CellChange]] = []  # with the column each is in
    for new in new_tables:
        old = old_tables.get(new.heading)
        if old is None:
            continue
        old_columns = {
            layout.model_of(old.heading, cell): index for index, cell in enumerate(old.header)
        }
        old_rows = {row[0]: row for row in old.rows if row}
        for new_row in new.rows:
            old_row = old_rows.get(new_row[0])
            if old_row is None:
                continue
            for index, header in enumerate(new.header[1:], start=1):
                model = layout.model_of(new.heading, header)
                old_index = old_columns.get(model)
                if old_index is None or old_index >= len(old_row) or index >= len(new_row):
                    continue
                if old_row[old_index] != new_row[index]:
                    cells.append(
                        (
                            index,
                            CellChange(
                                model,
                                new_row[0],
                                new.heading,
                                old_row[old_index],
                                new_row[index],
                                row_counts[new_row[0]] > 1,
                                layout.unit_of(new_row[0]),
                                layout.table_of(new.heading),
                            ),
                        )
                    )
    old_models = _model_names(old_parsed, layout)
    new_models = _model_names(new_tables, layout)
    # Grouped by model, in column order (the same in every regenerated table);
    # within a model, in document order (the sort is stable).
    cells.sort(key=lambda cell: cell[0])
    return Changes(
        cells=tuple(cell for _, cell in cells),
        added_models=tuple(name for name in new_models if name not in old_models),
        removed_models=tuple(name for name in old_models if name not in new_models),
    )


# A sizing document's diff is a few dozen lines; past these a diff says
# nothing more to a reader, and only floods a terminal or a log.
MAX_DIFF_LINES = 1000
MAX_DIFF_CHARACTERS = 256 * 1024


def unified_diff(committed: list[str], regenerated: list[str], label: str, note: str = "") -> str:
    """A unified diff of two line lists (with their endings), labelled with the
    path, cut after MAX_DIFF_LINES lines or MAX_DIFF_CHARACTERS with a note."""
    import difflib  # only a stale document needs it

    # difflib's time grows with the committed file's length: past this many
    # lines every further one is a removal the cut diff would not show anyway.
    compared = committed[: len(regenerated) + MAX_DIFF_LINES]
    lines = list(
        difflib.unified_diff(
            compared,
            regenerated,
            fromfile=f"{label} (committed{note})",
            tofile=f"{label} (regenerated{note})",
        )
    )
    shown: list[str] = []
    size = 0
    for line in lines:
        # Like git, say so when a last line has no newline, instead of gluing
        # the next diff line onto it.
        text = line if line.endswith("\n") else line + "\n" + NO_NEWLINE
        if len(shown) == MAX_DIFF_LINES or size + len(text) > MAX_DIFF_CHARACTERS:
            hidden = len(lines) - len(shown) + len(committed) - len(compared)
            shown.append(f"[diff cut here: {hidden} more lines not shown]\n")
            break
        shown.append(text)
        size += len(text)
    return "".join(shown)


def describe_difference(
    committed: bytes, regenerated: bytes, blocks: tuple[list[Block], list[Block]] | None = None
) -> str:
    """A one-line account of a difference that a diff would hide or blur
    (``blocks``: both documents already read, when the caller has them)."""
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
    if blocks is None:
        blocks = parse_blocks(committed.decode()), parse_blocks(regenerated.decode())
    if same_blocks(*blocks):
        # A formatter such as prettier re-padded the tables: --write alone would be
        # undone by the formatter's next run, so name the settings that end it.
        return FORMATTING_ONLY
    return ""


def lines_of(text: str) -> list[str]:
    """The lines of ``text`` with their endings, split at line feeds only (as
    git and editors count them), not at every character str.splitlines takes
    for a break (form feed, U+2028, a lone carriage return, ...)."""
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    return lines if lines[-1] else lines[:-1]


def first_difference_line(committed: list[str], regenerated: list[str]) -> int:
    """The first line of ``committed`` that differs (or is missing) from ``regenerated``."""
    for number, (old_line, new_line) in enumerate(zip(committed, regenerated), start=1):
        if old_line != new_line:
            return number
    # One is a prefix of the other: point at the last line of the committed
    # file that exists (a file annotation needs a line that is there).
    return max(1, min(len(committed), len(regenerated) + 1))


def compare_document(
    committed: bytes | None,
    regenerated: str,
    label: str,
    mode: CompareMode,
    layout: ColumnLayout,
) -> Comparison:
    """Compare in ``mode``; ``committed`` is None when the file does not exist."""
    if committed is None:
        return Comparison(DocumentStatus.MISSING, summary="the document does not exist")
    wanted = regenerated.encode("utf-8")
    if committed == wanted:
        return Comparison(DocumentStatus.UP_TO_DATE)
    committed_text = committed.decode("utf-8", errors="replace")
    # Each document is read once: a hostile one may be MAX_DOCUMENT_BYTES long.
    old_blocks = parse_blocks(committed_text)
    new_blocks = parse_blocks(regenerated)
    if mode == CompareMode.CONTENT and same_blocks(old_blocks, new_blocks):
        # The usual outcome for a formatted document: nothing more to work out.
        return Comparison(DocumentStatus.UP_TO_DATE, summary=IGNORING_FORMATTING)
    changes = changes_between(old_blocks, new_blocks, layout)
    old_lines = lines_of(committed_text)
    new_lines = lines_of(regenerated)
    first_line = first_difference_line(old_lines, new_lines)
    if mode == CompareMode.CONTENT:
        # Only real changes, not the formatter's padding, go into the diff.
        diff = unified_diff(
            [line + "\n" for line in normalized_lines(old_blocks)],
            [line + "\n" for line in normalized_lines(new_blocks)],
            label,
            ", formatting ignored",
        )
        return Comparison(DocumentStatus.STALE, diff, "", first_line, changes)
    return Comparison(
        DocumentStatus.STALE,
        unified_diff(old_lines, new_lines, label),
        describe_difference(committed, wanted, (old_blocks, new_blocks)),
        first_line,
        changes,
    )
