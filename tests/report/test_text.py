from __future__ import annotations

import io

from icpp_sizer_check.compare import DocumentStatus
from icpp_sizer_check.report import Destination
from icpp_sizer_check.report.text import colorize_diff, report
from icpp_sizer_check.results import ConfigResult, RunResult
from tests.report.results import config_result, run_result, stale_at_512


def written(config: ConfigResult) -> RunResult:
    return run_result([config], write=True)


def test_a_clean_run_is_one_line() -> None:
    out, err = io.StringIO(), io.StringIO()
    report(run_result([config_result()]), Destination(out, err))
    assert out.getvalue() == (
        "configs/icpp_llama2.yaml: configs/README_icpp_llama2_resource_requirements.md is "
        "up to date; smallest headroom: 110M serves 35 users, threshold 1 (+34)\n"
    )
    assert err.getvalue() == ""


def test_colour_only_when_asked() -> None:
    result = run_result([stale_at_512()])
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


def test_what_changed_comes_before_the_diff() -> None:
    out = io.StringIO()
    report(run_result([stale_at_512()]), Destination(out, io.StringIO()))
    text = out.getvalue()
    assert text.startswith(
        "configs/icpp_llama2.yaml: what changed in "
        "configs/README_icpp_llama2_resource_requirements.md:\n"
        "  15M · key_cache: 1.69 → 3.38 MB\n"
    )
    assert "  15M · Max number of concurrent users: 847 → 431\n---" in text


def test_a_threshold_failure_says_what_would_meet_it() -> None:
    out = io.StringIO()
    config = config_result(DocumentStatus.WRITTEN, thresholds={"42M": 90})
    report(written(config), Destination(out, io.StringIO()))
    assert (
        "configs/icpp_llama2.yaml:27:5: model 42M serves 88 concurrent users, below its "
        "threshold of 90 (short by 2)\n"
        "  to serve 90 users: seq_len at most 1007 (now 1024), "
        "or canister.memory_mib at least 3118 (now 3072)\n"
    ) in out.getvalue()


def test_no_seq_len_can_when_the_weights_do_not_fit() -> None:
    out = io.StringIO()
    config = config_result(DocumentStatus.WRITTEN, memory_mib=200)
    report(written(config), Destination(out, io.StringIO()))
    assert (
        "  to serve 1 user: no seq_len can (the tokenizer and weights alone take 511.82 MB); "
        "canister.memory_mib at least 585 (now 200)\n"
    ) in out.getvalue()


def test_beyond_the_cap_the_text_offers_what_one_canister_and_several_can() -> None:
    out = io.StringIO()
    config = config_result(DocumentStatus.WRITTEN, thresholds={"42M": 100, "110M": 100})
    report(written(config), Destination(out, io.StringIO()))
    assert (
        "configs/icpp_llama2.yaml:35:5: model 110M serves 35 concurrent users, below its "
        "threshold of 100 (short by 65)\n"
        "  to serve 100 users: no canister.memory_mib up to the wasm32 heap cap (4096 MiB) "
        "is enough: one canister of 4096 MiB serves 49 users; seq_len at most 361 (now 1024), "
        "or at most 507 with canister.memory_mib 4096; or spread the users over 3 canisters "
        "of 4096 MiB\n"
    ) in out.getvalue()
