"""The files of the commit being made: the git index, read with git's plumbing.

``--staged`` judges what ``git commit`` will record, not the working tree.
pre-commit stashes the unstaged changes of tracked files before its hooks run,
but an untracked file, or one taken out of the index with ``git rm --cached``,
stays on disk: only the index says what the commit holds.

The repository is as hostile as any input, down to its ``.git/config``, so git
runs with a fixed argument list, no shell, and these guards:

- ``core.fsmonitor=false``: a repository's config may name a program as its
  file-system monitor, and merely reading the index runs it;
- ``--no-replace-objects``: a replace ref would show other bytes than the blob
  the commit records;
- ``--literal-pathspecs``: a file name is a name, never a glob;
- no lazy fetch and no transport: a blob a partial clone lacks is missing,
  never fetched through a program the config names;
- of the ``GIT_*`` variables, only those naming the repository, its index, its
  objects and the config files pass; ``GIT_INDEX_FILE`` must, since ``git
  commit -a`` and ``git commit PATH`` hand their hooks an index of their own.

A blob is sized before it is read, so one past its limit is never read at all.
"""

from __future__ import annotations

import errno
import os
import subprocess
from typing import Dict, List, Mapping, Sequence, Tuple, Union

from icpp_sizer_check.errors import printable

GLOBAL_OPTIONS = (
    "-c",
    "core.fsmonitor=false",
    "--no-replace-objects",
    "--literal-pathspecs",
    "--no-pager",
)

# Which repository, index, object store and config files: the commit being made.
KEPT_VARIABLES = frozenset(
    {
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_COMMON_DIR",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_CEILING_DIRECTORIES",
        "GIT_DISCOVERY_ACROSS_FILESYSTEM",
        "GIT_CONFIG_GLOBAL",
        "GIT_CONFIG_SYSTEM",
        "GIT_CONFIG_NOSYSTEM",
        "GIT_EXEC_PATH",
    }
)

REGULAR_MODES = ("100644", "100755")
_KINDS = {"120000": "a symlink", "160000": "a submodule"}


class GitError(OSError):
    """Git could not answer: no repository here, or no git. An OSError, as a
    file that cannot be read is: a replay that meets one takes the full path."""


class NotStaged(OSError):
    """In the index, but not as a file the check can read."""

    def __init__(self, reason: str, remedy: str) -> None:
        super().__init__(errno.EINVAL, reason)
        # What makes the commit hold the file, with "{add}" for the command
        # that stages it and "{unstage}" for the one that takes it out.
        self.remedy = remedy


class BlobTooLarge(OSError):
    """The staged file is larger than the limit asked for; it was not read."""

    def __init__(self, size: int) -> None:
        super().__init__(errno.EFBIG, f"is {size} bytes")
        self.size = size


# One file of the index: its bytes; None when the index does not hold it;
# NotStaged or BlobTooLarge when it cannot be used.
Staged = Union[bytes, None, OSError]


def git_environment(environ: Mapping[str, str]) -> Dict[str, str]:
    """``environ`` with no ``GIT_*`` variable but those of KEPT_VARIABLES."""
    kept = {
        name: value
        for name, value in environ.items()
        if not name.startswith("GIT_") or name in KEPT_VARIABLES
    }
    kept["GIT_OPTIONAL_LOCKS"] = "0"  # a reader takes no lock and writes nothing
    kept["GIT_TERMINAL_PROMPT"] = "0"
    # A config may make the repository a partial clone: a blob it lacks is then
    # fetched, through a transport that config names (ext:: runs a command,
    # core.sshCommand another). No fetch (git 2.45 on), and on older gits no
    # transport at all: an empty list of allowed protocols overrides any config.
    kept["GIT_ALLOW_PROTOCOL"] = ""
    kept["GIT_NO_LAZY_FETCH"] = "1"
    return kept


def _git(arguments: Sequence[str], stdin: bytes = b"") -> bytes:
    try:
        completed = subprocess.run(
            ["git", *GLOBAL_OPTIONS, *arguments],
            input=stdin,
            capture_output=True,
            env=git_environment(os.environ),
            check=False,
        )
    except OSError as error:
        raise GitError(f"cannot run git: {error.strerror or error}") from None
    if completed.returncode != 0:
        said = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        # Git's words may quote a path, which may hold anything: shown, never obeyed.
        raise GitError(printable(said[-1]) if said else f"git {arguments[0]} failed")
    return completed.stdout


def _entries(files: Sequence[str]) -> Dict[str, List[Tuple[str, str, str]]]:
    """The index entries at ``files`` (absolute): by path from the top, each
    (mode, object id, stage)."""
    listed = _git(["ls-files", "--stage", "-z", "--full-name", "--", *files])
    found: Dict[str, List[Tuple[str, str, str]]] = {}
    for record in filter(None, listed.split(b"\0")):
        head, _, name = record.partition(b"\t")
        mode, object_id, stage = head.decode("ascii").split(" ")
        found.setdefault(os.fsdecode(name), []).append((mode, object_id, stage))
    return found


