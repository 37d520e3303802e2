"""GitHub Actions: workflow commands that annotate the exact lines, and a step summary.

Config errors point at the YAML line, stale documents at their first differing
line, threshold failures at the model's line in the config.
"""

from __future__ import annotations

import re
from typing import Iterable

from icpp_sizer_check.errors import Problem
from icpp_sizer_check.report import Destination
from icpp_sizer_check.report import messages as say
from icpp_sizer_check.runner import MISSING, STALE, ConfigResult, RunResult


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


def _problem_command(problem: Problem) -> str:
    position = problem.position
    return workflow_command(
        "error",
        say.problem_text(problem),
        file=problem.file,
        title="Invalid sizing config",
        line=position.line if position else None,
        column=position.column if position else None,
    )


def _config_lines(config: ConfigResult) -> Iterable[str]:
    if config.document_status == STALE:
        yield f"::group::{config.output_file}: diff, committed vs regenerated"
        yield config.diff.rstrip("\n")
        yield "::endgroup::"
        yield workflow_command(
            "error",
            "\n".join([say.stale(config), *say.changes(config)]),
            file=config.output_file,
            title="Stale sizing document",
            line=config.first_difference_line,
        )
    elif config.document_status == MISSING:
        yield workflow_command(
            "error", say.missing(config), file=config.config_file, title="Missing sizing document"
        )
    for model in config.failing_models:
        yield workflow_command(
            "error",
            f"{say.model_failure(config, model)}\n{say.remedy(config, model)}",
            file=config.config_file,
            title="Model does not fit" if model.users < 1 else "Too few concurrent users",
            line=model.position.line if model.position else None,
            column=model.position.column if model.position else None,
        )
    if config.ok:
        yield say.success(config)


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


def step_summary(result: RunResult) -> str:
    """Markdown for $GITHUB_STEP_SUMMARY: a table of every model, then the diffs."""
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
    for config in result.configs:
        if config.document_status == STALE:
            fence = _fence(config.diff)
            lines += [
                f"### Stale: `{config.output_file}`",
                "",
                f"Fix it with `{config.fix_command}`.",
                "",
                *(f"- {line}" for line in say.changes(config)),
                "",
                f"{fence}diff",
                config.diff.rstrip("\n"),
                fence,
                "",
            ]
    return "\n".join(lines) + "\n"


def report(result: RunResult, to: Destination) -> None:
    for problem in result.problems:
        print(_problem_command(problem), file=to.out)
    for config in result.configs:
        for line in _config_lines(config):
            print(line, file=to.out)
    if result.write_refused:
        print(say.NOTHING_WRITTEN, file=to.out)
    if to.step_summary is not None:
        # GitHub collects what each step appends to this file.
        try:
            with to.step_summary.open("a", encoding="utf-8") as summary:
                summary.write(step_summary(result))
        except OSError as error:
            print(f"::warning::cannot write the step summary: {error}", file=to.out)
