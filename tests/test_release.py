"""Releases: the changelog, the tag the README's snippets name, and the release
workflow's own check that a tag matches the package version."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from icpp_sizer_check import __version__
from tests.fixtures import REPO, clean_env

CHANGELOG = REPO / "CHANGELOG.md"
README = REPO / "README.md"
RELEASE = REPO / ".github" / "workflows" / "release.yml"
TAG = f"v{__version__}"


def release_workflow() -> dict[str, object]:
    loaded: dict[str, object] = yaml.safe_load(RELEASE.read_text())
    return loaded


def test_the_changelog_keeps_an_unreleased_section_and_dates_this_version() -> None:
    headings = re.findall(r"^## (.+)$", CHANGELOG.read_text(), flags=re.MULTILINE)
    assert headings[0] == "[Unreleased]"
    assert re.fullmatch(rf"\[{re.escape(__version__)}\] - \d{{4}}-\d{{2}}-\d{{2}}", headings[1])


@pytest.mark.parametrize("page", ["README.md", "docs/pre-commit.md", "docs/github-actions.md"])
def test_the_snippets_name_the_release_tag(page: str) -> None:
    text = (REPO / page).read_text()
    if page != "docs/github-actions.md":
        assert f"rev: {TAG} " in text
        try_repo = (
            "pre-commit try-repo https://github.com/<owner>/icpp-sizer-check icpp-sizer-check"
        )
        assert f"{try_repo} --ref {TAG} --all-files" in text
    if page != "docs/pre-commit.md":
        assert f"uses: <owner>/icpp-sizer-check@{TAG} " in text
    # No other version of this tool is named as the one to pin.
    pinned = re.findall(r"(?:rev: |icpp-sizer-check@|--ref |# )(v\d+\.\d+\.\d+)", text)
    assert set(pinned) == {TAG}


def test_a_v_tag_builds_checks_and_publishes_by_trusted_publishing() -> None:
    workflow = release_workflow()
    # PyYAML reads the key `on` as True.
    assert workflow[True] == {"push": {"tags": ["v*"]}}  # type: ignore[index]
    jobs = workflow["jobs"]
    assert isinstance(jobs, dict)
    build_steps = yaml.safe_dump(jobs["build"]["steps"])
    assert "python -m build" in build_steps
    assert "twine check --strict dist/*" in build_steps
    publish = jobs["publish"]
    assert publish["needs"] == ["build", "docs"]
    assert publish["steps"][-1]["uses"].startswith("pypa/gh-action-pypi-publish@")
    # Trusted publishing: no password or token handed to the uploader.
    assert "with" not in publish["steps"][-1]


def test_a_release_builds_the_site_strictly_and_names_its_address() -> None:
    """The tag's site is where the README sends readers; a site that does not
    build (a broken link or anchor) stops the release."""
    jobs = release_workflow()["jobs"]
    assert isinstance(jobs, dict)
    docs = jobs["docs"]
    assert "mkdocs build --strict" in yaml.safe_dump(docs["steps"])
    site = "https://icpp-sizer-check.readthedocs.io/en/"
    assert docs["environment"]["url"] == site + "${{ github.ref_name }}/"
    assert f"{site}{TAG}/" in README.read_text()


def path_with_this_python() -> str:
    return os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


def run_version_step(tag: str, changelog: Path) -> subprocess.CompletedProcess[str]:
    """The build job's tag check, run as the runner runs it, from a folder holding
    this package and ``changelog`` as CHANGELOG.md."""
    jobs = release_workflow()["jobs"]
    assert isinstance(jobs, dict)
    (step,) = [s for s in jobs["build"]["steps"] if "tag names" in s.get("name", "")]
    folder = changelog.parent
    (folder / "icpp_sizer_check").mkdir(exist_ok=True)
    (folder / "icpp_sizer_check" / "__init__.py").write_text(
        (REPO / "icpp_sizer_check" / "__init__.py").read_text()
    )
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=folder,
        # `python` as setup-python provides it: this interpreter.
        env={**clean_env(), "GITHUB_REF_NAME": tag, "PATH": path_with_this_python()},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("tag", "changelog_heading", "error"),
    [
        (TAG, f"## [{__version__}] - 2026-11-28", None),
        (
            "v9.9.9",
            f"## [{__version__}] - 2026-11-28",
            f"does not name the package version {__version__}",
        ),
        (TAG, f"## [{__version__}]", f"CHANGELOG.md has no dated section for {__version__}"),
        (TAG, "## [0.0.1] - 2026-01-01", f"CHANGELOG.md has no dated section for {__version__}"),
    ],
)
def test_the_release_refuses_a_tag_that_is_not_this_version(
    tmp_path: Path, tag: str, changelog_heading: str, error: str | None
) -> None:
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text(f"# Changelog\n\n## [Unreleased]\n\n{changelog_heading}\n")
    completed = run_version_step(tag, changelog)
    if error is None:
        assert completed.returncode == 0, completed.stdout + completed.stderr
    else:
        assert completed.returncode == 1
        assert "::error::" in completed.stdout and error in completed.stdout


def test_the_real_changelog_passes_the_release_check(tmp_path: Path) -> None:
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text(CHANGELOG.read_text())
    completed = run_version_step(TAG, changelog)
    assert completed.returncode == 0, completed.stdout + completed.stderr
