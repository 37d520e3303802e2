"""GitHub Actions: workflow commands that annotate the exact lines, and a step summary.

Config errors point at the YAML line, stale documents at their first differing
line, threshold failures at the model's line in the config.

Everything else this reporter prints carries text from configs and documents,
which a pull request from anyone can write. The runner acts on a line that
starts with ``::command`` or holds ``##[command]`` anywhere (actions/runner:
ActionCommand.TryParseV2 and TryParse), so that text is printed only between
``::stop-commands::TOKEN`` and ``::TOKEN::``, where the runner acts on nothing
but the token, and the token is drawn afresh, unguessable, for every block.
"""

from __future__ import annotations

import os
import secrets
from itertools import groupby
from typing import Iterable, Iterator

from icpp_sizer_check.compare import DocumentStatus
from icpp_sizer_check.errors import Problem, printable
from icpp_sizer_check.report import Destination
from icpp_sizer_check.report import messages as say
from icpp_sizer_check.report.step_summary import STEP_SUMMARY_LIMIT, step_summary
from icpp_sizer_check.results import ConfigResult, RunResult, Staging


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(
    kind: str,
    message: str,
    *,
    file: str,
    title: str,
    line: int | None = None,
    column: int | None = None,
) -> str:
    """``::error file=…,line=…,col=…,title=…::message``, escaped as GitHub requires."""
    properties = [f"file={_escape_property(file)}"]
    if line is not None:
        properties.append(f"line={line}")
    if column is not None:
        properties.append(f"col={column}")
    properties.append(f"title={_escape_property(title)}")
    return f"::{kind} {','.join(properties)}::{_escape_data(message)}"


def inert_block(lines: Iterable[str]) -> list[str]:
    """``lines`` between a stop and a resume of workflow commands: nothing in
    them can act as a command, whatever it holds (``::set-output``, ``##[error]``,
    a ``::stop-commands::`` of its own, a carriage return that starts a new line)."""
    token = secrets.token_hex(16)
    return [f"::stop-commands::{token}", *lines, f"::{token}::"]


def workspace_path(location: str, shown: str, workspace: str) -> str:
    """``location`` (absolute) relative to the workspace, as annotations need it,
    whatever the working directory of the step; ``shown`` when it is unknown or
    lies outside the workspace."""
    if not location or not workspace:
        return shown
    folder, name = os.path.split(location)
    # The current folder comes resolved from the system; the workspace may hold a symlink.
    bases = dict.fromkeys([os.path.abspath(workspace), os.path.realpath(workspace)])
    places = dict.fromkeys([location, os.path.join(os.path.realpath(folder), name)])
    for base in bases:
        for place in places:
            try:
                relative = os.path.relpath(place, base)
            except ValueError:  # another drive on Windows
                continue
            if relative != os.pardir and not relative.startswith(os.pardir + os.sep):
                return relative.replace(os.sep, "/")
    return shown


def _problem_command(problem: Problem, workspace: str) -> str:
    position = problem.position
    return workflow_command(
        "error",
        say.problem_text(problem),
        file=workspace_path(problem.location, problem.file, workspace),
        title="Invalid sizing config",
        line=position.line if position else None,
        column=position.column if position else None,
    )


def _config_lines(config: ConfigResult, workspace: str) -> Iterator[tuple[bool, str]]:
    config_file = workspace_path(config.config_location, config.config_file, workspace)
    if config.document_status == DocumentStatus.STALE:
        title = _escape_data(f"{config.output_file}: diff, committed vs regenerated")
        yield True, f"::group::{title}"
        # A committed document is anyone's text: its controls as escapes, as
        # the log viewer renders ANSI and a terminal obeys it.
        yield False, printable(config.diff, keep="\n\t").rstrip("\n")
        yield True, "::endgroup::"
        yield (
            True,
            workflow_command(
                "error",
                "\n".join([say.stale(config), *say.changes(config)]),
                file=workspace_path(config.output_location, config.output_file, workspace),
                title="Stale sizing document",
                line=config.first_difference_line,
            ),
        )
    elif config.document_status == DocumentStatus.MISSING:
        yield (
            True,
            workflow_command(
                "error", say.missing(config), file=config_file, title="Missing sizing document"
            ),
        )
    elif config.staging == Staging.NOT_STAGED:  # written, and not yet in the commit
        yield (
            True,
            workflow_command(
                "error", say.written(config), file=config_file, title="Unstaged sizing document"
            ),
        )
    for model in config.failing_models:
        yield (
            True,
            workflow_command(
                "error",
                f"{say.model_failure(config, model)}\n{say.remedy(config, model)}",
                file=config_file,
                title=say.failure_title(config, model),
                line=model.position.line if model.position else None,
                column=model.position.column if model.position else None,
            ),
        )
    if config.ok:
        yield False, say.success(config)


def log_lines(result: RunResult, workspace: str = "") -> list[str]:
    """What goes to the log: our commands as they are, every run of other lines
    in one inert block."""
    tagged: list[tuple[bool, str]] = [
        (True, _problem_command(problem, workspace)) for problem in result.problems
    ]
    for config in result.configs:
        tagged.extend(_config_lines(config, workspace))
    if result.write_refused:
        tagged.append((True, say.NOTHING_WRITTEN))
    lines: list[str] = []
    for ours, run in groupby(tagged, key=lambda item: item[0]):
        text = [line for _, line in run]
        lines.extend(text if ours else inert_block(text))
    return lines


def report(result: RunResult, to: Destination) -> None:
    for line in log_lines(result, to.workspace):
        print(line, file=to.out)
    if to.step_summary is not None:
        # GitHub collects what each step appends to this file, and drops it
        # all past its limit: earlier content of this step counts too.
        try:
            existing = to.step_summary.stat().st_size
        except OSError:
            existing = 0
        summary = step_summary(result, STEP_SUMMARY_LIMIT - existing)
        try:
            with to.step_summary.open("a", encoding="utf-8") as summary_file:
                summary_file.write(summary)
        except OSError as error:
            message = _escape_data(f"cannot write the step summary: {error}")
            print(f"::warning::{message}", file=to.out)
