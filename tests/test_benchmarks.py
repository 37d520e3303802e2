"""The benchmark script's own parts (the benchmark itself is run by hand)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.fixtures import REPO, Run


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench", REPO / "benchmarks" / "bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench"] = module
    spec.loader.exec_module(module)
    return module


def test_slope_is_the_least_squares_cost_of_one_more_unit() -> None:
    bench = load_bench()
    assert bench.slope([(1, 10.0), (10, 19.0), (100, 109.0)]) == pytest.approx(1.0)


def test_generated_projects_are_valid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run
) -> None:
    bench = load_bench()
    bench.write_project(tmp_path, 3, 5)
    monkeypatch.chdir(tmp_path)
    assert run("--write").code == 0
    outcome = run()
    assert outcome.code == 0
    assert outcome.out.count("is up to date") == 3
