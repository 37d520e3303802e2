"""The hand-made results of tests/report/results.py are what a run makes: the
only tests here that run the pipeline, so that the reporter tests need not."""

from __future__ import annotations

from pathlib import Path

import pytest

from icpp_sizer_check.results import CheckedInputs
from icpp_sizer_check.runner import run
from tests.fixtures import CONFIG, DOCUMENT, GOLDEN, STORIES, edit
from tests.report.results import (
    COMMITTED,
    REGENERATED_AT_512,
    config_result,
    run_result,
    stories,
)


def test_an_up_to_date_config_is_what_a_check_finds(committed: Path) -> None:
    found = run([CONFIG])
    (config,) = found.configs
    assert config._replace(inputs=CheckedInputs()) == config_result(root=committed)
    assert vars(found) == vars(run_result([config]))


@pytest.mark.parametrize(
    ("old", "new", "memory_mib", "threshold"),
    [
        ("min_concurrent_users: 1", "min_concurrent_users: 100", 3072, 100),  # beyond the cap
        ("memory_mib: 3072", "memory_mib: 200", 200, 1),  # 42M and 110M do not fit
    ],
)
def test_failing_models_and_their_remedies_are_what_a_run_finds(
    project: Path, old: str, new: str, memory_mib: int, threshold: int
) -> None:
    edit(project / CONFIG, old, new)
    (config,) = run([CONFIG], write=True).configs
    assert config.models == stories(memory_mib, thresholds=dict.fromkeys(STORIES, threshold))
    assert config.failing_models, "the case has a failing model"


def test_the_literal_documents_are_lines_of_real_ones(committed: Path) -> None:
    assert set(COMMITTED.splitlines()) <= set(GOLDEN.read_text().splitlines())
    edit(committed / CONFIG, "seq_len: 256", "seq_len: 512")
    run([CONFIG], write=True)
    assert set(REGENERATED_AT_512.splitlines()) <= set(
        (committed / DOCUMENT).read_text().splitlines()
    )
