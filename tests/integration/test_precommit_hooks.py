"""The hooks of .pre-commit-hooks.yaml, run by the real pre-commit client in real git repos.

Slow (pre-commit builds a virtual environment for the hook once per session),
and it must run in CI: it is the proof that the hooks work for a consumer.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures import DOCUMENT, GOLDEN, REPO, REPO_CONFIG, edit, run_process
from tests.integration.fixtures import call, git, git_env

# A consumer names its config as it likes; the document is the repo's.
CONSUMER_CONFIG = Path("configs/llm.yaml")


def make_consumer(project: Path, hooks_home: Path, hook_repo: tuple[Path, str], hooks: str) -> Path:
    """A git repository with pre-commit installed, using ``hooks`` (YAML list items
    under `hooks:`) from the snapshot of this tree."""
    env = git_env(hooks_home)
    repo_path, sha = hook_repo
    (project / "configs").mkdir(parents=True)
    (project / ".pre-commit-config.yaml").write_text(
        f"""repos:
  - repo: {repo_path}
    rev: {sha}
    hooks:
{hooks}"""
    )
    git(project, env, "init", "-q", "-b", "main")
    completed = call([sys.executable, "-m", "pre_commit", "install"], project, env)
    assert completed.returncode == 0, completed.stdout
    return project


@pytest.fixture
def consumer(tmp_path: Path, hooks_home: Path, hook_repo: tuple[Path, str]) -> Path:
    """A project that uses the hooks, with its config and generated document ready to
    commit; the write hook only runs when asked for."""
    project = make_consumer(
        tmp_path / "consumer",
        hooks_home,
        hook_repo,
        f"""      - id: icpp-sizer-check
        args: [--config, {CONSUMER_CONFIG.as_posix()}]
      - id: icpp-sizer-write
        args: [--config, {CONSUMER_CONFIG.as_posix()}]
        stages: [manual]
""",
    )
    shutil.copy(REPO_CONFIG, project / CONSUMER_CONFIG)
    shutil.copy(GOLDEN, project / DOCUMENT)
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
    edit(consumer / CONSUMER_CONFIG, "seq_len: 256", "seq_len: 512")
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
        consumer / CONSUMER_CONFIG,
        "    seq_len: 1024\n",
        "    seq_len: 1024\n    min_concurrent_users: 100\n",
    )
    breach = commit(consumer, env, "promise 100 users on 42M")
    assert breach.returncode == 1
    assert "model 42M serves 88 concurrent users, below its threshold of 100 (short by 12)" in (
        breach.stdout
    )

    # The hook runs on every commit, whatever is staged (a staged deletion gives
    # pre-commit no file to match), and an unchanged check passes.
    git(consumer, env, "reset", "-q", "--hard", "HEAD")
    (consumer / "notes.txt").write_text("unrelated\n")
    unrelated = commit(consumer, env, "notes")
    assert unrelated.returncode == 0, unrelated.stdout
    assert hook_verdict(unrelated.stdout, "icpp-sizer-check") == "Passed"


def hook_verdict(output: str, hook_name: str) -> str:
    """What pre-commit said of one hook: Passed, Failed or Skipped."""
    (line,) = [line for line in output.splitlines() if line.startswith(hook_name + ".")]
    return line.rsplit(".", 1)[-1].removeprefix("(no files to check)")


def head_commits(project: Path, env: dict[str, str]) -> int:
    counted = call(["git", "rev-list", "--count", "HEAD"], project, env)
    return int(counted.stdout) if counted.returncode == 0 else 0


def test_deleting_the_document_fails_the_check_hook(consumer: Path, hooks_home: Path) -> None:
    env = git_env(hooks_home)
    assert commit(consumer, env, "add sizing").returncode == 0
    git(consumer, env, "rm", "-q", DOCUMENT.as_posix())
    deleted = call(["git", "commit", "-m", "drop the sizing document"], consumer, env)
    assert deleted.returncode == 1, deleted.stdout
    assert hook_verdict(deleted.stdout, "icpp-sizer-check") == "Failed"
    assert (
        f"{DOCUMENT.as_posix()} is missing from the commit; create it with: "
        f"icpp-sizer-check --write --config configs/llm.yaml && git add {DOCUMENT.as_posix()}"
    ) in deleted.stdout
    assert head_commits(consumer, env) == 1


def test_deleting_a_checkpoint_fails_the_check_hook(
    tmp_path: Path, hooks_home: Path, hook_repo: tuple[Path, str]
) -> None:
    env = git_env(hooks_home)
    project = make_consumer(
        tmp_path / "consumer",
        hooks_home,
        hook_repo,
        f"""      - id: icpp-sizer-check
        args: [--config, {CONSUMER_CONFIG.as_posix()}]
