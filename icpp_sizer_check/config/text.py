"""What a line of text from a config may hold, and why a given one may not."""

from __future__ import annotations

import re

from icpp_sizer_check.errors import JsonPath

# Characters no single line of text may hold: C0 and C1 controls (ESC among
# them), DEL, Unicode's line and paragraph separators, and lone surrogates.
# The schema's patterns list the same ones; this names the one found.
FORBIDDEN_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_CHARACTER_NAMES = {
    "\n": "a line break (U+000A)",
    "\r": "a carriage return (U+000D)",
    "\t": "a tab (U+0009)",
    "\x1b": "the escape character (U+001B), which starts terminal commands",
    "\u2028": "a line separator (U+2028)",
    "\u2029": "a paragraph separator (U+2029)",
}


def type_name(value: object) -> str:
    """What a YAML value is, as a message names it."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int):
        return f"an integer ({value})"
    if isinstance(value, float):
        return f"a number with a fraction ({value!r})"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"text ({shown!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def text_rule_broken(path: JsonPath, text: object) -> str:
    """Why a name, title, command or path is not one clean line, naming the character."""
    is_name = bool(path) and path[-1] == "name"
    rule = (
        "a model name must be one line of text without '|', control characters "
        "or surrounding spaces"
        if is_name
        else "must be one non-empty line of text without control characters"
    )
    if not isinstance(text, str):
        return f"{rule}, got {type_name(text)}"
    found = FORBIDDEN_TEXT.search(text)
    if found:
        character = found.group()
        named = _CHARACTER_NAMES.get(character, f"the control character U+{ord(character):04X}")
        at_end = " at the end" if found.start() == len(text) - 1 else ""
        block = (
            " (a block scalar such as '|' ends with one)" if character == "\n" and at_end else ""
        )
        return f"{rule}; it contains {named}{at_end}{block}: remove it"
    if is_name and "|" in text:
        return f"{rule}; it contains '|', which would split a table cell: remove it"
    return f"{rule}, got {type_name(text)}"
