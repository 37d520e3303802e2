"""Real Markdown formatters over generated documents: mdformat (with mdformat-tables)
from PyPI, and prettier from the npm registry (installed by .ci/run)."""

from __future__ import annotations

import os
import re
import string
import subprocess
import tempfile
import unicodedata
from pathlib import Path
from typing import Callable, List

import pytest

from icpp_sizer_check.compare import FORMATTING_ONLY, CompareMode, compare_document
from icpp_sizer_check.config.load import load_config
from icpp_sizer_check.errors import ConfigError
from icpp_sizer_check.formatters import formatter_rewrite
from icpp_sizer_check.runner import regenerate
from icpp_sizer_check.runtimes.icpp_llama2.document import LAYOUT
from icpp_sizer_check.runtimes.icpp_llama2.sizing import Hyperparameters, size_model
from tests.fixtures import CONFIG, DATA, DOCUMENT, GOLDEN, REPO, Run, edit
from tests.integration.fixtures import NODE_TOOLS, require_node_tool
from tests.runtimes.icpp_llama2.documents import render as render_llama2

Formatter = Callable[[str], str]
PRETTIER = Path(os.environ.get("ICPP_PRETTIER", NODE_TOOLS / ".bin" / "prettier"))


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
        REPO / "configs" / "llama_cpp_canister.yaml",
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


# Names and titles that a formatter may rewrite: every printable ASCII
# punctuation character in several places, and Unicode that formatters treat
# apart (invisible, combining, wide, emoji, spaces).
PUNCTUATION = [character for character in string.punctuation if character != "|"]
ASCII_CASES = [
    template.format(c=character)
    for character in PUNCTUATION
    for template in ("a{c}b", "{c}a", "a{c}", "{c}a{c}", "a{c}{c}b", "a {c} b")
]
UNICODE_CASES = [
    "a\u200bb",  # zero-width space
    "a\u200db",  # zero-width joiner
    "a\u200cb",  # zero-width non-joiner
    "a\u00adb",  # soft hyphen
    "a\u2060b",  # word joiner
    "a\ufeffb",  # byte order mark
    "a\u202eb",  # right-to-left override
    "e\u0301x",  # combining acute accent
    "\u0301x",
    "x\u20dd",  # combining enclosing circle
    "कुछ",  # a nonspacing mark of combining class 0
    "ไทย ที่",
    "小模型",
    "\uff54\uff45\uff53\uff54 \uff83\uff7d\uff84",  # fullwidth and halfwidth forms
    "한국어",
    "a\u3164b",  # Hangul filler
    "🦙 llama",
    "👩\u200d💻",
    "👍🏽",
    "❤️",
    "✌",
    "1️⃣",
    "🇯🇵",
    "🇯",
    "a  b",
    "a\tb",
    "a \u00a0b",
    "a\u00a0b",
    "a\u3000b",
    "a\u2028b",
    "\u03b1\u00b0\u00b1\u2192\u2460\u00a7 \u00d7\u00f7",  # East Asian ambiguous width
    "&amp;",
    "a&#42;b",
    "R&D",
    "[a](b)",
    "<b>x</b>",
    "http://example.com",
]
USUAL_NAMES = ["qwen3-0.6b-q8_0", "Llama-3.2-1B (Q4_K_M)", "TinyStories 15M"]
HYPERPARAMETERS = {
    "dim": 64,
    "hidden_dim": 172,
    "n_layers": 5,
    "n_heads": 8,
    "n_kv_heads": 4,
    "vocab_size": 512,
    "seq_len": 512,
}
FormatMany = Callable[[List[str]], List[str]]
SIZING = size_model(Hyperparameters(**HYPERPARAMETERS))


def prettier_many(texts: list[str]) -> list[str]:
    """prettier over several documents in one run (it takes a second to start)."""
    require_node_tool(PRETTIER, "prettier@3.10.1")
    with tempfile.TemporaryDirectory() as folder:
        paths = [Path(folder) / f"d{index}.md" for index in range(len(texts))]
        for path, text in zip(paths, texts):
            path.write_text(text, encoding="utf-8")
        subprocess.run(
            [str(PRETTIER), "--write", "--log-level", "warn", folder], check=True, timeout=600
        )
        return [path.read_text(encoding="utf-8") for path in paths]


@pytest.fixture(params=["mdformat", "prettier"])
def format_many(request: pytest.FixtureRequest) -> FormatMany:
    if request.param == "prettier":
        return prettier_many
    return lambda texts: [mdformat_text(text) for text in texts]


def accepted_names(folder: Path, mode: dict[str, str], names: list[str]) -> list[str]:
    """The names a config in ``mode`` accepts, in configs of fewer names than a
    config's problems are shown for: each config's errors name the models refused."""
    from icpp_sizer_check.errors import MAX_PROBLEMS_SHOWN

    size = MAX_PROBLEMS_SHOWN - 1
    return [
        name
        for start in range(0, len(names), size)
        for name in _accepted_in_one_config(folder, mode, names[start : start + size])
    ]


