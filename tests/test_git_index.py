"""Reading the commit being made from the git index, in real git repositories."""

from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path

import pytest

from icpp_sizer_check.git_index import (
    BlobTooLarge,
    GitError,
    GitIndex,
    NotStaged,
    git_environment,
)
from tests.fixtures import git


def _absolute(repository: Path, *names: str) -> list[str]:
    return [str(repository / name) for name in names]


def test_the_index_is_read_not_the_working_tree(repository: Path) -> None:
    (repository / "doc.md").write_bytes(b"staged\n")
    git(repository, "add", "doc.md")
    (repository / "doc.md").write_bytes(b"on disk only\n")
    (repository / "untracked.md").write_bytes(b"never staged\n")
    (repository / "removed.md").write_bytes(b"committed, then rm --cached\n")
    git(repository, "add", "removed.md")
    git(repository, "commit", "-q", "-m", "first")
    git(repository, "rm", "-q", "--cached", "removed.md")

    found = GitIndex().read(_absolute(repository, "doc.md", "untracked.md", "removed.md"), 100)
    assert found == [b"staged\n", None, None]


def test_files_in_lists_only_staged_configs_directly_in_the_folder(repository: Path) -> None:
    (repository / "configs" / "deeper").mkdir()
    for name in ("b.yaml", "a.yml", "notes.txt", "deeper/c.yaml"):
        (repository / "configs" / name).write_text("x: 1\n")
    git(repository, "add", "configs/b.yaml", "configs/a.yml", "configs/notes.txt", "configs/deeper")
    # Not staged: the project's own configs/icpp_llama2.yaml, and this one.
    (repository / "configs" / "untracked.yaml").write_text("x: 1\n")
    assert GitIndex().files_in("configs", (".yaml", ".yml")) == [
        os.path.join("configs", "a.yml"),
        os.path.join("configs", "b.yaml"),
    ]


def test_a_blob_past_the_limit_is_sized_and_never_read(repository: Path) -> None:
    (repository / "big.md").write_bytes(b"x" * 101)
    (repository / "fits.md").write_bytes(b"y" * 100)
    git(repository, "add", "big.md", "fits.md")
    big, fits = GitIndex().read(_absolute(repository, "big.md", "fits.md"), 100)
    assert isinstance(big, BlobTooLarge) and big.size == 101
    assert (big.errno, big.strerror) == (errno.EFBIG, "is 101 bytes")
    assert fits == b"y" * 100


def test_what_the_commit_holds_as_no_file_is_refused(repository: Path) -> None:
    (repository / "target.md").write_text("t\n")
    (repository / "link.md").symlink_to("target.md")
    git(repository, "add", "target.md", "link.md")
    # An unresolved conflict: the three stages of a merge, and no stage 0.
    blob = git(repository, "hash-object", "-w", "target.md")
    entries = "".join(f"100644 {blob} {stage}\tconflict.md\n" for stage in (1, 2, 3))
    git(repository, "update-index", "--index-info", stdin=entries.encode())

    link, conflict, outside = GitIndex().read(
        [*_absolute(repository, "link.md", "conflict.md"), "/elsewhere/doc.md"], 100
    )
    assert isinstance(link, NotStaged) and link.strerror == "is a symlink in the index"
    assert link.errno == errno.EINVAL
    assert (
        link.remedy == "the commit needs a file there: {unstage}, then stage the file with: {add}"
    )
    assert isinstance(conflict, NotStaged)
    assert conflict.strerror == "has an unresolved merge conflict in the index"
    assert isinstance(outside, NotStaged) and "outside the git work tree" in str(outside.strerror)
    assert outside.remedy == "keep it inside the repository, or drop --staged"


def test_names_are_literal_never_globs(repository: Path) -> None:
    (repository / "a[b].md").write_text("bracket\n")
    (repository / "ab.md").write_text("glob match\n")
    (repository / "new\nline.md").write_text("newline\n")
    git(repository, "add", "-A")
    found = GitIndex().read(_absolute(repository, "a[b].md", "a*.md", "new\nline.md"), 100)
    assert found == [b"bracket\n", None, b"newline\n"]


def test_a_replace_ref_does_not_change_what_the_commit_holds(repository: Path) -> None:
    (repository / "doc.md").write_text("recorded\n")
    (repository / "other.md").write_text("substitute\n")
    git(repository, "add", "doc.md", "other.md")
    original = git(repository, "rev-parse", ":doc.md")
    git(repository, "replace", original, git(repository, "rev-parse", ":other.md"))
    assert git(repository, "cat-file", "-p", original) == "substitute"  # git itself is fooled
    assert GitIndex().read(_absolute(repository, "doc.md"), 100) == [b"recorded\n"]


