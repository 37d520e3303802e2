"""The JSON Schema stage: the shipped schema's validator, and what each of its
keywords says when a config breaks it (the wording table, beside the schema).

Integers are strict here: JSON Schema counts 64.0 as an integer and Python
counts True as one; a hyperparameter must be neither.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable, Collection, Iterator, Mapping

from icpp_sizer_check.config.source import ConfigSource
from icpp_sizer_check.config.text import text_rule_broken, type_name
from icpp_sizer_check.errors import JsonPath, Problem
from icpp_sizer_check.package_data import config_schema

_EXPECTED = {
    "integer": "a whole number",
    "string": "text",
    "object": "a mapping of keys to values",
    "array": "a list",
}


def _type(error: Any) -> str:
    expected = _EXPECTED.get(str(error.validator_value), str(error.validator_value))
    return f"expected {expected}, got {type_name(error.instance)}"


def _bound(error: Any) -> str:
    bound = "at least" if error.validator == "minimum" else "at most"
    return f"must be {bound} {error.validator_value}, got {error.instance}"


def _choice(value: object) -> str:
    """A choice as YAML writes it (true, not True)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _enum(error: Any) -> str:
    choices = ", ".join(_choice(choice) for choice in error.validator_value)
    return f"must be one of {choices}, got {type_name(error.instance)}"


def _required(error: Any) -> str:
    missing = [key for key in error.validator_value if key not in error.instance]
    many = len(missing) > 1
    listed = ", ".join(repr(key) for key in missing)
    return f"missing required key{'s' if many else ''} {listed}; add {'them' if many else 'it'}"


def _items(error: Any) -> str:
    if error.validator == "minItems" and tuple(error.absolute_path) == ("models",):
        return "must list at least one model; add a model"
    bound = "at least" if error.validator == "minItems" else "at most"
    return f"must list {bound} {error.validator_value} values, got {len(error.instance)}"


def _other_runtime(error: Any) -> str:
    """A key of one runtime in a config of another (refused by ``not: {}`` in
    the schema's branch on ``runtime``)."""
    schema = config_schema()
    path = list(error.schema_path)
    if "then" in path:
        branch = schema["allOf"][path[path.index("then") - 1]]
        runtime = branch["if"]["properties"]["runtime"]["const"]
    else:
        runtime = schema["properties"]["runtime"]["default"]
    return f"does not apply to runtime {runtime}; remove it"


def _any_of(error: Any) -> str:
    """A value of none of the kinds a key takes (a number, or a list of one per layer)."""
    kinds = " or ".join(
        _EXPECTED.get(str(branch.get("type")), str(branch.get("type")))
        for branch in error.validator_value
    )
    return f"expected {kinds}, got {type_name(error.instance)}"


def _text(error: Any) -> str:
    return text_rule_broken(tuple(error.absolute_path), error.instance)


# What a config breaking each keyword is told; a keyword not listed here gets
# jsonschema's own message.
WORDING: dict[str, Callable[[Any], str]] = {
    "type": _type,
    "minimum": _bound,
    "maximum": _bound,
    "enum": _enum,
    "required": _required,
    "minItems": _items,
    "maxItems": _items,
    "pattern": _text,
    "minLength": _text,
    "not": _other_runtime,
    "anyOf": _any_of,
}


@lru_cache(maxsize=1)
def validator() -> Any:
    """The schema's validator, built once a run (building it costs more than
    validating a config)."""
    # jsonschema is imported here, not at the top: only a config that is not
    # in the validation cache pays for it.
    from jsonschema import Draft202012Validator, validators

    def is_strict_integer(_checker: object, value: object) -> bool:
        return isinstance(value, int) and not isinstance(value, bool)

    type_checker = Draft202012Validator.TYPE_CHECKER.redefine("integer", is_strict_integer)
    validator_class = validators.extend(  # type: ignore[no-untyped-call]  # stubs lack it
        Draft202012Validator, type_checker=type_checker
    )
    return validator_class(inline_local_refs(config_schema()))


