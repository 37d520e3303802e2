"""Execute a check or a write over configs and collect the outcome as data.

Nothing here prints or words anything: the result goes to a reporter chosen
by the CLI.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple, Sequence

from icpp_sizer_check import cache
from icpp_sizer_check.canister import MIB
from icpp_sizer_check.compare import Comparison, DocumentStatus, compare_document
from icpp_sizer_check.config.load import load_configs
from icpp_sizer_check.config.location import display_path
from icpp_sizer_check.config.values import SizerConfig
from icpp_sizer_check.errors import Problem
from icpp_sizer_check.fileio import (
    DocumentTooLarge,
    TempFiles,
    atomic_write,
    read_optional,
    remove_stale_temp_files,
    temp_files_in,
)
from icpp_sizer_check.git_index import BlobTooLarge
from icpp_sizer_check.paths import MAX_DOCUMENT_BYTES, unique_files
from icpp_sizer_check.render import Style, render_document
from icpp_sizer_check.results import (
    CheckedInputs,
    ConfigResult,
    FileRead,
    ModelResult,
    RunResult,
    document_verdict,
)
from icpp_sizer_check.runtimes import get_runtime
from icpp_sizer_check.runtimes.base import Canister
from icpp_sizer_check.sources import Copy, FileSource, Judged, WorkingTree, staged_remedy


def regenerate(config: SizerConfig) -> tuple[str, tuple[ModelResult, ...]]:
    """The document text and the per-model outcome for one config."""
    runtime = get_runtime(config.runtime)
    canister = Canister(config.memory_mib, config.target, config.runtime_options)
    evaluation = runtime.evaluate(config.models, canister)
    text = render_document(config.title, config.command, evaluation.tables, config.style)
    return text, evaluation.models


def _output_problem(config: SizerConfig, message: str) -> Problem:
    return Problem(
        config.shown,
        f"{config.output_shown!r} {message}",
        config.output_position,
        "output",
        config.location.absolute,
    )


def _trespassing_outputs(configs: Sequence[SizerConfig]) -> dict[int, Problem]:
    """Outputs that would overwrite a file of the run: a config, a model file,
    or another config's document. Keyed by the index of the offending config."""
    config_files = {config.location.real: config for config in configs}
    model_files = {
        read.real: (config, model.name, get_runtime(config.runtime).model_file_key)
        for config in configs
        for model in config.models
        for read in model.reads
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
        elif target in model_files:
            holder, model, key = model_files[target]
            message = f"is the {key} of model {model} in {holder.shown}; name a Markdown document"
        elif owner is not config:
            message = f"is also the output of {owner.shown}; give each config its own document"
        elif target in folders:
            message = "is the folder of another config's output; give each config its own document"
        else:
            continue
        problems[index] = _output_problem(config, message)
    return problems


class _Staged(NamedTuple):
    """The commit's copy of a document, where the run judges the index."""

    data: bytes | None
    comparison: Comparison


class _Checked(NamedTuple):
    config: SizerConfig
    text: str
    models: tuple[ModelResult, ...]
    committed: bytes | None  # the working tree's copy
    comparison: Comparison  # of the working tree's copy
    staged: _Staged | None = None  # None: the working tree's copy is judged


def _check(config: SizerConfig, temp_files: TempFiles) -> _Checked | Problem:
    """Regenerate a config's document and compare it with the committed one."""
    text, models = regenerate(config)
    too_large = _too_large(config, len(text.encode("utf-8")))
    if too_large is not None:
        return too_large
    try:
        # Temp files of a writer killed before its rename; any run that looks
        # at the folder clears them.
        remove_stale_temp_files(config.output, temp_files)
        committed = read_optional(config.output)
    except DocumentTooLarge:
        return _output_problem(
            config,
            f"is larger than {MAX_DOCUMENT_BYTES // MIB} MiB, far beyond any "
            "sizing document; delete it, then run the fix command to regenerate it",
        )
    except OSError as error:
        return _document_problem(config, "read", error)
    return _Checked(config, text, models, committed, _compare(config, committed, text))


def _compare(config: SizerConfig, committed: bytes | None, text: str) -> Comparison:
    layout = get_runtime(config.runtime).layout
    return compare_document(committed, text, config.output_shown, config.compare, layout)


def _judge(item: _Checked, judged: Judged) -> _Checked | Problem:
    """``item`` with the commit's copy of its document, where that is not the
    working tree's."""
    config = item.config
    if judged is Copy.WORKING_TREE:
        return item
    if isinstance(judged, BlobTooLarge):
        return _output_problem(
            config,
            f"is staged at {judged.size} bytes, far beyond any sizing document; run the fix "
            "command, then stage the result",
        )
    if isinstance(judged, OSError):
        remedy = staged_remedy(judged, config.output_shown)
        return _output_problem(config, f"{judged.strerror}; {remedy}")
    same = judged == item.committed
    comparison = item.comparison if same else _compare(config, judged, item.text)
    return item._replace(staged=_Staged(judged, comparison))


def _too_large(config: SizerConfig, size: int) -> Problem | None:
    """A document past the cap a check reads would be refused by every check
    after the write: the config that makes one is refused before it."""
    if size <= MAX_DOCUMENT_BYTES:
        return None
    compact = " or set 'style: compact' (no padding)," if config.style == Style.ALIGNED else ""
    return _output_problem(
        config,
        f"would be {size / MIB:.2f} MiB, above the {MAX_DOCUMENT_BYTES // MIB} MiB a check "
        f"reads of a sizing document: shorten the model names,{compact} or list fewer models",
    )


def _document_problem(config: SizerConfig, action: str, error: OSError) -> Problem:
    return Problem(
        config.shown,
        f"cannot {action} output {config.output_shown}: {error.strerror or error}",
        location=config.location.absolute,
    )


def _inputs(checked: _Checked) -> CheckedInputs:
    """What the check used: the config's bytes, the document's (the very copy
    judged), each model file's."""
    config = checked.config
    used = checked.committed if checked.staged is None else checked.staged.data
    if used is None:
        return CheckedInputs()
    document = FileRead(config.output_location, str(config.output), None, cache.digest([used]))
    model_files = (read for model in config.models for read in model.reads)
    return CheckedInputs(config.location.real, config.source_digest, (document, *model_files))


def _result(checked: _Checked, written: bool) -> ConfigResult:
    config = checked.config
    staged = None if checked.staged is None else checked.staged.comparison.status
    status, staging = document_verdict(checked.comparison.status, staged, written)
    return ConfigResult(
        config_file=config.shown,
        output_file=config.output_shown,
        document_status=status,
        memory_mib=config.memory_mib,
        models=checked.models,
        runtime=config.runtime,
        comparison=checked.comparison if checked.staged is None else checked.staged.comparison,
        config_location=config.location.absolute,
        output_location=config.output_location,
        target=config.target,
        inputs=_inputs(checked),
        staging=staging,
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
    source: FileSource | None = None,
) -> RunResult:
    """Check (or, with ``write``, regenerate) the documents of ``config_paths``;
    ``exit_non_zero_on_write`` makes a written document fail the run. The
    configs and documents judged come from ``source`` (the working tree's by
    default; the index's for --staged); documents are written to disk."""
    source = source or WorkingTree()
    # Each config once, however often or by whatever path it was named (a hard
    # link in another folder is another config: see unique_files).
    names = unique_files([str(path) for path in config_paths], source.staged)
    config_paths = [Path(name) for name in names]
    # Decided for every config before any is loaded: the first config's
    # validation must not read a cache that lies inside the last one's project.
    use_cache = use_cache and cache.usable(names, os.environ)
    configs, problems = load_configs(config_paths, use_cache, source.read_config)
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
    judged = source.documents([Path(item.config.output_location) for item in checked])
    checked, refused_copies = _judged(checked, judged)
    result.problems.extend(refused_copies)
    may_write = write and not result.problems
    result.write_refused = write and not may_write
    for item in checked:
        written = may_write and item.comparison.status != DocumentStatus.UP_TO_DATE
        if written:
            try:
                atomic_write(item.config.output, item.text.encode("utf-8"))
            except OSError as error:
                result.problems.append(_document_problem(item.config, "write", error))
                continue
        result.configs.append(_result(item, written))
    return result


def _judged(
    checked: list[_Checked], judged: Sequence[Judged]
) -> tuple[list[_Checked], list[Problem]]:
    """Each checked document with the copy the run judges, and the problems of
    the copies that cannot be judged."""
    kept: list[_Checked] = []
    problems: list[Problem] = []
    for item, copy in zip(checked, judged):
        outcome = _judge(item, copy)
        if isinstance(outcome, Problem):
            problems.append(outcome)
        else:
            kept.append(outcome)
    return kept, problems
