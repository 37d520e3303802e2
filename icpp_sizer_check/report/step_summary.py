"""GitHub's step summary: a Markdown table of every model, failures and
config errors, then each stale document's diff; always under GitHub's limit.

GitHub renders the summary as Markdown with HTML, and anyone's pull request
writes the names, paths, cells, diffs and config errors in it: that text
stands only in code spans and in the diff's fenced block, where it shows as
text and cannot close them, never as Markdown or HTML of its own."""

from __future__ import annotations

import re

from icpp_sizer_check import __program__
from icpp_sizer_check.compare import DocumentStatus
from icpp_sizer_check.errors import printable
from icpp_sizer_check.exit_codes import EXIT_OK
from icpp_sizer_check.report import messages as say
from icpp_sizer_check.results import ConfigResult, ModelResult, ModelStatus, RunResult
from icpp_sizer_check.runtimes import get_runtime

# GitHub drops a step's whole summary when its file grows past 1 MiB
# (actions/runner: CreateStepSummaryCommand).
STEP_SUMMARY_LIMIT = 1024 * 1024


_BACKTICKS = re.compile(r"`+")
# ASCII punctuation: every character CommonMark lets a backslash escape.
_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")
# Stands for a model's name in a runtime's sentence, which is prose; the name,
# anyone's text, goes in a code span of its own.
_NAME = "\ue000"


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in _BACKTICKS.findall(text)), default=0)


def code_span(text: str, *, in_table: bool = False) -> str:
    """``text`` as a code span, shown as it is: inside one, nothing is read as
    Markdown, HTML, an entity or an autolink. Its backticks outnumber any run of
    them inside (the CommonMark rule for the closing run); control characters
    are escapes, as a line break would end the paragraph or the table row; in a
    table cell each pipe is escaped, as GitHub splits cells at pipes before it
    reads code spans (and drops the backslash)."""
    shown = printable(text)
    if in_table:
        shown = shown.replace("|", "\\|")
    if not shown:
        return ""
    ticks = "`" * (_longest_backtick_run(shown) + 1)
    # A space at each end is stripped when both are there: the padding keeps a
    # backtick at an end apart from the delimiters, and spaces at both ends.
    spaced = shown[0] == shown[-1] == " " and shown.strip(" ")
    pad = " " if spaced or shown[0] == "`" or shown[-1] == "`" else ""
    return f"{ticks}{pad}{shown}{pad}{ticks}"


def escaped_text(text: str) -> str:
    """The tool's own words as Markdown text: control characters as escapes,
    every ASCII punctuation character behind a backslash. Anyone's text goes in
    a code_span, where GitHub turns no address, mention or emoji into a link."""
    return _PUNCTUATION.sub(lambda found: "\\" + found.group(), printable(text))


def _fence(text: str) -> str:
    """A code fence longer than any run of backticks inside ``text``."""
    return "`" * max(3, _longest_backtick_run(text) + 1)


def _failure(config: ConfigResult, model: ModelResult) -> str:
    """Why the model fails, in its runtime's words, with its name as code."""
    sentence = say.model_failure(config, model._replace(name=_NAME))
    return code_span(model.name).join(escaped_text(part) for part in sentence.split(_NAME))


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
            output_file = code_span(config.output_file, in_table=True)
            document = f"{output_file} {_DOCUMENT_STATUS[config.document_status]}"
            config_file = code_span(config.config_file, in_table=True)
            unit = get_runtime(config.runtime).margin_unit
            for model in config.models:
                have, need = model.margin
                lines.append(
                    f"| {config_file} | {document} | {code_span(model.name, in_table=True)} | "
                    f"{have} {unit} | {need} | {_MODEL_STATUS[model.status]} |"
                )
        lines.append("")
    failing = [(c, m) for c in result.configs for m in c.failing_models]
    if failing:
        lines += ["### Below threshold", ""]
        lines += [
            f"- {code_span(c.config_file)} {_failure(c, m)}; {escaped_text(say.remedy(c, m))}"
            for c, m in failing
        ]
        lines.append("")
    if result.problems:
        lines += ["### Invalid configs", ""]
        lines += [f"- {code_span(str(problem))}" for problem in result.problems]
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
        f"### Stale: {code_span(config.output_file)}",
        "",
        f"Fix it with {code_span(say.fix_command(config))}.",
        "",
        *(f"- {code_span(line)}" for line in say.changes(config)),
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
    # A committed document is anyone's text: control characters as escapes.
    diffs = [printable(config.diff, keep="\n\t").rstrip("\n") for config in stale]
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
        # the first lines of its table and lists, then a note. A cut inside a
        # stale section could leave its fence open, and the note inside it.
        text, _ = _first_lines("\n".join(head), budget - len(SUMMARY_CUT_NOTE.encode()))
        return f"{text}\n{SUMMARY_CUT_NOTE}" if text else ""
    lines = list(head)
    for index, (config, diff) in enumerate(zip(stale, diffs)):
        # An equal share of what is left for each diff still to come.
        shown, hidden = _first_lines(diff, left // (len(stale) - index))
        left -= len(shown.encode("utf-8")) + 1 if shown else 0
        lines += _stale_section(config, shown, hidden)
    return "\n".join(lines) + "\n"
