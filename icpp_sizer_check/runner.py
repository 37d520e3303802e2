"""Execute a check or a write over configs and collect the outcome as data.

Nothing here prints: the result goes to a reporter chosen by the CLI.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple, Sequence

from icpp_sizer_check import cache
from icpp_sizer_check.canister import DEFAULT_TARGET, WasmTarget
from icpp_sizer_check.checkpoint import VERSIONED_HEADER_BYTES
from icpp_sizer_check.compare import Changes, Comparison, compare_document
from icpp_sizer_check.config import (
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
from icpp_sizer_check.fileio import (
    DocumentTooLarge,
    TempFiles,
    atomic_write,
    read_optional,
    remove_stale_temp_files,
    temp_files_in,
)
from icpp_sizer_check.paths import MAX_DOCUMENT_BYTES, unique_files
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


class FileRead(NamedTuple):
    """A file a check read beside its config, and a hash of the bytes it used."""

    path: str  # as the config names it (from its folder), symlinks kept
    real: str  # where the symlinks led: the file read
    limit: int | None  # how many bytes were read; None: the whole file
    digest: str


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
    config_location: str = ""  # the config's absolute path
    # What the check used, for a replay record: the config's real path and a
    # hash of its bytes, and each file read beside it.
    config_real: str = ""
    config_digest: str = ""
    reads: tuple[FileRead, ...] = ()
    checkpoint_locations: tuple[str, ...] = ()
    target: WasmTarget = DEFAULT_TARGET  # caps the memory any remedy may suggest

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

    def __init__(
        self,
        write: bool,
        config_files: list[str],
        problems: list[Problem],
        exit_non_zero_on_write: bool = False,
    ) -> None:
        self.write = write
        # A hook that writes must fail, or the commit goes ahead without the
        # result: pre-commit does not see a new (untracked) document as a change.
        self.exit_non_zero_on_write = exit_non_zero_on_write
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
        if self.exit_non_zero_on_write and any(
            config.document_status == WRITTEN for config in self.configs
        ):
            return EXIT_CHECK_FAILED
        return EXIT_OK


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
            remedy(
                model.hyperparameters,
                available,
                max(model.min_concurrent_users, 1),
                config.target.heap_cap_mib,
            )
            if count < max(model.min_concurrent_users, 1)
            else None,
        )
        for model, sizing, count in zip(config.models, sizings, users)
    )
    return text, results


def _output_problem(config: SizerConfig, message: str) -> Problem:
    return Problem(
        config.shown,
        f"{config.output_shown!r} {message}",
        config.output_position,
        "output",
        config.location.absolute if config.location else "",
    )


def _trespassing_outputs(configs: Sequence[SizerConfig]) -> dict[int, Problem]:
    """Outputs that would overwrite a file of the run: a config, a checkpoint,
    or another config's document. Keyed by the index of the offending config."""
    config_files = {config.location.real: config for config in configs if config.location}
    checkpoints = {
        model.checkpoint.real: (config, model.name)
        for config in configs
        for model in config.models
        if model.checkpoint
    }
    owners: dict[str, SizerConfig] = {}
    problems: dict[int, Problem] = {}
    # Every folder some output sits in (a set, so the check stays linear).
    folders: set[str] = set()
    for config in configs:
        folder = os.path.dirname(str(config.output))
        while folder not in folders and os.path.dirname(folder) != folder:
            folders.add(folder)
            folder = os.path.dirname(folder)
    for index, config in enumerate(configs):
        target = str(config.output)
        owner = owners.setdefault(target, config)
        if target in config_files:
            message = f"is the config {config_files[target].shown}; name a Markdown document"
        elif target in checkpoints:
            holder, model = checkpoints[target]
            message = (
                f"is the checkpoint of model {model} in {holder.shown}; name a Markdown document"
            )
        elif owner is not config:
            message = f"is also the output of {owner.shown}; give each config its own document"
        elif target in folders:
            message = "is the folder of another config's output; give each config its own document"
        else:
            continue
        problems[index] = _output_problem(config, message)
    return problems


