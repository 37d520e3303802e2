"""The exception hierarchy and the one place where outcomes become exit codes."""

from __future__ import annotations

from typing import NamedTuple, Tuple, Union

from icpp_sizer_check.exit_codes import EXIT_BAD_INPUT

# Where a value stands in a config's data: keys and list indexes from the top.
PathElement = Union[str, int]
JsonPath = Tuple[PathElement, ...]

# Characters that must never reach a terminal or a log raw: C0 and C1 controls
# (ESC starts terminal commands), DEL, line and paragraph separators, and lone
# surrogates (file names that are not UTF-8).
_UNPRINTABLE = {
    *range(0x00, 0x20),
    *range(0x7F, 0xA0),
    0x2028,
    0x2029,
}


def printable(text: str, keep: str = "") -> str:
    """``text`` with every control character (but those in ``keep``) written as
    an escape, so that what a config or a document holds is shown, never obeyed."""
    if text.isprintable() and text.isascii():
        return text
    out = []
    for character in text:
        code = ord(character)
        if character in keep:
            out.append(character)
        elif 0xDC80 <= code <= 0xDCFF:  # a byte of a file name that is not UTF-8
            out.append(f"\\x{code - 0xDC00:02x}")
        elif code in _UNPRINTABLE or 0xD800 <= code <= 0xDFFF:
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(character)
    return "".join(out)


class Position(NamedTuple):
    """A place in a text file, both numbers counted from 1."""

    line: int
    column: int


def position_in_text(text: str, index: int) -> Position:
    """The line and column of character ``index`` of ``text``."""
    line_start = text.rfind("\n", 0, index) + 1
    return Position(line=text.count("\n", 0, index) + 1, column=index - line_start + 1)


class Problem(NamedTuple):
    """One thing wrong with one input file, ready to be shown on one line."""

    file: str
    message: str
    position: Position | None = None
    json_path: str = ""
    # The file's absolute path, for formats that must name it from elsewhere
    # (GitHub annotations name files from the workspace); "" when unknown.
    location: str = ""

    def sort_key(self) -> tuple[int, int, str]:
        if self.position is None:
            return (0, 0, self.message)
        return (self.position.line, self.position.column, self.message)

    def __str__(self) -> str:
        # One problem, one line, whatever characters a config smuggles in.
        return printable(self._unescaped().replace("\r", "\\r").replace("\n", "\\n"))

    def _unescaped(self) -> str:
        where = self.file
        if self.position is not None:
            where = f"{where}:{self.position.line}:{self.position.column}"
        if self.json_path:
            return f"{where}: {self.json_path}: {self.message}"
        return f"{where}: {self.message}"


class SizerError(Exception):
    """Base of every error this tool reports to its user."""

    exit_code = EXIT_BAD_INPUT


class UsageError(SizerError):
    """The command line asks for something that cannot be done."""


class OutputError(SizerError):
    """The report cannot be written: its stream failed (a full disk)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


# A config with more problems than this is the wrong file or one that needs
# rewriting: the rest would only flood a terminal.
MAX_PROBLEMS_SHOWN = 50


class ConfigError(SizerError):
    """A config file cannot be used; carries every problem found in it (the
    first MAX_PROBLEMS_SHOWN, then a line that counts the rest)."""

    def __init__(self, problems: list[Problem]) -> None:
        ordered = sorted(problems, key=Problem.sort_key)
        if len(ordered) > MAX_PROBLEMS_SHOWN:
            hidden = len(ordered) - MAX_PROBLEMS_SHOWN + 1
            ordered = [
                *ordered[: MAX_PROBLEMS_SHOWN - 1],
                Problem(ordered[0].file, f"... and {hidden} more problems; fix these first"),
            ]
        self.problems = ordered
        super().__init__("\n".join(str(problem) for problem in self.problems))
