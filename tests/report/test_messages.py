from __future__ import annotations

import shutil
from pathlib import Path

from icpp_sizer_check.report import messages as say
from icpp_sizer_check.runner import run
from tests.conftest import GOLDEN, edit

CONFIG = Path("configs/icpp_llama2.yaml")
DOCUMENT = Path("configs/README_icpp_llama2_resource_requirements.md")


def test_headroom_names_the_tightest_model(project: Path) -> None:
    shutil.copy(GOLDEN, DOCUMENT)
    config = run([CONFIG]).configs[0]
    assert say.headroom(config) == "smallest headroom: 110M serves 35 users, threshold 1 (+34)"


def test_threshold_failure(project: Path) -> None:
    edit(project / CONFIG, "min_concurrent_users: 1", "min_concurrent_users: 40")
    config = run([CONFIG]).configs[0]
    (failing,) = config.failing_models
    assert say.model_location(config, failing) == "configs/icpp_llama2.yaml:35:5"
    assert say.model_failure(config, failing) == (
        "model 110M serves 35 concurrent users, below its threshold of 40 (short by 5)"
    )


def test_does_not_fit_says_by_how_much(project: Path) -> None:
    edit(project / CONFIG, "memory_mib: 3072", "memory_mib: 500")
    config = run([CONFIG]).configs[0]
    (failing,) = config.failing_models
    assert say.model_failure(config, failing) == (
        "model 110M does not fit: one user needs 584.02 MB but the canister has 500 MiB "
        "(84.02 MB short); raise canister.memory_mib or shrink the model"
    )


def test_stale_and_missing_name_the_fix(project: Path) -> None:
    config = run([CONFIG]).configs[0]
    assert say.missing(config) == (
        "configs/README_icpp_llama2_resource_requirements.md is missing; "
        "create it with: icpp-sizer-check --write --config configs/icpp_llama2.yaml"
    )
