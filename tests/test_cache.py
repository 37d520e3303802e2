from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from icpp_sizer_check import cache
from tests.fixtures import CONFIG, Run, edit, probe


def check(project: Path, home: Path, *args: str, **env: str) -> tuple[int, bool]:
    """Exit code, and whether jsonschema was imported, of a verbose check (verbose
    runs are never replayed, so only the validation cache is at work)."""
    result = probe(project, home, "--verbose", *args, **env)
    return result.code, "jsonschema" in result.loaded


def test_an_unchanged_config_skips_jsonschema(committed: Path, tmp_path: Path) -> None:
    home = tmp_path / "cache-home"
    assert check(committed, home) == (0, True)  # cold: validated, and remembered
    assert check(committed, home) == (0, False)  # warm: jsonschema never imported
    markers = list((home / "icpp-sizer-check" / "validated").glob("*/*"))
    assert len(markers) == 1 and markers[0].stat().st_size == 0


def test_a_changed_config_is_validated_again(committed: Path, tmp_path: Path) -> None:
    home = tmp_path / "cache-home"
    assert check(committed, home) == (0, True)
    edit(committed / CONFIG, "dim: 288", "dim: 288.0")
    assert check(committed, home) == (2, True)  # the bad edit is caught
    edit(committed / CONFIG, "dim: 288.0", "dim: 288")
    assert check(committed, home) == (0, False)  # the old bytes are known good


def test_the_cache_can_be_switched_off(committed: Path, tmp_path: Path) -> None:
    home = tmp_path / "cache-home"
    check(committed, home)
    assert check(committed, home, "--no-cache") == (0, True)
    assert check(committed, home, **{cache.DISABLE_VARIABLE: "1"}) == (0, True)


def test_deleting_the_cache_is_safe(committed: Path, tmp_path: Path) -> None:
    home = tmp_path / "cache-home"
    check(committed, home)
    shutil.rmtree(home)
    assert check(committed, home) == (0, True)


@pytest.mark.skipif(os.name != "posix", reason="needs a file where a folder should be")
def test_an_unusable_cache_is_ignored(committed: Path, tmp_path: Path) -> None:
    home = tmp_path / "not-a-folder"
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


def test_an_edited_checkout_invalidates_every_record(committed: Path, tmp_path: Path) -> None:
    """A change to the tool's own code (here: the byte pieces the sizing counts)
    must never be answered from a record made by the old code."""
    import icpp_sizer_check

    checkout = tmp_path / "checkout"
    shutil.copytree(
        Path(icpp_sizer_check.__file__).parent,
        checkout / "icpp_sizer_check",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    home = tmp_path / "cache-home"
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


def test_a_relative_cache_home_is_ignored(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
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
