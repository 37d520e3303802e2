from __future__ import annotations

import marshal
import os
import shutil
import struct
from contextlib import nullcontext
from pathlib import Path
from typing import Callable

import pytest

from icpp_sizer_check import cache, paths, replay
from icpp_sizer_check.cli import main
from icpp_sizer_check.replay import config_arguments, without_staged
from tests.fixtures import (
    CONFIG,
    DOCUMENT,
    GOLDEN,
    edit,
    fingerprint_of_the_probed_tool,
    git,
    start_as_a_process,
)
from tests.fixtures import probe as fresh_check

# A check: its exit code, its output, and whether the full path ran.
Check = Callable[..., tuple[int, str, bool]]


def in_a_process(cwd: Path, home: Path, *args: str, **env: str) -> tuple[int, str, bool]:
    """A check in a fresh interpreter, as a hook runs it: the full path is the
    one that imports yaml (a replay does not)."""
    result = fresh_check(cwd, home, *args, **env)
    return result.code, result.out, "yaml" in result.loaded


@pytest.fixture(params=["own-process", "in-process"])
def check(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Check:
    """Each check both ways: in a process of its own, and in this one, where
    the full path is the one the replay did not answer (so that the tests
    hold the code this interpreter imported)."""
    if request.param == "own-process":
        return in_a_process

    def call(cwd: Path, home: Path, *args: str, **env: str) -> tuple[int, str, bool]:
        answers: list[bool] = []
        real = replay.replay

        def answered(plain: list[str] | None, staged: bool = False) -> bool:
            answers.append(real(plain, staged))
            return answers[-1]

        with monkeypatch.context() as patch:
            start_as_a_process(patch, cwd, {"XDG_CACHE_HOME": str(home), **env})
            patch.setattr(replay, "replay", answered)
            code = main(list(args))
        return code, capsys.readouterr().out, answers != [True]

    return call


def test_an_unchanged_passing_check_is_replayed(committed: Path, home: Path, check: Check) -> None:
    first = check(committed, home)
    second = check(committed, home)
    assert first[0] == second[0] == 0
    assert first[1] == second[1] and "is up to date" in first[1]
    assert (first[2], second[2]) == (True, False)


def test_named_configs_are_replayed_too(committed: Path, home: Path, check: Check) -> None:
    check(committed, home, "--config", str(CONFIG))
    assert check(committed, home, "--config", str(CONFIG))[2] is False
    assert check(committed, home, f"--config={CONFIG}")[2] is False  # the same check


def test_a_changed_document_is_checked_in_full(committed: Path, home: Path, check: Check) -> None:
    check(committed, home)
    (committed / DOCUMENT).write_bytes(GOLDEN.read_bytes().replace(b"\n", b"\r\n"))
    code, output, full = check(committed, home)
    assert (code, full) == (1, True)
    assert "only line endings differ" in output


def test_a_changed_config_is_checked_in_full(committed: Path, home: Path, check: Check) -> None:
    check(committed, home)
    edit(committed / CONFIG, "seq_len: 256", "seq_len: 512")
    assert check(committed, home)[:1] == (1,)


def test_a_failing_check_is_never_recorded(committed: Path, home: Path, check: Check) -> None:
    edit(
        committed / CONFIG,
        "    seq_len: 1024\n",
        "    seq_len: 1024\n    min_concurrent_users: 90\n",
    )
    assert check(committed, home)[::2] == (1, True)
    assert check(committed, home)[::2] == (1, True)


def test_another_folder_is_another_key(committed: Path, home: Path, check: Check) -> None:
    from_root = check(committed, home)
    code, output, full = check(committed / "configs", home, "--config", "icpp_llama2.yaml")
    assert (code, full) == (0, True)
    # Paths are shown from the project root, wherever the tool started.
    assert output == from_root[1]
    assert output.startswith("configs/icpp_llama2.yaml: configs/README_icpp_llama2")


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--verbose"], {}),
        (["--format", "json"], {}),
        (["--write"], {}),
        (["--no-cache"], {}),
        ([], {"GITHUB_ACTIONS": "true"}),
        ([], {cache.DISABLE_VARIABLE: "1"}),
    ],
    ids=["verbose", "json", "write", "no-cache", "github-actions", "cache-off"],
)
def test_other_runs_are_never_replayed(
    committed: Path, home: Path, args: list[str], env: dict[str, str], check: Check
) -> None:
    check(committed, home)
    assert check(committed, home, *args, **env)[2] is True


