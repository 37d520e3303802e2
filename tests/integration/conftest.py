"""Every test under tests/integration is marked ``integration``, so that
``pytest -m "not integration"`` (the quick loop) leaves them out. The shared
parts of these tests live in tests/integration/fixtures.py."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # tryfirst: the marks are in place before -m deselects by them.
    for item in items:
        if HERE in item.path.resolve().parents:
            item.add_marker(pytest.mark.integration)
