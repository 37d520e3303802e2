from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from icpp_sizer_check.fileio import (
    DocumentTooLarge,
    atomic_write,
    read_optional,
    remove_stale_temp_files,
    temp_files_in,
)


def test_read_optional(tmp_path: Path) -> None:
    assert read_optional(tmp_path / "absent") is None
    (tmp_path / "present").write_bytes(b"x")
    assert read_optional(tmp_path / "present") == b"x"


def test_a_document_of_the_limit_is_read_and_one_byte_more_is_refused(tmp_path: Path) -> None:
    document = tmp_path / "doc.md"
    document.write_bytes(b"x" * 10)
    assert read_optional(document, limit=10) == b"x" * 10
    with pytest.raises(DocumentTooLarge):
        read_optional(document, limit=9)


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


KILL_BETWEEN_WRITE_AND_RENAME = """
import os, signal, sys
from pathlib import Path
from icpp_sizer_check import fileio

def killed(*_args):
    os.kill(os.getpid(), signal.SIGKILL)  # dies after the fsync, before the rename

os.replace = killed
fileio.atomic_write(Path(sys.argv[1]), b"new\\n")
"""


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
def test_a_writer_killed_before_the_rename_loses_nothing(tmp_path: Path) -> None:
    target = tmp_path / "sizes.md"
    target.write_bytes(b"old\n")
    completed = subprocess.run(
        [sys.executable, "-c", KILL_BETWEEN_WRITE_AND_RENAME, str(target)], check=False
    )
    assert completed.returncode == -signal.SIGKILL
    assert target.read_bytes() == b"old\n"
    (leftover,) = [p for p in tmp_path.iterdir() if p.name != "sizes.md"]
    assert leftover.read_bytes() == b"new\n"  # the killed writer's temp file
    # The next write clears what the killed writer left, then writes.
    atomic_write(target, b"newer\n")
    assert target.read_bytes() == b"newer\n"
    assert [p.name for p in tmp_path.iterdir()] == ["sizes.md"]


def test_temp_files_of_a_live_writer_are_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "sizes.md"
    ours = tmp_path / f".sizes.md.{os.getpid()}.abc123.tmp"
    ours.write_bytes(b"in progress")
    other = tmp_path / ".other.md.1.abc.tmp"
    other.write_bytes(b"not ours")
    assert remove_stale_temp_files(target) == []
    assert ours.exists() and other.exists()


def test_a_symlinked_document_is_written_through(tmp_path: Path) -> None:
    real = tmp_path / "docs" / "sizes.md"
    real.parent.mkdir()
    real.write_bytes(b"old\n")
    link = tmp_path / "sizes.md"
    link.symlink_to(real)
    atomic_write(link, b"new\n")
    assert link.is_symlink()
    assert real.read_bytes() == b"new\n"


def test_atomic_write_creates_nested_missing_folders(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "c" / "sizes.md"
    atomic_write(target, b"new\n")
    assert target.read_bytes() == b"new\n"


def test_temp_files_of_another_users_live_writer_are_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    theirs = tmp_path / ".sizes.md.1.abc123.tmp"
    theirs.write_bytes(b"in progress")

    def not_yours(pid: int, signal_number: int) -> None:
        # What the kernel answers for a live process of another user; as root
        # (the tests' usual user) that answer cannot be had for real.
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "kill", not_yours)
    assert remove_stale_temp_files(tmp_path / "sizes.md") == []
    assert theirs.exists()


@pytest.mark.skipif(os.name != "posix", reason="stale temp files are cleared on POSIX")
def test_checking_a_writer_neither_signals_it_nor_keeps_a_dead_ones_file(tmp_path: Path) -> None:
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    dead_pid = subprocess.Popen([sys.executable, "-c", "pass"])
    dead_pid.wait()
    try:
        theirs = tmp_path / f".sizes.md.{alive.pid}.abc.tmp"
        left = tmp_path / f".sizes.md.{dead_pid.pid}.def.tmp"
        theirs.write_bytes(b"in progress")
        left.write_bytes(b"left behind")
        assert remove_stale_temp_files(tmp_path / "sizes.md") == [left]
        assert theirs.exists() and not left.exists()
        # Still running: asked about, never signalled. A signal arrives a moment
        # after it is sent, so give it that moment rather than poll at once.
        with pytest.raises(subprocess.TimeoutExpired):
            alive.wait(timeout=0.5)
    finally:
        alive.kill()
        alive.wait()


@pytest.mark.skipif(os.name != "posix", reason="stale temp files are cleared on POSIX")
def test_a_temp_file_another_cleaner_removed_first_is_no_error(tmp_path: Path) -> None:
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    left = tmp_path / f".sizes.md.{finished.pid}.abc.tmp"
    left.write_bytes(b"left behind")
    listed = temp_files_in(tmp_path)
    left.unlink()  # another cleaner wins the race between the listing and the removal
    assert remove_stale_temp_files(tmp_path / "sizes.md", listed) == []


def test_an_interrupt_just_after_the_rename_is_raised_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "sizes.md"
    real_replace = os.replace

    def renamed_then_interrupted(source: str, destination: Path) -> None:
        real_replace(source, destination)
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", renamed_then_interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, b"new\n")
    assert target.read_bytes() == b"new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["sizes.md"]


@pytest.mark.skipif(os.name != "posix", reason="folders are fsynced on POSIX")
def test_the_folder_is_fsynced_after_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "sizes.md"
    synced: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def recording_fsync(descriptor: int) -> None:
        is_folder = stat.S_ISDIR(os.fstat(descriptor).st_mode)
        synced.append("folder" if is_folder else "file")
        real_fsync(descriptor)

    def recording_replace(source: str, destination: Path) -> None:
        synced.append("rename")
        real_replace(source, destination)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    monkeypatch.setattr(os, "replace", recording_replace)
    atomic_write(target, b"new\n")
    assert synced == ["file", "rename", "folder"]