def test_a_corrupt_record_is_ignored(committed: Path, home: Path, check: Check) -> None:
    check(committed, home)
    (record,) = (home / "icpp-sizer-check" / "runs").glob("*/*")
    record.write_bytes(b"\x00garbage")
    assert check(committed, home)[::2] == (0, True)
    assert check(committed, home)[::2] == (0, False)  # recorded afresh


@pytest.mark.parametrize(
    "record",
    [
        [],
        {"version": replay.RECORD_VERSION},
        {"version": replay.RECORD_VERSION, "reads": "x", "stdout": "ok\n"},
        {"version": replay.RECORD_VERSION, "reads": [("a", "b")], "stdout": "ok\n"},
        {"version": replay.RECORD_VERSION, "reads": [["a", "b", None, "c"]], "stdout": "ok\n"},
        {"version": replay.RECORD_VERSION, "reads": [], "stdout": 7},
        {"version": str(replay.RECORD_VERSION), "reads": [], "stdout": "ok\n"},
        {"version": replay.RECORD_VERSION, "reads": [], "stdout": "ok\n", "extra": 1},
        {"version": replay.RECORD_VERSION, "reads": [(1, 2, 3, 4)], "stdout": "ok\n"},
        # Well formed, but without the document a passing check reads.
        {"version": replay.RECORD_VERSION, "reads": [], "stdout": "ok\n"},
    ],
    ids=[
        "a-list",
        "version-only",
        "reads-a-string",
        "read-of-two",
        "read-a-list",
        "stdout-a-number",
        "version-a-string",
        "an-extra-key",
        "read-of-numbers",
        "no-document",
    ],
)
def test_a_malformed_record_of_any_shape_is_ignored(
    committed: Path, home: Path, record: object, check: Check
) -> None:
    import marshal

    check(committed, home)
    (entry,) = (home / "icpp-sizer-check" / "runs").glob("*/*")
    entry.write_bytes(marshal.dumps(record))
    assert check(committed, home)[::2] == (0, True)


def test_a_record_past_its_size_cap_is_ignored(committed: Path, home: Path, check: Check) -> None:
    """A record holds a line per config: one larger than a mebibyte is not ours,
    and is never read whole."""
    check(committed, home)
    (entry,) = (home / "icpp-sizer-check" / "runs").glob("*/*")
    record = marshal.loads(entry.read_bytes())
    record["stdout"] += "x" * replay.MAX_RECORD_BYTES
    entry.write_bytes(marshal.dumps(record))
    assert check(committed, home)[::2] == (0, True)