""",
    )
    (project / CONSUMER_CONFIG).write_text(
        "output: sizing.md\n"
        "canister:\n"
        "  memory_mib: 3072\n"
        "models:\n"
        "  - name: 15M\n"
        "    checkpoint: ../models/stories15M.bin\n"
    )
    (project / "models").mkdir()
    # A legacy llama2.c header (stories15M), then a little of the weights.
    header = struct.pack("<7i", 288, 768, 6, 6, 6, 32000, 256)
    (project / "models" / "stories15M.bin").write_bytes(header + b"\1" * 64)
    written = run_process(project, "--write", "--config", CONSUMER_CONFIG.as_posix(), env=env)
    assert written.returncode == 0, written.stderr
    first = commit(project, env, "add a model and its sizing")
    assert first.returncode == 0, first.stdout

    git(project, env, "rm", "-q", "models/stories15M.bin")
    deleted = call(["git", "commit", "-m", "drop the checkpoint"], project, env)
    assert deleted.returncode == 1, deleted.stdout
    assert hook_verdict(deleted.stdout, "icpp-sizer-check") == "Failed"
    (problem,) = [line for line in deleted.stdout.splitlines() if "checkpoint" in line]
    assert problem.startswith("configs/llm.yaml:6:17: models[0].checkpoint: ")
    assert "stories15M.bin" in problem
    assert head_commits(project, env) == 1


@pytest.fixture
def writing_consumer(tmp_path: Path, hooks_home: Path, hook_repo: tuple[Path, str]) -> Path:
    """A project whose commits run the write hook, with its config and no document."""
    project = make_consumer(
        tmp_path / "consumer",
        hooks_home,
        hook_repo,
        f"""      - id: icpp-sizer-write
        args: [--config, {CONSUMER_CONFIG.as_posix()}]
""",
    )
    shutil.copy(REPO_CONFIG, project / CONSUMER_CONFIG)
    return project


def test_the_write_hook_stops_the_commit_until_its_document_is_staged(
    writing_consumer: Path, hooks_home: Path
) -> None:
    env = git_env(hooks_home)
    project = writing_consumer

    # A new document is an untracked file, which pre-commit does not count as a
    # change: only the hook's exit code stops the commit.
    git(project, env, "add", "-A")
    created = call(["git", "commit", "-m", "add sizing"], project, env)
    assert created.returncode == 1, created.stdout
    assert hook_verdict(created.stdout, "icpp-sizer-write") == "Failed"
    assert f"wrote {DOCUMENT.as_posix()}" in created.stdout
    assert (project / DOCUMENT).read_bytes() == GOLDEN.read_bytes()
    assert head_commits(project, env) == 0
    staged = commit(project, env, "add sizing")
    assert staged.returncode == 0, staged.stdout
    assert DOCUMENT.as_posix() in git(project, env, "ls-files")

    # A staged model edit: the hook rewrites the document and stops the commit.
    edit(project / CONSUMER_CONFIG, "seq_len: 256", "seq_len: 512")
    changed = commit(project, env, "longer context for 15M")
    assert changed.returncode == 1, changed.stdout
    assert hook_verdict(changed.stdout, "icpp-sizer-write") == "Failed"
    assert "| 4760 | 431 | 88 | 35" in (project / DOCUMENT).read_text()
    assert head_commits(project, env) == 1
    restaged = commit(project, env, "longer context for 15M")
    assert restaged.returncode == 0, restaged.stdout
    assert head_commits(project, env) == 2

    # A staged deletion of the document: the hook runs, writes it back, and stops.
    git(project, env, "rm", "-q", DOCUMENT.as_posix())
    deleted = call(["git", "commit", "-m", "drop the sizing document"], project, env)
    assert deleted.returncode == 1, deleted.stdout
    assert hook_verdict(deleted.stdout, "icpp-sizer-write") == "Failed"
    assert "| 4760 | 431 | 88 | 35" in (project / DOCUMENT).read_text()
    assert head_commits(project, env) == 2


@pytest.fixture
def guarded_consumer(tmp_path: Path, hooks_home: Path, hook_repo: tuple[Path, str]) -> Path:
    """A project whose commits run both hooks on every config in ./configs/, with
    its config and document committed."""
    project = make_consumer(
        tmp_path / "consumer",
        hooks_home,
        hook_repo,
        """      - id: icpp-sizer-check
      - id: icpp-sizer-write
