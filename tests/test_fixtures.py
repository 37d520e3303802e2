"""The test set-up's own rules: which tests a run selects, which hypothesis
profile it uses, what it means for a property's example count, and what each
test starts from."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from icpp_sizer_check import cache, paths
from icpp_sizer_check.config.load import load_config
from icpp_sizer_check.runtimes.icpp_llama2.models import Llama2Model
from tests.fixtures import (
    CONFIG,
    REPO,
    REPO_CONFIG,
    STORIES,
    Run,
    choose_profile,
    clean_env,
    example_count,
)


@pytest.mark.parametrize(
    ("environ", "profile"),
    [
        ({}, "dev"),
        ({"CI": "true"}, "ci"),
        ({"CI": "TRUE"}, "ci"),
        ({"CI": "false"}, "dev"),
        ({"CI": ""}, "dev"),
        ({"CI": "1"}, "dev"),
        ({"HYPOTHESIS_PROFILE": "dev", "CI": "true"}, "dev"),
        ({"HYPOTHESIS_PROFILE": "ci"}, "ci"),
        ({"HYPOTHESIS_PROFILE": "", "CI": "true"}, "ci"),
        ({"HYPOTHESIS_PROFILE": "default"}, "default"),
    ],
)
def test_the_profile_is_named_or_follows_ci(environ: dict[str, str], profile: str) -> None:
    assert choose_profile(environ) == profile


@pytest.mark.parametrize(
    ("environ", "profile"),
    [({}, "ci"), ({"CI": "false"}, "ci"), ({"HYPOTHESIS_PROFILE": "dev"}, "dev")],
)
def test_the_thorough_run_is_ci_unless_a_profile_is_named(
    environ: dict[str, str], profile: str
) -> None:
    assert choose_profile(environ, thorough=True) == profile


def _selected(*args: str) -> list[str]:
    """The test ids ``python -m pytest ARGS --collect-only`` selects in this checkout."""
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-n", "0", *args],
        cwd=REPO,
        env={**clean_env(), "HYPOTHESIS_PROFILE": "dev"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode in (0, 5), completed.stdout + completed.stderr
    return [line for line in completed.stdout.splitlines() if "::" in line]


@pytest.mark.slow
def test_the_plain_command_leaves_out_the_integration_and_timing_tests_and_thorough_runs_them() -> (
    None
):
    # test_guarantees.py holds slow properties: slow at the ci profile's
    # counts only, the quick loop runs them at the dev profile's. The timing
    # tests push megabytes of hostile text through every reader: thorough only.
    integration, timing = "tests/integration/test_zizmor.py", "tests/test_linear_time.py"
    guarantees = "tests/test_guarantees.py"
    quick = set(_selected(integration, timing, guarantees))
    thorough = set(_selected(integration, timing, guarantees, "--thorough"))
    assert quick and all(test.startswith(guarantees) for test in quick)
    left_out = thorough - quick
    assert {test.split("::")[0] for test in left_out} == {integration, timing}


@pytest.mark.parametrize("turn", ["first", "second"])
def test_each_test_starts_with_an_empty_cache_of_its_own_and_fresh_memos(
    turn: str, committed: Path, run: Run
) -> None:
    """Whichever ran before it in the same process (both turns write records)."""
    home = Path(os.environ["XDG_CACHE_HOME"])
    assert home.is_dir() and not any(home.iterdir()), turn
    assert cache._fingerprint == [] and paths._roots == {}
    assert run("--config", str(CONFIG)).code == 0
    assert any(home.rglob("*")) and cache._fingerprint and paths._roots


def test_each_property_keeps_its_example_count_under_ci_and_runs_at_most_10_under_dev() -> None:
    assert [example_count(n, "ci") for n in (5, 300, 3000)] == [5, 300, 3000]
    assert [example_count(n, "dev") for n in (5, 300, 3000)] == [5, 10, 10]


def test_the_stories_are_the_models_of_the_repo_config() -> None:
    config = load_config(REPO_CONFIG)
    assert {model.name: model.values for model in config.models} == {
        name: Llama2Model(hyperparameters) for name, hyperparameters in STORIES.items()
    }
