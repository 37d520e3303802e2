from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Callable, NamedTuple

import pytest

from icpp_sizer_check.cli import main

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
GOLDEN = DATA / "golden" / "icpp_llama2_resource_requirements.md"
REPO_CONFIG = REPO / "configs" / "icpp_llama2.yaml"
GOOD_CONFIGS = sorted((DATA / "configs" / "good").glob("*.yaml"))
BAD_CONFIGS = sorted((DATA / "configs" / "bad").glob("*.yaml"))


class Outcome(NamedTuple):
    code: int
    out: str
    err: str


Run = Callable[..., Outcome]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder, made the current folder, holding the repo's own config."""
    (tmp_path / ".git").mkdir()  # marks the project root, as a checkout would
    (tmp_path / "configs").mkdir()
    shutil.copy(REPO_CONFIG, tmp_path / "configs" / "icpp_llama2.yaml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """Call main() as the command line would and capture what it prints."""

    def call(*argv: str) -> Outcome:
        code = main(list(argv))
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return call


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def expectation(path: Path) -> str:
    """The '# expect: ...' line that heads each bad config."""
    first = path.read_bytes().split(b"\n", 1)[0].decode()
    assert first.startswith("# expect: "), path
    return first.removeprefix("# expect: ")


def clean_env() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if not key.startswith("GITHUB_")}
