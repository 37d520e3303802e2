"""Loads the shared fixtures; the names tests import live in tests/fixtures.py."""

from __future__ import annotations

import os

import pytest

pytest_plugins = ["tests.fixtures", "tests.integration.fixtures"]


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never read or write the user's validation cache."""
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
