"""icpp_llama2 documents rendered straight from sizings, for the tests."""

from __future__ import annotations

from typing import Sequence

from icpp_sizer_check.render import Style, render_document
from icpp_sizer_check.runtimes.icpp_llama2.document import document_tables
from icpp_sizer_check.runtimes.icpp_llama2.sizing import ModelSizing


def render(
    title: str,
    command: str,
    names: Sequence[str],
    sizings: Sequence[ModelSizing],
    users: Sequence[int],
    style: str = "compact",
) -> str:
    """The document of models ``names`` with their sizes and printed user counts."""
    return render_document(title, command, document_tables(names, sizings, users), Style(style))
