"""The test set-up's own rules: which hypothesis profile a run uses, and what
it means for a property's example count."""

from __future__ import annotations

import pytest

from icpp_sizer_check.config.load import load_config
from icpp_sizer_check.runtimes.icpp_llama2.models import Llama2Model
from tests.fixtures import REPO_CONFIG, STORIES, choose_profile, example_count


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


def test_each_property_keeps_its_example_count_under_ci_and_runs_at_most_10_under_dev() -> None:
    assert [example_count(n, "ci") for n in (5, 300, 3000)] == [5, 300, 3000]
    assert [example_count(n, "dev") for n in (5, 300, 3000)] == [5, 10, 10]


def test_the_stories_are_the_models_of_the_repo_config() -> None:
    config = load_config(REPO_CONFIG)
    assert {model.name: model.values for model in config.models} == {
        name: Llama2Model(hyperparameters) for name, hyperparameters in STORIES.items()
    }
