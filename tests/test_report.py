from __future__ import annotations

import io
import shutil
from pathlib import Path

from icpp_sizer_check.report import headroom_line, model_failure_line, report_text
from icpp_sizer_check.runner import run
from tests.conftest import GOLDEN, edit

CONFIG = Path("configs/icpp_llama2.yaml")
DOCUMENT = Path("configs/README_icpp_llama2_resource_requirements.md")


def test_headroom_names_the_tightest_model(project: Path) -> None:
    shutil.copy(GOLDEN, DOCUMENT)
    config = run([CONFIG]).configs[0]
    assert headroom_line(config) == "smallest headroom: 110M serves 35 users, threshold 1 (+34)"


def test_threshold_failure_line(project: Path) -> None:
    edit(project / CONFIG, "min_concurrent_users: 1", "min_concurrent_users: 40")
    config = run([CONFIG]).configs[0]
    (failing,) = config.failing_models
    assert model_failure_line(config, failing) == (
        "configs/icpp_llama2.yaml:35:5: model 110M serves 35 concurrent users, "
        "below its threshold of 40 (short by 5)"
    )


def test_does_not_fit_line_says_by_how_much(project: Path) -> None:
    edit(project / CONFIG, "memory_mib: 3072", "memory_mib: 500")
    config = run([CONFIG]).configs[0]
    (failing,) = config.failing_models
    line = model_failure_line(config, failing)
    assert line.startswith("configs/icpp_llama2.yaml:35:5: model 110M does not fit: ")
    assert "one user needs 584.02 MB but the canister has 500 MiB (84.02 MB short)" in line


def test_text_report_of_a_clean_run_is_one_line(project: Path) -> None:
    shutil.copy(GOLDEN, DOCUMENT)
    out, err = io.StringIO(), io.StringIO()
    report_text(run([CONFIG]), out, err)
    assert out.getvalue() == (
        "configs/icpp_llama2.yaml: configs/README_icpp_llama2_resource_requirements.md is "
        "up to date; smallest headroom: 110M serves 35 users, threshold 1 (+34)\n"
    )
    assert err.getvalue() == ""
