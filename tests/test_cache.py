from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

from icpp_sizer_check import cache
from tests.fixtures import (
    CONFIG,
    DOCUMENT,
    GOLDEN,
    REPO_CONFIG,
    Run,
    clean_env,
    edit,
    fingerprint_of_the_probed_tool,
    probe,
    run_process,
    start_as_a_process,
)

# A verbose check (verbose runs are never replayed, so only the validation
# cache is at work): its exit code, and whether the schema was applied.
Check = Callable[..., tuple[int, bool]]


def in_a_process(project: Path, home: Path, *args: str, **env: str) -> tuple[int, bool]:
    """In a fresh interpreter, where applying the schema imports jsonschema."""
    result = probe(project, home, "--verbose", *args, **env)
    return result.code, "jsonschema" in result.loaded


@pytest.fixture(params=["own-process", "in-process"])
def check(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Check:
    """Each check both ways: in a process of its own, and in this one (so that
    the tests hold the code this interpreter imported), where the schema is
    applied when the schema stage looks for its problems."""
    if request.param == "own-process":
        return in_a_process

    def call(project: Path, home: Path, *args: str, **env: str) -> tuple[int, bool]:
        from icpp_sizer_check.cli import main
        from icpp_sizer_check.config import load

        applied: list[bool] = []
        real = load.schema_problems

        def schema_problems(source: Any) -> Any:
            applied.append(True)
            return real(source)

        with monkeypatch.context() as patch:
            start_as_a_process(patch, project, {"XDG_CACHE_HOME": str(home), **env})
            patch.setattr(load, "schema_problems", schema_problems)
            code = main(["--verbose", *args])
        capsys.readouterr()
        return code, bool(applied)

    return call


def test_an_unchanged_config_skips_jsonschema(committed: Path, home: Path, check: Check) -> None:
    assert check(committed, home) == (0, True)  # cold: validated, and remembered
    assert check(committed, home) == (0, False)  # warm: jsonschema never imported
    markers = list((home / "icpp-sizer-check" / "validated").glob("*/*"))
    assert len(markers) == 1 and markers[0].stat().st_size == 0


def test_a_changed_config_is_validated_again(committed: Path, home: Path, check: Check) -> None:
    assert check(committed, home) == (0, True)
    edit(committed / CONFIG, "dim: 288", "dim: 288.0")
    assert check(committed, home) == (2, True)  # the bad edit is caught
    edit(committed / CONFIG, "dim: 288.0", "dim: 288")
    assert check(committed, home) == (0, False)  # the old bytes are known good


def test_the_cache_can_be_switched_off(committed: Path, home: Path, check: Check) -> None:
    check(committed, home)
    assert check(committed, home, "--no-cache") == (0, True)
    assert check(committed, home, **{cache.DISABLE_VARIABLE: "1"}) == (0, True)


def test_deleting_the_cache_is_safe(committed: Path, home: Path, check: Check) -> None:
    check(committed, home)
    shutil.rmtree(home)
    assert check(committed, home) == (0, True)


@pytest.mark.skipif(os.name != "posix", reason="needs a file where a folder should be")
def test_an_unusable_cache_is_ignored(committed: Path, home: Path, check: Check) -> None:
    home = home / "not-a-folder"
    home.write_text("a file where the cache folder should be\n")
    assert check(committed, home) == (0, True)
    assert check(committed, home) == (0, True)


def test_the_key_covers_tool_version_schema_and_config(monkeypatch: pytest.MonkeyPatch) -> None:
    first = cache.validation_key("output: a.md\n")
    assert cache.validation_key("output: a.md\n") == first
    assert cache.validation_key("output: b.md\n") != first
    monkeypatch.setattr(cache, "_fingerprint", [])
    monkeypatch.setattr(cache, "__version__", "999")
    assert cache.validation_key("output: a.md\n") != first


def test_the_fingerprint_names_the_libraries_as_installed() -> None:
    from importlib.metadata import version

    assert cache.installed_versions(["jsonschema", "pyyaml"]) == [
        f"jsonschema-{version('jsonschema')}",
        f"pyyaml-{version('PyYAML')}",
    ]


def test_an_edited_checkout_invalidates_every_record(
    committed: Path, tmp_path: Path, home: Path
) -> None:
    """A change to the tool's own code (here: the byte pieces the sizing counts)
    must never be answered from a record made by the old code."""
    import icpp_sizer_check

    checkout = tmp_path / "checkout"
    shutil.copytree(
        Path(icpp_sizer_check.__file__).parent,
        checkout / "icpp_sizer_check",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    env = {"PYTHONPATH": str(checkout)}
    assert probe(committed, home, **env).code == 0
    replayed = probe(committed, home, **env)
    assert (replayed.code, "yaml" in replayed.loaded) == (0, False)
    edit(
        checkout / "icpp_sizer_check" / "runtimes" / "icpp_llama2" / "sizing.py",
        "BYTE_PIECES_BYTES = 512",
        "BYTE_PIECES_BYTES = 1024",
    )
    edited = probe(committed, home, **env)
    assert edited.code == 1
    assert "yaml" in edited.loaded


@pytest.mark.parametrize(
    ("value", "enabled"),
    [
        ("1", False),
        ("true", False),
        ("YES", False),
        (" True ", False),
        ("0", True),
        ("false", True),
        ("no", True),
        ("", True),
    ],
)
def test_only_clear_values_switch_the_cache_off(
    monkeypatch: pytest.MonkeyPatch, value: str, enabled: bool
) -> None:
    monkeypatch.setenv(cache.DISABLE_VARIABLE, value)
    assert cache.enabled() is enabled


@pytest.mark.parametrize("cache_home", ["relative/cache", "", None])
def test_a_relative_cache_home_is_ignored(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, cache_home: str | None
) -> None:
    if cache_home is None:
        monkeypatch.delenv("XDG_CACHE_HOME")
    else:
        monkeypatch.setenv("XDG_CACHE_HOME", cache_home)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache.cache_folder("runs") == str(tmp_path / ".cache" / "icpp-sizer-check" / "runs")


def test_results_are_the_same_with_and_without_the_cache(committed: Path, run: Run) -> None:
    edit(
        committed / CONFIG,
        "    seq_len: 1024\n",
        "    seq_len: 1024\n    min_concurrent_users: 90\n",
    )
    cold = run("--no-cache")
    first = run()
    warm = run()
    assert cold == first == warm
    assert cold.code == 1


def plant_validated(program_folder: Path, config: Path) -> None:
    """A validation marker as a pull request could commit it, for ``config``'s bytes."""
    with fingerprint_of_the_probed_tool():
        key = cache.validation_key(config.read_text())
    marker = program_folder / "validated" / key[:2] / key
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_bytes(b"")


def _other_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Another checkout, its config's document up to date."""
    other = tmp_path_factory.mktemp("other")
    (other / ".git").mkdir()
    (other / "configs").mkdir()
    shutil.copy(REPO_CONFIG, other / CONFIG)
    shutil.copy(GOLDEN, other / DOCUMENT)
    return other


def test_a_planted_marker_passes_a_bad_config_from_the_tools_own_cache(
    committed: Path, home: Path
) -> None:
    """The plant is well formed: only where it lies keeps the unknown key
    below from passing."""
    edit(committed / CONFIG, "canister:", "surprise: 1\ncanister:")
    assert in_a_process(committed, home)[0] == 2
    plant_validated(home / "icpp-sizer-check", committed / CONFIG)
    assert in_a_process(committed, home) == (0, False)


@pytest.mark.parametrize("where", ["this project", "the other project", "the current checkout"])
def test_a_marker_planted_inside_a_checked_project_is_never_read(
    committed: Path, tmp_path_factory: pytest.TempPathFactory, where: str
) -> None:
    """Wherever the planted folder lies: the project of the config it vouches
    for, the project of a config loaded after it (so the decision is made
    before the first config is validated), or the checkout the run starts in
    (here the one config named is the other project's)."""
    other = _other_project(tmp_path_factory)
    bad = committed if where != "the current checkout" else other
    edit(bad / CONFIG, "canister:", "surprise: 1\ncanister:")
    home = (other if where == "the other project" else committed) / ".cache"
    plant_validated(home / "icpp-sizer-check", bad / CONFIG)
    planted = set(home.rglob("*"))
    named = [other / CONFIG] if bad is other else [committed / CONFIG, other / CONFIG]
    configs = [argument for config in named for argument in ("--config", str(config))]
    assert in_a_process(committed, home, *configs) == (2, True)
    assert set(home.rglob("*")) == planted  # nothing remembered there either


@pytest.mark.parametrize(
    ("cache_home", "workspace", "usable"),
    [
        ("outside/cache", "", True),
        ("project/.cache", "", False),
        ("project", "", False),  # the records would be project/icpp-sizer-check
        ("project-cache", "", True),  # a sibling whose name only starts alike
        ("outside/cache", "outside", False),
        ("outside/cache", "relative/outside", True),  # a relative workspace is no workspace
        ("outside/cache", "outside/cache/icpp-sizer-check/runs", True),  # below, not around
        ("not-made/cache", "not-made", False),  # by its path, with no folder yet to stat
    ],
)
def test_the_caches_are_usable_only_outside_what_a_change_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache_home: str, workspace: str, usable: bool
) -> None:
    (tmp_path / "project" / ".git").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    monkeypatch.chdir(tmp_path / "outside")  # no checkout here
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / cache_home))
    config = str(tmp_path / "project" / "configs" / "sizes.yaml")
    environ = {"GITHUB_WORKSPACE": str(tmp_path / workspace) if workspace else ""}
    if workspace.startswith("relative"):
        environ["GITHUB_WORKSPACE"] = workspace
    assert cache.usable([config], environ) is usable


