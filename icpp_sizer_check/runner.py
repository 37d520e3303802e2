"""Execute a check or a write over configs and collect the outcome as data.

Nothing here prints: the result goes to a reporter chosen by the CLI.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import NamedTuple, Sequence

from icpp_sizer_check.compare import Changes, Comparison, compare_document
from icpp_sizer_check.config import (
    PROGRAM,
    CheckpointSource,
    SizerConfig,
    display_path,
    load_configs,
)
from icpp_sizer_check.errors import (
    EXIT_BAD_INPUT,
    EXIT_CHECK_FAILED,
    EXIT_OK,
    Position,
    Problem,
)
from icpp_sizer_check.fileio import atomic_write, read_optional
from icpp_sizer_check.render import render_document
from icpp_sizer_check.sizing import (
    Hyperparameters,
    ModelSizing,
    Remedy,
    mib_to_bytes,
    remedy,
    size_model,
)

# Document states. "written" only in write mode: the file changed on disk.
UP_TO_DATE = "up-to-date"
STALE = "stale"
MISSING = "missing"
WRITTEN = "written"

# Model states.
OK = "ok"
BELOW_THRESHOLD = "below-threshold"
DOES_NOT_FIT = "does-not-fit"


class ModelResult(NamedTuple):
    name: str
    sizing: ModelSizing
    users: int
    threshold: int
    position: Position | None
    hyperparameters: Hyperparameters
    checkpoint: CheckpointSource | None = None
    # For a failing model: what would make it serve its threshold (at least one user).
    remedy: Remedy | None = None

    @property
    def status(self) -> str:
        if self.users < 1:
            return DOES_NOT_FIT
        if self.users < self.threshold:
            return BELOW_THRESHOLD
        return OK

    @property
    def headroom(self) -> int:
        return self.users - self.threshold


class ConfigResult(NamedTuple):
    config_file: str
    output_file: str
    document_status: str
    memory_mib: int
    models: tuple[ModelResult, ...]
    fix_command: str
    comparison: Comparison = Comparison(UP_TO_DATE)
    # Absolute paths of the files read beside the config (for replay records).
    output_location: str = ""
    checkpoint_locations: tuple[str, ...] = ()

    @property
    def diff(self) -> str:
        return self.comparison.diff if self.document_status == STALE else ""

    @property
    def summary(self) -> str:
        """What kind of difference, or "ignoring formatting" for a content match."""
        return self.comparison.summary if self.document_status != WRITTEN else ""

    @property
    def first_difference_line(self) -> int | None:
        return self.comparison.first_difference_line if self.document_status == STALE else None

    @property
    def changes(self) -> Changes:
        return self.comparison.changes if self.document_status == STALE else Changes()

    @property
    def failing_models(self) -> list[ModelResult]:
        return [model for model in self.models if model.status != OK]

    @property
    def ok(self) -> bool:
        return self.document_status in (UP_TO_DATE, WRITTEN) and not self.failing_models


class RunResult:
    """What a run found; filled in as it goes."""

    def __init__(self, write: bool, config_files: list[str], problems: list[Problem]) -> None:
        self.write = write
        # Every config asked for, as displayed, in the order given.
        self.config_files = config_files
        self.configs: list[ConfigResult] = []
        self.problems = problems
        # A write was asked for but refused because some config is invalid.
        self.write_refused = False

    @property
    def exit_code(self) -> int:
        if self.problems:
            return EXIT_BAD_INPUT
        if any(not config.ok for config in self.configs):
            return EXIT_CHECK_FAILED
        return EXIT_OK


def fix_command(config_path: Path) -> str:
    return f"{PROGRAM} --write --config {shlex.quote(display_path(config_path))}"


def regenerate(config: SizerConfig) -> tuple[str, tuple[ModelResult, ...]]:
    """The document text and the per-model outcome for one config."""
    available = mib_to_bytes(config.memory_mib)
    sizings = [size_model(model.hyperparameters) for model in config.models]
    users = [sizing.max_concurrent_users(available) for sizing in sizings]
    text = render_document(
        config.title,
        config.command,
        [model.name for model in config.models],
        sizings,
        # The document prints what the original sizer printed (a negative count
        # for a model that does not fit); results and thresholds use `users`.
        [sizing.printed_users(available) for sizing in sizings],
        config.style,
    )
    results = tuple(
        ModelResult(
            model.name,
            sizing,
            count,
            model.min_concurrent_users,
            model.position,
            model.hyperparameters,
            model.checkpoint,
            # Only for models that fail: a remedy aims at threshold users (and
            # at one user at least, since a model that does not fit always fails).
            remedy(model.hyperparameters, available, max(model.min_concurrent_users, 1))
            if count < max(model.min_concurrent_users, 1)
            else None,
        )
        for model, sizing, count in zip(config.models, sizings, users)
    )
    return text, results


def _shared_outputs(configs: Sequence[SizerConfig]) -> list[Problem]:
    """Two configs writing one document would overwrite each other."""
    owners: dict[Path, SizerConfig] = {}
    problems = []
    for config in configs:
        key = config.output.resolve()
        owner = owners.setdefault(key, config)
        if owner is not config:
            problems.append(
                Problem(
                    display_path(config.path),
                    f"output {display_path(config.output)} is also the output of "
                    f"{display_path(owner.path)}; give each config its own document",
                )
            )
    return problems


def run(config_paths: Sequence[Path], write: bool = False, use_cache: bool = True) -> RunResult:
    """Check (or, with ``write``, regenerate) the documents of ``config_paths``."""
    configs, problems = load_configs(config_paths, use_cache)
    problems.extend(_shared_outputs(configs))
    result = RunResult(
        write=write, config_files=[display_path(path) for path in config_paths], problems=problems
    )
    # A bad config anywhere means nothing is written anywhere: a half-applied
    # write over several documents is harder to review than none.
    may_write = write and not problems
    result.write_refused = write and not may_write
    for config in configs:
        text, models = regenerate(config)
        output_file = display_path(config.output)
        action = "read"
        try:
            comparison = compare_document(
                read_optional(config.output), text, output_file, config.compare
            )
            status = comparison.status
            if may_write and status != UP_TO_DATE:
                action = "write"
                atomic_write(config.output, text.encode("utf-8"))
                status = WRITTEN
        except OSError as error:
            reason = error.strerror or str(error)
            result.problems.append(
                Problem(
                    display_path(config.path), f"cannot {action} output {output_file}: {reason}"
                )
            )
            continue
        result.configs.append(
            ConfigResult(
                config_file=display_path(config.path),
                output_file=output_file,
                document_status=status,
                memory_mib=config.memory_mib,
                models=models,
                fix_command=fix_command(config.path),
                comparison=comparison,
                # As written, not resolved: a replay must see a symlink retargeted.
                output_location=os.path.abspath(config.output),
                checkpoint_locations=tuple(
                    model.checkpoint.location for model in config.models if model.checkpoint
                ),
            )
        )
    return result
