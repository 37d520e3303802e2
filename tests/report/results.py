"""Results made by hand for the reporter tests, without running the pipeline.

Models are sized by the runtime's pure pieces (``size_model``, ``remedy``,
``model_status``), so every count and byte is what a run would report; a
document's comparison is worked out by ``compare_document`` on literal text.
tests/report/test_results.py holds these results to what the runner makes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Mapping

from icpp_sizer_check.canister import WASM32, WasmTarget, mib_to_bytes
from icpp_sizer_check.compare import CompareMode, Comparison, DocumentStatus, compare_document
from icpp_sizer_check.errors import Position, Problem
from icpp_sizer_check.results import (
    ConfigResult,
    Margin,
    ModelResult,
    ModelStatus,
    RunResult,
    model_status,
    required_users,
)
from icpp_sizer_check.runtimes.icpp_llama2.document import LAYOUT
from icpp_sizer_check.runtimes.icpp_llama2.messages import Llama2Account
from icpp_sizer_check.runtimes.icpp_llama2.models import CheckpointSource, Llama2Model
from icpp_sizer_check.runtimes.icpp_llama2.sizing import Hyperparameters, remedy, size_model
from tests.fixtures import CONFIG, DOCUMENT, STORIES, STORIES_15M

RUNTIME = "icpp_llama2"
# The repo's config (configs/icpp_llama2.yaml): its canister memory, and the
# line and column of each model's "name" key.
MEMORY_MIB = 3072
POSITIONS = {
    "260K": Position(11, 5),
    "15M": Position(19, 5),
    "42M": Position(27, 5),
    "110M": Position(35, 5),
}


def model_result(
    name: str,
    hyperparameters: Hyperparameters,
    memory_mib: int = MEMORY_MIB,
    threshold: int = 1,
    position: Position | None = None,
    target: WasmTarget = WASM32,
    checkpoint: CheckpointSource | None = None,
) -> ModelResult:
    """A model sized for a canister of ``memory_mib`` on ``target``, with the
    remedy a failing model gets (aimed at one user at least)."""
    sizing = size_model(hyperparameters)
    available = mib_to_bytes(memory_mib)
    users = sizing.max_concurrent_users(available)
    fix = None
    status = model_status(users, threshold)
    if status != ModelStatus.OK:
        fix = remedy(hyperparameters, available, required_users(threshold), target.heap_cap_mib)
    values = Llama2Model(hyperparameters, checkpoint)
    account = Llama2Account(values, sizing, fix)
    return ModelResult(name, status, Margin(users, threshold), position, account)


def stories(
    memory_mib: int = MEMORY_MIB,
    target: WasmTarget = WASM32,
    thresholds: Mapping[str, int] | None = None,
    changed: Mapping[str, Hyperparameters] | None = None,
) -> tuple[ModelResult, ...]:
    """The four models of the repo's config at their positions in it; a
    threshold (1 unless given) and changed hyperparameters by model name."""
    thresholds, changed = thresholds or {}, changed or {}
    assert set(thresholds) | set(changed) <= set(STORIES), "only the four models"
    return tuple(
        model_result(
            name,
            changed.get(name, hyperparameters),
            memory_mib,
            thresholds.get(name, 1),
            POSITIONS[name],
            target,
        )
        for name, hyperparameters in STORIES.items()
    )


def comparison(
    committed: str | None, regenerated: str, label: str = DOCUMENT.as_posix()
) -> Comparison:
    """``committed`` (None: no such file) held exactly against ``regenerated``."""
    old = None if committed is None else committed.encode("utf-8")
    return compare_document(old, regenerated, label, CompareMode.EXACT, LAYOUT)


def config_result(
    status: DocumentStatus = DocumentStatus.UP_TO_DATE,
    found: Comparison | None = None,
    *,
    models: Iterable[ModelResult] | None = None,
    thresholds: Mapping[str, int] | None = None,
    changed: Mapping[str, Hyperparameters] | None = None,
    memory_mib: int = MEMORY_MIB,
    target: WasmTarget = WASM32,
    config_file: str = CONFIG.as_posix(),
    output_file: str = DOCUMENT.as_posix(),
    root: Path | None = None,
) -> ConfigResult:
    """A config's outcome: its document ``status``, ``found`` by the check (a
    stale document needs one; a written one was missing unless given), and its
    models (the four stories at ``memory_mib`` unless given). ``root``: the
    project's absolute path, for the config's and the document's locations."""
    if found is None:
        assert status != DocumentStatus.STALE, "a stale document needs its comparison"
        current = status == DocumentStatus.UP_TO_DATE
        found = Comparison(status) if current else comparison(None, "", output_file)
    assert found.status == status or status == DocumentStatus.WRITTEN, (found.status, status)
    if models is None:
        models = stories(memory_mib, target, thresholds, changed)
    else:
        assert thresholds is None and changed is None, "models, or what changes in the stories"
    return ConfigResult(
        config_file=config_file,
        output_file=output_file,
        document_status=status,
        memory_mib=memory_mib,
        models=tuple(models),
        runtime=RUNTIME,
        comparison=found,
        config_location=str(root / config_file) if root else "",
        output_location=str(root / output_file) if root else "",
        target=target,
    )


