"""Console examples: the command run for real, in a temporary copy of the
repo's configs made a git repository, after the edits the page describes.

Each example is a ``console`` fence: ``$ COMMAND`` and what it printed,
standard output then standard error as the terminal shows them.
"""

from __future__ import annotations

import shlex
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Callable, NamedTuple, Union

from tests.fixtures import REPO, clean_env, edit
from tests.integration.fixtures import call, git, git_env


class Edit(NamedTuple):
    """Replace ``old`` by ``new`` (once) in ``path``, relative to the project."""

    path: str
    old: str
    new: str


FileContent = Union[str, bytes, Callable[[Path], object]]


class Example(NamedTuple):
    """A command shown with its output, after ``edits``, ``setup`` commands
    (the tool's arguments each; their output is not shown) and ``then`` edits."""

    argv: tuple[str, ...]
    edits: tuple[Edit, ...] = ()
    setup: tuple[tuple[str, ...], ...] = ()
    then: tuple[Edit, ...] = ()
    head: int = 0  # show only the first lines of the output, as `| head -n N`
    tail: int = 0  # or only the last, as `| tail -n N`
    # (path, content) written before the edits: text, bytes, or a function that
    # writes the file at the path it is given (a GGUF model).
    files: tuple[tuple[str, FileContent], ...] = ()


def _run(folder: Path, argv: tuple[str, ...], env: dict[str, str]) -> str:
    """What the tool printed, both streams in the order a terminal shows them."""
    return call([sys.executable, "-I", "-m", "icpp_sizer_check", *argv], folder, env).stdout


def _edit(folder: Path, edits: tuple[Edit, ...]) -> None:
    for each in edits:
        edit(folder / each.path, each.old, each.new)


def _project(folder: Path, example: Example, git_home: Path) -> None:
    shutil.copytree(REPO / "configs", folder / "configs")
    for path, text in example.files:
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        target = folder / path
        if isinstance(text, str):
            target.write_text(text, encoding="utf-8")
        elif isinstance(text, bytes):
            target.write_bytes(text)
        else:
            text(target)
    _edit(folder, example.edits)
    git(folder, git_env(git_home), "init", "-q")


def console(example: Example) -> str:
    """The example's fence: the command as a user types it, and its output."""
    with tempfile.TemporaryDirectory(prefix="docs-example-") as temporary:
        root = Path(temporary)
        folder, home = root / "project", root / "home"
        folder.mkdir()
        home.mkdir()
        _project(folder, example, home)
        env = {
            **clean_env(),
            "XDG_CACHE_HOME": str(home / "cache"),
            "ICPP_SIZER_CHECK_NO_CACHE": "1",
            "NO_COLOR": "1",
            "COLUMNS": "80",
        }
        for setup in example.setup:
            _run(folder, setup, env)
        _edit(folder, example.then)
        output = _run(folder, example.argv, env)
    command = shlex.join(["icpp-sizer-check", *example.argv])
    if example.head:
        command += f" | head -n {example.head}"
        output = "".join(output.splitlines(keepends=True)[: example.head])
    if example.tail:
        command += f" | tail -n {example.tail}"
        output = "".join(output.splitlines(keepends=True)[-example.tail :])
    return f"```console\n$ {command}\n{output.rstrip()}\n```"
