"""A parsed config and the name messages give it: where every problem is placed."""

from __future__ import annotations

import re
from typing import NamedTuple

from icpp_sizer_check.config.yaml_source import YamlDocument
from icpp_sizer_check.errors import JsonPath, Problem

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def format_json_path(path: JsonPath) -> str:
    """``models[0].dim`` style, as users read it."""
    out = ""
    for element in path:
        if isinstance(element, int):
            out += f"[{element}]"
        elif not _PLAIN_KEY.match(element):
            out += f"[{element!r}]"
        else:
            out += f".{element}" if out else element
    return out or "(top level)"


class ConfigSource(NamedTuple):
    document: YamlDocument
    file: str  # as messages show it: from the project root

    def problem(self, path: JsonPath, message: str) -> Problem:
        """A problem at the value ``path``."""
        return Problem(self.file, message, self.document.position_of(path), format_json_path(path))

    def key_problem(self, path: JsonPath, message: str) -> Problem:
        """A problem at the key that names ``path``."""
        return Problem(
            self.file, message, self.document.key_position_of(path), format_json_path(path)
        )
