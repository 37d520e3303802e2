"""``describe-gguf``: a model's ``architecture:`` mapping, read from its GGUF header.

The text is YAML to paste under a model of a config. It names the file in a
comment; the name comes from anyone's pull request, so every control
character in it (and in any message) is escaped, never printed raw, and so is
every character YAML does not allow in a document (the output must load).
"""

from __future__ import annotations

import os
import re
from typing import TextIO

from icpp_sizer_check.errors import printable
from icpp_sizer_check.exit_codes import EXIT_BAD_INPUT, EXIT_OK
from icpp_sizer_check.gguf.format import GgufError
from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import (
    OPTIONAL_KEYS,
    REQUIRED_KEYS,
    Architecture,
)
from icpp_sizer_check.runtimes.llama_cpp_canister.gguf_architecture import read_architecture
from icpp_sizer_check.runtimes.llama_cpp_canister.shape import shape_problems

# Optional keys written whatever their value: they say what the file is, and
# the sizing uses them (the vocabulary's heap, the compute graph's size).
ALWAYS_WRITTEN = ("arch", "n_tensors", "n_merges", "tokenizer")
# Outside YAML's printable set (YAML 1.2, 5.1: PyYAML refuses a stream holding
# U+FFFE or U+FFFF), or a byte order mark, which the spec allows only before a
# document. The controls and breaks of that set are printable()'s already.
_NOT_IN_A_YAML_DOCUMENT = re.compile(
    "[^\t\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)


def _written_keys(arch: Architecture) -> list[str]:
    """The required keys, then the optional ones the file does not leave at
    their default (what the architecture's rules fill in, as llama.cpp does)."""
    defaults = Architecture._field_defaults
    optional = [
        key for key in OPTIONAL_KEYS if key in ALWAYS_WRITTEN or getattr(arch, key) != defaults[key]
    ]
    return [*REQUIRED_KEYS, *optional]


def yaml_value(value: object) -> str:
    """A value as YAML writes it, ready to paste: a per-layer tuple as a flow
    list, matrix_types' (type, elements) pairs as a flow mapping."""
    if isinstance(value, tuple) and value and all(isinstance(item, tuple) for item in value):
        return "{" + ", ".join(f"{key}: {count}" for key, count in value) + "}"
    if isinstance(value, tuple):
        return "[" + ", ".join(yaml_value(item) for item in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def yaml_comment(text: str) -> str:
    """``text`` as one YAML comment line, every character YAML or a terminal
    would not take as printed escaped."""
    shown = _NOT_IN_A_YAML_DOCUMENT.sub(
        lambda found: f"\\u{ord(found.group()):04x}", printable(text)
    )
    return f"# {shown}"


def architecture_yaml(arch: Architecture, file_name: str) -> str:
    """The ``architecture:`` mapping, keys in Architecture's order, after a
    comment naming the file."""
    lines = [yaml_comment(file_name), "architecture:"]
    lines += [f"  {key}: {yaml_value(getattr(arch, key))}" for key in _written_keys(arch)]
    return "\n".join(lines) + "\n"


def describe(path: str) -> str:
    """The YAML of the GGUF model at ``path``; GgufError when it cannot be read,
    or when it holds a value no config could write."""
    from icpp_sizer_check.runtimes.llama_cpp_canister.models import out_of_range

    arch = read_architecture(path)
    for problem in shape_problems(arch):
        raise GgufError(f"llama.cpp cannot load its header: {problem.message}")
    for key, value, lowest, highest in out_of_range(arch, arch._fields):
        raise GgufError(f"its header has {key} = {value}; a config takes {lowest} to {highest}")
    return architecture_yaml(arch, os.path.basename(path))


def main_describe(path: str, out: TextIO, err: TextIO) -> int:
    """Print the model's ``architecture:`` mapping: 0, or 2 after one line
    ``FILE: what is wrong`` on ``err``."""
    try:
        text = describe(path)
    except GgufError as error:
        err.write(printable(f"{path}: {error}") + "\n")
        return EXIT_BAD_INPUT
    out.write(text)
    return EXIT_OK
