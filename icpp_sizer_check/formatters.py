"""What the Markdown formatters (prettier, mdformat) count and rewrite in the
text this tool prints into a table cell or a heading."""

from __future__ import annotations

import re
import unicodedata


def display_width(text: str) -> int:
    """Terminal columns, as formatters count them: wide East Asian characters
    take two, nonspacing and enclosing marks none (prettier and wcwidth, which
    mdformat uses, both skip every such mark, whatever its combining class)."""
    width = 0
    for character in text:
        if unicodedata.category(character) in ("Mn", "Me"):
            continue
        width += 2 if unicodedata.east_asian_width(character) in ("W", "F") else 1
    return width


# What prettier (3.10) and mdformat (0.7, with mdformat-tables and wcwidth) do to
# text in a table cell or a heading, measured by running both over every
# printable ASCII character and every assigned code point in a model name
# (tests/integration/test_formatters.py keeps checking it).
_ESCAPED_BY_MDFORMAT = {
    "\\": "it escapes it",
    "`": "it escapes it as code syntax",
    "[": "it escapes it as link syntax",
    "]": "it escapes it as link syntax",
    "<": "it escapes it as HTML syntax",
}
# "&amp;", "&#42;": mdformat decodes a character reference, or escapes it.
_CHARACTER_REFERENCE = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
# Characters whose width prettier or mdformat counts otherwise than
# display_width does, so that they re-pad an aligned table: Hangul fillers and
# jamo, a few vowel killers, symbols that newer Unicode made wide, emoji that
# prettier counts wide in their text form, emoji modifiers and presentation
# selectors, the keycap mark. Format characters (zero-width space and joiner,
# direction marks, ...) and code points this Python does not know are refused
# as a whole.
_DISPUTED_WIDTH = (
    (0x1160, 0x11FF),
    (0x1B44, 0x1B44),
    (0x20E3, 0x20E3),
    (0x261D, 0x261D),
    (0x2630, 0x2637),
    (0x268A, 0x268F),
    (0x26F9, 0x26F9),
    (0x270C, 0x270D),
    (0x302E, 0x302F),
    (0x3164, 0x3164),
    (0x4DC0, 0x4DFF),
    (0xA9C0, 0xA9C0),
    (0xD7B0, 0xD7FF),
    (0xFE0E, 0xFE0F),
    (0xFFA0, 0xFFA0),
    (0x111C0, 0x111C0),
    (0x11235, 0x11235),
    (0x1134D, 0x1134D),
    (0x116B6, 0x116B6),
    (0x1171E, 0x1171E),
    (0x16FF0, 0x16FF1),
    (0x1D300, 0x1D356),
    (0x1D360, 0x1D376),
    (0x1F3CB, 0x1F3CC),
    (0x1F3FB, 0x1F3FF),
    (0x1F574, 0x1F575),
    (0x1F590, 0x1F590),
)
_REGIONAL_INDICATORS = re.compile("[\U0001f1e6-\U0001f1ff]+")


def _shown(character: str) -> str:
    """A character as a message can show it: itself when visible, else its code."""
    if unicodedata.category(character)[0] in "LNPS":
        return f"'{character}'"
    return f"U+{ord(character):04X} {unicodedata.name(character, '(unnamed)')}"


def _disputed_width(character: str) -> bool:
    if unicodedata.category(character) in ("Cf", "Cn", "Co", "Cs"):
        return True
    code = ord(character)
    return any(start <= code <= end for start, end in _DISPUTED_WIDTH)


def formatter_rewrite(text: str, *, heading: bool = False, padded: bool = False) -> str:
    """What prettier or mdformat would rewrite in ``text`` printed in a table
    cell (or, with ``heading``, a heading), or "" when both leave it alone.
    With ``padded`` the cell stands in an aligned table, so the formatters must
    also count its width as display_width does."""
    where = "a heading" if heading else "a table cell"
    for index, character in enumerate(text):
        before = text[index - 1] if index else ""
        after = text[index + 1 : index + 2]
        if character == "*":
            return (
                f"prettier and mdformat rewrite '*' in {where} "
                "(mdformat escapes it, prettier turns *x* into _x_)"
            )
        if character in _ESCAPED_BY_MDFORMAT:
            why = _ESCAPED_BY_MDFORMAT[character]
            return f"mdformat rewrites {_shown(character)} in {where} ({why})"
        if character == "_" and not (before.isalnum() and after.isalnum()):
            return (
                f"mdformat rewrites '_' in {where} unless it stands between two letters "
                "or digits (it escapes it as emphasis syntax)"
            )
        reference = _CHARACTER_REFERENCE.match(text, index) if character == "&" else None
        if reference:
            return f"mdformat rewrites the character reference '{reference.group()}' in {where}"
        if character == "\t":
            return f"prettier and mdformat rewrite a tab in {where} (into a space)"
        if character.isspace() and after.isspace():
            return (
                f"prettier and mdformat rewrite two white-space characters in a row "
                f"in {where} (into one space)"
            )
        if character.isspace() and unicodedata.category(character) != "Zs":
            return f"mdformat rewrites {_shown(character)} in {where}"
        if heading and character == "#" and index == len(text) - 1:
            return "mdformat rewrites a '#' that ends a heading (it escapes it)"
        if padded and not heading and _disputed_width(character):
            return (
                f"prettier and mdformat do not both count the width of {_shown(character)} "
                "as this tool does, so they re-pad the aligned table around it"
            )
    if padded and not heading:
        # A flag is a pair of regional indicators; mdformat counts a lone one apart.
        for run in _REGIONAL_INDICATORS.findall(text):
            if len(run) % 2:
                return (
                    "mdformat counts the width of a regional indicator that is not part "
                    "of a flag otherwise, so it re-pads the aligned table around it"
                )
    return ""
