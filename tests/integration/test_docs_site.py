"""The reference site builds as .ci/run and the release build it: mkdocs
build --strict, so a broken link or anchor in docs/ fails."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

from tests.fixtures import REPO, missing


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    """mkdocs build --strict: every link and anchor of the pages resolves."""
    if importlib.util.find_spec("mkdocs") is None:
        missing("mkdocs is not installed: pip install -e '.[docs]'")
    completed = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert (tmp_path / "site" / "index.html").is_file()
