"""The failing-model rule, on the results a run collects."""

from __future__ import annotations

import pytest

from icpp_sizer_check.results import ModelStatus, model_status, required_users


@pytest.mark.parametrize(
    ("users", "threshold", "status"),
    [
        (0, 0, ModelStatus.DOES_NOT_FIT),  # a model must serve one user at least
        (0, 5, ModelStatus.DOES_NOT_FIT),
        (1, 0, ModelStatus.OK),
        (1, 1, ModelStatus.OK),
        (1, 5, ModelStatus.BELOW_THRESHOLD),
        (4, 5, ModelStatus.BELOW_THRESHOLD),
        (5, 5, ModelStatus.OK),  # the threshold itself passes
        (6, 5, ModelStatus.OK),
    ],
)
def test_a_model_fails_below_its_threshold_and_never_fits_serving_no_one(
    users: int, threshold: int, status: ModelStatus
) -> None:
    assert model_status(users, threshold) == status


def test_the_users_a_model_must_serve_are_its_threshold_and_one_at_least() -> None:
    assert [required_users(threshold) for threshold in (0, 1, 2, 100)] == [1, 1, 2, 100]
