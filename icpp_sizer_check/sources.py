"""Where a run reads what it judges: the working tree, or the commit being made.

A check judges one copy of each config and of each document. Without
``--staged`` that is the working tree's; with it, the index's: what ``git
commit`` will record, whatever else lies on disk. Model files are read from
disk either way (they are large, and often not committed), and documents are
written to the working tree either way.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import List, Literal, Protocol, Sequence, Union

from icpp_sizer_check import paths
from icpp_sizer_check.config.location import ConfigLocation
from icpp_sizer_check.config.read import config_too_large, read_config_bytes, unreadable_config
from icpp_sizer_check.errors import ConfigError, Problem, UsageError
from icpp_sizer_check.git_index import BlobTooLarge, GitError, GitIndex, NotStaged, Staged


class Copy(Enum):
    WORKING_TREE = "working-tree"  # the commit is judged by the working tree's file


# What a run judges of one document: the working tree's file, or the index's
# (its bytes, None when the commit lacks it, or why it cannot be used).
Judged = Union[Literal[Copy.WORKING_TREE], Staged]


class FileSource(Protocol):
    staged: bool  # whether the run judges the index

    def configs_in(self, folder: str) -> list[str] | None:
        """The configs directly inside ``folder``; None when there is no such folder."""

    def read_config(self, location: ConfigLocation) -> bytes:
        """A config's bytes; ConfigError when it cannot be used."""

    def documents(self, files: Sequence[Path]) -> List[Judged]:
        """What the run judges of each document (``files``: as the configs name
        them, from each config's real folder, symlinks kept)."""


class WorkingTree:
    """The files on disk: a plain run."""

    staged = False

    def configs_in(self, folder: str) -> list[str] | None:
        return paths.configs_in(folder)

    def read_config(self, location: ConfigLocation) -> bytes:
        return read_config_bytes(location)

    def documents(self, files: Sequence[Path]) -> List[Judged]:
        return [Copy.WORKING_TREE for _ in files]


class Index:
    """The index of the current folder's repository: a ``--staged`` run."""

    staged = True

    def __init__(self) -> None:
        try:
            self.index = GitIndex()
        except GitError as error:
            raise UsageError(
                f"--staged judges the commit being made, and git cannot read one here "
                f"({error}); run inside the repository, or drop --staged"
            ) from None

    def configs_in(self, folder: str) -> list[str] | None:
        return self.index.files_in(folder, paths.CONFIG_SUFFIXES)

    def read_config(self, location: ConfigLocation) -> bytes:
        file = location.shown
        try:
            where = self.index.committed_path(location.absolute)
            (found,) = self.index.read([where], paths.MAX_CONFIG_BYTES)
        except GitError as error:
            raise unreadable_config(file, f"git says: {error}") from None
        if found is None:
            raise ConfigError(
                [
                    Problem(
                        file,
                        "the config is not staged, so the commit does not hold it "
                        "(--staged judges the commit); stage it with: "
                        f"{stage_command(file)}",
                    )
                ]
            )
        if isinstance(found, BlobTooLarge):
            raise config_too_large(file)
        if isinstance(found, OSError):
            raise unreadable_config(file, f"it {found.strerror}; {staged_remedy(found, file)}")
        return found

    def documents(self, files: Sequence[Path]) -> List[Judged]:
        try:
            where = [self.index.committed_path(str(file)) for file in files]
            return list(self.index.read(where, paths.MAX_DOCUMENT_BYTES))
        except GitError as error:
            raise UsageError(f"cannot read the git index: {error}") from None


def stage_command(shown: str) -> str:
    """The command that stages a file named as messages show it (from the root)."""
    import shlex

    return f"git add {shlex.quote(f'./{shown}' if shown.startswith('-') else shown)}"


def staged_remedy(error: OSError, shown: str) -> str:
    """What makes the commit hold the file named ``shown`` as a file, where the
    index holds something else there (``error``: what it holds)."""
    import shlex

    remedy = error.remedy if isinstance(error, NotStaged) else "stage the file with: {add}"
    named = shlex.quote(f"./{shown}" if shown.startswith("-") else shown)
    return remedy.format(add=stage_command(shown), unstage=f"git rm --cached {named}")


def source_for(staged: bool) -> FileSource:
    """The files a run judges: the index's with ``staged``, else the working tree's."""
    return Index() if staged else WorkingTree()
