"""README.md and docs/ as a reader finds them: the README a landing page
whose links reach the release's site, every page in the site's navigation,
nothing that shows figures left unguarded, and each runtime's config
reference made from the JSON Schema."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from icpp_sizer_check import __version__
from icpp_sizer_check.cli import main
from tests.docs.blocks import names_in, pages
from tests.docs.markers import unguarded
from tests.fixtures import REPO

README = REPO / "README.md"
DOCS = REPO / "docs"
SITE = f"https://icpp-sizer-check.readthedocs.io/en/v{__version__}/"


@pytest.mark.parametrize("page", pages(), ids=lambda page: str(page.relative_to(REPO)))
def test_nothing_that_shows_figures_is_unguarded(page: Path) -> None:
    assert unguarded(page.read_text(encoding="utf-8")) == []


def test_the_readme_is_a_landing_page_that_links_the_release_s_site() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 300
    assert SITE in text
    headings = re.findall(r"^## (.+)$", text, flags=re.MULTILINE)
    for heading in ("Two commands", "What a failure looks like", "pre-commit", "GitHub Actions"):
        assert heading in headings
    # One sample failure, and the first command's output, both the tool's own.
    assert {"check-the-repo", "stale-document"} <= set(names_in(README))


def slug(heading: str) -> str:
    """The anchor MkDocs' toc extension gives a heading (its default slugify)."""
    words = re.sub(r"[^\w\s-]", "", heading.strip().lower())
    return re.sub(r"[-\s]+", "-", words).strip("-")


def anchors(page: Path) -> set[str]:
    text = page.read_text(encoding="utf-8")
    headings = re.findall(r"^#{1,6} (.+?)\s*$", text, flags=re.MULTILINE)
    return {slug(heading) for heading in headings} | set(re.findall(r'<a id="([^"]+)">', text))


def site_page(path: str) -> Path:
    """The page of docs/ that the site serves at ``path`` (use_directory_urls)."""
    stem = path.strip("/")
    for candidate in (DOCS / f"{stem}.md", DOCS / stem / "index.md"):
        if candidate.is_file():
            return candidate
    raise AssertionError(f"the site has no page at {SITE}{path}")


def test_each_link_of_the_readme_into_the_site_reaches_a_page_and_its_anchor() -> None:
    """mkdocs build --strict checks the links between the site's pages; the
    README's are absolute addresses, checked here."""
    links = re.findall(re.escape(SITE) + r"([^)#\s]*)(?:#([^)\s]+))?\)", README.read_text())
    assert len(links) >= 10
    for path, anchor in links:
        page = site_page(path)
        if anchor:
            assert anchor in anchors(page), f"{page.relative_to(REPO)} has no #{anchor}"


def test_slug_is_mkdocs_s() -> None:
    assert slug("What a failure looks like") == "what-a-failure-looks-like"
    assert slug("Versions and pinning") == "versions-and-pinning"
    assert slug("`describe-gguf`: a header's values") == "describe-gguf-a-headers-values"


def _nav_pages(entries: object) -> set[str]:
    if isinstance(entries, str):
        return {entries}
    if isinstance(entries, list):
        return {page for entry in entries for page in _nav_pages(entry)}
    if isinstance(entries, dict):
        return {page for value in entries.values() for page in _nav_pages(value)}
    return set()


def test_the_site_navigates_to_every_page_and_builds_strictly() -> None:
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    on_disk = {str(path.relative_to(DOCS)) for path in DOCS.rglob("*.md")}
    assert _nav_pages(config["nav"]) == on_disk
    assert config["strict"] is True
    assert set(config["validation"].values()) == {"warn"}  # --strict fails on each
    assert config["site_url"].startswith("https://icpp-sizer-check.readthedocs.io/")


def test_each_runtime_s_config_reference_is_the_schema_s() -> None:
    """Each runtime's page shows its keys' table, made from the schema."""
    assert "config-keys-icpp-llama2" in names_in(DOCS / "config" / "icpp_llama2.md")
    runtime = names_in(DOCS / "config" / "llama_cpp_canister.md")
    assert {"config-keys-llama-cpp-canister", "architecture-keys"} <= set(runtime)


def _json_of(config: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["--format", "json", "--config", config]) == 0
    document: dict[str, Any] = json.loads(capsys.readouterr().out)
    return document


def _documented(rows: list[str], prefix: str = "") -> set[str]:
    """The keys a reference table's first column names: each code span,
    ``prefix`` taken off, only the first step of a nested path."""
    keys = set()
    for row in rows:
        for key in re.findall(r"`([^`]+)`", row.split(" | ")[0]):
            keys.add(re.split(r"[.\[]", key.removeprefix(prefix))[0])
    return keys


def test_the_json_reference_names_every_key_of_a_model_of_each_runtime(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    text = (DOCS / "json-output.md").read_text(encoding="utf-8")
    shared, _, runtime_own = text.partition("A llama_cpp_canister\nmodel has")
    rows = [line for line in shared.split("\n") if line.startswith("| `configs[].models[].")]
    icpp_llama2 = _json_of("configs/icpp_llama2.yaml", capsys)["configs"][0]["models"][0]
    assert _documented(rows, "configs[].models[].") | {"name"} == set(icpp_llama2)
    rows = [line for line in runtime_own.split("\n\n")[1].split("\n") if line.startswith("| `")]
    llama_cpp = _json_of("configs/llama_cpp_canister.yaml", capsys)["configs"][0]["models"][0]
    assert _documented(rows) | {"name", "status", "line", "column"} == set(llama_cpp)


def test_ci_builds_the_site_strictly_with_the_docs_extra() -> None:
    """CI (.github/workflows/ci.yml and .ci/run) fails on a broken link or
    anchor, as the release does (tests/test_release.py)."""
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "ci.yml").read_text())
    steps = "\n".join(step.get("run", "") for step in workflow["jobs"]["tests"]["steps"])
    assert "pip install -e '.[test,docs]'" in steps
    assert "mkdocs build --strict" in steps
    assert "mkdocs build --strict" in (REPO / ".ci" / "run").read_text()
