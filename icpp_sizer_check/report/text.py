"""Plain text for people: one line a finding, the diff when a document is stale."""

from __future__ import annotations

from typing import TextIO

from icpp_sizer_check.compare import DocumentStatus
from icpp_sizer_check.errors import printable
from icpp_sizer_check.report import Destination
from icpp_sizer_check.report import messages as say
from icpp_sizer_check.results import RunResult

_RESET = "\033[0m"
_STYLES = {"+++": "\033[1m", "---": "\033[1m", "@@": "\033[36m", "+": "\033[32m", "-": "\033[31m"}


def colorize_diff(diff: str) -> str:
    """ANSI colours on a unified diff: headers bold, hunks cyan, - red, + green."""
    lines = []
    for line in diff.splitlines(keepends=True):
        style = next((code for prefix, code in _STYLES.items() if line.startswith(prefix)), "")
        body = line.rstrip("\n")
        lines.append(f"{style}{body}{_RESET}{line[len(body) :]}" if style else line)
    return "".join(lines)


def _print(text: str, stream: TextIO) -> None:
    """One line of the report; names and paths in it are shown, never obeyed."""
    print(printable(text), file=stream)


def report(result: RunResult, to: Destination) -> None:
    for problem in result.problems:
        _print(str(problem), to.err)
    for config in result.configs:
        name, doc = config.config_file, config.output_file
        if config.document_status == DocumentStatus.STALE:
            changed = say.changes(config)
            if changed:
                _print(f"{name}: what changed in {doc}:", to.out)
                for line in changed:
                    _print(f"  {line}", to.out)
            # A committed document is anyone's text: its control characters are
            # shown as escapes, never sent to the terminal.
            diff = printable(config.diff, keep="\n\t")
            to.out.write(colorize_diff(diff) if to.color else diff)
            _print(f"{name}: {say.stale(config)}", to.out)
        elif config.document_status == DocumentStatus.MISSING:
            _print(f"{name}: {say.missing(config)}", to.out)
        elif config.document_status == DocumentStatus.WRITTEN and not config.ok:
            _print(f"{name}: {say.written(config)}", to.out)
        if to.verbose:
            for model in config.models:
                _print(
                    f"{say.model_location(config, model)}: {say.model_detail(config, model)}",
                    to.out,
                )
        for model in config.failing_models:
            _print(
                f"{say.model_location(config, model)}: {say.model_failure(config, model)}", to.out
            )
            _print(f"  {say.remedy(config, model)}", to.out)
        if config.ok:
            _print(say.success(config), to.out)
    if result.write_refused:
        _print(say.NOTHING_WRITTEN, to.err)
