"""The exception hierarchy and the one place where outcomes become exit codes."""

from __future__ import annotations

from typing import NamedTuple

EXIT_OK = 0
# A document is stale or missing, a threshold fails, or a model does not fit.
EXIT_CHECK_FAILED = 1
# The input cannot be used: bad arguments, or a config that is not valid.
EXIT_BAD_INPUT = 2
# Only for a bug in this tool; never for anything a user wrote.
EXIT_INTERNAL_ERROR = 3


class Position(NamedTuple):
    """A place in a text file, both numbers counted from 1."""

    line: int
    column: int


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
        return self._unescaped().replace("\r", "\\r").replace("\n", "\\n")

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


class ConfigError(SizerError):
    """A config file cannot be used; carries every problem found in it."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=Problem.sort_key)
        super().__init__("\n".join(str(problem) for problem in self.problems))