def test_the_repository_config_runs_no_program(repository: Path) -> None:
    """A hostile .git/config names a file-system monitor: reading the index
    runs it, unless told not to."""
    proof = repository.parent / "fsmonitor-ran"
    git(repository, "config", "core.fsmonitor", f"touch {proof}; false")
    (repository / "doc.md").write_text("staged\n")
    git(repository, "-c", "core.fsmonitor=false", "add", "doc.md")
    index = GitIndex()
    assert index.read(_absolute(repository, "doc.md"), 100) == [b"staged\n"]
    assert index.files_in(".", (".md",)) == [os.path.join(".", "doc.md")]
    assert not proof.exists()
    git(repository, "ls-files")  # the hazard is real: plain git runs it
    assert proof.exists()


@pytest.mark.parametrize(
    ("url", "setting"),
    [
        ("ext::sh -c touch% {proof}", ("protocol.ext.allow", "always")),
        ("ssh://host/repository", ("core.sshCommand", "touch {proof}; false")),
    ],
)
def test_a_missing_blob_fetches_nothing_from_the_repository_config(
    repository: Path, url: str, setting: tuple[str, str]
) -> None:
    """A hostile .git/config makes the repository a partial clone: reading a
    blob it lacks fetches it from a remote whose transport is a program."""
    proof = repository.parent / f"{setting[0]}-ran"
    (repository / "doc.md").write_text("staged\n")
    git(repository, "add", "doc.md")
    blob = git(repository, "rev-parse", ":doc.md")
    (repository / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    for name, value in [
        ("core.repositoryformatversion", "1"),
        ("extensions.partialClone", "origin"),
        ("remote.origin.promisor", "true"),
        ("remote.origin.url", url.format(proof=proof)),
        (setting[0], setting[1].format(proof=proof)),
    ]:
        git(repository, "config", name, value)
    (found,) = GitIndex().read(_absolute(repository, "doc.md"), 100)
    assert isinstance(found, NotStaged)
    assert not proof.exists()
    # The hazard is real: plain git runs it.
    subprocess.run(["git", "cat-file", "-e", blob], cwd=repository, capture_output=True)
    assert proof.exists()


def test_the_index_of_the_commit_is_the_one_git_hands_its_hooks(
    repository: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`git commit PATH` and `git commit -a` run hooks with GIT_INDEX_FILE naming
    an index of their own: that one is what the commit holds."""
    (repository / "doc.md").write_text("in the main index\n")
    git(repository, "add", "doc.md")
    monkeypatch.setenv("GIT_INDEX_FILE", str(repository / ".git" / "other-index"))
    assert GitIndex().read(_absolute(repository, "doc.md"), 100) == [None]


def test_only_the_variables_naming_the_repository_reach_git() -> None:
    environ = {
        "PATH": "/bin",
        "HOME": "/home/u",
        "GIT_INDEX_FILE": "/r/.git/next-index.lock",
        "GIT_DIR": "/r/.git",
        "GIT_CONFIG_PARAMETERS": "'core.fsmonitor'='touch /tmp/x'",
        "GIT_EXTERNAL_DIFF": "evil",
        "GIT_TRACE": "/tmp/trace",
    }
    assert git_environment(environ) == {
        "PATH": "/bin",
        "HOME": "/home/u",
        "GIT_INDEX_FILE": "/r/.git/next-index.lock",
        "GIT_DIR": "/r/.git",
        "GIT_OPTIONAL_LOCKS": "0",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ALLOW_PROTOCOL": "",
        "GIT_NO_LAZY_FETCH": "1",
    }


def test_outside_a_repository_git_says_so(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(project.parent))
    (project / ".git").rmdir()
    with pytest.raises(GitError, match="not a git repository"):
        GitIndex()


def test_what_git_says_is_shown_never_obeyed(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Git writes the ASCII controls as "?" itself, and passes C1 controls (CSI
    # here, which a terminal obeys as ESC [) through.
    monkeypatch.setenv("GIT_DIR", str(project / "no\u009b2Jrepository"))
    with pytest.raises(GitError) as raised:
        GitIndex()
    assert "no\\x9b2Jrepository" in str(raised.value)
    assert "\u009b" not in str(raised.value)


def test_names_are_from_the_top_whatever_the_current_folder(
    repository: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repository / "configs" / "sizes.yaml").write_text("x: 1\n")
    git(repository, "add", "configs/sizes.yaml")
    monkeypatch.chdir(repository / "configs")
    index = GitIndex()
    assert index.read(_absolute(repository, "configs/sizes.yaml"), 100) == [b"x: 1\n"]
    assert index.files_in(".", (".yaml",)) == [os.path.join(".", "sizes.yaml")]


def test_a_name_holding_a_tab_is_read(repository: Path) -> None:
    (repository / "a\tb.md").write_text("tab\n")
    git(repository, "add", "-A")
    assert GitIndex().read(_absolute(repository, "a\tb.md"), 100) == [b"tab\n"]


def test_many_files_are_read_in_one_batch(repository: Path) -> None:
    names = [f"doc{number}.md" for number in range(60)]
    for name in names:
        (repository / name).write_text(f"{name}\n")
    git(repository, "add", *names)
    assert GitIndex().read(_absolute(repository, *names), 100) == [
        f"{name}\n".encode() for name in names
    ]


def test_an_entry_whose_object_is_missing_is_no_file(repository: Path) -> None:
    entry = "100644 1234567890123456789012345678901234567890 0\tghost.md\n"
    git(repository, "update-index", "--index-info", stdin=entry.encode())
    (ghost,) = GitIndex().read(_absolute(repository, "ghost.md"), 100)
    assert isinstance(ghost, NotStaged) and ghost.strerror == "is not in the object store"
    assert ghost.remedy == "stage it again with: {add}"


def test_without_git_the_index_cannot_be_read(
    repository: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no git here
    with pytest.raises(GitError) as raised:
        GitIndex()
    assert str(raised.value) == "cannot run git: No such file or directory"


def test_a_variable_not_naming_the_repository_never_reaches_git(
    repository: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (repository / "doc.md").write_text("staged\n")
    git(repository, "add", "doc.md")
    monkeypatch.setenv("GIT_TRACE", str(tmp_path / "trace"))
    assert GitIndex().read(_absolute(repository, "doc.md"), 100) == [b"staged\n"]
    assert not (tmp_path / "trace").exists()


def test_what_git_says_need_not_be_utf8(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_DIR", str(project) + os.fsdecode(b"/no\xffrepository"))
    with pytest.raises(GitError) as raised:
        GitIndex()
    assert "no\ufffdrepository" in str(raised.value)


def test_git_failing_without_a_word_is_named_by_its_command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """As when git is killed: no message to show."""
    silent = tmp_path / "git"
    silent.write_text("#!/bin/sh\nexit 1\n")
    silent.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(GitError) as raised:
        GitIndex()
    assert str(raised.value) == "git rev-parse failed"


@pytest.mark.parametrize("folder", ["ends in a space ", "endsX"])
def test_the_top_is_the_folder_whatever_its_name_ends_with(
    repository: Path, monkeypatch: pytest.MonkeyPatch, folder: str
) -> None:
    top = repository / folder
    top.mkdir()
    git(top, "init", "-q")
    monkeypatch.chdir(top)
    assert GitIndex().top == str(top)


def test_files_in_a_folder_reached_through_an_untracked_symlink_are_not_in_the_commit(
    repository: Path,
) -> None:
    (repository / "elsewhere").mkdir()
    (repository / "elsewhere" / "a.yaml").write_text("x: 1\n")
    git(repository, "add", "elsewhere/a.yaml")
    os.symlink("elsewhere", repository / "linked")  # on disk only
    assert GitIndex().files_in("linked", (".yaml",)) == []
    git(repository, "add", "linked")  # now a checkout of the commit holds it too
    assert GitIndex().files_in("linked", (".yaml",)) == [os.path.join("linked", "a.yaml")]


@pytest.mark.parametrize(
    ("top", "spelled"),
    [
        ("", "linked/doc.md"),
        ("", "./linked/doc.md"),
        ("", "configs/../linked/doc.md"),
        ("", "configs//../linked/doc.md"),
        ("ends in a space ", "linked/doc.md"),
    ],
)
def test_a_symlinked_folder_on_the_way_is_followed_only_as_it_is_staged(
    repository: Path, monkeypatch: pytest.MonkeyPatch, top: str, spelled: str
) -> None:
    """An output path comes from a config as written: ".", "//" and ".." included."""
    work_tree = repository / top
    if top:
        work_tree.mkdir()
        git(work_tree, "init", "-q")
        monkeypatch.chdir(work_tree)
    (work_tree / "configs").mkdir(exist_ok=True)
    (work_tree / "elsewhere").mkdir()
    os.symlink("elsewhere", work_tree / "linked")  # on disk only
    logical = f"{work_tree}{os.sep}{spelled}"
    as_given = os.path.normpath(logical)
    index = GitIndex()
    assert index.committed_path(logical) == as_given
    git(work_tree, "add", "linked")  # a checkout of the commit leads there too
    assert index.committed_path(logical) == str(work_tree / "elsewhere" / "doc.md")
    os.unlink(work_tree / "linked")
    os.symlink("configs", work_tree / "linked")  # changed on disk, not staged
    assert index.committed_path(logical) == as_given


def test_a_path_leaving_the_work_tree_through_a_symlink_is_taken_as_given(
    repository: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Out through one symlink and back in through another: no commit holds
    the link outside, so no checkout of the commit leads where the disk does."""
    outside = tmp_path_factory.mktemp("outside")
    (repository / "docs").mkdir()
    os.symlink(repository / "docs", outside / "back")
    os.symlink(outside, repository / "out")
    git(repository, "add", "out")
    logical = str(repository / "out" / "back" / "doc.md")
    assert GitIndex().committed_path(logical) == logical
