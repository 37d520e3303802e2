"""The distributions a release publishes: built with the real `build` frontend
(sdist, then the wheel from that sdist, as `python -m build` does), checked with
the real `twine check --strict`, and carrying the MIT licence (PEP 639)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import zipfile
from email.parser import HeaderParser
from pathlib import Path

import pytest

from icpp_sizer_check import __version__
from tests.fixtures import REPO, clean_env

NAME = "icpp_sizer_check"


@pytest.fixture(scope="module")
def distributions(
    hook_repo: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """An sdist and a wheel built from a copy of this working tree (so the build
    leaves nothing behind in the checkout)."""
    snapshot, _ = hook_repo
    source = tmp_path_factory.mktemp("package") / "source"
    shutil.copytree(snapshot, source, ignore=shutil.ignore_patterns(".git"))
    dist = source.parent / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(dist), str(source)],
        capture_output=True,
        text=True,
        check=False,
        env=clean_env(),
        timeout=600,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    return {
        "sdist": dist / f"{NAME}-{__version__}.tar.gz",
        "wheel": dist / f"{NAME}-{__version__}-py3-none-any.whl",
    }


def test_twine_check_strict_passes(distributions: dict[str, Path]) -> None:
    checked = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, distributions.values())],
        capture_output=True,
        text=True,
        check=False,
        env={**clean_env(), "NO_COLOR": "1"},
        timeout=120,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("PASSED") == 2, checked.stdout


def test_the_wheel_declares_and_ships_the_mit_licence(distributions: dict[str, Path]) -> None:
    with zipfile.ZipFile(distributions["wheel"]) as wheel:
        info = f"{NAME}-{__version__}.dist-info"
        metadata = HeaderParser().parsestr(wheel.read(f"{info}/METADATA").decode())
        shipped_licence = wheel.read(f"{info}/licenses/LICENSE")
        names = wheel.namelist()
    assert metadata["Metadata-Version"] == "2.4"
    assert metadata["License-Expression"] == "MIT"
    assert metadata.get_all("License-File") == ["LICENSE"]
    # PEP 639: no licence classifiers beside an expression.
    assert not [c for c in metadata.get_all("Classifier") or [] if c.startswith("License ::")]
    assert shipped_licence == (REPO / "LICENSE").read_bytes()
    assert f"{NAME}/schemas/config.schema.json" in names
    assert f"{NAME}/py.typed" in names


def test_the_sdist_holds_the_licence(distributions: dict[str, Path]) -> None:
    with tarfile.open(distributions["sdist"]) as sdist:
        licence = sdist.extractfile(f"{NAME}-{__version__}/LICENSE")
        assert licence is not None
        assert licence.read() == (REPO / "LICENSE").read_bytes()
