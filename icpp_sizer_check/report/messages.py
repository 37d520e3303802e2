"""The sentences every reporter shares, so that each format says the same thing."""

from __future__ import annotations

from icpp_sizer_check.compare import DocumentStatus
from icpp_sizer_check.config.location import regenerate_command
from icpp_sizer_check.errors import Problem
from icpp_sizer_check.results import ConfigResult, ModelResult, Staging
from icpp_sizer_check.sources import stage_command


def model_failure(config: ConfigResult, model: ModelResult) -> str:
    """Why the model fails, in its runtime's words."""
    return model.account.failure(config, model)


def failure_title(config: ConfigResult, model: ModelResult) -> str:
    """A few words on how the model fails, in its runtime's words."""
    return model.account.failure_title(model)


def remedy(config: ConfigResult, model: ModelResult) -> str:
    """What would make the model meet its threshold, in its runtime's words."""
    return model.account.remedy(config, model)


def model_detail(config: ConfigResult, model: ModelResult) -> str:
    """The model's users and where its values came from, in its runtime's words."""
    return model.account.detail(model)


def fix_command(config: ConfigResult) -> str:
    """The command that fixes the config's document: regenerating it, and with
    --staged staging it too (or only staging it, when that is all it needs)."""
    stage = stage_command(config.output_file)
    if config.staging == Staging.NOT_STAGED:
        return stage
    regenerate = regenerate_command(config.config_file)
    return f"{regenerate} && {stage}" if config.staging == Staging.STAGED else regenerate


def _not_staged(config: ConfigResult) -> str:
    return f"the file on disk is up to date but not staged; stage it with: {fix_command(config)}"


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
    return f"smallest headroom: {tightest.account.closest(tightest)}"


def stale(config: ConfigResult) -> str:
    why = f" ({config.summary})" if config.summary else ""
    if config.staging == Staging.NOT_STAGED:
        return f"{config.output_file} is stale in the commit{why}: {_not_staged(config)}"
    return f"{config.output_file} is stale{why}; fix it with: {fix_command(config)}"


def missing(config: ConfigResult) -> str:
    if config.staging == Staging.NOT_STAGED:
        return f"{config.output_file} is missing from the commit: {_not_staged(config)}"
    where = " from the commit" if config.staging == Staging.STAGED else ""
    return f"{config.output_file} is missing{where}; create it with: {fix_command(config)}"


def written(config: ConfigResult) -> str:
    """A document written that fails the run: with --staged, until it is staged."""
    if config.staging == Staging.NOT_STAGED:
        return f"wrote {config.output_file}; stage it with: {fix_command(config)}"
    return f"wrote {config.output_file}"


def problem_text(problem: Problem) -> str:
    """A problem without its file and position, for formats that carry those apart."""
    return f"{problem.json_path}: {problem.message}" if problem.json_path else problem.message


NOTHING_WRITTEN = "nothing written: fix the errors above, then run again"
