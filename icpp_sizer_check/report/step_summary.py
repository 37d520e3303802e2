"""GitHub's step summary: a Markdown table of every model, failures and
config errors, then each stale document's diff; always under GitHub's limit."""

from __future__ import annotations

import re

from icpp_sizer_check import __program__
from icpp_sizer_check.compare import DocumentStatus
from icpp_sizer_check.exit_codes import EXIT_OK
from icpp_sizer_check.report import messages as say
from icpp_sizer_check.results import ConfigResult, ModelStatus, RunResult
from icpp_sizer_check.runtimes import get_runtime

# GitHub drops a step's whole summary when its file grows past 1 MiB
# (actions/runner: CreateStepSummaryCommand).
STEP_SUMMARY_LIMIT = 1024 * 1024


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _fence(text: str) -> str:
    """A code fence longer than any run of backticks inside ``text``."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


_DOCUMENT_STATUS = {
    DocumentStatus.UP_TO_DATE: "✅ up to date",
    DocumentStatus.WRITTEN: "✅ written",
    DocumentStatus.STALE: "❌ stale",
    DocumentStatus.MISSING: "❌ missing",
}
_MODEL_STATUS = {
    ModelStatus.OK: "✅ ok",
    ModelStatus.BELOW_THRESHOLD: "❌ below threshold",
    ModelStatus.DOES_NOT_FIT: "❌ does not fit",
    ModelStatus.FILE_TOO_LARGE: "❌ file too large",
}


def _summary_head(result: RunResult) -> list[str]:
    """The verdict, the table of every model, failures and config errors."""
    verdict = "✅ passed" if result.exit_code == EXIT_OK else "❌ failed"
    lines = [f"## {__program__}: {verdict}", ""]
    if result.configs:
        lines += [
            "| Config | Document | Model | Has | Threshold | Status |",
            "| --- | --- | --- | ---: | ---: | --- |",
        ]
        for config in result.configs:
            document = f"`{_cell(config.output_file)}` {_DOCUMENT_STATUS[config.document_status]}"
            unit = get_runtime(config.runtime).margin_unit
            for model in config.models:
                have, need = model.margin
                lines.append(
                    f"| `{_cell(config.config_file)}` | {document} | {_cell(model.name)} | "
                    f"{have} {unit} | {need} | {_MODEL_STATUS[model.status]} |"
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
        f"Fix it with `{say.fix_command(config)}`.",
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
    stale = [config for config in result.configs if config.document_status == DocumentStatus.STALE]
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