def _accepted_in_one_config(folder: Path, mode: dict[str, str], names: list[str]) -> list[str]:
    import yaml

    (folder / ".git").mkdir(exist_ok=True)
    config = folder / "names.yaml"
    models = [{"name": name, **HYPERPARAMETERS} for name in names]
    config.write_text(
        yaml.safe_dump({**mode, "output": "d.md", "models": models}, allow_unicode=True),
        encoding="utf-8",
    )
    try:
        load_config(config, use_cache=False)
    except ConfigError as error:
        refused = set()
        for problem in error.problems:
            index = re.fullmatch(r"models\[(\d+)\]\.name", problem.json_path)
            assert index, str(problem)
            refused.add(int(index.group(1)))
            assert "which breaks" in problem.message or "model name" in problem.message, problem
        return [name for index, name in enumerate(names) if index not in refused]
    return names


def changed_columns(document: str, formatted: str, names: list[str]) -> list[str]:
    """The names whose column of an aligned document the formatter changed."""
    changed = set()
    for line, other in zip(document.splitlines(), formatted.splitlines()):
        cells, other_cells = line.split("|"), other.split("|")
        for index, (cell, other_cell) in enumerate(zip(cells[2:-1], other_cells[2:-1])):
            if cell != other_cell and index < len(names):
                changed.add(names[index])
    return sorted(changed) or ["(not a single column: see the document)"]


def render(names: list[str], style: str, title: str = "T") -> str:
    count = len(names)
    return render_llama2(title, "c", names, [SIZING] * count, [1] * count, style)


@pytest.mark.parametrize("style", ["aligned", "compact"])
def test_names_a_formatter_rewrites_are_refused(
    tmp_path: Path, format_many: FormatMany, style: str
) -> None:
    """Every name the formatter-proof modes accept survives the formatter: byte
    for byte with style: aligned, cell for cell with compare: content."""
    mode = {"style": "aligned"} if style == "aligned" else {"compare": "content"}
    cases = list(dict.fromkeys(ASCII_CASES + UNICODE_CASES + USUAL_NAMES))
    names = accepted_names(tmp_path, mode, cases)
    assert set(USUAL_NAMES) <= set(names)
    # The rule is at work: these are rewritten, so they must be refused.
    for rewritten in ("*a*", "a\\b", "_a", "a  b", "a\tb", "a`b", "a[b", "&amp;"):
        assert rewritten in cases and rewritten not in names, rewritten
    document = render(names, style)
    (formatted,) = format_many([document])
    if style == "aligned":
        assert formatted == document, changed_columns(document, formatted, names)
    else:
        comparison = compare_document(
            formatted.encode(), document, "d.md", CompareMode.CONTENT, LAYOUT
        )
        assert comparison.status == "up-to-date", comparison.diff


@pytest.mark.parametrize("style", ["aligned", "compact"])
def test_titles_a_formatter_rewrites_are_refused(format_many: FormatMany, style: str) -> None:
    """The same for the title, the document's first heading."""
    titles = [
        title
        for title in dict.fromkeys(ASCII_CASES + UNICODE_CASES)
        if not formatter_rewrite(title, heading=True, padded=style == "aligned")
    ]
    for rewritten in ("*a*", "a\\b", "_a", "a#", "a  b"):
        assert rewritten not in titles, rewritten
    # One document of one document per title (a blank line apart), for one run.
    document = "\n".join(render(["m"], style, title) for title in titles)
    (formatted,) = format_many([document])
    if style == "aligned":
        changed = [
            line
            for line, other in zip(document.splitlines(), formatted.splitlines())
            if line != other
        ]
        assert formatted == document, changed[:5]
    else:
        comparison = compare_document(
            formatted.encode(), document, "d.md", CompareMode.CONTENT, LAYOUT
        )
        assert comparison.status == "up-to-date", comparison.diff


def test_every_unicode_character_accepted_in_an_aligned_name_is_left_alone(
    format_many: FormatMany,
) -> None:
    """A sample across all of Unicode, each character between two letters, as
    the columns of one aligned table; the formatter must keep every column."""
    names = []
    for code in range(0xA0, 0x110000, 53):
        character = chr(code)
        name = f"a{character}b"
        usable = unicodedata.category(character) not in ("Cc", "Cs") and not character.isspace()
        if usable and not formatter_rewrite(name, padded=True):
            names.append(name)
    assert len(names) > 2000
    # Only the last table: the names stand in every table's header alike.
    document = render(names, "aligned")
    table = document[document.index("### Canister Metrics") :]
    (formatted,) = format_many([table])
    assert formatted == table, changed_columns(table, formatted, names)
