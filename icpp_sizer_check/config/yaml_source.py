"""Parse YAML text into plain data and remember where every key and value stands.

Validation errors are only useful when they point at the offending line, so the
document is composed into PyYAML nodes first (they carry marks), checked for
what PyYAML would silently accept (duplicate keys), and then constructed.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Tuple

import yaml

from icpp_sizer_check.errors import JsonPath, Position, position_in_text

# libyaml is several times faster; both loaders give the same data and marks.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_MERGE_TAG = "tag:yaml.org,2002:merge"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_STR_TAG = "tag:yaml.org,2002:str"
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
# YAML 1.1 (PyYAML's dialect) reads a leading zero as octal and colons as base
# 60: `0512` is 330 and `8:32` is 512. Nobody writing a context length means that.
_OCTAL = re.compile(r"^[-+]?0[0-7_]+$")

# Aliases can make a tiny document describe a huge tree ("billion laughs").
# A config has a few hundred nodes; refusing anything past this keeps every
# later step (validation, sizing) bounded.
MAX_NODES = 100_000
# A config nests four levels deep. Deeper data only invites recursion limits
# further on (jsonschema prints the offending value with repr), and libyaml's
# own cap (1000 levels) exists only in its newer releases.
MAX_DEPTH = 100
# No size, count or length a config holds needs more.
MAX_INTEGER_BITS = 64


class YamlError(Exception):
    """The text is not a YAML document this tool accepts."""

    def __init__(self, message: str, position: Position | None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


class YamlDocument:
    """Plain data plus the position of each value and each mapping key."""

    def __init__(self, data: object) -> None:
        self.data = data
        # Plain (line, column) pairs, made into Positions only when asked for:
        # a config has hundreds of nodes and a report needs a handful.
        self.value_positions: Dict[JsonPath, Tuple[int, int]] = {}
        self.key_positions: Dict[JsonPath, Tuple[int, int]] = {}
        # Numbers YAML 1.1 reads otherwise than they look, with what to say of each.
        self.number_traps: List[Tuple[JsonPath, str]] = []

    def position_of(self, path: JsonPath) -> Position | None:
        """Where the value at ``path`` stands, or its nearest enclosing value."""
        for end in range(len(path), -1, -1):
            found = self.value_positions.get(path[:end])
            if found is not None:
                return Position(*found)
        return None

    def key_position_of(self, path: JsonPath) -> Position | None:
        """Where the key naming ``path[-1]`` stands, else where its value does."""
        found = self.key_positions.get(path)
        return Position(*found) if found is not None else self.position_of(path)


def _position(mark: Any) -> Position:
    return Position(line=mark.line + 1, column=mark.column + 1)


def _describe_yaml_error(error: yaml.YAMLError, text: str) -> YamlError:
    if isinstance(error, yaml.MarkedYAMLError):
        parts = [part for part in (error.context, error.problem) if part]
        mark = error.problem_mark or error.context_mark
        position = _position(mark) if mark is not None else None
        detail = "; ".join(parts) if parts else "malformed YAML"
        if isinstance(error, yaml.constructor.ConstructorError):
            # Tags such as !!python/object are refused by safe loading.
            return YamlError(f"unsupported YAML: {detail}; use plain values without tags", position)
        return YamlError(
            f"YAML syntax error: {detail}; check indentation, colons and quoting here",
            position,
        )
    if isinstance(error, yaml.reader.ReaderError):
        # libyaml reports the character as a number, PyYAML as a string.
        character = error.character
        if isinstance(character, int):
            character = chr(character)
        return YamlError(
            f"YAML cannot contain the character {character!r}; remove it",
            position_in_text(text, error.position),
        )
    return YamlError(f"YAML error: {error}", None)


def _check_duplicates(node: yaml.MappingNode) -> None:
    """PyYAML keeps the last of two equal keys; a config must not say a thing twice."""
    seen: dict[str, yaml.Node] = {}
    for key_node, _ in node.value:
        if key_node.tag == _MERGE_TAG or not isinstance(key_node, yaml.ScalarNode):
            continue
        first = seen.get(key_node.value)
        if first is not None:
            raise YamlError(
                f"duplicate key {key_node.value!r} (first at line "
                f"{_position(first.start_mark).line}); keep only one",
                _position(key_node.start_mark),
            )
        seen[key_node.value] = key_node


def _build(root: yaml.Node, loader: Any, document: YamlDocument) -> object:
    """Build the data, and record where each key and value stands, in one walk.

    Plain mappings, lists and strings are built here; every other value (numbers,
    booleans, null, dates, and any tagged node) by PyYAML's safe constructor, so
    the data is what ``yaml.safe_load`` gives. The walk counts nodes, so an alias
    bomb stops at MAX_NODES before it can expand."""
    holder: list[object] = [None]
    stack: list[tuple[yaml.Node, JsonPath, Any, Any]] = [(root, (), holder, 0)]
    flattened: set[int] = set()
    visits = 0
    while stack:
        node, path, container, slot = stack.pop()
        visits += 1
        if visits > MAX_NODES:
            raise YamlError(
                f"document expands to more than {MAX_NODES} nodes (aliases?); "
                "write the config out plainly",
                _position(node.start_mark),
            )
        mark = node.start_mark
        document.value_positions.setdefault(path, (mark.line + 1, mark.column + 1))
        if len(path) > MAX_DEPTH:
            raise YamlError(
                f"the YAML is nested more than {MAX_DEPTH} levels deep; flatten it",
                _position(mark),
            )
        if isinstance(node, yaml.MappingNode) and node.tag == _MAP_TAG:
            if id(node) not in flattened:  # an alias revisits the same node
                _check_duplicates(node)
                # Merge keys ("<<") are folded into the node, so merged values
                # point at the lines they came from.
                loader.flatten_mapping(node)
                flattened.add(id(node))
            # As in PyYAML, a later pair wins (an own key over a merged one),
            # keeping the place of the first.
            pairs: dict[object, tuple[yaml.Node, yaml.Node]] = {}
            for key_node, value_node in node.value:
                if key_node.tag == _STR_TAG:
                    key: object = key_node.value
                else:
                    key = loader.construct_object(key_node, deep=True)
                    try:
                        hash(key)
                    except TypeError:
                        raise YamlError(
                            "a mapping key must be plain text", _position(key_node.start_mark)
                        ) from None
                pairs[key] = (key_node, value_node)
            mapping: dict[object, object] = dict.fromkeys(pairs)
            container[slot] = mapping
            for key, (key_node, value_node) in pairs.items():
                name = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
                child: JsonPath = (*path, name)
                key_mark = key_node.start_mark
                document.key_positions.setdefault(child, (key_mark.line + 1, key_mark.column + 1))
                stack.append((value_node, child, mapping, key))
        elif isinstance(node, yaml.SequenceNode) and node.tag == _SEQ_TAG:
            items: list[object] = [None] * len(node.value)
            container[slot] = items
            for index, item in enumerate(node.value):
                stack.append((item, (*path, index), items, index))
        elif node.tag == _STR_TAG:
            container[slot] = node.value
        else:
            value = loader.construct_object(node, deep=True)
            if isinstance(value, int) and abs(value).bit_length() > MAX_INTEGER_BITS:
                # Too large for any size, and past Python's limit for printing it.
                raise YamlError(
                    f"a number of {abs(value).bit_length()} bits is far too large for any "
                    "value here; write the number meant",
                    _position(node.start_mark),
                )
            container[slot] = value
            # A plain scalar: its style is None in PyYAML, "" in libyaml.
            if isinstance(node, yaml.ScalarNode) and node.tag in _NUMBER_TAGS and not node.style:
                trap = number_trap(node.value, value)
                if trap:
                    document.number_traps.append((path, trap))
    return holder[0]


def number_trap(written: str, value: object) -> str:
    """What to say of a plain number YAML 1.1 reads otherwise than it looks; ""
    when it reads as it looks."""
    if _OCTAL.match(written):
        plain = written.replace("_", "").lstrip("+-").lstrip("0") or "0"
        sign = "-" if written.startswith("-") else ""
        if int(sign + plain) == value:  # 00 or 07: the same number either way
            return ""
        return (
            f"YAML reads {written} as the octal number {value}; write {sign}{plain} "
            f"without the leading zero (or {value} if octal was meant)"
        )
    if ":" in written:
        return (
            f"YAML reads {written} as the base-60 number {value}; write {value} if that is "
            f"meant, or quote {written!r} if it is text"
        )
    return ""


def parse_yaml(text: str) -> YamlDocument:
    """Parse one YAML document; raise :class:`YamlError` with a position."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        document = YamlDocument(data=None)
        if root is not None:
            document.data = _build(root, loader, document)
    except yaml.YAMLError as error:
        raise _describe_yaml_error(error, text) from None
    except RecursionError:
        # Only the pure-Python parser recurses; libyaml caps nesting itself.
        raise YamlError("the YAML is nested too deeply; flatten it", None) from None
    except (ValueError, OverflowError) as error:
        # PyYAML's constructors raise these for impossible values such as
        # the date 2024-13-45; the scanner has no mark for them.
        raise YamlError(f"YAML value cannot be read: {error}; quote it", None) from None
    finally:
        loader.dispose()
    return document