def _blobs(object_ids: Sequence[str], limit: int) -> Dict[str, Union[bytes, OSError]]:
    """The bytes of each blob no larger than ``limit``; BlobTooLarge for the others."""
    if not object_ids:
        return {}
    found: Dict[str, Union[bytes, OSError]] = {}
    wanted = []
    sizes = _git(["cat-file", "--batch-check"], "".join(f"{o}\n" for o in object_ids).encode())
    for line in sizes.decode("ascii").splitlines():
        object_id, kind, size = [*line.split(" "), "", ""][:3]
        if kind != "blob":
            found[object_id] = NotStaged("is not in the object store", "stage it again with: {add}")
        elif int(size) > limit:
            found[object_id] = BlobTooLarge(int(size))
        else:
            wanted.append(object_id)
    if wanted:
        out = _git(["cat-file", "--batch"], "".join(f"{o}\n" for o in wanted).encode())
        at = 0
        for object_id in wanted:
            header_end = out.index(b"\n", at)
            length = int(out[at:header_end].split(b" ")[2])
            found[object_id] = out[header_end + 1 : header_end + 1 + length]
            at = header_end + 1 + length + 1  # the content, then a newline
    return found


class GitIndex:
    """The index of the repository the current folder belongs to."""

    def __init__(self) -> None:
        top = _git(["rev-parse", "--show-toplevel"]).rstrip(b"\n")
        self.top = os.path.realpath(os.fsdecode(top))

    def name(self, path: str) -> str | None:
        """``path`` (absolute, real) as the index names it; None outside the work tree."""
        relative = os.path.relpath(path, self.top)
        if relative == os.curdir or relative.split(os.sep)[0] == os.pardir:
            return None
        return relative.replace(os.sep, "/")

    def read(self, files: Sequence[str], limit: int) -> List[Staged]:
        """What the commit holds at each of ``files`` (absolute, real paths)."""
        names = [self.name(file) for file in files]
        inside = [file for file, name in zip(files, names) if name is not None]
        entries = _entries(inside) if inside else {}
        outside = NotStaged(
            f"is outside the git work tree {self.top}",
            "keep it inside the repository, or drop --staged",
        )
        usable = [outside if name is None else _usable(entries.get(name, [])) for name in names]
        blobs = _blobs(list(dict.fromkeys(u for u in usable if isinstance(u, str))), limit)
        return [blobs[item] if isinstance(item, str) else item for item in usable]

    def committed_path(self, logical: str) -> str:
        """Where the commit holds the file ``logical`` (absolute, its symlinks
        kept) leads to. Past its symlinks only when each is staged as it stands
        on disk, so that a checkout of the commit leads there too; else the path
        itself: an untracked symlink (pre-commit leaves it on disk) or an
        unstaged one must not stand in for what the commit holds."""
        links = self._symlinks_on(logical)
        names = [self.name(link) for link in links]
        entries = _entries(links) if links and None not in names else {}
        held = [entries.get(name or "", [("", "", "")])[0] for name in names]
        targets = _blobs([oid for mode, oid, _ in held if mode == "120000"], 4096)
        staged = all(
            mode == "120000" and targets.get(oid) == os.fsencode(os.readlink(link))
            for link, (mode, oid, _) in zip(links, held)
        )
        return os.path.realpath(logical) if staged else os.path.normpath(logical)

    def _symlinks_on(self, logical: str) -> List[str]:
        """Each symlink on the way from the work tree's top to ``logical``,
        named from its real folder (as the index names it)."""
        start = self.top.rstrip(os.sep) + os.sep
        if not logical.startswith(start):
            return []
        found = []
        folder = self.top
        for part in logical[len(start) :].split(os.sep):
            place = os.path.join(folder, part)
            if part in ("", os.curdir):
                continue
            if part == os.pardir:
                folder = os.path.dirname(folder)  # ``folder`` is real: no link to go back through
            elif os.path.islink(place):
                found.append(place)
                folder = os.path.realpath(place)
            else:
                folder = place
        return found

    def files_in(self, folder: str, suffixes: Tuple[str, ...]) -> List[str]:
        """The files directly inside ``folder`` (as given) whose names end in
        ``suffixes``, in name order, named from ``folder`` as given."""
        real = self.committed_path(os.path.abspath(folder))
        prefix = self.name(real) if real != self.top else ""
        if prefix is None:
            return []
        start = f"{prefix}/" if prefix else ""
        listed = _entries([real])
        names = (name[len(start) :] for name in listed if name.startswith(start))
        return sorted(
            os.path.join(folder, name)
            for name in names
            if "/" not in name and name.endswith(suffixes)
        )


def _usable(entries: List[Tuple[str, str, str]]) -> str | NotStaged | None:
    """A staged file's object id, or why the commit holds no file there."""
    if not entries:
        return None
    if any(stage != "0" for _, _, stage in entries):
        return NotStaged(
            "has an unresolved merge conflict in the index",
            "resolve the conflict, then stage the result with: {add}",
        )
    mode, object_id, _ = entries[0]
    if mode not in REGULAR_MODES:
        return NotStaged(
            f"is {_KINDS.get(mode, 'not a file')} in the index",
            "the commit needs a file there: {unstage}, then stage the file with: {add}",
        )
    return object_id
