from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any, NamedTuple

from icpp_sizer_check import __version__
from icpp_sizer_check.canister import WASM64
from icpp_sizer_check.compare import DocumentStatus
from icpp_sizer_check.errors import Position, Problem
from icpp_sizer_check.report import Destination
from icpp_sizer_check.report.json_format import report
from icpp_sizer_check.results import RunResult
from tests.fixtures import STORIES_110M, Run
from tests.report.results import config_result, run_result, stale_at_512


class Reported(NamedTuple):
    code: int
    document: dict[str, Any]
    err: str


def reported(result: RunResult) -> Reported:
    """What the JSON reporter prints for ``result``, parsed."""
    out, err = io.StringIO(), io.StringIO()
    report(result, Destination(out, err))
    return Reported(result.exit_code, json.loads(out.getvalue()), err.getvalue())


def written(**config: Any) -> dict[str, Any]:
    """The one config of a write of a config built with ``config``."""
    result = run_result([config_result(DocumentStatus.WRITTEN, **config)], write=True)
    (only,) = reported(result).document["configs"]
    return only


def test_ok_run() -> None:
    outcome = reported(run_result([config_result()]))
    assert outcome.code == 0
    document = outcome.document
    assert document["schema_version"] == 1
    assert document["tool"] == {"name": "icpp-sizer-check", "version": __version__}
    assert (document["mode"], document["exit_code"]) == ("check", 0)
    (config,) = document["configs"]
    assert {key: config[key] for key in ("config", "output", "status", "passed", "written")} == {
        "config": "configs/icpp_llama2.yaml",
        "output": "configs/README_icpp_llama2_resource_requirements.md",
        "status": "ok",
        "passed": True,
        "written": False,
    }
    assert config["diff"] is None and config["errors"] == []
    assert config["memory_mib"] == 3072
    model = config["models"][3]
    assert model == {
        "name": "110M",
        "status": "ok",
        "users": 35,
        "threshold": 1,
        "headroom": 34,
        "line": 35,
        "column": 5,
        "hyperparameters": {
            "dim": 768,
            "hidden_dim": 2048,
            "n_layers": 12,
            "n_heads": 12,
            "n_kv_heads": 12,
            "vocab_size": 32000,
            "seq_len": 1024,
        },
        "checkpoint": None,
        "remedy": None,
        "bytes": {
            "tokenizer": 256512,
            "weights": 536423424,
            "run_state_per_user": 75709440,
            "overall": 612132864,
        },
    }


def test_stale_missing_error_and_threshold() -> None:
    stale = stale_at_512(thresholds={"42M": 500})
    missing = config_result(
        DocumentStatus.MISSING,
        config_file="configs/other.yaml",
        output_file="configs/OTHER_icpp_llama2_resource_requirements.md",
    )
    error = Problem(
        "configs/zz.yaml", "must be at least 1, got 0", Position(9, 17), "models[0].n_kv_heads"
    )
    outcome = reported(run_result([stale, missing], [error]))
    assert outcome.code == 2
    document = outcome.document
    by_name = {config["config"]: config for config in document["configs"]}
    assert list(by_name) == ["configs/icpp_llama2.yaml", "configs/other.yaml", "configs/zz.yaml"]
    stale = by_name["configs/icpp_llama2.yaml"]
    assert stale["status"] == "stale" and stale["passed"] is False
    assert stale["diff"].startswith("--- configs/README_icpp_llama2_resource_requirements.md")
    assert stale["fix_command"] == "icpp-sizer-check --write --config configs/icpp_llama2.yaml"
    assert stale["models"][2]["status"] == "below-threshold"
    assert by_name["configs/other.yaml"]["status"] == "missing"
    error = by_name["configs/zz.yaml"]
    assert error["status"] == "error" and error["models"] == [] and error["output"] is None
    assert error["errors"] == [
        {
            "line": 9,
            "column": 17,
            "path": "models[0].n_kv_heads",
            "message": "must be at least 1, got 0",
        }
    ]
    assert outcome.err == ""


def test_write_mode_reports_written(project: Path, run: Run) -> None:
    """End to end: --write through the command line, the document written."""
    document = json.loads(run("--format", "json", "--write").out)
    assert document["mode"] == "write"
    assert document["configs"][0]["written"] is True
    assert document["configs"][0]["status"] == "ok"


def test_changes_and_remedies() -> None:
    (config,) = reported(run_result([stale_at_512({"42M": 90})])).document["configs"]
    assert config["changes"]["added_models"] == [] and config["changes"]["removed_models"] == []
    assert config["changes"]["cells"][-1] == {
        "model": "15M",
        "section": "Canister Metrics",
        "row": "Max number of concurrent users",
        "committed": "847",
        "regenerated": "431",
    }
    assert config["models"][2]["remedy"] == {
        "users": 90,
        "max_seq_len": 1007,
        "memory_mib": 3118,
        "cap_mib": 4096,
        "users_at_cap": 120,
        "max_seq_len_at_cap": 1371,
        "canisters": 1,
        "beyond_one_canister": False,
    }
    assert config["models"][0]["remedy"] is None


def test_remedies_beyond_the_cap_of_each_target() -> None:
    wasm32 = written(thresholds={"42M": 100, "110M": 100})
    assert wasm32["wasm"] == "wasm32"
    assert wasm32["models"][3]["remedy"] == {
        "users": 100,
        "max_seq_len": 361,
        "memory_mib": None,
        "cap_mib": 4096,
        "users_at_cap": 49,
        "max_seq_len_at_cap": 507,
        "canisters": 3,
        "beyond_one_canister": True,
    }
    wasm64 = written(memory_mib=6144, target=WASM64, thresholds={"42M": 100, "110M": 100})
    assert (wasm64["wasm"], wasm64["memory_mib"]) == ("wasm64", 6144)
    assert wasm64["models"][3]["remedy"] == {
        "users": 100,
        "max_seq_len": 798,
        "memory_mib": None,
        "cap_mib": 6144,
        "users_at_cap": 78,
        "max_seq_len_at_cap": 798,
        "canisters": 2,
        "beyond_one_canister": True,
    }


def test_no_canister_count_when_one_canister_cannot_serve_anyone() -> None:
    config = written(changed={"110M": STORIES_110M._replace(dim=4104)})  # 12 heads of 342
    fix = config["models"][3]["remedy"]
    assert (fix["memory_mib"], fix["users_at_cap"], fix["canisters"]) == (None, 0, None)
    assert fix["beyond_one_canister"] is True
