"""Paths a config names: what they resolve to, and why one is refused, in full."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from icpp_sizer_check.config.confine import ConfinedPath, confined_or_reason, output_target
from icpp_sizer_check.config.location import ConfigLocation, locate_config
from tests.fixtures import CONFIG


@pytest.fixture
def location(project: Path) -> ConfigLocation:
    return locate_config(project / CONFIG)


def test_a_path_inside_the_project_resolves_from_the_configs_folder(
    project: Path, location: ConfigLocation
) -> None:
    (project / "models").mkdir()
    (project / "models" / "m.bin").write_bytes(b"")
    (project / "configs" / "link.bin").symlink_to(project / "models" / "m.bin")
    assert confined_or_reason(location, "../models/m.bin") == ConfinedPath(
        str(project / "configs" / "../models/m.bin"), str(project / "models" / "m.bin")
    )
    assert confined_or_reason(location, "link.bin") == ConfinedPath(
        str(project / "configs" / "link.bin"), str(project / "models" / "m.bin")
    )
    # A file that does not exist yet (a document to write) is no reason to refuse.
    assert confined_or_reason(location, "new.md") == ConfinedPath(
        str(project / "configs" / "new.md"), str(project / "configs" / "new.md")
    )


@pytest.mark.parametrize(
    ("relative", "reason"),
    [
        ("a\0b", "contains a NUL character, which no file name can hold"),
        ("/etc/passwd", "must be a path relative to the config's folder, not an absolute one"),
        ("~/x.md", "must be a path relative to the config's folder, not an absolute one"),
        ("sub/.GIT/x.md", "is inside .git/, which holds git's own files; name a file outside it"),
        (
            "../.git/hooks/pre-commit",
            "is inside .git/, which holds git's own files; name a file outside it",
        ),
    ],
)
def test_paths_a_config_may_not_name(location: ConfigLocation, relative: str, reason: str) -> None:
    assert confined_or_reason(location, relative) == f"{relative!r}: {reason}"


def test_a_path_out_of_the_project_is_refused_and_a_symlink_named_as_such(
    project: Path, location: ConfigLocation, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("elsewhere") / "x.md"
    outside.write_text("")
    (project / "configs" / "out.md").symlink_to(outside)
    leaves = f"the path leaves the repository ({project}); keep it inside"
    assert confined_or_reason(location, "../../x.md") == f"'../../x.md': {leaves}"
    assert confined_or_reason(location, "out.md") == f"'out.md': {leaves} (it is a symlink)"


def test_a_symlink_into_git_is_refused(project: Path, location: ConfigLocation) -> None:
    (project / "configs" / "hook.md").symlink_to(project / ".git" / "hooks.md")
    assert confined_or_reason(location, "hook.md") == (
        "'hook.md': is inside .git/, which holds git's own files; name a file outside it"
    )


def test_what_is_no_file_is_refused(project: Path, location: ConfigLocation) -> None:
    (project / "configs" / "loop.md").symlink_to(project / "configs" / "loop.md")
    os.mkfifo(project / "configs" / "pipe.md")
    assert confined_or_reason(location, "loop.md") == (
        "'loop.md': is a symlink loop; point it at a file"
    )
    assert confined_or_reason(location, "pipe.md") == (
        "'pipe.md': is not a regular file (a FIFO, a device or a socket); name a file"
    )
    long = "x" * 300 + ".md"
    assert confined_or_reason(location, long) == (
        f"{long!r}: not a usable path (File name too long)"
    )


def test_the_document_is_a_markdown_file(project: Path, location: ConfigLocation) -> None:
    (project / "configs" / "folder.md").mkdir()
    (project / "configs" / "notes.txt").write_text("")
    (project / "configs" / "notes.md").symlink_to(project / "configs" / "notes.txt")
    assert output_target(location, "doc.markdown") == ConfinedPath(
        str(project / "configs" / "doc.markdown"), str(project / "configs" / "doc.markdown")
    )
    assert output_target(location, "DOC.MD") == ConfinedPath(
        str(project / "configs" / "DOC.MD"), str(project / "configs" / "DOC.MD")
    )
    assert output_target(location, "doc.txt") == (
        "'doc.txt' is not a Markdown document (after symlinks: 'configs/doc.txt'); "
        "name a .md or .markdown file"
    )
    assert output_target(location, "notes.md") == (
        "'notes.md' is not a Markdown document (after symlinks: 'configs/notes.txt'); "
        "name a .md or .markdown file"
    )
    assert output_target(location, "folder.md") == "'folder.md' is a folder; name a Markdown file"
    assert output_target(location, "/x.md") == (
        "'/x.md': must be a path relative to the config's folder, not an absolute one"
    )


def test_only_git_inside_the_project_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A project may itself live below a folder named .git; what is refused is
    the project's own .git, wherever the tool is run from."""
    project = tmp_path / ".git" / "project"
    (project / ".git").mkdir(parents=True)
    (project / "c.yaml").write_text("")
    monkeypatch.chdir(tmp_path)
    location = locate_config(project / "c.yaml")
    assert output_target(location, "o.md") == ConfinedPath(
        str(project / "o.md"), str(project / "o.md")
    )