""",
    )
    shutil.copy(REPO_CONFIG, project / CONSUMER_CONFIG)
    shutil.copy(GOLDEN, project / DOCUMENT)
    env = git_env(hooks_home)
    first = commit(project, env, "add sizing")
    assert first.returncode == 0, first.stdout
    return project


def both_hooks(outcome: subprocess.CompletedProcess[str], verdict: str) -> None:
    """Both hooks said ``verdict`` (Passed or Failed), and the commit went by it."""
    assert outcome.returncode == (0 if verdict == "Passed" else 1), outcome.stdout
    assert hook_verdict(outcome.stdout, "icpp-sizer-check") == verdict
    assert hook_verdict(outcome.stdout, "icpp-sizer-write") == verdict


def both_hooks_refuse(project: Path, env: dict[str, str], message: str, *paths: str) -> None:
    """`git commit` (of ``paths`` alone, if any) fails both hooks with ``message``,
    and nothing is committed."""
    commits = head_commits(project, env)
    outcome = call(["git", "commit", "-m", "refused", *paths], project, env)
    both_hooks(outcome, "Failed")
    assert message in outcome.stdout
    assert head_commits(project, env) == commits


def test_a_document_taken_out_of_the_index_fails_both_hooks(
    guarded_consumer: Path, hooks_home: Path
) -> None:
    """`git rm --cached` leaves the document on disk, up to date: only the index
    tells that the commit goes without it."""
    env = git_env(hooks_home)
    project = guarded_consumer
    git(project, env, "rm", "-q", "--cached", DOCUMENT.as_posix())
    both_hooks_refuse(
        project,
        env,
        f"{DOCUMENT.as_posix()} is missing from the commit: the file on disk is up to date "
        f"but not staged; stage it with: git add {DOCUMENT.as_posix()}",
    )
    assert DOCUMENT.as_posix() not in git(project, env, "ls-files")
    assert (project / DOCUMENT).read_bytes() == GOLDEN.read_bytes()


def test_a_new_config_committed_without_its_document_fails_both_hooks(
    guarded_consumer: Path, hooks_home: Path
) -> None:
    """A new config, its document written by hand and left unstaged: on disk all
    is well, and the commit holds a config without its document."""
    env = git_env(hooks_home)
    project = guarded_consumer
    second = project / "configs" / "second.yaml"
    second.write_text((project / CONSUMER_CONFIG).read_text().replace("README_", "SECOND_"))
    written = run_process(project, "--write", "--config", "configs/second.yaml", env=env)
    assert written.returncode == 0, written.stderr
    document = "configs/SECOND_icpp_llama2_resource_requirements.md"
    assert (project / document).exists()
    git(project, env, "add", "configs/second.yaml")
    both_hooks_refuse(project, env, f"stage it with: git add {document}")

    # Staged, it passes; an untracked config of ./configs/ is no part of a commit.
    git(project, env, "add", document)
    (project / "configs" / "draft.yaml").write_text("not: [a config\n")
    both_hooks(call(["git", "commit", "-m", "a second config"], project, env), "Passed")


def test_a_partial_commit_is_judged_by_what_it_holds(
    guarded_consumer: Path, hooks_home: Path
) -> None:
    """`git commit PATH` commits PATH alone, through an index of its own that git
    hands its hooks: a staged document outside PATH is not in that commit."""
    env = git_env(hooks_home)
    project = guarded_consumer
    edit(project / CONSUMER_CONFIG, "seq_len: 256", "seq_len: 512")
    written = run_process(project, "--write", "--config", CONSUMER_CONFIG.as_posix(), env=env)
    assert written.returncode == 0, written.stderr
    git(project, env, "add", "-A")
    both_hooks_refuse(
        project,
        env,
        f"{DOCUMENT.as_posix()} is stale; fix it with: icpp-sizer-check --write --config "
        f"{CONSUMER_CONFIG.as_posix()} && git add {DOCUMENT.as_posix()}",
        CONSUMER_CONFIG.as_posix(),
    )
    whole = call(["git", "commit", "-m", "config and document"], project, env)
    assert whole.returncode == 0, whole.stdout


def test_this_repository_dogfoods_its_hooks(hook_repo: tuple[Path, str], hooks_home: Path) -> None:
    """The repo's own .pre-commit-config.yaml passes on its own tree."""
    env = git_env(hooks_home)
    repo_path, _ = hook_repo
    completed = call([sys.executable, "-m", "pre_commit", "run", "--all-files"], repo_path, env)
    assert completed.returncode == 0, completed.stdout
    assert "icpp-sizer-check (this repo's configs/)" in completed.stdout
    assert "ruff check" in completed.stdout and "ruff format" in completed.stdout


