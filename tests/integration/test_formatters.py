"""Real Markdown formatters over generated documents: mdformat (with mdformat-tables)
from PyPI, and prettier from the npm registry (installed by .ci/run)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Callable

import pytest

from icpp_sizer_check.compare import FORMATTING_ONLY
from icpp_sizer_check.config import load_config
from icpp_sizer_check.runner import regenerate
from tests.conftest import DATA, GOLDEN, REPO, Run, edit
from tests.integration.conftest import NODE_TOOLS, require_node_tool

Formatter = Callable[[str], str]
PRETTIER = Path(os.environ.get("ICPP_PRETTIER", NODE_TOOLS / ".bin" / "prettier"))
CONFIG = Path("configs/icpp_llama2.yaml")
DOCUMENT = Path("configs/README_icpp_llama2_resource_requirements.md")


def mdformat_text(text: str) -> str:
    import mdformat

    formatted: str = mdformat.text(text, extensions={"tables"})
    return formatted


def prettier_text(text: str) -> str:
    require_node_tool(PRETTIER, "prettier@3.10.1")
    completed = subprocess.run(
        [str(PRETTIER), "--stdin-filepath", "document.md"],
        input=text,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return completed.stdout


@pytest.fixture(params=["mdformat", "prettier"])
def formatter(request: pytest.FixtureRequest) -> Formatter:
    return mdformat_text if request.param == "mdformat" else prettier_text


def test_the_formatters_do_reformat_the_compact_style(formatter: Formatter) -> None:
    """The premise: the original layout does not survive a formatter."""
    assert formatter(GOLDEN.read_text()) != GOLDEN.read_text()


def test_content_mode_accepts_a_formatted_document(
    project: Path, run: Run, formatter: Formatter
) -> None:
    (project / DOCUMENT).write_text(formatter(GOLDEN.read_text()))
    assert run().code == 1  # exact, the default, sees the bytes differ
    edit(project / CONFIG, "output:", "compare: content\noutput:")
    outcome = run()
    assert outcome.code == 0, outcome.out
    assert "is up to date (ignoring formatting); smallest headroom" in outcome.out


def test_exact_mode_says_only_formatting_differs_and_what_fits(
    project: Path, run: Run, formatter: Formatter
) -> None:
    """The icpp_llm case: the original's document after a formatter, checked
    exactly. One line names the cause and the settings that end it."""
    (project / DOCUMENT).write_text(formatter(GOLDEN.read_text()))
    outcome = run()
    assert outcome.code == 1
    stale_line = outcome.out.splitlines()[-1]
    assert stale_line == (
        f"{CONFIG.as_posix()}: {DOCUMENT.as_posix()} is stale ({FORMATTING_ONLY}); "
        f"fix it with: icpp-sizer-check --write --config {CONFIG.as_posix()}"
    )
    # No changed cell to list: every value is the same.
    assert "what changed in" not in outcome.out
    # Each way out works: the aligned style survives the formatter, and content
    # mode accepts the formatted file as it is.
    edit(project / CONFIG, "output:", "style: aligned\noutput:")
    assert run("--write").code == 0
    formatted = formatter((project / DOCUMENT).read_text())
    assert formatted == (project / DOCUMENT).read_text()
    edit(project / CONFIG, "style: aligned\n", "compare: content\n")
    (project / DOCUMENT).write_text(formatter(GOLDEN.read_text()))
    assert run().code == 0


def test_a_formatted_document_with_a_real_change_gets_no_formatting_advice(
    project: Path, run: Run, formatter: Formatter
) -> None:
    (project / DOCUMENT).write_text(formatter(GOLDEN.read_text()))
    edit(project / CONFIG, "seq_len: 256", "seq_len: 512")
    outcome = run()
    assert outcome.code == 1
    assert "only Markdown formatting differs" not in outcome.out
    assert "  15M · Max number of concurrent users: 847 → 431\n" in outcome.out


def test_content_mode_still_catches_a_real_change(
    project: Path, run: Run, formatter: Formatter
) -> None:
    (project / DOCUMENT).write_text(formatter(GOLDEN.read_text()))
    edit(project / CONFIG, "output:", "compare: content\noutput:")
    edit(project / CONFIG, "seq_len: 256", "seq_len: 512")
    outcome = run()
    assert outcome.code == 1
    assert "  15M · Max number of concurrent users: 847 → 431\n" in outcome.out
    assert "-Max number of concurrent users | 4760 | 847 | 88 | 35\n" in outcome.out
    assert "+Max number of concurrent users | 4760 | 431 | 88 | 35\n" in outcome.out
    # Only real changes in the diff: no line that differs in padding alone.
    assert "-| Memory Type" not in outcome.out


@pytest.mark.parametrize(
    "config",
    [
        REPO / "configs" / "icpp_llama2.yaml",
        DATA / "configs" / "good" / "grouped_query_attention.yaml",
        DATA / "configs" / "good" / "flow_style_and_merge.yaml",
    ],
    ids=lambda path: path.stem,
)
def test_the_aligned_style_is_left_unchanged(
    config: Path, tmp_path: Path, formatter: Formatter
) -> None:
    text = config.read_text().replace("output:", "style: aligned\noutput:", 1)
    (tmp_path / ".git").mkdir()
    aligned_config = tmp_path / "aligned.yaml"
    aligned_config.write_text(text)
    document, _ = regenerate(load_config(aligned_config))
    assert formatter(document) == document


def test_the_aligned_style_with_wide_and_spaced_names(tmp_path: Path, formatter: Formatter) -> None:
    (tmp_path / ".git").mkdir()
    config = tmp_path / "wide.yaml"
    config.write_text(
        "style: aligned\noutput: wide.md\nmodels:\n"
        + "".join(
            f"  - {{name: {name!r}, dim: 64, hidden_dim: 172, n_layers: 5, n_heads: 8,"
            f" n_kv_heads: 4, vocab_size: 512, seq_len: {seq}}}\n"
            for name, seq in [("小模型", 512), ("tiny model v2", 2048), ("x", 64)]
        )
    )
    document, _ = regenerate(load_config(config))
    assert formatter(document) == document
