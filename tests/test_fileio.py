from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from icpp_sizer_check.fileio import atomic_write, read_optional


def test_read_optional(tmp_path: Path) -> None:
    assert read_optional(tmp_path / "absent") is None
    (tmp_path / "present").write_bytes(b"x")
    assert read_optional(tmp_path / "present") == b"x"


def test_atomic_write_creates_folders_and_uses_the_umask(tmp_path: Path) -> None:
    target = tmp_path / "docs" / "sizes.md"
    old_mask = os.umask(0o022)
    try:
        atomic_write(target, b"new\n")
    finally:
        os.umask(old_mask)
    assert target.read_bytes() == b"new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert sorted(p.name for p in target.parent.iterdir()) == ["sizes.md"]


def test_atomic_write_keeps_the_mode_of_the_replaced_file(tmp_path: Path) -> None:
    target = tmp_path / "sizes.md"
    target.write_bytes(b"old\n")
    target.chmod(0o640)
    atomic_write(target, b"new\n")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_failed_rename_leaves_the_old_document_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "sizes.md"
    target.write_bytes(b"old\n")

    def crash(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="No space"):
        atomic_write(target, b"new\n")
    assert target.read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["sizes.md"]
