from __future__ import annotations

import io
import shutil
from pathlib import Path

from icpp_sizer_check.report import Destination
from icpp_sizer_check.report.text import colorize_diff, report
from icpp_sizer_check.runner import run
from tests.conftest import GOLDEN, edit

CONFIG = Path("configs/icpp_llama2.yaml")
DOCUMENT = Path("configs/README_icpp_llama2_resource_requirements.md")


def test_a_clean_run_is_one_line(project: Path) -> None:
    shutil.copy(GOLDEN, DOCUMENT)
    out, err = io.StringIO(), io.StringIO()
    report(run([CONFIG]), Destination(out, err))
    assert out.getvalue() == (
        "configs/icpp_llama2.yaml: configs/README_icpp_llama2_resource_requirements.md is "
        "up to date; smallest headroom: 110M serves 35 users, threshold 1 (+34)\n"
    )
    assert err.getvalue() == ""


def test_colour_only_when_asked(project: Path) -> None:
    shutil.copy(GOLDEN, DOCUMENT)
    edit(project / CONFIG, "seq_len: 256", "seq_len: 128")
    result = run([CONFIG])
    plain, coloured = io.StringIO(), io.StringIO()
    report(result, Destination(plain, io.StringIO(), color=False))
    report(result, Destination(coloured, io.StringIO(), color=True))
    assert "\033[" not in plain.getvalue()
    assert "\033[31m-Max number of concurrent users | 4760 | 847 | 88 | 35\033[0m\n" in (
        coloured.getvalue()
    )


def test_colorize_diff_keeps_the_text() -> None:
    diff = "--- a\n+++ b\n@@ -1 +1 @@\n-x\n+y\n z\n"
    coloured = colorize_diff(diff)
    assert (
        coloured.replace("\033[0m", "")
        .replace("\033[1m", "")
        .replace("\033[36m", "")
        .replace("\033[31m", "")
        .replace("\033[32m", "")
        == diff
    )
    assert coloured.endswith(" z\n")