def test_a_config_saved_during_a_check_never_stores_the_old_pass(
    committed: Path, home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The record is keyed on the bytes the check used, not on the file afterwards."""
    from icpp_sizer_check import runner
    from icpp_sizer_check.cli import main

    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    real_run = runner.run

    def run_then_edit(*args: object, **kwargs: object) -> runner.RunResult:
        result = real_run(*args, **kwargs)  # type: ignore[arg-type]
        # Saved by an editor after the check read it, before the record is stored.
        edit(
            committed / CONFIG, "  - name: 110M\n", "  - name: 110M\n    min_concurrent_users: 99\n"
        )
        return result

    monkeypatch.setattr(runner, "run", run_then_edit)
    assert main([]) == 0
    capsys.readouterr()
    # The new config fails its threshold: no record may answer for it.
    assert in_a_process(committed, home)[::2] == (1, True)


def test_a_temp_file_left_by_a_killed_writer_forces_a_full_run(
    committed: Path, home: Path, check: Check
) -> None:
    check(committed, home)
    leftover = committed / DOCUMENT.parent / f".{DOCUMENT.name}.999999999.x1.tmp"
    leftover.write_text("half")
    assert check(committed, home)[::2] == (0, True)
    assert not leftover.exists()
    assert check(committed, home)[::2] == (0, False)


def test_a_changed_checkpoint_header_is_checked_in_full(
    project: Path, home: Path, check: Check
) -> None:
    header = struct.pack("<7i", 288, 768, 6, 6, 6, 32000, 256)
    (project / "models").mkdir()
    (project / "models" / "15M.bin").write_bytes(header + b"\0" * 64)
    (project / CONFIG).write_text(
        "output: sizes.md\nmodels:\n  - name: 15M\n    checkpoint: ../models/15M.bin\n"
    )
    assert check(project, home, "--write")[0] == 0
    assert check(project, home)[::2] == (0, True)
    assert check(project, home)[::2] == (0, False)
    (project / "models" / "15M.bin").write_bytes(
        struct.pack("<7i", 288, 768, 6, 6, 6, 32000, 512) + b"\0" * 64
    )
    assert check(project, home)[::2] == (1, True)


def test_a_retargeted_symlink_is_checked_in_full(committed: Path, home: Path, check: Check) -> None:
    real = committed / "docs" / "sizes.md"
    real.parent.mkdir()
    shutil.move(committed / DOCUMENT, real)
    (committed / DOCUMENT).symlink_to(real)
    check(committed, home)
    twin = committed / "docs" / "twin.md"
    shutil.copy(real, twin)
    (committed / DOCUMENT).unlink()
    (committed / DOCUMENT).symlink_to(twin)
    assert check(committed, home)[::2] == (0, True)


@pytest.mark.parametrize(
    ("argv", "configs"),
    [
        ([], []),
        (["--config", "a.yaml", "--config=b.yaml"], ["a.yaml", "b.yaml"]),
        (
            ["--config=a.yaml", "--config", "b.yaml", "--config", "c.yaml"],
            ["a.yaml", "b.yaml", "c.yaml"],
        ),
        (["--config=a.yaml", "--verbose"], None),
        (["--config"], None),
        (["--write"], None),
        (["-v"], None),
    ],
)
def test_config_arguments(argv: list[str], configs: list[str] | None) -> None:
    assert config_arguments(argv) == configs


@pytest.mark.parametrize(
    ("argv", "staged", "rest"),
    [
        ([], False, []),
        (["--staged"], True, []),
        (["--config", "a.yaml", "--staged"], True, ["--config", "a.yaml"]),
        (["--config=--staged"], False, ["--config=--staged"]),
    ],
)
def test_without_staged(argv: list[str], staged: bool, rest: list[str]) -> None:
    assert without_staged(argv) == (staged, rest)


def test_a_grown_gguf_file_is_checked_in_full(project: Path, home: Path, check: Check) -> None:
    """A GGUF file's size is sized and held to a limit: a record must not
    outlive a change of it, even with the header unchanged."""
    from tests.runtimes.llama_cpp_canister.gguf_files import SPECS_BY_NAME, write_model

    (project / "models").mkdir()
    model = write_model(project / "models", SPECS_BY_NAME["qwen3_q8_0_tied"])
    (project / CONFIG).write_text(
        "runtime: llama_cpp_canister\noutput: sizes.md\nmax_model_file_mib: 11\nmodels:\n"
        "  - name: m\n    gguf: ../models/qwen3_q8_0_tied.gguf\n    ctx_size: 512\n"
    )
    assert model.stat().st_size < 11 << 20
    assert check(project, home, "--write")[0] == 0
    assert check(project, home)[::2] == (0, True)
    assert check(project, home)[::2] == (0, False)
    with model.open("ab") as file:  # past the tensor data: the header is unchanged
        file.truncate(12 << 20)
    code, output, full = check(project, home)
    assert (code, full) == (1, True)
    assert "its GGUF file is 12.00 MB, above max_model_file_mib 11" in output


@pytest.fixture
def staged(repository: Path) -> Path:
    """A repository whose config and up-to-date document are staged."""
    shutil.copy(GOLDEN, repository / DOCUMENT)
    git(repository, "add", "-A")
    return repository


def test_an_unchanged_passing_staged_check_is_replayed(
    staged: Path, home: Path, check: Check
) -> None:
    first = check(staged, home, "--staged")
    second = check(staged, home, "--staged", "--config", str(CONFIG))
    third = check(staged, home, "--config", str(CONFIG), "--staged")
    assert first[::2] == (0, True)
    assert second == third == (0, first[1], False)  # the same configs: the same check
    assert check(staged, home, "--staged") == second  # ./configs/ as the index lists it


def test_a_staged_pass_is_replayed_whatever_the_disk_holds(
    staged: Path, home: Path, check: Check
) -> None:
    """The record holds the bytes the check judged: the index's."""
    (staged / DOCUMENT).write_text("scribbles\n")  # the index keeps the document
    assert check(staged, home, "--staged")[::2] == (0, True)
    assert check(staged, home, "--staged")[::2] == (0, False)


def test_a_config_on_disk_only_is_no_config_of_the_commit(
    staged: Path, home: Path, check: Check
) -> None:
    assert check(staged, home, "--staged")[::2] == (0, True)
    (staged / "configs" / "draft.yaml").write_text("not staged, not even valid: [\n")
    assert check(staged, home, "--staged")[::2] == (0, False)


def test_a_config_named_outside_the_default_folder_is_replayed(
    committed: Path, home: Path, check: Check
) -> None:
    shutil.move(committed / "configs", committed / "sizing")
    named = ("--config", str(Path("sizing") / CONFIG.name))
    assert check(committed, home, *named)[::2] == (0, True)
    assert check(committed, home, *named)[::2] == (0, False)


def test_the_key_counts_each_config_as_the_check_does(
    staged: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hard link beside a config is that config on disk, and a config of its
    own in the index (which holds each name's bytes apart)."""
    from icpp_sizer_check.git_index import GitIndex

    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    other = CONFIG.with_name("other.yaml")
    os.link(staged / CONFIG, staged / other)
    git(staged, "add", other.as_posix())
    names = [str(CONFIG), str(other)]
    on_disk = replay._key_for(names, None)
    in_the_index = replay._key_for(names, GitIndex())
    assert on_disk is not None and on_disk[1] == 1
    assert in_the_index is not None and in_the_index[1] == 2


def test_a_config_is_read_one_byte_past_the_cap(tmp_path: Path) -> None:
    config = tmp_path / "sizes.yaml"
    config.write_bytes(b"#" * (paths.MAX_CONFIG_BYTES + 5))
    (data,) = replay._config_bytes([str(config)], None)
    assert len(data) == paths.MAX_CONFIG_BYTES + 1


def test_a_staged_check_is_replayed_from_the_index_never_from_the_disk(
    staged: Path, home: Path, check: Check
) -> None:
    """The working tree keeps every byte the recorded pass read; the index no
    longer holds the document, or holds other bytes: the full check runs."""
    assert check(staged, home, "--staged")[::2] == (0, True)
    git(staged, "rm", "-q", "--cached", str(DOCUMENT))
    code, output, full = check(staged, home, "--staged")
    assert (code, full) == (1, True)
    assert "is missing from the commit" in output

    (staged / DOCUMENT).write_bytes(GOLDEN.read_bytes().replace(b"| 4760 |", b"| 9999 |"))
    git(staged, "add", str(DOCUMENT))
    shutil.copy(GOLDEN, staged / DOCUMENT)
    assert check(staged, home, "--staged")[::2] == (1, True)


def test_a_config_changed_in_the_index_only_is_checked_in_full(
    staged: Path, home: Path, check: Check
) -> None:
    assert check(staged, home, "--staged")[::2] == (0, True)
    original = (staged / CONFIG).read_text()
    edit(staged / CONFIG, "seq_len: 256", "seq_len: 512")
    git(staged, "add", str(CONFIG))
    (staged / CONFIG).write_text(original)  # the disk as the record saw it
    assert check(staged, home, "--staged")[::2] == (1, True)


def test_records_of_the_index_and_of_the_working_tree_are_apart(
    staged: Path, home: Path, check: Check
) -> None:
    assert check(staged, home, "--staged")[::2] == (0, True)
    assert check(staged, home)[::2] == (0, True)  # not replayed from the staged record
    assert check(staged, home)[::2] == (0, False)


def plant_a_pass(program_folder: Path, check: Check) -> None:
    """A record as a pull request could commit it: keyed for the plain check
    of ./configs/ as the files stand (as ``check`` keys it), listing the
    document as read whatever it holds, and printing a pass."""
    config = os.path.abspath(CONFIG)
    document = os.path.abspath(DOCUMENT)
    keyed_as = fingerprint_of_the_probed_tool() if check is in_a_process else nullcontext()
    with keyed_as:
        key = replay.run_key(
            [(config, os.path.realpath(config), cache.digest([Path(config).read_bytes()]))]
        )
    read = (document, os.path.realpath(document), None, cache.digest([DOCUMENT.read_bytes()]), None)
    record = {"version": replay.RECORD_VERSION, "reads": [read], "stdout": "planted pass\n"}
    entry = program_folder / replay.KIND / key[:2] / key
    entry.parent.mkdir(parents=True, exist_ok=True)
    entry.write_bytes(marshal.dumps(record))


# Where a cache may lie inside what a pull request writes: each gives the
# environment of the run and the folder of the records it would read.
Layout = Callable[[Path, Path], tuple[dict[str, str], Path]]


def _xdg_inside(project: Path, outside: Path) -> tuple[dict[str, str], Path]:
    return {"XDG_CACHE_HOME": str(project / ".cache")}, project / ".cache" / "icpp-sizer-check"


def _home_inside(project: Path, outside: Path) -> tuple[dict[str, str], Path]:
    env = {"XDG_CACHE_HOME": "", "HOME": str(project / "home")}
    return env, project / "home" / ".cache" / "icpp-sizer-check"


def _folder_symlinked_inside(project: Path, outside: Path) -> tuple[dict[str, str], Path]:
    (project / ".planted").mkdir()
    (outside / "xdg").mkdir()
    (outside / "xdg" / "icpp-sizer-check").symlink_to(project / ".planted")
    return {"XDG_CACHE_HOME": str(outside / "xdg")}, project / ".planted"


def _xdg_symlinked_inside(project: Path, outside: Path) -> tuple[dict[str, str], Path]:
    (project / "cache").mkdir()
    (outside / "xdg").symlink_to(project / "cache")
    return {"XDG_CACHE_HOME": str(outside / "xdg")}, project / "cache" / "icpp-sizer-check"


def _in_the_workspace(project: Path, outside: Path) -> tuple[dict[str, str], Path]:
    env = {"XDG_CACHE_HOME": str(outside / "cache"), "GITHUB_WORKSPACE": str(outside)}
    return env, outside / "cache" / "icpp-sizer-check"


LAYOUTS: list[Layout] = [
    _xdg_inside,
    _home_inside,
    _folder_symlinked_inside,
    _xdg_symlinked_inside,
    _in_the_workspace,
]


def test_a_planted_record_is_replayed_from_the_tools_own_cache(
    committed: Path, home: Path, check: Check
) -> None:
    """The plant is well formed: only where it lies keeps it from passing the
    stale document below."""
    (committed / DOCUMENT).write_text("stale\n")
    plant_a_pass(home / "icpp-sizer-check", check)
    assert check(committed, home)[:2] == (0, "planted pass\n")


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda layout: layout.__name__.strip("_"))
def test_a_record_planted_inside_the_checkout_is_never_read(
    committed: Path, tmp_path_factory: pytest.TempPathFactory, layout: Layout, check: Check
) -> None:
    (committed / DOCUMENT).write_text("stale\n")
    env, records = layout(committed, tmp_path_factory.mktemp("outside"))
    plant_a_pass(records, check)
    planted = set(records.rglob("*"))
    code, output, full = check(committed, records, **env)  # env names the cache home
    assert (code, full) == (1, True)
    assert "planted" not in output
    assert set(records.rglob("*")) == planted  # nothing written there either


def test_a_passing_check_leaves_nothing_in_a_cache_inside_the_checkout(
    committed: Path, check: Check
) -> None:
    env, records = _xdg_inside(committed, committed)
    assert check(committed, records, **env)[::2] == (0, True)
    assert check(committed, records, **env)[::2] == (0, True)  # never replayed
    assert not records.exists()


GOOD_RECORD = {
    "version": replay.RECORD_VERSION,
    "reads": [("a.md", "/p/a.md", None, "h", None), ("m.bin", "/p/m.bin", 28, "h", 4096)],
    "stdout": "ok\n",
}


def _changed(**fields: object) -> dict[str, object]:
    return {**GOOD_RECORD, **fields}


def _read(*fields: object) -> dict[str, object]:
    return _changed(reads=[fields])


def test_a_record_has_exactly_the_shape_remember_writes() -> None:
    assert replay._is_record(GOOD_RECORD)
    assert replay._is_record(_changed(reads=[]))
    assert replay._is_record(_read("a", "b", 0, "h", 0))


@pytest.mark.parametrize(
    "record",
    [
        [GOOD_RECORD],
        _changed(extra=1),
        {"version": replay.RECORD_VERSION, "reads": []},
        _changed(version=replay.RECORD_VERSION - 1),
        _changed(version=str(replay.RECORD_VERSION)),
        _changed(stdout=b"ok\n"),
        _changed(reads=tuple(GOOD_RECORD["reads"])),  # type: ignore[arg-type]
        _changed(reads=[["a", "b", None, "h", None]]),
        _read("a", "b", None, "h"),
        _read("a", "b", None, "h", None, None),
        _read(b"a", "b", None, "h", None),
        _read("a", b"b", None, "h", None),
        _read("a", "b", True, "h", None),
        _read("a", "b", "28", "h", None),
        _read("a", "b", None, b"h", None),
        _read("a", "b", None, "h", True),
        _read("a", "b", None, "h", 4096.0),
    ],
    ids=[
        "a-list",
        "an-extra-key",
        "no-stdout",
        "an-older-version",
        "version-a-string",
        "stdout-bytes",
        "reads-a-tuple",
        "a-read-a-list",
        "a-read-of-four",
        "a-read-of-six",
        "path-bytes",
        "real-path-bytes",
        "limit-a-bool",
        "limit-a-string",
        "hash-bytes",
        "size-a-bool",
        "size-a-float",
    ],
)
def test_a_record_of_any_other_shape_is_refused(record: object) -> None:
    assert not replay._is_record(record)


def test_a_record_reads_one_whole_document_per_config() -> None:
    reads: list[tuple[str, str, int | None, str, int | None]] = GOOD_RECORD["reads"]  # type: ignore[assignment]
    assert replay._reads_every_document(reads, 1)
    assert not replay._reads_every_document(reads, 2)
    assert not replay._reads_every_document(reads, 0)


def test_a_temp_file_beside_a_document_is_one_a_writer_left(tmp_path: Path) -> None:
    document = str(tmp_path / "doc.md")
    assert not replay._leftover_temp_files([document])
    for other in ("doc.md.1.x.tmp", ".doc.md.1.x.txt", ".other.md.1.x.tmp", ".doc.md.tmp"):
        (tmp_path / other).write_text("")
    assert not replay._leftover_temp_files([document])
    (tmp_path / ".doc.md.123.x1.tmp").write_text("half")
    assert replay._leftover_temp_files([str(tmp_path / "a.md"), document])
    assert replay._leftover_temp_files([str(tmp_path / "gone" / "doc.md")])  # cannot be listed


@pytest.mark.parametrize(
    ("plain", "environ", "eligible"),
    [
        ([], {}, True),
        (["a.yaml"], {"GITHUB_ACTIONS": "false"}, True),
        (None, {}, False),
        ([], {"GITHUB_ACTIONS": "true"}, False),
    ],
)
def test_only_a_plain_check_outside_github_actions_is_replayed(
    plain: list[str] | None, environ: dict[str, str], eligible: bool
) -> None:
    assert replay.eligible(plain, environ) is eligible


def test_a_config_taken_out_of_the_index_is_checked_in_full(
    staged: Path, home: Path, check: Check
) -> None:
    assert check(staged, home, "--staged")[::2] == (0, True)
    git(staged, "rm", "-q", "--cached", str(CONFIG))  # the disk keeps every byte
    code, _, full = check(staged, home, "--staged")
    assert (code, full) == (2, True)


def test_a_new_project_root_is_another_key(committed: Path, home: Path, check: Check) -> None:
    """The same config, bytes and folder, in a project of its own: its paths
    are named from another root."""
    assert check(committed, home)[::2] == (0, True)
    (committed / "configs" / ".git").mkdir()
    code, output, full = check(committed, home)
    assert (code, full) == (0, True)
    assert output.startswith("icpp_llama2.yaml: README_icpp_llama2")


def test_a_document_is_read_one_byte_past_the_cap(tmp_path: Path) -> None:
    """Enough to tell a document that grew past the cap, never more."""
    document = tmp_path / "doc.md"
    document.write_bytes(b"x" * (paths.MAX_DOCUMENT_BYTES + 5))
    assert len(replay._read(str(document), None)) == paths.MAX_DOCUMENT_BYTES + 1
    assert replay._read(str(document), 3) == b"xxx"  # a model file's header
