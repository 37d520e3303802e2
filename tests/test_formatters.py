from __future__ import annotations

import pytest

from icpp_sizer_check.formatters import display_width, formatter_rewrite


def test_display_width() -> None:
    assert display_width("110M<br>(MB)") == 12
    assert display_width("模型") == 4
    assert display_width("e\u0301") == 1
    # Nonspacing marks of combining class 0 take no column either, as prettier
    # and wcwidth (mdformat's) count them: a Devanagari vowel sign, a
    # variation selector, an enclosing circle.
    assert display_width("\u0915\u0941") == 1
    assert display_width("a\ufe00") == 1
    assert display_width("x\u20dd") == 1


@pytest.mark.parametrize(
    "name",
    [
        "qwen3-0.6b-q8_0",
        "Llama-3.2-1B (Q4_K_M)",
        "TinyStories 15M",
        "小模型 v2",
        "🇯🇵 e\u0301",
        "R&D",
    ],
)
def test_usual_names_are_left_alone_by_the_formatters(name: str) -> None:
    assert formatter_rewrite(name, padded=True) == ""
    assert formatter_rewrite(name, heading=True) == ""


@pytest.mark.parametrize(
    ("text", "padded", "reason"),
    [
        ("*x*", False, "prettier and mdformat rewrite '*' in a table cell"),
        ("a\\b", False, "mdformat rewrites '\\' in a table cell (it escapes it)"),
        ("a`b", False, "mdformat rewrites '`'"),
        ("[x]", False, "mdformat rewrites '['"),
        ("<b>", False, "mdformat rewrites '<'"),
        ("_x", False, "mdformat rewrites '_' in a table cell unless it stands between two"),
        ("x__y", False, "mdformat rewrites '_'"),
        ("x&amp;", False, "mdformat rewrites the character reference '&amp;'"),
        ("a\tb", False, "prettier and mdformat rewrite a tab"),
        ("a  b", False, "rewrite two white-space characters in a row"),
        ("a\u2028b", False, "mdformat rewrites U+2028 LINE SEPARATOR"),
        ("a\u200bb", True, "the width of U+200B ZERO WIDTH SPACE"),
        # Code points without a name: unassigned, and private use.
        ("a\u0378b", True, "the width of U+0378 (unnamed) as this tool does"),
        ("a\ue000b", True, "the width of U+E000 (unnamed) as this tool does"),
        ("\u3164", True, "the width of 'ㅤ'"),
        ("👍🏽", True, "the width of '🏽'"),
        ("🇯", True, "a regional indicator that is not part of a flag"),
    ],
)
def test_what_a_formatter_rewrites_is_named(text: str, padded: bool, reason: str) -> None:
    assert reason in formatter_rewrite(text, padded=padded)


def test_widths_matter_only_in_an_aligned_table_and_headings_have_their_own_rule() -> None:
    assert formatter_rewrite("a\u200bb") == ""  # compare: content ignores padding
    assert formatter_rewrite("a\u200bb", heading=True, padded=True) == ""
    assert formatter_rewrite("🇯") == ""
    assert formatter_rewrite("🇯", heading=True, padded=True) == ""
    assert formatter_rewrite("v2 #", heading=True) == (
        "mdformat rewrites a '#' that ends a heading (it escapes it)"
    )
    assert formatter_rewrite("v2 #") == ""


def test_display_width_of_wide_fullwidth_and_combining_characters() -> None:
    assert display_width("\uff211") == 3  # a fullwidth letter takes two columns
    assert display_width("e\u0301x") == 2  # the mark takes none, the rest still count
    assert display_width("") == 0
