"""A --staged run judges the commit being made (the git index), in real git repositories."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from icpp_sizer_check.compare import DocumentStatus
from icpp_sizer_check.errors import UsageError
from icpp_sizer_check.exit_codes import EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_OK
from icpp_sizer_check.git_index import NotStaged
from icpp_sizer_check.paths import MAX_CONFIG_BYTES
from icpp_sizer_check.report import messages as say
from icpp_sizer_check.results import RunResult, Staging
from icpp_sizer_check.runner import run
from icpp_sizer_check.sources import Index, source_for, stage_command, staged_remedy
from tests.fixtures import CONFIG, DOCUMENT, GOLDEN, REPO_CONFIG, edit, git

STAGE_DOCUMENT = f"git add {DOCUMENT.as_posix()}"
REGENERATE = f"icpp-sizer-check --write --config {CONFIG.as_posix()}"


def staged_run(*configs: Path, write: bool = False) -> RunResult:
    return run(list(configs) or [CONFIG], write=write, source=Index())


@pytest.fixture
def committed_repository(repository: Path) -> Path:
    """The repository with its config and up-to-date document committed."""
    shutil.copy(GOLDEN, repository / DOCUMENT)
    git(repository, "add", "-A")
    git(repository, "commit", "-q", "-m", "sizing")
    return repository


def test_a_document_taken_out_of_the_index_is_missing_from_the_commit(
    committed_repository: Path,
) -> None:
    git(committed_repository, "rm", "-q", "--cached", DOCUMENT.as_posix())
    assert run([CONFIG]).exit_code == EXIT_OK  # the working tree still has it
    result = staged_run()
    (config,) = result.configs
    assert (config.document_status, config.staging) == (
        DocumentStatus.MISSING,
        Staging.NOT_STAGED,
    )
    assert result.exit_code == EXIT_CHECK_FAILED
    assert say.missing(config) == (
        f"{DOCUMENT.as_posix()} is missing from the commit: the file on disk is up to date "
        f"but not staged; stage it with: {STAGE_DOCUMENT}"
    )
    assert say.fix_command(config) == STAGE_DOCUMENT


def test_a_new_config_whose_document_is_not_staged_fails(repository: Path) -> None:
    git(repository, "add", CONFIG.as_posix())
    assert run([CONFIG], write=True).exit_code == EXIT_OK  # written by hand, left unstaged
    (config,) = staged_run().configs
    assert (config.document_status, config.staging) == (
        DocumentStatus.MISSING,
        Staging.NOT_STAGED,
    )
    git(repository, "add", DOCUMENT.as_posix())
    assert staged_run().exit_code == EXIT_OK


def test_the_staged_bytes_are_judged_not_the_working_tree(committed_repository: Path) -> None:
    document = committed_repository / DOCUMENT
    document.write_bytes(GOLDEN.read_bytes().replace(b"| 4760 |", b"| 9999 |"))
    git(committed_repository, "add", DOCUMENT.as_posix())
    document.write_bytes(GOLDEN.read_bytes())  # up to date on disk only
    result = staged_run()
    (config,) = result.configs
    assert (config.document_status, config.staging) == (DocumentStatus.STALE, Staging.NOT_STAGED)
    assert "-Max number of concurrent users | 9999 |" in config.diff
    assert say.stale(config).startswith(f"{DOCUMENT.as_posix()} is stale in the commit")

    # The other way round: the commit is right, whatever the disk holds.
    git(committed_repository, "add", DOCUMENT.as_posix())
    document.write_text("scribbles\n")
    assert staged_run().exit_code == EXIT_OK


def test_a_document_stale_everywhere_needs_the_write_and_the_add(
    committed_repository: Path,
) -> None:
    edit(committed_repository / CONFIG, "seq_len: 256", "seq_len: 512")
    git(committed_repository, "add", CONFIG.as_posix())
    (config,) = staged_run().configs
    assert (config.document_status, config.staging) == (DocumentStatus.STALE, Staging.STAGED)
    assert say.fix_command(config) == f"{REGENERATE} && {STAGE_DOCUMENT}"
    git(committed_repository, "rm", "-q", "--cached", DOCUMENT.as_posix())
    (config,) = staged_run().configs
    assert say.missing(config) == (
        f"{DOCUMENT.as_posix()} is missing from the commit; create it with: "
        f"{REGENERATE} && {STAGE_DOCUMENT}"
    )


def test_the_write_fails_until_what_it_wrote_is_staged(committed_repository: Path) -> None:
    edit(committed_repository / CONFIG, "seq_len: 256", "seq_len: 512")
    git(committed_repository, "add", CONFIG.as_posix())
    staged_before = git(committed_repository, "ls-files", "-s")
    written = staged_run(write=True)
    (config,) = written.configs
    assert (config.document_status, config.staging) == (
        DocumentStatus.WRITTEN,
        Staging.NOT_STAGED,
    )
    assert written.exit_code == EXIT_CHECK_FAILED  # without --exit-non-zero-on-write too
    assert say.written(config) == f"wrote {DOCUMENT.as_posix()}; stage it with: {STAGE_DOCUMENT}"
    assert "| 4760 | 431 | 88 | 35" in (committed_repository / DOCUMENT).read_text()
    assert git(committed_repository, "ls-files", "-s") == staged_before  # nothing staged

    # Nothing left to write, and still not in the commit: still a failure.
    (again,) = staged_run(write=True).configs
    assert (again.document_status, again.staging) == (DocumentStatus.STALE, Staging.NOT_STAGED)
    git(committed_repository, "add", DOCUMENT.as_posix())
    assert staged_run(write=True).exit_code == EXIT_OK


def test_model_files_are_read_from_disk(repository: Path) -> None:
    from tests.runtimes.icpp_llama2.test_checkpoint import STORIES_15M, legacy

    (repository / "models").mkdir()
    (repository / "models" / "15M.bin").write_bytes(legacy(STORIES_15M))
    config = repository / "configs" / "llm.yaml"
    config.write_text("output: llm.md\nmodels:\n  - name: 15M\n    checkpoint: ../models/15M.bin\n")
    assert run([config], write=True).exit_code == EXIT_OK
    git(repository, "add", "configs/llm.yaml", "configs/llm.md")  # the model stays untracked
    assert staged_run(config).exit_code == EXIT_OK


def test_a_config_named_but_not_staged_is_an_error(repository: Path) -> None:
    result = staged_run()
    assert result.exit_code == EXIT_BAD_INPUT
    (problem,) = result.problems
    assert str(problem) == (
        f"{CONFIG.as_posix()}: the config is not staged, so the commit does not hold it "
        f"(--staged judges the commit); stage it with: git add {CONFIG.as_posix()}"
    )


def test_the_staged_config_is_read_not_the_working_tree(committed_repository: Path) -> None:
    edit(committed_repository / CONFIG, "seq_len: 256", "seq_len: 512")  # not staged
    assert run([CONFIG]).exit_code == EXIT_CHECK_FAILED
    assert staged_run().exit_code == EXIT_OK


def test_a_staged_document_too_large_is_refused_unread(committed_repository: Path) -> None:
    (committed_repository / DOCUMENT).write_bytes(b"x" * (2 * 1024 * 1024 + 1))
    git(committed_repository, "add", DOCUMENT.as_posix())
    shutil.copy(GOLDEN, committed_repository / DOCUMENT)
    result = staged_run(write=True)
    assert result.exit_code == EXIT_BAD_INPUT and result.write_refused
    assert "is staged at 2097153 bytes, far beyond any sizing document" in str(result.problems[0])


def test_outside_a_repository_staged_is_a_usage_error(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(project.parent))
    (project / ".git").rmdir()
    with pytest.raises(UsageError, match="--staged judges the commit being made"):
        source_for(staged=True)


def test_a_name_that_reads_as_an_option_is_staged_as_a_path() -> None:
    assert stage_command("-x.md") == "git add ./-x.md"
    assert stage_command("a b.md") == "git add 'a b.md'"


def test_a_name_that_reads_as_an_option_is_unstaged_as_a_path() -> None:
    symlink = NotStaged(
        "is a symlink in the index",
        "the commit needs a file there: {unstage}, then stage the file with: {add}",
    )
    assert staged_remedy(symlink, "-x.md") == (
        "the commit needs a file there: git rm --cached ./-x.md, then stage the file with: "
        "git add ./-x.md"
    )
    assert staged_remedy(symlink, "a b.md").startswith(
        "the commit needs a file there: git rm --cached 'a b.md',"
    )


def _config_problem(repository: Path) -> str:
    """The one problem of a --staged check of the repository's config."""
    result = staged_run()
    assert result.exit_code == EXIT_BAD_INPUT
    (problem,) = result.problems
    return str(problem)


