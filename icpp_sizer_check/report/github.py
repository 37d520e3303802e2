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
import re
import secrets
from itertools import groupby
from typing import Iterable, Iterator

from icpp_sizer_check.errors import Problem
from icpp_sizer_check.report import Destination
from icpp_sizer_check.report import messages as say
from icpp_sizer_check.runner import MISSING, STALE, ConfigResult, RunResult

# GitHub drops a step's whole summary when its file grows past 1 MiB
# (actions/runner: CreateStepSummaryCommand).
STEP_SUMMARY_LIMIT = 1024 * 1024


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
    if config.document_status == STALE:
        title = _escape_data(f"{config.output_file}: diff, committed vs regenerated")
        yield True, f"::group::{title}"
        yield False, config.diff.rstrip("\n")
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
    elif config.document_status == MISSING:
        yield (
            True,
            workflow_command(
                "error", say.missing(config), file=config_file, title="Missing sizing document"
            ),
        )
    for model in config.failing_models:
        yield (
            True,
            workflow_command(
                "error",
                f"{say.model_failure(config, model)}\n{say.remedy(config, model)}",
                file=config_file,
                title="Model does not fit" if model.users < 1 else "Too few concurrent users",
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


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _fence(text: str) -> str:
    """A code fence longer than any run of backticks inside ``text``."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


_DOCUMENT_STATUS = {
    "up-to-date": "✅ up to date",
    "written": "✅ written",
    "stale": "❌ stale",
    "missing": "❌ missing",
}
_MODEL_STATUS = {
    "ok": "✅ ok",
    "below-threshold": "❌ below threshold",
    "does-not-fit": "❌ does not fit",
}


def _summary_head(result: RunResult) -> list[str]:
    """The verdict, the table of every model, failures and config errors."""
    verdict = "✅ passed" if result.exit_code == 0 else "❌ failed"
    lines = [f"## icpp-sizer-check: {verdict}", ""]
    if result.configs:
        lines += [
            "| Config | Document | Model | Users | Threshold | Status |",
            "| --- | --- | --- | ---: | ---: | --- |",
        ]
        for config in result.configs:
            document = f"`{_cell(config.output_file)}` {_DOCUMENT_STATUS[config.document_status]}"
            for model in config.models:
                lines.append(
                    f"| `{_cell(config.config_file)}` | {document} | {_cell(model.name)} | "
                    f"{model.users} | {model.threshold} | {_MODEL_STATUS[model.status]} |"
                )
        lines.append("")
    failing = [(c, m) for c in result.configs for m in c.failing_models]
    if failing:
        lines += ["### Below threshold", ""]
        lines += [
            f"- `{_cell(c.config_file)}` {_cell(say.model_failure(c, m))}; {say.remedy(c, m)}"
            for c, m in failing
        ]
        lines.append("")
    if result.problems:
        lines += ["### Invalid configs", ""]
        lines += [f"- `{_cell(str(problem))}`" for problem in result.problems]
        lines.append("")
    return lines


def _diff_cut_note(hidden: int) -> str:
    lines = "1 more line" if hidden == 1 else f"{hidden} more lines"
    return (
        f"_The diff is cut here: {lines} not shown, as GitHub keeps a step summary "
        "under 1 MiB. The job log has the diff, and so does the check run locally._"
    )


SUMMARY_CUT_NOTE = (
    "\n_The summary is cut here, as GitHub keeps a step summary under 1 MiB. "
    "The job log has the rest._\n"
)


def _stale_section(config: ConfigResult, diff: str, hidden: int) -> list[str]:
    """A stale document: its fix, its changed cells and (the first lines of) its diff."""
    fence = _fence(config.diff)
    return [
        f"### Stale: `{config.output_file}`",
        "",
        f"Fix it with `{config.fix_command}`.",
        "",
        *(f"- {line}" for line in say.changes(config)),
        "",
        f"{fence}diff",
        diff,
        fence,
        "",
        *([_diff_cut_note(hidden), ""] if hidden else []),
    ]


def _size(lines: list[str]) -> int:
    """Bytes of ``lines`` joined as the summary joins them, each with its newline."""
    return sum(len(line.encode("utf-8")) + 1 for line in lines)


def _first_lines(text: str, budget: int) -> tuple[str, int]:
    """The longest run of whole lines from the start of ``text`` that fits in
    ``budget`` bytes (each with its newline), and how many lines are left out."""
    lines = text.split("\n")
    used = 0
    for kept, line in enumerate(lines):
        used += len(line.encode("utf-8")) + 1
        if used > budget:
            return "\n".join(lines[:kept]), len(lines) - kept
    return text, 0


def step_summary(result: RunResult, budget: int = STEP_SUMMARY_LIMIT) -> str:
    """Markdown for $GITHUB_STEP_SUMMARY: a table of every model, then the diffs,
    in at most ``budget`` bytes: diffs longer than their share are cut with a note."""
    head = _summary_head(result)
    stale = [config for config in result.configs if config.document_status == STALE]
    diffs = [config.diff.rstrip("\n") for config in stale]
    whole = head + [line for c, d in zip(stale, diffs) for line in _stale_section(c, d, 0)]
    if _size(whole) <= budget:
        return "\n".join(whole) + "\n"
    # Everything but the diffs, with the longest note each diff could need.
    frame = head + [
        line for c, d in zip(stale, diffs) for line in _stale_section(c, "", d.count("\n") + 1)
    ]
    left = budget - _size(frame)
    if left < 0:
        # Even without its diffs the summary is too large (a great many models):
        # its first lines, then a note.
        text, _ = _first_lines("\n".join(frame), budget - len(SUMMARY_CUT_NOTE.encode()))
        return f"{text}\n{SUMMARY_CUT_NOTE}" if text else ""
    lines = list(head)
    for index, (config, diff) in enumerate(zip(stale, diffs)):
        # An equal share of what is left for each diff still to come.
        shown, hidden = _first_lines(diff, left // (len(stale) - index))
        left -= len(shown.encode("utf-8")) + 1 if shown else 0
        lines += _stale_section(config, shown, hidden)
    return "\n".join(lines) + "\n"


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
