"""The hooks of .pre-commit-hooks.yaml, run by the real pre-commit client in real git repos.

Slow (pre-commit builds a virtual environment for the hook once per session),
and it must run in CI: it is the proof that the hooks work for a consumer.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import GOLDEN, REPO, REPO_CONFIG, edit
from tests.integration.conftest import call, git, git_env

CONFIG = Path("configs/llm.yaml")
DOCUMENT = Path("configs/README_icpp_llama2_resource_requirements.md")


@pytest.fixture
def consumer(tmp_path: Path, hooks_home: Path, hook_repo: tuple[Path, str]) -> Path:
    """A project that uses the hooks, with its config and generated document committed."""
    env = git_env(hooks_home)
    repo_path, sha = hook_repo
    project = tmp_path / "consumer"
    (project / "configs").mkdir(parents=True)
    shutil.copy(REPO_CONFIG, project / CONFIG)
    shutil.copy(GOLDEN, project / DOCUMENT)
    (project / ".pre-commit-config.yaml").write_text(
        f"""repos:
  - repo: {repo_path}
    rev: {sha}
    hooks:
      - id: icpp-sizer-check
        args: [--config, {CONFIG.as_posix()}]
      - id: icpp-sizer-write
        args: [--config, {CONFIG.as_posix()}]
        stages: [manual]
"""
    )
    git(project, env, "init", "-q", "-b", "main")
    completed = call([sys.executable, "-m", "pre_commit", "install"], project, env)
    assert completed.returncode == 0, completed.stdout
    return project


def commit(project: Path, env: dict[str, str], message: str) -> subprocess.CompletedProcess[str]:
    git(project, env, "add", "-A")
    return call(["git", "commit", "-m", message], project, env)


def test_the_hooks_guard_a_consumer_repository(consumer: Path, hooks_home: Path) -> None:
    env = git_env(hooks_home)

    # A clean commit passes the hook.
    first = commit(consumer, env, "add sizing")
    assert first.returncode == 0, first.stdout
    assert "icpp-sizer-check" in first.stdout and "Passed" in first.stdout

    # A staged edit to a model fails the hook, with the diff in pre-commit's output.
    edit(consumer / CONFIG, "seq_len: 256", "seq_len: 512")
    stale = commit(consumer, env, "longer context for 15M")
    assert stale.returncode == 1
    assert "Failed" in stale.stdout
    assert "+Max number of concurrent users | 4760 | 431 | 88 | 35" in stale.stdout
    assert "fix it with: icpp-sizer-check --write --config configs/llm.yaml" in stale.stdout

    # The write hook regenerates the document (pre-commit fails it for changing
    # a file, as it does for every fixer), and then the commit passes.
    written = call(
        [sys.executable, "-m", "pre_commit", "run", "icpp-sizer-write", "--hook-stage", "manual"],
        consumer,
        env,
    )
    assert "wrote configs/README_icpp_llama2_resource_requirements.md" in written.stdout
    assert "files were modified by this hook" in written.stdout
    assert "| 4760 | 431 | 88 | 35" in (consumer / DOCUMENT).read_text()
    fixed = commit(consumer, env, "longer context for 15M, regenerated")
    assert fixed.returncode == 0, fixed.stdout

    # A threshold breach fails with the model named.
    edit(
        consumer / CONFIG,
        "    seq_len: 1024\n",
        "    seq_len: 1024\n    min_concurrent_users: 100\n",
    )
    breach = commit(consumer, env, "promise 100 users on 42M")
    assert breach.returncode == 1
    assert "model 42M serves 88 concurrent users, below its threshold of 100 (short by 12)" in (
        breach.stdout
    )

    # Nothing staged that the hook cares about: it is skipped.
    git(consumer, env, "reset", "-q", "--hard", "HEAD")
    (consumer / "notes.txt").write_text("unrelated\n")
    unrelated = commit(consumer, env, "notes")
    assert unrelated.returncode == 0
    assert "(no files to check)Skipped" in unrelated.stdout

    # A staged checkpoint (.bin) runs the hook.
    (consumer / "models").mkdir()
    (consumer / "models" / "stories15M.bin").write_bytes(b"\0" * 64)
    checkpoint = commit(consumer, env, "add a checkpoint")
    assert checkpoint.returncode == 0, checkpoint.stdout
    assert "Skipped" not in checkpoint.stdout and "Passed" in checkpoint.stdout


def test_this_repository_dogfoods_its_hooks(hook_repo: tuple[Path, str], hooks_home: Path) -> None:
    """The repo's own .pre-commit-config.yaml passes on its own tree."""
    env = git_env(hooks_home)
    repo_path, _ = hook_repo
    completed = call([sys.executable, "-m", "pre_commit", "run", "--all-files"], repo_path, env)
    assert completed.returncode == 0, completed.stdout
    assert "icpp-sizer-check (this repo's configs/)" in completed.stdout
    assert "ruff check" in completed.stdout and "ruff format" in completed.stdout


def test_manifest_validates_with_pre_commit(hooks_home: Path) -> None:
    env = git_env(hooks_home)
    completed = call(
        [sys.executable, "-m", "pre_commit", "validate-manifest", ".pre-commit-hooks.yaml"],
        REPO,
        env,
    )
    assert completed.returncode == 0, completed.stdout
    completed = call(
        [sys.executable, "-m", "pre_commit", "validate-config", ".pre-commit-config.yaml"],
        REPO,
        env,
    )
    assert completed.returncode == 0, completed.stdout


def test_try_repo_runs_the_hooks_before_pinning(
    tmp_path: Path, hooks_home: Path, hook_repo: tuple[Path, str]
) -> None:
    """README's way to try the hooks: `pre-commit try-repo`, with no config of
    pre-commit's own yet; the hook checks ./configs/ by default."""
    env = git_env(hooks_home)
    repo_path, sha = hook_repo
    project = tmp_path / "trying"
    (project / "configs").mkdir(parents=True)
    shutil.copy(REPO_CONFIG, project / CONFIG)
    shutil.copy(GOLDEN, project / DOCUMENT)
    git(project, env, "init", "-q", "-b", "main")
    git(project, env, "add", "-A")
    try_repo = [
        *(sys.executable, "-m", "pre_commit", "try-repo", str(repo_path), "icpp-sizer-check"),
        *("--ref", sha, "--all-files"),
    ]

    passed = call(try_repo, project, env)
    assert passed.returncode == 0, passed.stdout
    assert "icpp-sizer-check" in passed.stdout and "Passed" in passed.stdout

    edit(project / CONFIG, "seq_len: 256", "seq_len: 512")
    git(project, env, "add", "-A")
    failed = call(try_repo, project, env)
    assert failed.returncode == 1
    assert "+Max number of concurrent users | 4760 | 431 | 88 | 35" in failed.stdout


if os.name == "nt":  # pragma: no cover - git hooks and paths differ there
    pytestmark = pytest.mark.skip(reason="the end-to-end hook tests run on POSIX")
