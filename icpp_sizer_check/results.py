"""What a run finds, as data: the states of documents and models, and each
config's and model's outcome. Reporters turn these into text, JSON or GitHub
commands; nothing here prints."""

from __future__ import annotations

from enum import Enum
from typing import Any, NamedTuple, Protocol

from icpp_sizer_check.canister import DEFAULT_TARGET, WasmTarget
from icpp_sizer_check.compare import Changes, Comparison, DocumentStatus
from icpp_sizer_check.errors import Position, Problem
from icpp_sizer_check.exit_codes import EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_OK

__all__ = ["DocumentStatus"]  # defined beside the comparison that decides it


class ModelStatus(str, Enum):
    OK = "ok"
    BELOW_THRESHOLD = "below-threshold"
    DOES_NOT_FIT = "does-not-fit"
    FILE_TOO_LARGE = "file-too-large"


def required_users(threshold: int) -> int:
    """The users a model must serve to pass: its threshold, and one at least."""
    return max(threshold, 1)


def model_status(users: int, threshold: int) -> ModelStatus:
    """The failing-model rule: a model that serves fewer users than it must
    fails; one that serves none does not fit, the others are below threshold."""
    if users >= required_users(threshold):
        return ModelStatus.OK
    return ModelStatus.DOES_NOT_FIT if users < 1 else ModelStatus.BELOW_THRESHOLD


class FileRead(NamedTuple):
    """A file a check read beside its config, and a hash of the bytes it used."""

    path: str  # as the config names it (from its folder), symlinks kept
    real: str  # where the symlinks led: the file read
    limit: int | None  # how many bytes were read; None: the whole file
    digest: str
    # The file's size, where the check used it beyond the bytes it read (a
    # GGUF file's size is sized and held to a limit); None: not used.
    size: int | None = None


class Margin(NamedTuple):
    """How far a model is from its threshold, in its runtime's unit (users
    served, MiB of heap to spare): what the closest call is chosen by."""

    have: int
    need: int

    @property
    def spare(self) -> int:
        return self.have - self.need


class ModelAccount(Protocol):
    """A runtime's own account of a sized model: its values, its sizing, and
    for a failing model what would make it pass, which it words. Only its
    runtime builds one; the reporters ask it for sentences."""

    def failure(self, config: ConfigResult, model: ModelResult) -> str:
        """One line: why the model fails."""
        ...

    def failure_title(self, model: ModelResult) -> str:
        """A few words: how the model fails (a GitHub annotation's title)."""
        ...

    def closest(self, model: ModelResult) -> str:
        """How close the model is to its threshold, for the line of a config that passed."""
        ...

    def remedy(self, config: ConfigResult, model: ModelResult) -> str:
        """One line: what would make the model meet its threshold."""
        ...

    def detail(self, model: ModelResult) -> str:
        """One line: the model's margin and where its values came from."""
        ...

    def model_json(self, model: ModelResult) -> dict[str, Any]:
        """The runtime's keys of a model in ``--format json``."""
        ...


class ModelResult(NamedTuple):
    name: str
    status: ModelStatus  # decided by the runtime's failing-model rule
    margin: Margin
    position: Position | None
    account: ModelAccount  # the runtime's own, in its own types


class Staging(str, Enum):
    """Which copy of a document a check judged."""

    WORKING_TREE = "working-tree"  # the file on disk (no --staged)
    STAGED = "staged"  # the commit's, from the index (--staged)
    # The commit's, which is not current while the file on disk is (or was
    # just written): staging it is the whole fix.
    NOT_STAGED = "not-staged"


def document_verdict(
    on_disk: DocumentStatus, staged: DocumentStatus | None, written: bool
) -> tuple[DocumentStatus, Staging]:
    """The document rule: its status, and which copy that speaks of. ``staged``:
    the commit's copy, where the run judges the index (None: the file on disk is
    judged). A document current on disk (or just ``written``) that the commit
    lacks fails: staging it is the fix."""
    judged = on_disk if staged is None else staged
    status = DocumentStatus.WRITTEN if written else judged
    if staged is None:
        return status, Staging.WORKING_TREE
    current_on_disk = written or on_disk == DocumentStatus.UP_TO_DATE
    if current_on_disk and staged != DocumentStatus.UP_TO_DATE:
        return status, Staging.NOT_STAGED
    return status, Staging.STAGED


class CheckedInputs(NamedTuple):
    """What a check used, exactly as it used it: for a replay record."""

    config_real: str = ""  # the config's real path
    config_digest: str = ""  # a hash of the config's bytes
    reads: tuple[FileRead, ...] = ()  # every other file read, with a hash of its bytes


class ConfigResult(NamedTuple):
    config_file: str  # as messages show it: from the project root
    output_file: str
    document_status: DocumentStatus
    memory_mib: int
    models: tuple[ModelResult, ...]
    runtime: str  # the runtime's name, as the config gives it
    comparison: Comparison = Comparison(DocumentStatus.UP_TO_DATE)
    config_location: str = ""  # the config's absolute path
    output_location: str = ""  # the document's, from the config's folder
    target: WasmTarget = DEFAULT_TARGET  # caps the memory any remedy may suggest
    inputs: CheckedInputs = CheckedInputs()
    staging: Staging = Staging.WORKING_TREE

    @property
    def diff(self) -> str:
        return self.comparison.diff if self.document_status == DocumentStatus.STALE else ""

    @property
    def summary(self) -> str:
        """What kind of difference, or "ignoring formatting" for a content match."""
        return self.comparison.summary if self.document_status != DocumentStatus.WRITTEN else ""

    @property
    def first_difference_line(self) -> int | None:
        stale = self.document_status == DocumentStatus.STALE
        return self.comparison.first_difference_line if stale else None

    @property
    def changes(self) -> Changes:
        return (
            self.comparison.changes if self.document_status == DocumentStatus.STALE else Changes()
        )

    @property
    def failing_models(self) -> list[ModelResult]:
        return [model for model in self.models if model.status != ModelStatus.OK]

    @property
    def ok(self) -> bool:
        return (
            self.document_status.is_current
            and self.staging != Staging.NOT_STAGED
            and not self.failing_models
        )


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
            config.document_status == DocumentStatus.WRITTEN for config in self.configs
        ):
            return EXIT_CHECK_FAILED
        return EXIT_OK
