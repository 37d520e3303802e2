"""The failing-model rule and the document rule, on the results a run collects."""

from __future__ import annotations

import pytest

from icpp_sizer_check.compare import DocumentStatus
from icpp_sizer_check.results import (
    ModelStatus,
    Staging,
    document_verdict,
    model_status,
    required_users,
)


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


_UP, _STALE, _MISSING, _WRITTEN = (
    DocumentStatus.UP_TO_DATE,
    DocumentStatus.STALE,
    DocumentStatus.MISSING,
    DocumentStatus.WRITTEN,
)


@pytest.mark.parametrize(
    ("on_disk", "staged", "written", "verdict"),
    [
        # The working tree judged: as ever.
        (_UP, None, False, (_UP, Staging.WORKING_TREE)),
        (_STALE, None, True, (_WRITTEN, Staging.WORKING_TREE)),
        # The index judged: its copy decides, and the disk's says what fixes it.
        (_UP, _UP, False, (_UP, Staging.STAGED)),
        (_STALE, _UP, False, (_UP, Staging.STAGED)),
        (_UP, _MISSING, False, (_MISSING, Staging.NOT_STAGED)),
        (_UP, _STALE, False, (_STALE, Staging.NOT_STAGED)),
        (_STALE, _MISSING, False, (_MISSING, Staging.STAGED)),
        (_MISSING, _STALE, True, (_WRITTEN, Staging.NOT_STAGED)),
        (_STALE, _UP, True, (_WRITTEN, Staging.STAGED)),
    ],
)
def test_document_verdict(
    on_disk: DocumentStatus,
    staged: DocumentStatus | None,
    written: bool,
    verdict: tuple[DocumentStatus, Staging],
) -> None:
    assert document_verdict(on_disk, staged, written) == verdict