def inline_local_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with each ``{"$ref": "#/$defs/x"}`` replaced by ``x`` itself.

    The same schema, so the same verdicts; but jsonschema resolves a $ref on
    every use, and that lookup was half the cost of validating a config. The
    shipped file keeps its $defs for editors and other tools."""
    definitions = schema.get("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            reference = node.get("$ref", "")
            if reference.startswith("#/$defs/"):
                target = inline(definitions[reference.removeprefix("#/$defs/")])
                return {**target, **{k: inline(v) for k, v in node.items() if k != "$ref"}}
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    return {key: inline(value) for key, value in schema.items() if key != "$defs"}


def _unknown_keys(
    source: ConfigSource, path: JsonPath, error: Any
) -> Iterator[tuple[JsonPath, Problem]]:
    """One problem per key the schema does not allow, at the key, with a guess."""
    allowed = sorted(error.schema.get("properties", {}))
    for key in error.instance:
        if key in allowed:
            continue
        import difflib  # only for a typo

        close = difflib.get_close_matches(str(key), allowed, n=1)
        hint = f"did you mean {close[0]!r}?" if close else "remove it"
        key_path = (*path, str(key))
        message = f"unknown key {key!r}; {hint} (allowed: {', '.join(allowed)})"
        yield key_path, source.key_problem(key_path, message)


def _worded_errors(error: Any) -> Iterator[Any]:
    """The errors to word for ``error``: an anyOf's are those of the branch of
    the value's kind (a list or a single value), so a list is told which item
    is wrong and a number what its bounds are; a value of neither kind gets
    the anyOf's own."""
    if error.validator != "anyOf":
        yield error
        return
    listed = isinstance(error.instance, list)
    for index, branch in enumerate(error.validator_value):
        if (branch.get("type") == "array") != listed:
            continue
        found = [sub for sub in error.context if sub.relative_schema_path[0] == index]
        if any(sub.validator != "type" or sub.relative_path for sub in found):
            for sub in found:
                yield from _worded_errors(sub)
            return
    yield error


def schema_problems(source: ConfigSource) -> Iterator[tuple[JsonPath | None, Problem]]:
    """Every way the config breaks the schema, worded for its author, with the
    part of the config it refuses (None for a missing key: nothing present is wrong)."""
    found = validator().iter_errors(source.document.data)
    for error in (worded for broken in found for worded in _worded_errors(broken)):
        path: JsonPath = tuple(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            yield from _unknown_keys(source, path, error)
            continue
        wording = WORDING.get(str(error.validator))
        refused = None if error.validator == "required" else path
        message = wording(error) if wording else error.message
        # A key that does not belong is shown at the key, not at its value.
        place = source.key_problem if error.validator == "not" else source.problem
        yield refused, place(path, message)


class Accepted:
    """What the schema stage hands on: the config's data, and which parts of it
    the schema accepted. Each question costs a few set lookups (as many as the
    path is deep), however many parts were refused."""

    def __init__(self, data: Mapping[str, Any], refused: Collection[JsonPath]) -> None:
        self.data = data
        self._refused = set(refused)
        # Every path at or above a refused one: a path in here holds a refusal.
        self._holding = {bad[:end] for bad in self._refused for end in range(len(bad) + 1)}

    def reachable(self, path: JsonPath) -> bool:
        """Nothing at or above ``path`` was refused (parts below it may be)."""
        return not any(path[:end] in self._refused for end in range(len(path) + 1))

    def usable(self, path: JsonPath) -> bool:
        """Nothing at, above or below ``path`` was refused."""
        return path not in self._holding and self.reachable(path)

    def _walk(self, path: JsonPath) -> Any:
        node: Any = self.data
        for key in path:
            if isinstance(key, int):
                node = node[key] if isinstance(node, list) and key < len(node) else None
            else:
                node = node.get(key) if isinstance(node, dict) else None
        return node

    def get(self, path: JsonPath) -> Any:
        """The value at ``path`` if the schema accepted it whole, else None."""
        return self._walk(path) if self.usable(path) else None

    def keys_of(self, path: JsonPath) -> tuple[dict[str, Any], frozenset[str]]:
        """The accepted keys of the mapping at ``path``, and the names of those
        written there but refused."""
        node = self._walk(path) if self.reachable(path) else None
        if not isinstance(node, dict):
            return {}, frozenset()
        accepted = {key: value for key, value in node.items() if self.usable((*path, key))}
        return accepted, frozenset(str(key) for key in node if key not in accepted)
