"""Which lines of a step's output the GitHub Actions runner acts on as workflow commands.

The runner (.NET) cannot run here, so this follows its source line by line:
actions/runner src/Runner.Common/ActionCommand.cs (TryParseV2: a line that starts,
after leading white space, with ``::name`` up to the next ``::``; TryParse: the
legacy ``##[name]`` anywhere in a line), src/Runner.Worker/ActionCommandManager.cs
(TryProcessCommand: ``stop-commands`` and its token) and
src/Runner.Worker/Handlers/OutputManager.cs (lines as .NET's ReadLine splits them).
"""

from __future__ import annotations

import re
from typing import NamedTuple

# The command extensions a runner registers; names are matched ignoring case.
REGISTERED = frozenset(
    {
        "add-mask",
        "add-matcher",
        "add-path",
        "debug",
        "echo",
        "endgroup",
        "error",
        "group",
        "notice",
        "remove-matcher",
        "save-state",
        "set-env",
        "set-output",
        "stop-commands",
        "warning",
    }
)


class Command(NamedTuple):
    name: str
    properties: dict[str, str]
    data: str
    line: str


class Log(NamedTuple):
    commands: list[Command]  # every command the runner acted on, in order
    stopped: bool  # commands are still off at the end: later steps would lose theirs


def _properties(text: str, separator: str) -> dict[str, str]:
    found = {}
    for pair in text.split(separator):
        key, _, value = pair.partition("=")
        if key and value:  # .NET's Split(..., RemoveEmptyEntries) drops the rest
            found[key] = value
    return found


def _command(
    info: str, data: str, line: str, separator: str, registered: set[str]
) -> Command | None:
    name, space, rest = info.partition(" ")
    if name.lower() not in registered:
        return None
    properties = _properties(rest.strip() if separator == "," else rest, separator) if space else {}
    return Command(name, properties, data, line)


def parse_v2(line: str, registered: set[str]) -> Command | None:
    message = line.lstrip()
    if not message.startswith("::"):
        return None
    end = message.find("::", 2)
    if end < 0:
        return None
    return _command(message[2:end], message[end + 2 :], line, ",", registered)


def parse_legacy(line: str, registered: set[str]) -> Command | None:
    start = line.find("##[")
    if start < 0:
        return None
    end = line.find("]", start)
    if end < 0:
        return None
    return _command(line[start + 3 : end], line[end + 1 :], line, ";", registered)


def read(output: str) -> Log:
    """The commands the runner acts on when a step prints ``output``."""
    registered = set(REGISTERED)
    stop_token: str | None = None
    acted: list[Command] = []
    for line in re.split(r"\r\n|\r|\n", output):
        if "##[" not in line and "::" not in line:
            continue
        command = parse_v2(line, registered) or parse_legacy(line, registered)
        if command is None:
            continue
        name = command.name.lower()
        if stop_token is not None:
            # Stopped: only the token resumes (and an empty token never does).
            if stop_token and name == stop_token.lower():
                registered.discard(stop_token.lower())
                stop_token = None
                acted.append(command)
            continue
        if name == "stop-commands":
            stop_token = command.data
            registered.add(stop_token.lower())
        acted.append(command)
    return Log(acted, stop_token is not None)
