"""The tables of an icpp_llama2 sizing document, as the original sizer printed them."""

from __future__ import annotations

from typing import Callable, Sequence

from icpp_sizer_check.compare import ColumnLayout
from icpp_sizer_check.markdown import Table
from icpp_sizer_check.render import format_mb
from icpp_sizer_check.runtimes.icpp_llama2.sizing import ModelSizing, Rows

SECTIONS = (
    "Tokenizer Memory (per model)",
    "TransformerWeights Memory (per model)",
    "RunState Memory (per user)",
    "Total Memory",
    "Canister Metrics",
)
USERS_ROW = "Max number of concurrent users"
UNIT = "MB"
_COLUMN_SUFFIX = f"<br>({UNIT})"


def column_heading(model: str) -> str:
    return f"{model}{_COLUMN_SUFFIX}"


def model_of_column(table: str, heading: str) -> str:
    # Every table suffixes every heading once: taking one suffix off is the
    # name, whatever the name ends with.
    return heading.removesuffix(_COLUMN_SUFFIX)


def unit_of_row(row: str) -> str:
    return "" if row == USERS_ROW else f" {UNIT}"


def table_name(heading: str) -> str:
    """A table as a changed cell names it: its heading without "(per ...)"."""
    return heading.split(" (")[0]


LAYOUT = ColumnLayout(model_of_column, unit_of_row, table_name)


def _rows_with_total(
    sizings: Sequence[ModelSizing], rows_of: Callable[[ModelSizing], Rows]
) -> list[list[str]]:
    row_names = list(rows_of(sizings[0])) if sizings else []
    rows = [[row, *(format_mb(rows_of(s)[row]) for s in sizings)] for row in row_names]
    # The Total row sums exact bytes, then rounds once.
    rows.append(["Total", *(format_mb(sum(rows_of(s).values())) for s in sizings)])
    return rows


def document_tables(
    names: Sequence[str], sizings: Sequence[ModelSizing], users: Sequence[int]
) -> list[Table]:
    """The five tables of the document, with every cell as it is printed."""
    columns = [column_heading(name) for name in names]
    memory = ["Memory Type", *columns]
    totals = [
        ["Total Tokenizer Memory (per model)", *(format_mb(s.tokenizer_total) for s in sizings)],
        [
            "Total TransformerWeights Memory (per model)",
            *(format_mb(s.weights_total) for s in sizings),
        ],
        ["Total RunState Memory (per user)", *(format_mb(s.run_state_total) for s in sizings)],
        ["Overall Total Memory", *(format_mb(s.overall_total) for s in sizings)],
    ]
    return [
        Table(SECTIONS[0], memory, _rows_with_total(sizings, lambda s: s.tokenizer_rows)),
        Table(SECTIONS[1], memory, _rows_with_total(sizings, lambda s: s.weight_rows)),
        Table(SECTIONS[2], memory, _rows_with_total(sizings, lambda s: s.run_state_rows)),
        Table(SECTIONS[3], memory, totals),
        # "(MB)" in this header is the original's wording; kept.
        Table(SECTIONS[4], ["Canister Metrics", *columns], [[USERS_ROW, *map(str, users)]]),
    ]