def run_result(
    configs: Iterable[ConfigResult],
    problems: Iterable[Problem] = (),
    *,
    write: bool = False,
    config_files: Iterable[str] | None = None,
    exit_non_zero_on_write: bool = False,
    write_refused: bool = False,
) -> RunResult:
    """A run of ``configs`` and ``problems``; every config asked for is, unless
    given, each config's file and each problem's, in that order."""
    configs, problems = list(configs), list(problems)
    if config_files is None:
        config_files = dict.fromkeys(
            [*(config.config_file for config in configs), *(problem.file for problem in problems)]
        )
    result = RunResult(write, list(config_files), problems, exit_non_zero_on_write)
    result.configs = configs
    result.write_refused = write_refused
    return result


# The committed document of the repo's config, cut to two of its tables.
COMMITTED = (
    "# Canister resource requirements for icpp_llama2.\n"
    "\n"
    "Do not edit this file. It is created with the command: \n"
    "```bash\n"
    "python -m scripts.icpp_llama2_sizer\n"
    "```\n"
    "\n"
    "### RunState Memory (per user)\n"
    "\n"
    "Memory Type | 260K<br>(MB) | 15M<br>(MB) | 42M<br>(MB) | 110M<br>(MB)\n"
    "--- | --- | --- | --- | ---\n"
    "logits | 0.00 | 0.12 | 0.12 | 0.12\n"
    "key_cache | 0.31 | 1.69 | 16.00 | 36.00\n"
    "value_cache | 0.31 | 1.69 | 16.00 | 36.00\n"
    "Total | 0.65 | 3.52 | 32.18 | 72.20\n"
    "\n"
    "\n"
    "### Canister Metrics\n"
    "\n"
    "Canister Metrics | 260K<br>(MB) | 15M<br>(MB) | 42M<br>(MB) | 110M<br>(MB)\n"
    "--- | --- | --- | --- | ---\n"
    "Max number of concurrent users | 4760 | 847 | 88 | 35\n"
    "\n"
    "\n"
)
# 15M with seq_len 512 instead of 256, and the document that regenerates.
AT_512 = {"15M": STORIES_15M._replace(seq_len=512)}
REGENERATED_AT_512 = (
    COMMITTED.replace("key_cache | 0.31 | 1.69 |", "key_cache | 0.31 | 3.38 |")
    .replace("value_cache | 0.31 | 1.69 |", "value_cache | 0.31 | 3.38 |")
    .replace("Total | 0.65 | 3.52 |", "Total | 0.65 | 6.90 |")
    .replace("| 4760 | 847 |", "| 4760 | 431 |")
)


def stale_at_512(
    thresholds: Mapping[str, int] | None = None,
    *,
    regenerated: str = REGENERATED_AT_512,
    root: Path | None = None,
) -> ConfigResult:
    """The repo's config after 15M's seq_len went from 256 to 512: its
    committed document (COMMITTED) is stale."""
    return config_result(
        DocumentStatus.STALE,
        comparison(COMMITTED, regenerated),
        thresholds=thresholds,
        changed=AT_512,
        root=root,
    )
