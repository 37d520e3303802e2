"""The sentences every reporter shares, so that each format says the same thing."""

from __future__ import annotations

from icpp_sizer_check.compare import DocumentStatus
from icpp_sizer_check.config.location import regenerate_command
from icpp_sizer_check.errors import Problem
from icpp_sizer_check.results import ConfigResult, ModelResult
from icpp_sizer_check.runtimes import get_runtime


def model_failure(config: ConfigResult, model: ModelResult) -> str:
    """Why the model fails, in its runtime's words."""
    return get_runtime(config.runtime).failure(config, model)


def failure_title(config: ConfigResult, model: ModelResult) -> str:
    """A few words on how the model fails, in its runtime's words."""
    return get_runtime(config.runtime).failure_title(model)


def remedy(config: ConfigResult, model: ModelResult) -> str:
    """What would make the model meet its threshold, in its runtime's words."""
    return get_runtime(config.runtime).remedy(config, model)


def model_detail(config: ConfigResult, model: ModelResult) -> str:
    """The model's users and where its values came from, in its runtime's words."""
    return get_runtime(config.runtime).detail(model)


def fix_command(config: ConfigResult) -> str:
    """The command that regenerates the config's document."""
    return regenerate_command(config.config_file)


# A long list of changed cells helps nobody; the diff has the rest.
MAX_CHANGES_SHOWN = 20


def changes(config: ConfigResult) -> list[str]:
    """The changed cells and added or removed models, at most MAX_CHANGES_SHOWN."""
    lines = config.changes.lines()
    if len(lines) > MAX_CHANGES_SHOWN:
        hidden = len(lines) - MAX_CHANGES_SHOWN + 1
        lines = [*lines[: MAX_CHANGES_SHOWN - 1], f"... and {hidden} more (see the diff)"]
    return lines


def success(config: ConfigResult) -> str:
    """The one line of a config that passed: its document, and the closest call."""
    if config.document_status == DocumentStatus.WRITTEN:
        done = f"wrote {config.output_file}"
    else:
        how = f" ({config.summary})" if config.summary else ""
        done = f"{config.output_file} is up to date{how}"
    return f"{config.config_file}: {done}; {headroom(config)}"


def model_location(config: ConfigResult, model: ModelResult) -> str:
    if model.position is None:
        return config.config_file
    return f"{config.config_file}:{model.position.line}:{model.position.column}"


def headroom(config: ConfigResult) -> str:
    """The closest call among a config's models, for the success line."""
    tightest = min(config.models, key=lambda model: (model.margin.spare, model.margin.have))
    return f"smallest headroom: {get_runtime(config.runtime).closest(tightest)}"


def stale(config: ConfigResult) -> str:
    why = f" ({config.summary})" if config.summary else ""
    return f"{config.output_file} is stale{why}; fix it with: {fix_command(config)}"


def missing(config: ConfigResult) -> str:
    return f"{config.output_file} is missing; create it with: {fix_command(config)}"


def problem_text(problem: Problem) -> str:
    """A problem without its file and position, for formats that carry those apart."""
    return f"{problem.json_path}: {problem.message}" if problem.json_path else problem.message


NOTHING_WRITTEN = "nothing written: fix the errors above, then run again"
