"""Supply-chain hygiene of the workflows and action.yml: the real zizmor (from
PyPI, pinned in the test extra), offline, with the policy in .github/zizmor.yml."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.fixtures import REPO, clean_env

ACTION = REPO / "action.yml"
WORKFLOWS = REPO / ".github" / "workflows"
POLICY = REPO / ".github" / "zizmor.yml"


@pytest.fixture(scope="module")
def zizmor() -> str:
    if sys.version_info < (3, 10):
        pytest.skip("zizmor has no release for Python 3.9; the run on 3.10 or newer audits")
    beside_python = Path(sys.executable).with_name("zizmor")
    found = str(beside_python) if beside_python.exists() else shutil.which("zizmor")
    if found is None:
        reason = "zizmor is not installed: pip install -e '.[test]'"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return found


def audit(zizmor: str, *inputs: Path, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [zizmor, "--offline", "--no-progress", "--color", "never", *map(str, inputs)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**clean_env(), "NO_COLOR": "1"},
        timeout=120,
    )


def test_workflows_and_the_action_have_no_findings(zizmor: str) -> None:
    """No finding at any severity; .ci/run runs the same command."""
    completed = audit(zizmor, WORKFLOWS, ACTION)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "No findings to report" in completed.stdout


def test_zizmor_reports_an_unhardened_workflow(zizmor: str, tmp_path: Path) -> None:
    """A control: the same zizmor and policy flag a checkout that keeps its
    credentials, default permissions, and a third-party action on a tag."""
    (tmp_path / ".git").mkdir()  # zizmor's configuration discovery stops here
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    shutil.copy(POLICY, tmp_path / ".github" / "zizmor.yml")
    workflow = tmp_path / ".github" / "workflows" / "weak.yml"
    workflow.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "      - uses: someone/some-action@v1\n"
    )
    completed = audit(zizmor, tmp_path / ".github" / "workflows", cwd=tmp_path)
    assert completed.returncode != 0
    for audit_id in ("artipacked", "excessive-permissions", "unpinned-uses"):
        assert f"[{audit_id}]" in completed.stdout, completed.stdout
    # The policy accepts a tag for GitHub's own actions, not for anyone else's.
    assert completed.stdout.count("[unpinned-uses]") == 1
    assert "uses: someone/some-action@v1\n" in completed.stdout.split("[unpinned-uses]")[1]


def test_every_checkout_drops_its_credentials() -> None:
    for workflow in sorted(WORKFLOWS.glob("*.yml")):
        jobs = yaml.safe_load(workflow.read_text())["jobs"]
        for name, job in jobs.items():
            for step in job.get("steps", []):
                if str(step.get("uses", "")).startswith("actions/checkout@"):
                    with_ = step.get("with", {})
                    assert with_.get("persist-credentials") is False, f"{workflow.name}: {name}"


def test_only_the_publish_job_may_mint_an_id_token() -> None:
    for workflow in sorted(WORKFLOWS.glob("*.yml")):
        loaded = yaml.safe_load(workflow.read_text())
        assert loaded["permissions"] == {}, workflow.name
        for name, job in loaded["jobs"].items():
            permissions = job.get("permissions", {})
            if workflow.name == "release.yml" and name == "publish":
                assert permissions == {"id-token": "write"}
                assert job["environment"]["name"] == "pypi"
            else:
                assert "id-token" not in permissions, f"{workflow.name}: {name}"
                assert set(permissions.values()) <= {"read"}, f"{workflow.name}: {name}"