def _reads(config: SizerConfig, document: bytes) -> tuple[FileRead, ...]:
    return (
        FileRead(config.output_location, str(config.output), None, cache.digest([document])),
        *(
            FileRead(
                model.checkpoint.location,
                model.checkpoint.real,
                VERSIONED_HEADER_BYTES,
                model.checkpoint.header_digest,
            )
            for model in config.models
            if model.checkpoint
        ),
    )


class _Checked(NamedTuple):
    config: SizerConfig
    text: str
    models: tuple[ModelResult, ...]
    committed: bytes | None
    comparison: Comparison


def _check(config: SizerConfig, temp_files: TempFiles) -> _Checked | Problem:
    """Regenerate a config's document and compare it with the committed one."""
    text, models = regenerate(config)
    try:
        # Temp files of a writer killed before its rename; any run that looks
        # at the folder clears them.
        remove_stale_temp_files(config.output, temp_files)
        committed = read_optional(config.output)
    except DocumentTooLarge:
        return _output_problem(
            config,
            f"is larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB, far beyond any "
            "sizing document; delete it, then run the fix command to regenerate it",
        )
    except OSError as error:
        return _document_problem(config, "read", error)
    comparison = compare_document(committed, text, config.output_shown, config.compare)
    return _Checked(config, text, models, committed, comparison)


def _document_problem(config: SizerConfig, action: str, error: OSError) -> Problem:
    return Problem(
        config.shown,
        f"cannot {action} output {config.output_shown}: {error.strerror or error}",
        location=config.location.absolute if config.location else "",
    )


def _result(checked: _Checked, status: str) -> ConfigResult:
    config, location = checked.config, checked.config.location
    return ConfigResult(
        config_file=config.shown,
        output_file=config.output_shown,
        document_status=status,
        memory_mib=config.memory_mib,
        models=checked.models,
        fix_command=config.fix_command,
        comparison=checked.comparison,
        output_location=config.output_location,
        config_location=location.absolute if location else "",
        config_real=location.real if location else "",
        config_digest=config.source_digest,
        reads=_reads(config, checked.committed) if checked.committed is not None else (),
        target=config.target,
    )


def _shown(config_paths: Sequence[Path], configs: Sequence[SizerConfig]) -> list[str]:
    """Every config asked for, as messages show it (located once, when it loaded)."""
    loaded = {config.path: config.shown for config in configs}
    return [loaded[path] if path in loaded else display_path(path) for path in config_paths]


def run(
    config_paths: Sequence[Path],
    write: bool = False,
    use_cache: bool = True,
    exit_non_zero_on_write: bool = False,
) -> RunResult:
    """Check (or, with ``write``, regenerate) the documents of ``config_paths``;
    ``exit_non_zero_on_write`` makes a written document fail the run."""
    # Each config once, however often or by whatever path it was named.
    config_paths = [Path(name) for name in unique_files([str(path) for path in config_paths])]
    configs, problems = load_configs(config_paths, use_cache)
    refused = _trespassing_outputs(configs)
    problems.extend(refused.values())
    result = RunResult(
        write=write,
        config_files=_shown(config_paths, configs),
        problems=problems,
        exit_non_zero_on_write=exit_non_zero_on_write,
    )
    # Every document is read and compared before any is written. A bad config
    # or an unreadable document anywhere means nothing is written anywhere: a
    # half-applied write over several documents is harder to review than none.
    checked: list[_Checked] = []
    listed: dict[Path, TempFiles] = {}  # each folder listed once, however many documents
    for index, config in enumerate(configs):
        if index in refused:
            continue  # its document is never read: it may be a file that is not one
        folder = config.output.parent
        if folder not in listed:
            listed[folder] = temp_files_in(folder)
        outcome = _check(config, listed[folder])
        if isinstance(outcome, Problem):
            result.problems.append(outcome)
        else:
            checked.append(outcome)
    may_write = write and not result.problems
    result.write_refused = write and not may_write
    for item in checked:
        status = item.comparison.status
        if may_write and status != UP_TO_DATE:
            try:
                atomic_write(item.config.output, item.text.encode("utf-8"))
            except OSError as error:
                result.problems.append(_document_problem(item.config, "write", error))
                continue
            status = WRITTEN
        result.configs.append(_result(item, status))
    return result
