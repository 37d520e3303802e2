"""Shared parts of the integration tests: hermetic git, this tree as a git repo, node tools."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.fixtures import REPO, clean_env, hermetic_git


def git_env(home: Path) -> dict[str, str]:
    """Hermetic git: no user or system config, a fixed identity."""
    env = {**clean_env(), **hermetic_git(home)}
    env["PRE_COMMIT_HOME"] = str(home / "pre-commit-cache")
    env.pop("PRE_COMMIT_COLOR", None)
    return env


def call(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a command; stdout holds both streams (git sends hook output to stderr)."""
    return subprocess.run(
        args,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
        timeout=600,
    )


def git(cwd: Path, env: dict[str, str], *args: str) -> str:
    completed = call(["git", *args], cwd, env)
    assert completed.returncode == 0, completed.stdout
    return completed.stdout.strip()


@pytest.fixture(scope="session")
def hooks_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hooks-home")


@pytest.fixture(scope="session")
def hook_repo(hooks_home: Path) -> tuple[Path, str]:
    """A git repository holding this working tree as one commit, as a consumer's
    `repo:` would point at it (so uncommitted work is tested too)."""
    env = git_env(hooks_home)
    snapshot = hooks_home / "icpp-sizer-check"
    listed = call(["git", "ls-files", "-co", "--exclude-standard", "-z"], REPO, env)
    assert listed.returncode == 0, listed.stdout
    for name in filter(None, listed.stdout.split("\0")):
        source = REPO / name
        if source.is_file():
            target = snapshot / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    git(snapshot, env, "init", "-q", "-b", "main")
    git(snapshot, env, "add", "-A")
    git(snapshot, env, "commit", "-q", "-m", "snapshot")
    return snapshot, git(snapshot, env, "rev-parse", "HEAD")


# Where .ci/run (and the CI workflow) install the tools from the npm registry.
NODE_TOOLS = REPO / ".ci" / "tools" / "node_modules"


def require_node_tool(installed: Path, package: str) -> str:
    """The node executable, once ``installed`` (a file of the npm package) exists.
    Skipped with the command to run where it does not; failed under CI, which
    installs it, so that a skip there cannot hide a gap."""
    node = shutil.which("node")
    if node is None or not installed.exists():
        reason = (
            f"{package.split('@')[0]} is not installed: run "
            f"'npm install --no-save --prefix .ci/tools {package}' (needs node)"
        )
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return node
