"""What a config's line of text may hold, and the message naming what it holds."""

from __future__ import annotations

import pytest

from icpp_sizer_check.config.text import text_rule_broken, type_name

NAME_RULE = (
    "a model name must be one line of text without '|', control characters or surrounding spaces"
)
TEXT_RULE = "must be one non-empty line of text without control characters"


@pytest.mark.parametrize(
    ("value", "named"),
    [
        (None, "nothing (null)"),
        (True, "a boolean (true)"),
        (False, "a boolean (false)"),
        (7, "an integer (7)"),
        (1.5, "a number with a fraction (1.5)"),
        ("x" * 40, f"text ('{'x' * 40}')"),
        ("x" * 41, f"text ('{'x' * 37}...')"),
        ([1], "a list"),
        ({"a": 1}, "a mapping"),
        (b"x", "bytes"),
    ],
)
def test_a_value_is_named_by_its_yaml_type_and_shown_briefly(value: object, named: str) -> None:
    assert type_name(value) == named


@pytest.mark.parametrize(
    ("path", "text", "message"),
    [
        (
            ("title",),
            "a\nb",
            f"{TEXT_RULE}; it contains a line break (U+000A): remove it",
        ),
        (
            ("title",),
            "a\n",
            f"{TEXT_RULE}; it contains a line break (U+000A) at the end "
            "(a block scalar such as '|' ends with one): remove it",
        ),
        (
            ("title",),
            "a\r",
            f"{TEXT_RULE}; it contains a carriage return (U+000D) at the end: remove it",
        ),
        (
            ("title",),
            "a\x1bb",
            f"{TEXT_RULE}; it contains the escape character (U+001B), which starts "
            "terminal commands: remove it",
        ),
        (
            ("title",),
            "\x7f",
            f"{TEXT_RULE}; it contains the control character U+007F at the end: remove it",
        ),
        (("title",), "", f"{TEXT_RULE}, got text ('')"),
        (("title",), 3, f"{TEXT_RULE}, got an integer (3)"),
        (("models", 0, "name"), None, f"{NAME_RULE}, got nothing (null)"),
        (
            ("models", 0, "name"),
            "a|b",
            f"{NAME_RULE}; it contains '|', which would split a table cell: remove it",
        ),
        (("models", 0, "name"), " a", f"{NAME_RULE}, got text (' a')"),
        (
            ("models", 0, "name"),
            "a\u2028|",
            f"{NAME_RULE}; it contains a line separator (U+2028): remove it",
        ),
        # A '|' is refused in a model's name only.
        (("title",), "a|b", f"{TEXT_RULE}, got text ('a|b')"),
        ((), "a|b", f"{TEXT_RULE}, got text ('a|b')"),
    ],
)
def test_the_broken_rule_names_the_character_and_where_it_is(
    path: tuple[str | int, ...], text: object, message: str
) -> None:
    assert text_rule_broken(path, text) == message