def test_this_repository_guards_its_own_document(
    hook_repo: tuple[Path, str], hooks_home: Path, tmp_path: Path
) -> None:
    """The repo's own local hook runs on every commit: it passes an unrelated one and
    fails one whose only staged change deletes the generated document."""
    env = git_env(hooks_home)
    repo_path, _ = hook_repo
    clone = tmp_path / "clone"
    git(tmp_path, env, "clone", "-q", str(repo_path), str(clone))
    installed = call([sys.executable, "-m", "pre_commit", "install"], clone, env)
    assert installed.returncode == 0, installed.stdout
    hook_name = "icpp-sizer-check (this repo's configs/)"

    (clone / "notes.txt").write_text("unrelated\n")
    unrelated = commit(clone, env, "notes")
    assert unrelated.returncode == 0, unrelated.stdout
    assert hook_verdict(unrelated.stdout, hook_name) == "Passed"

    document = "configs/README_icpp_llama2_resource_requirements.md"
    git(clone, env, "rm", "-q", document)
    deleted = call(["git", "commit", "-m", "drop the sizing document"], clone, env)
    assert deleted.returncode == 1, deleted.stdout
    assert hook_verdict(deleted.stdout, hook_name) == "Failed"
    assert f"{document} is missing from the commit; create it with:" in deleted.stdout


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
    shutil.copy(REPO_CONFIG, project / CONSUMER_CONFIG)
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

    edit(project / CONSUMER_CONFIG, "seq_len: 256", "seq_len: 512")
    git(project, env, "add", "-A")
    failed = call(try_repo, project, env)
    assert failed.returncode == 1
    assert "+Max number of concurrent users | 4760 | 431 | 88 | 35" in failed.stdout


if os.name == "nt":  # pragma: no cover - git hooks and paths differ there
    pytestmark = pytest.mark.skip(reason="the end-to-end hook tests run on POSIX")