def test_a_config_staged_too_large_is_refused_unread(repository: Path) -> None:
    (repository / CONFIG).write_bytes(b"#" * (MAX_CONFIG_BYTES + 1))
    git(repository, "add", CONFIG.as_posix())
    shutil.copy(REPO_CONFIG, repository / CONFIG)  # a good config on disk only
    assert _config_problem(repository) == (
        f"{CONFIG.as_posix()}: the config is larger than {MAX_CONFIG_BYTES // 1024} KiB; "
        "is it the right file? split it into several configs"
    )


def test_a_config_in_a_merge_conflict_is_refused(repository: Path) -> None:
    blob = git(repository, "hash-object", "-w", CONFIG.as_posix())
    entries = "".join(f"100644 {blob} {stage}\t{CONFIG.as_posix()}\n" for stage in (1, 2, 3))
    git(repository, "update-index", "--index-info", stdin=entries.encode())
    assert _config_problem(repository) == (
        f"{CONFIG.as_posix()}: cannot read the config: "
        "it has an unresolved merge conflict in the index; resolve the conflict, then stage "
        f"the result with: git add {CONFIG.as_posix()}"
    )


def test_an_index_git_cannot_read_is_named_with_the_config(
    repository: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repository / ".git" / "index").write_bytes(b"not an index")
    problem = _config_problem(repository)
    assert problem.startswith(f"{CONFIG.as_posix()}: cannot read the config: git says: ")
    assert "index file" in problem  # what git said about it


