"""The run's options and each test's own surroundings; the shared names tests
import live in tests/fixtures.py.

A plain ``pytest`` is the quick loop: every test that needs no network, no
build and no external client, in parallel (pyproject.toml's addopts).
``pytest --thorough`` is everything, as .ci/run and CI run it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from icpp_sizer_check import cache, paths

pytest_plugins = ["tests.fixtures", "tests.integration.fixtures"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--thorough",
        action="store_true",
        help=(
            "run every test (those marked integration and slow too: real clients, "
            "PyPI, npm, builds, the llama.cpp sweep) under the ci hypothesis profile "
            "unless HYPOTHESIS_PROFILE names another; what .ci/run runs"
        ),
    )


def pytest_configure(config: pytest.Config) -> None:
    # Before collection: the marks select nothing away, and the test modules
    # take their example counts from the profile as they are imported.
    if config.getoption("thorough"):
        # Imported here: pytest_plugins loads tests.fixtures with its asserts
        # rewritten only once this module has been read.
        from tests.fixtures import choose_profile, use_profile

        config.option.markexpr = ""
        use_profile(choose_profile(os.environ, thorough=True))


@pytest.fixture(autouse=True)
def _own_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test has a cache folder of its own, never the user's, and a
    process that remembers nothing of another test's run: the memos of
    cache.py and paths.py start empty. So no test passes or fails by what
    ran before it in the same process (under pytest-xdist, whichever that is)."""
    home = tmp_path_factory.mktemp("xdg-cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    monkeypatch.setattr(cache, "_fingerprint", [])
    monkeypatch.setattr(paths, "_roots", {})
    return home