def test_a_name_no_path_can_hold_leaves_the_caches_unused() -> None:
    assert cache.usable(["bad\0name.yaml"], {}) is False


def test_a_digest_tells_apart_sequences_that_join_to_the_same_bytes() -> None:
    from hashlib import blake2b

    expected = blake2b(digest_size=32)
    for part in (b"ab", b""):
        expected.update(len(part).to_bytes(8, "big") + part)
    assert cache.digest([b"ab", b""]) == expected.hexdigest()
    assert len({cache.digest(parts) for parts in ([b"ab", b""], [b"a", b"b"], [b"ab"])}) == 3


def test_an_entry_lies_in_a_folder_named_by_its_first_two_characters(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.entry_path("runs", "abcdef") == str(
        tmp_path / "icpp-sizer-check" / "runs" / "ab" / "abcdef"
    )
    cache.write_entry("runs", "abcdef", b"data")
    assert (tmp_path / "icpp-sizer-check" / "runs" / "ab" / "abcdef").read_bytes() == b"data"
    assert [path.name for path in (tmp_path / "icpp-sizer-check" / "runs" / "ab").iterdir()] == [
        "abcdef"
    ]  # the temp file it was written through is gone


def test_an_entry_that_cannot_be_written_leaves_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    # A folder where the entry should be: the rename fails, after the temp file is written.
    (tmp_path / "icpp-sizer-check" / "runs" / "ab" / "abcdef" / "x").mkdir(parents=True)
    cache.write_entry("runs", "abcdef", b"data")
    assert [path.name for path in (tmp_path / "icpp-sizer-check" / "runs" / "ab").iterdir()] == [
        "abcdef"
    ]


@pytest.mark.parametrize("disabled", [False, True])
def test_a_validated_config_is_remembered_unless_the_cache_is_off(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, disabled: bool
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv(cache.DISABLE_VARIABLE, "1" if disabled else "0")
    assert not cache.was_validated("ab12")
    cache.remember_validated("ab12")
    marker = tmp_path / "icpp-sizer-check" / "validated" / "ab" / "ab12"
    assert marker.exists() is not disabled
    assert cache.was_validated("ab12") is not disabled
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()
    assert cache.was_validated("ab12") is not disabled  # a marker found is not used when off


def test_the_fingerprint_covers_every_source_and_data_file_in_order() -> None:
    import icpp_sizer_check

    def listed(folder: Path) -> list[str]:
        """A folder's files in name order, then each subfolder's in turn."""
        entries = sorted(folder.iterdir())
        files = [
            path.relative_to(package).as_posix()
            for path in entries
            if path.is_file() and path.suffix in (".py", ".json")
        ]
        folders = [path for path in entries if path.is_dir() and path.name != "__pycache__"]
        return files + [name for subfolder in folders for name in listed(subfolder)]

    package = Path(icpp_sizer_check.__file__).parent
    files = cache._package_files()
    assert [name for name, _ in files] == listed(package)
    assert ("schemas/config.schema.json", str(package / "schemas" / "config.schema.json")) in files


def test_a_library_not_installed_is_named_unknown() -> None:
    assert cache.installed_versions(["no-such-library"]) == ["no-such-library-unknown"]


def test_the_fingerprint_is_remembered_by_the_stats_of_the_files(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(cache, "_fingerprint", [])
    first = cache.tool_fingerprint()
    assert len(first) == 64 and cache.tool_fingerprint() is first  # once per process
    (memo,) = (tmp_path / "icpp-sizer-check" / "code").glob("*/*")
    assert memo.read_bytes() == first
    memo.write_bytes(b"f" * 64)  # a memo is trusted: the stats name the contents
    monkeypatch.setattr(cache, "_fingerprint", [])
    assert cache.tool_fingerprint() == b"f" * 64
    memo.write_bytes(b"short")  # not a digest: computed again, and remembered again
    monkeypatch.setattr(cache, "_fingerprint", [])
    assert cache.tool_fingerprint() == first
    assert memo.read_bytes() == first


def test_with_the_cache_off_the_fingerprint_leaves_no_memo(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv(cache.DISABLE_VARIABLE, "1")
    monkeypatch.setattr(cache, "_fingerprint", [])
    assert len(cache.tool_fingerprint()) == 64
    assert not (tmp_path / "icpp-sizer-check").exists()


def test_versions_are_read_from_the_first_metadata_folder_on_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "typing_extensions-4.12.2.dist-info").mkdir()
    (tmp_path / "PyYAML-5.4-py3.8.egg-info").mkdir()  # an old install: a tag after the version
    (tmp_path / "later").mkdir()
    (tmp_path / "later" / "pyyaml-9.0.dist-info").mkdir()  # shadowed by the one before
    monkeypatch.chdir(tmp_path)
    # "" is the current folder; a folder that is not there is passed over.
    monkeypatch.setattr(sys, "path", [str(tmp_path / "gone"), "", str(tmp_path / "later")])
    assert cache.installed_versions(["typing-extensions", "pyyaml"]) == [
        "typing-extensions-4.12.2",
        "pyyaml-5.4-py3.8",
    ]


def test_the_fingerprint_changes_with_the_contents_of_any_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Not only with their stats: a memo missed is computed from the bytes."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    source = tmp_path / "module.py"
    (tmp_path / "last.py").write_text("B = 1\n")  # after it, unchanged
    files = [("module.py", str(source)), ("last.py", str(tmp_path / "last.py"))]
    monkeypatch.setattr(cache, "_package_files", lambda: files)

    def fingerprint(content: bytes, name: str = "module.py") -> bytes:
        source.write_bytes(content)
        files[0] = (name, str(source))
        monkeypatch.setattr(cache, "_fingerprint", [])
        return cache.tool_fingerprint()

    first = fingerprint(b"A = 1\n")
    assert fingerprint(b"A = 2\n") != first
    assert fingerprint(b"A = 1\n") == first  # the same bytes: the same fingerprint
    assert fingerprint(b"A = 1\n", "other.py") != first


def test_caches_switched_off_are_not_usable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    config = str(tmp_path / "project" / "sizes.yaml")
    assert cache.usable([config], {}) is True
    monkeypatch.setenv(cache.DISABLE_VARIABLE, "1")
    assert cache.usable([config], {}) is False


def test_a_cache_inside_the_checkout_of_the_current_folder_is_not_usable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even for a config of another project: the change under check writes there."""
    (tmp_path / "checkout" / ".git").mkdir(parents=True)
    (tmp_path / "project" / ".git").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "checkout")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "checkout" / ".cache"))
    assert cache.usable([str(tmp_path / "project" / "sizes.yaml")], {}) is False
    monkeypatch.chdir(tmp_path)  # no checkout here
    assert cache.usable([str(tmp_path / "project" / "sizes.yaml")], {}) is True


# In a mount namespace of its own: the project bind-mounted at the path "$2".
_BIND = ["unshare", "-rm", "sh", "-c", 'mount --bind "$1" "$2" && shift 2 && exec "$@"', "sh"]


def _can_bind_mount(tmp_path: Path) -> bool:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    try:
        return subprocess.run([*_BIND, tmp_path / "a", tmp_path / "b", "true"]).returncode == 0
    except OSError:
        return False


def test_a_cache_reaching_the_checkout_by_another_path_is_ignored(
    committed: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # A bind mount (or a name in another case, on a file system that ignores
    # case) names the checkout by a path no symlink resolution undoes.
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    if not _can_bind_mount(elsewhere):
        # CI runs where unshare(1) may make a mount namespace: a skip there
        # would hide the gap.
        reason = "no mount namespace here (unshare -rm fails)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    (elsewhere / "alias").mkdir()
    env = {**clean_env(), "XDG_CACHE_HOME": str(elsewhere / "alias" / ".cache")}
    prefix = [*_BIND, str(committed), str(elsewhere / "alias")]
    assert run_process(committed, env=env, prefix=prefix).returncode == 0
    assert not (committed / ".cache").exists()


def test_a_folder_is_reached_by_its_identity_whatever_path_names_it(tmp_path: Path) -> None:
    """usable() resolves symlinks before asking; here one stands in for a bind
    mount, which names the project by another path no resolution undoes."""
    project = tmp_path / "project"
    project.mkdir()
    (tmp_path / "alias").symlink_to(project)
    records = str(tmp_path / "alias" / ".cache" / "icpp-sizer-check")  # not made yet
    # A writable folder that does not exist is passed over; the others still count.
    assert cache._reached_by(records, [str(tmp_path / "gone"), str(project)]) is True
    assert cache._reached_by(str(tmp_path / "outside" / ".cache"), [str(project)]) is False