def test_documents_of_an_index_git_cannot_read_are_a_usage_error(repository: Path) -> None:
    source = Index()
    (repository / ".git" / "index").write_bytes(b"not an index")
    with pytest.raises(UsageError) as raised:
        source.documents([repository / DOCUMENT])
    assert str(raised.value).startswith("cannot read the git index: ")
    assert "index file" in str(raised.value)


def _staged_copy(repository: Path) -> Path:
    """The document, with an up-to-date copy beside it staged as copy.md."""
    document = repository / DOCUMENT
    shutil.copy(document, document.with_name("copy.md"))
    git(repository, "add", DOCUMENT.with_name("copy.md").as_posix())
    return document


def test_a_document_reached_through_an_unstaged_symlink_is_judged_where_the_commit_holds_it(
    committed_repository: Path,
) -> None:
    # The commit lacks the document; on disk, an untracked symlink in its place
    # (pre-commit leaves untracked files alone) leads to a staged copy elsewhere.
    document = _staged_copy(committed_repository)
    git(committed_repository, "rm", "-q", "--cached", DOCUMENT.as_posix())
    document.unlink()
    document.symlink_to("copy.md")
    (config,) = staged_run().configs
    assert config.document_status == DocumentStatus.MISSING
    # Staged as a symlink, it is what the commit holds, and a checkout resolves it.
    git(committed_repository, "add", DOCUMENT.as_posix())
    assert staged_run().exit_code == EXIT_OK


def test_a_stale_staged_document_is_not_hidden_by_a_symlink_on_disk(
    committed_repository: Path,
) -> None:
    document = _staged_copy(committed_repository)
    edit(document, "| 4760 | 847", "| 9999 | 847")
    git(committed_repository, "add", DOCUMENT.as_posix())
    document.unlink()
    document.symlink_to("copy.md")  # an unstaged change: the commit holds the stale file
    (config,) = staged_run().configs
    assert config.document_status == DocumentStatus.STALE


def test_a_config_hard_linked_on_disk_is_its_own_config_in_the_commit(
    committed_repository: Path,
) -> None:
    # Staged as a config of its own with a document the commit lacks; on disk,
    # a hard link to the first config.
    other = CONFIG.with_name("other.yaml")
    text = (committed_repository / CONFIG).read_text()
    (committed_repository / other).write_text(
        text.replace(f"output: {DOCUMENT.name}", "output: other.md")
    )
    git(committed_repository, "add", other.as_posix())
    (committed_repository / other).unlink()
    os.link(committed_repository / CONFIG, committed_repository / other)
    result = staged_run(CONFIG, other)
    assert len(result.configs) == 2
    assert result.exit_code == EXIT_CHECK_FAILED


def test_a_config_named_through_an_untracked_symlink_is_not_in_the_commit(
    committed_repository: Path,
) -> None:
    link = CONFIG.with_name("link.yaml")
    (committed_repository / link).symlink_to(CONFIG.name)  # on disk only
    result = staged_run(link)
    assert result.exit_code == EXIT_BAD_INPUT
    assert "the config is not staged" in str(result.problems[0])
    git(committed_repository, "add", link.as_posix())  # a checkout resolves it as the disk does
    assert staged_run(link).exit_code == EXIT_OK


def _conflict(repository: Path, name: str) -> None:
    """``name`` as an unresolved merge leaves it: three stages, no stage 0."""
    blob = git(repository, "hash-object", "-w", name)
    entries = "".join(f"100644 {blob} {stage}\t{name}\n" for stage in (1, 2, 3))
    git(repository, "update-index", "--force-remove", name)
    git(repository, "update-index", "--index-info", stdin=entries.encode())


def test_a_document_the_index_holds_as_no_file_is_refused_with_its_remedy(
    committed_repository: Path,
) -> None:
    _conflict(committed_repository, DOCUMENT.as_posix())
    (problem,) = staged_run().problems
    assert str(problem).endswith(
        "has an unresolved merge conflict in the index; resolve the conflict, then stage "
        f"the result with: {STAGE_DOCUMENT}"
    )
    git(committed_repository, "rm", "-q", "--cached", DOCUMENT.as_posix())
    document = committed_repository / DOCUMENT
    shutil.copy(document, document.with_name("copy.md"))
    document.unlink()
    document.symlink_to("copy.md")
    git(committed_repository, "add", DOCUMENT.as_posix())  # the symlink, staged
    document.unlink()
    shutil.copy(document.with_name("copy.md"), document)  # the file, not staged
    (problem,) = staged_run().problems
    assert str(problem).endswith(
        "is a symlink in the index; the commit needs a file there: git rm --cached "
        f"{DOCUMENT.as_posix()}, then stage the file with: {STAGE_DOCUMENT}"
    )


def test_a_config_in_conflict_is_refused_with_its_remedy(committed_repository: Path) -> None:
    _conflict(committed_repository, CONFIG.as_posix())
    (problem,) = staged_run().problems
    assert str(problem).endswith(
        "has an unresolved merge conflict in the index; resolve the conflict, then stage "
        f"the result with: git add {CONFIG.as_posix()}"
    )
