"""Reporters: each turns a RunResult into output of one format.

Only the chosen reporter is imported, so a text run never loads ``json``.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Callable, NamedTuple, TextIO

if TYPE_CHECKING:
    from icpp_sizer_check.results import RunResult

# The registry of output formats: the CLI's --format choices come from here.
TEXT, JSON, GITHUB = "text", "json", "github"
FORMATS = {
    TEXT: "icpp_sizer_check.report.text",
    JSON: "icpp_sizer_check.report.json_format",
    GITHUB: "icpp_sizer_check.report.github",
}


class Destination(NamedTuple):
    """Where a reporter writes, and how."""

    out: TextIO
    err: TextIO
    color: bool = False
    verbose: bool = False
    step_summary: Path | None = None  # GitHub's $GITHUB_STEP_SUMMARY file
    # GitHub's $GITHUB_WORKSPACE: annotations name files relative to it.
    workspace: str = ""


Reporter = Callable[["RunResult", Destination], None]


def get_reporter(name: str) -> Reporter:
    module = import_module(FORMATS[name])
    reporter: Reporter = module.report
    return reporter
