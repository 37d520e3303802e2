"""Load a YAML config, validate it, and turn it into typed values.

Validation has two passes. The JSON Schema (shipped as package data) checks
shape and types; the checks it cannot express (unique names, divisibility of
heads) follow. Every problem of a file is collected, each with the YAML line
and column of the offending key or value.
"""

from __future__ import annotations

import errno
import os
import re
import shlex
import stat
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, Mapping, NamedTuple, Sequence

from icpp_sizer_check import __program__, cache, paths
from icpp_sizer_check.cache import SCHEMA_FILE, read_package_data
from icpp_sizer_check.canister import DEFAULT_TARGET, TARGETS, WASM32, WasmTarget, memory_above_cap
from icpp_sizer_check.checkpoint import CheckpointError, read_header
from icpp_sizer_check.errors import ConfigError, Position, Problem
from icpp_sizer_check.paths import MAX_CONFIG_BYTES
from icpp_sizer_check.sizing import HYPERPARAMETER_NAMES, Hyperparameters
from icpp_sizer_check.yaml_source import JsonPath, YamlDocument, YamlError, parse_yaml

# icpp_llama2's default, whatever the target: the whole wasm32 heap.
DEFAULT_MEMORY_MIB = WASM32.heap_cap_mib
DEFAULT_MIN_CONCURRENT_USERS = 1
DEFAULT_TITLE = "Canister resource requirements for {stem}."
PROGRAM = __program__


class ConfigLocation(NamedTuple):
    """Where a config lives, and the one folder every relative path in it starts from.

    Reading, writing, confinement and replay records all use these, so a
    config reached through a symlink cannot read from one folder and be
    confined to another."""

    given: Path  # as named on the command line
    absolute: str  # as named, made absolute; symlinks kept
    real: str  # after every symlink: the file that is read
    root: str  # the project root, after every symlink
    base: str  # the config's real folder: relative paths in it start here
    shown: str  # how messages and commands name it: from the project root

    def show(self, path: str) -> str:
        """A path derived from ``base``, as messages name it: as written, with
        ``..`` folded away unless a symlink before it leads elsewhere (then the
        file it reaches)."""
        folded = os.path.normpath(path)
        real = os.path.realpath(path)
        return paths.shown(folded if os.path.realpath(folded) == real else real, self.root)


class CheckpointSource(NamedTuple):
    """Where a model's hyperparameters were read, and what the config overrode."""

    path: str
    location: str  # absolute, from the config's folder, symlinks not resolved
    format: str  # "legacy", "v1" or "v2"
    shared_classifier: bool
    group_size: int | None
    header: Mapping[str, int]
    overrides: Mapping[str, int]  # keys written beside `checkpoint:`, replacing the header's
    real: str = ""  # the file actually read, after every symlink
    header_digest: str = ""  # a hash of the header bytes the sizing used


class ModelSpec(NamedTuple):
    name: str
    hyperparameters: Hyperparameters
    min_concurrent_users: int
    position: Position | None
    checkpoint: CheckpointSource | None = None


class SizerConfig(NamedTuple):
    """One validated config: everything needed to render and check a document."""

    path: Path
    title: str
    command: str
    output: Path  # the document actually read and written, after every symlink
    memory_mib: int
    models: tuple[ModelSpec, ...]
    style: str = "compact"
    compare: str = "exact"
    location: ConfigLocation | None = None
    output_location: str = ""  # from the config's folder, symlinks not resolved
    output_shown: str = ""
    output_position: Position | None = None
    source_digest: str = ""  # a hash of the config bytes this was built from
    target: WasmTarget = DEFAULT_TARGET

    @property
    def shown(self) -> str:
        return self.location.shown if self.location else self.path.as_posix()

    @property
    def fix_command(self) -> str:
        return regenerate_command(self.shown)


def display_path(path: Path) -> str:
    """A config path as messages show it: from its project root."""
    try:
        return locate_config(path).shown
    except ConfigError:
        return safe_path(str(path))


def safe_path(name: str) -> str:
    """A file name fit to print: bytes that are not UTF-8 shown as ``\\xNN``."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def regenerate_command(config_shown: str) -> str:
    """The command that regenerates a config's document: the document's default
    ``command`` line and every fix hint. Run from the project root."""
    # A name starting with "-" would read as an option.
    path = f"./{config_shown}" if config_shown.startswith("-") else config_shown
    return f"{PROGRAM} --write --config {shlex.quote(path)}"


def default_command(config_path: Path) -> str:
    return regenerate_command(locate_config(config_path).shown)


def locate_config(config_path: Path) -> ConfigLocation:
    """Where ``config_path`` lives and what it may reach; ConfigError when the
    path cannot be used (not UTF-8, a symlink loop, or a symlink that leaves
    the project)."""
    name = str(config_path)
    try:
        absolute = os.path.abspath(name)
    except OSError as error:  # the current folder was deleted, or cannot be read
        raise _location_error(
            name,
            f"cannot tell where the config is: the current folder is unusable "
            f"({error.strerror or error}); run from the project folder",
        ) from None
    try:
        absolute.encode("utf-8")
    except UnicodeEncodeError:
        raise _location_error(
            name, f"the path '{safe_path(absolute)}' is not valid UTF-8; rename the file or folder"
        ) from None
    real = os.path.realpath(absolute)
    try:
        os.stat(real)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise _location_error(
                name, "the config is a symlink loop; point it at a file"
            ) from None
    logical_root = paths.project_root(os.path.dirname(absolute))
    root = paths.config_root(absolute)
    shown = paths.shown(absolute, logical_root)
    if not paths.is_inside(real, root):
        raise _location_error(
            shown,
            f"the config is a symlink to {safe_path(real)}, outside the project "
            f"({safe_path(root)}); use a config inside it",
        )
    # A config named inside the checkout the tool runs in (a hook's or CI's
    # current folder) stays inside it, so a symlink committed into the checkout
    # cannot make another repository on the machine "the project".
    checkout = paths.enclosing_project(os.getcwd())
    if (
        checkout is not None
        and paths.is_inside(absolute, checkout)
        and not (paths.is_inside(real, checkout) and paths.is_inside(root, checkout))
    ):
        raise _location_error(
            shown,
            f"the config leads to {safe_path(real)}, outside the git checkout of the current "
            f"folder ({safe_path(checkout)}); run from the config's own project",
        )
    if _FORBIDDEN_TEXT.search(shown):
        raise _location_error(
            shown,
            "the config's path holds a control character, which would reach the document's "
            "title and command; rename it",
        )
    return ConfigLocation(config_path, absolute, real, root, os.path.dirname(real), shown)


def _location_error(file: str, message: str) -> ConfigError:
    return ConfigError([Problem(safe_path(file), message)])


@lru_cache(maxsize=1)
def config_schema() -> dict[str, Any]:
    import json

    loaded: dict[str, Any] = json.loads(read_package_data(SCHEMA_FILE))
    return loaded


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


def _type_name(value: object) -> str:
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


_EXPECTED = {
    "integer": "a whole number",
    "string": "text",
    "object": "a mapping of keys to values",
    "array": "a list",
}


@lru_cache(maxsize=1)
def _validator() -> Any:
    """The schema's validator, built once a run (building it costs more than
    validating a config)."""
    # jsonschema is imported here, not at the top: only a config that is not
    # in the validation cache pays for it.
    from jsonschema import Draft202012Validator, validators

    # JSON Schema counts 64.0 as an integer and Python counts True as one;
    # a hyperparameter must be neither.
    def is_strict_integer(_checker: object, value: object) -> bool:
        return isinstance(value, int) and not isinstance(value, bool)

    type_checker = Draft202012Validator.TYPE_CHECKER.redefine("integer", is_strict_integer)
    validator_class = validators.extend(  # type: ignore[no-untyped-call]  # stubs lack it
        Draft202012Validator, type_checker=type_checker
    )
    return validator_class(_inline_local_refs(config_schema()))


def _inline_local_refs(schema: dict[str, Any]) -> dict[str, Any]:
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


def _schema_problems(document: YamlDocument, file: str) -> Iterator[Problem]:
    validator = _validator()
    for error in validator.iter_errors(document.data):
        path: JsonPath = tuple(error.absolute_path)
        keyword = error.validator
        instance = error.instance
        if keyword == "additionalProperties" and isinstance(instance, dict):
            allowed = sorted(error.schema.get("properties", {}))
            for key in instance:
                if key in allowed:
                    continue
                key_path = (*path, str(key))
                import difflib  # only for a typo

                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f"did you mean {close[0]!r}?" if close else "remove it"
                yield Problem(
                    file,
                    f"unknown key {key!r}; {hint} (allowed: {', '.join(allowed)})",
                    document.key_position_of(key_path),
                    format_json_path(key_path),
                )
        elif keyword == "required" and isinstance(instance, dict):
            missing = [key for key in error.validator_value if key not in instance]
            yield Problem(
                file,
                "missing required key"
                + ("s " if len(missing) > 1 else " ")
                + ", ".join(repr(key) for key in missing)
                + "; add "
                + ("them" if len(missing) > 1 else "it"),
                document.position_of(path),
                format_json_path(path),
            )
        elif keyword == "type":
            expected = _EXPECTED.get(str(error.validator_value), str(error.validator_value))
            yield Problem(
                file,
                f"expected {expected}, got {_type_name(instance)}",
                document.position_of(path),
                format_json_path(path),
            )
        elif keyword in ("minimum", "maximum"):
            bound = "at least" if keyword == "minimum" else "at most"
            yield Problem(
                file,
                f"must be {bound} {error.validator_value}, got {instance}",
                document.position_of(path),
                format_json_path(path),
            )
        elif keyword == "enum":
            choices = ", ".join(str(choice) for choice in error.validator_value)
            yield Problem(
                file,
                f"must be one of {choices}, got {_type_name(instance)}",
                document.position_of(path),
                format_json_path(path),
            )
        elif keyword == "minItems":
            yield Problem(
                file,
                "must list at least one model; add a model",
                document.position_of(path),
                format_json_path(path),
            )
        elif keyword in ("pattern", "minLength"):
            yield problem(document, file, path, _text_rule_broken(path, instance))
        else:
            yield Problem(file, error.message, document.position_of(path), format_json_path(path))


# Characters no single line of text may hold: C0 and C1 controls (ESC among
# them), DEL, Unicode's line and paragraph separators, and lone surrogates.
# The schema's patterns list the same ones; this names the one found.
_FORBIDDEN_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_CHARACTER_NAMES = {
    "\n": "a line break (U+000A)",
    "\r": "a carriage return (U+000D)",
    "\t": "a tab (U+0009)",
    "\x1b": "the escape character (U+001B), which starts terminal commands",
    "\u2028": "a line separator (U+2028)",
    "\u2029": "a paragraph separator (U+2029)",
}


def _text_rule_broken(path: JsonPath, text: object) -> str:
    """Why a name, title, command or path is not one clean line, naming the character."""
    is_name = bool(path) and path[-1] == "name"
    rule = (
        "a model name must be one line of text without '|', control characters "
        "or surrounding spaces"
        if is_name
        else "must be one non-empty line of text without control characters"
    )
    if not isinstance(text, str):
        return f"{rule}, got {_type_name(text)}"
    found = _FORBIDDEN_TEXT.search(text)
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
    return f"{rule}, got {_type_name(text)}"


def _positive_int(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None


class _ResolvedModel(NamedTuple):
    """A model's seven values, each with the place it came from."""

    values: dict[str, int]
    origins: dict[str, JsonPath]
    checkpoint: CheckpointSource | None


class _BadPath(Exception):
    """A path in a config that must not be used: outside the project, or unusable."""


class _ConfinedPath(NamedTuple):
    logical: str  # from the config's folder, symlinks kept (what a replay re-resolves)
    real: str  # after every symlink: what is opened


def _confined(location: ConfigLocation, relative: str) -> _ConfinedPath:
    """``relative`` (from the config's folder) and what it resolves to; refused
    when absolute, inside ``.git``, or when it leaves the project root, so that
    a config can never make the tool read or write elsewhere."""
    if "\0" in relative:
        raise _BadPath("contains a NUL character, which no file name can hold")
    if os.path.isabs(relative) or relative.startswith("~"):
        raise _BadPath("must be a path relative to the config's folder, not an absolute one")
    logical = os.path.join(location.base, relative)
    real = os.path.realpath(logical)
    try:
        mode = os.stat(real).st_mode
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise _BadPath("is a symlink loop; point it at a file") from None
        if error.errno == errno.ENAMETOOLONG:
            raise
    else:
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            # Opening a FIFO would wait forever; a device never ends.
            raise _BadPath("is not a regular file (a FIFO, a device or a socket); name a file")
    if not paths.is_inside(real, location.root):
        raise _BadPath(
            f"the path leaves the repository ({safe_path(location.root)}); keep it inside"
            + (" (it is a symlink)" if os.path.islink(os.path.normpath(logical)) else "")
        )
    inside = os.path.relpath(real, location.root).split(os.sep)
    if ".git" in (part.lower() for part in [*re.split(r"[\\/]", relative), *inside]):
        raise _BadPath("is inside .git/, which holds git's own files; name a file outside it")
    return _ConfinedPath(logical, real)


MARKDOWN_SUFFIXES = (".md", ".markdown")


def _output_problems(
    document: YamlDocument, file: str, location: ConfigLocation
) -> tuple[_ConfinedPath | None, list[Problem]]:
    """The document must be a Markdown file inside the project, outside .git."""
    data = document.data
    output = data.get("output") if isinstance(data, dict) else None
    if not isinstance(output, str) or not output.strip():
        return None, []  # the schema reports it
    where: JsonPath = ("output",)
    try:
        target = _confined(location, output)
        if not all(
            name.lower().endswith(MARKDOWN_SUFFIXES)
            for name in (output, os.path.basename(target.real))
        ):
            message = (
                f"{output!r} is not a Markdown document (after symlinks: "
                f"{location.show(target.real)!r}); name a .md or .markdown file"
            )
        elif os.path.isdir(target.real):
            message = f"{output!r} is a folder; name a Markdown file"
        else:
            return target, []
    except _BadPath as error:
        message = f"{output!r}: {error}"
    except OSError as error:  # a name too long for the file system, say
        message = f"{output!r}: not a usable path ({error.strerror or error})"
    return None, [problem(document, file, where, message)]


def problem(document: YamlDocument, file: str, where: JsonPath, message: str) -> Problem:
    """A problem at the value ``where`` of ``document``."""
    return Problem(file, message, document.position_of(where), format_json_path(where))


@lru_cache(maxsize=1)
def _hyperparameter_range() -> tuple[int, int]:
    """The range the schema allows a hyperparameter; a checkpoint header is held to it."""
    bounds = config_schema()["$defs"]["positive_int"]
    return int(bounds["minimum"]), int(bounds["maximum"])


def _canister_problems(document: YamlDocument, file: str) -> list[Problem]:
    """The memory must fit the heap of the canister's wasm target."""
    data = document.data
    canister = data.get("canister") if isinstance(data, dict) else None
    if not isinstance(canister, dict):
        return []  # the schema reports anything but a mapping
    memory = _positive_int(canister.get("memory_mib"))
    wasm = canister.get("wasm", DEFAULT_TARGET.name)
    target = TARGETS.get(wasm) if isinstance(wasm, str) else None
    if memory is None or target is None:
        return []  # the schema reports a bad value
    message = memory_above_cap(memory, target)
    if message is None:
        return []
    return [problem(document, file, ("canister", "memory_mib"), message)]


def _resolve_model(
    document: YamlDocument, file: str, index: int, model: dict[str, Any], location: ConfigLocation
) -> tuple[_ResolvedModel | None, list[Problem]]:
    """Merge a checkpoint's header (if any) with the keys written beside it."""
    values: dict[str, int] = {}
    origins: dict[str, JsonPath] = {}
    checkpoint = None
    problems: list[Problem] = []
    complete = True
    raw_path = model.get("checkpoint")
    if isinstance(raw_path, str) and raw_path.strip():
        where: JsonPath = ("models", index, "checkpoint")
        try:
            target = _confined(location, raw_path)
            header = read_header(Path(target.real))
        except (CheckpointError, _BadPath, OSError) as error:
            # OSError: a name too long for the file system, say.
            reason = error.strerror if isinstance(error, OSError) and error.strerror else error
            return None, [problem(document, file, where, f"{raw_path!r}: {reason}")]
        overrides = {key: model[key] for key in HYPERPARAMETER_NAMES if key in model}
        checkpoint = CheckpointSource(
            path=location.show(target.logical),
            location=target.logical,
            format=header.format,
            shared_classifier=header.shared_classifier,
            group_size=header.group_size,
            header=header.values,
            overrides=overrides,
            real=target.real,
            header_digest=cache.digest([header.raw]),
        )
        lowest, highest = _hyperparameter_range()
        for key, value in header.values.items():
            if key in model:
                continue
            if not lowest <= value <= highest:
                problems.append(
                    problem(
                        document,
                        file,
                        where,
                        f"the header of checkpoint {raw_path!r} has {key} = {value}; it must be "
                        f"from {lowest} to {highest}: write {key} beside checkpoint to override "
                        "it, or fix the export",
                    )
                )
                complete = False
                continue
            values[key], origins[key] = value, where
    for key in HYPERPARAMETER_NAMES:
        if key in model:
            written = _positive_int(model[key])
            if written is None:
                complete = False  # the schema says what is wrong; check the rest
                values.pop(key, None)
                continue
            values[key], origins[key] = written, ("models", index, key)
    for numerator, denominator in (("dim", "n_heads"), ("n_heads", "n_kv_heads")):
        if (
            numerator in values
            and denominator in values
            and values[numerator] % values[denominator]
        ):
            path = origins[denominator]
            source = " (from the checkpoint header)" if path[-1] == "checkpoint" else ""
            problems.append(
                problem(
                    document,
                    file,
                    path,
                    f"{numerator} ({values[numerator]}) must be divisible by {denominator} "
                    f"({values[denominator]}){source}; pick a value of {denominator} that "
                    f"divides {numerator}",
                )
            )
    if problems or not complete or len(values) < len(HYPERPARAMETER_NAMES):
        return None, problems
    return _ResolvedModel(values, origins, checkpoint), problems


def _check_models(
    document: YamlDocument, file: str, location: ConfigLocation
) -> tuple[list[_ResolvedModel | None], list[Problem]]:
    """What the schema cannot say; tolerant of parts the schema already rejected."""
    data = document.data
    models = data.get("models") if isinstance(data, dict) else None
    if not isinstance(models, list):
        return [], []
    resolved: list[_ResolvedModel | None] = []
    problems: list[Problem] = []
    first_seen: dict[str, int] = {}
    for index, model in enumerate(models):
        if not isinstance(model, dict):
            resolved.append(None)
            continue
        name = model.get("name")
        if isinstance(name, str):
            if name in first_seen:
                first = document.position_of(("models", first_seen[name], "name"))
                where = f" (first at line {first.line})" if first else ""
                problems.append(
                    problem(
                        document,
                        file,
                        ("models", index, "name"),
                        f"duplicate model name {name!r}{where}; model names must be unique",
                    )
                )
            else:
                first_seen[name] = index
        model_result, model_problems = _resolve_model(document, file, index, model, location)
        resolved.append(model_result)
        problems.extend(model_problems)
    return resolved, problems


def _build(
    document: YamlDocument,
    location: ConfigLocation,
    resolved: list[_ResolvedModel | None],
    output: _ConfinedPath,
    source_digest: str,
) -> SizerConfig:
    data: Mapping[str, Any] = document.data  # type: ignore[assignment]
    default_threshold = int(data.get("min_concurrent_users", DEFAULT_MIN_CONCURRENT_USERS))
    models = []
    for index, (raw, model) in enumerate(zip(data["models"], resolved)):
        assert model is not None  # every model resolved, or a problem was raised
        models.append(
            ModelSpec(
                name=raw["name"],
                hyperparameters=Hyperparameters(**model.values),
                min_concurrent_users=int(raw.get("min_concurrent_users", default_threshold)),
                position=document.position_of(("models", index)),
                checkpoint=model.checkpoint,
            )
        )
    config_path = location.given
    return SizerConfig(
        path=config_path,
        title=data.get("title", DEFAULT_TITLE.format(stem=config_path.stem)),
        command=data.get("command") or regenerate_command(location.shown),
        output=Path(output.real),
        memory_mib=int(data.get("canister", {}).get("memory_mib", DEFAULT_MEMORY_MIB)),
        models=tuple(models),
        style=data.get("style", "compact"),
        compare=data.get("compare", "exact"),
        location=location,
        output_location=output.logical,
        output_shown=location.show(output.logical),
        output_position=document.position_of(("output",)),
        source_digest=source_digest,
        target=TARGETS[data.get("canister", {}).get("wasm", DEFAULT_TARGET.name)],
    )


def _number_trap_problems(document: YamlDocument, file: str) -> list[Problem]:
    return [problem(document, file, path, message) for path, message in document.number_traps]


def _formatter_problems(
    document: YamlDocument, file: str, config_path: Path, known: list[Problem]
) -> list[Problem]:
    """In the modes whose promise is that a Markdown formatter leaves the document
    alone, no name or title (the default one included) may hold what a formatter
    rewrites. Text the schema refused (a problem in ``known`` at its position) is
    left to that message."""
    from icpp_sizer_check.markdown import formatter_rewrite

    data = document.data if isinstance(document.data, dict) else {}
    padded = data.get("style") == "aligned"
    content = data.get("compare") == "content"
    modes = " and ".join(["style: aligned"] * padded + ["compare: content"] * content)
    models = data.get("models")
    title = data.get("title", DEFAULT_TITLE.format(stem=config_path.stem))
    texts: list[tuple[JsonPath, object]] = [(("title",), title)]
    if isinstance(models, list):
        texts += [
            (("models", i, "name"), m.get("name"))
            for i, m in enumerate(models)
            if isinstance(m, dict)
        ]
    refused = {problem.position for problem in known}
    problems = []
    for path, text in texts if modes else []:
        default = path == ("title",) and "title" not in data
        where = None if default else document.position_of(path)
        if not isinstance(text, str) or (where is not None and where in refused):
            continue
        why = formatter_rewrite(text, heading=path == ("title",), padded=padded)
        if why:
            fix = f"leave it out of the {path[-1]}"
            if default:
                fix = "write a title (the default one holds the file name)"
            message = f"{why}, which breaks {modes}; {fix}"
            problems.append(Problem(file, message, where, format_json_path(path)))
    return problems


def parse_config(
    text: str,
    config_path: Path | ConfigLocation,
    use_cache: bool = True,
    source_digest: str = "",
) -> SizerConfig:
    """Validate config ``text`` read from ``config_path``; raise :class:`ConfigError`."""
    location = (
        config_path if isinstance(config_path, ConfigLocation) else locate_config(config_path)
    )
    file = location.shown
    try:
        document = parse_yaml(text)
    except YamlError as error:
        raise ConfigError([Problem(file, error.message, error.position)]) from None
    if not isinstance(document.data, dict):
        what = "is empty" if document.data is None else f"is {_type_name(document.data)}"
        raise ConfigError(
            [
                Problem(
                    file,
                    f"the config {what}; it must be a mapping with 'output' and 'models'",
                    document.position_of(()),
                )
            ]
        )
    output, output_problems = _output_problems(document, file, location)
    resolved, model_problems = _check_models(document, file, location)
    key = cache.validation_key(text) if use_cache and cache.enabled() else ""
    known_good = bool(key) and cache.was_validated(key)
    schema_problems = [] if known_good else list(_schema_problems(document, file))
    if key and not known_good and not schema_problems:
        cache.remember_validated(key)
    problems = [
        *_number_trap_problems(document, file),
        *schema_problems,
        *output_problems,
        *_canister_problems(document, file),
        *model_problems,
        *_formatter_problems(document, file, location.given, schema_problems),
    ]
    if problems:
        # One problem can surface twice (say, via two schema branches).
        raise ConfigError(list(dict.fromkeys(problems)))
    assert output is not None  # the schema requires it, and it passed
    return _build(document, location, resolved, output, source_digest)


def decode_config(raw: bytes, file: str) -> str:
    """UTF-8 text of a config, a leading BOM allowed; else a ConfigError."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ConfigError([Problem(file, "the file is UTF-16; save it as UTF-8", Position(1, 1))])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        raise ConfigError(
            [
                Problem(
                    file,
                    f"not valid UTF-8 (byte 0x{raw[error.start]:02x}); save the file as UTF-8",
                    Position(line, column),
                )
            ]
        ) from None
    return text.removeprefix("\ufeff")


def read_config_bytes(location: ConfigLocation) -> bytes:
    """The config's bytes, read from the file its symlinks lead to; ConfigError
    when unreadable or too large to be a config."""
    file = location.shown
    try:
        raw = paths.read_regular(location.real, MAX_CONFIG_BYTES + 1)
    except OSError as error:
        reason = error.strerror or str(error)
        raise ConfigError([Problem(file, f"cannot read the config: {reason}")]) from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(
            [
                Problem(
                    file,
                    f"the config is larger than {MAX_CONFIG_BYTES // 1024} KiB; "
                    "is it the right file? split it into several configs",
                )
            ]
        )
    return raw


def load_config(config_path: Path, use_cache: bool = True) -> SizerConfig:
    """Read and validate one config file."""
    location = locate_config(config_path)
    raw = read_config_bytes(location)
    text = decode_config(raw, location.shown)
    return parse_config(text, location, use_cache, cache.digest([raw]))


def load_configs(
    config_paths: Sequence[Path], use_cache: bool = True
) -> tuple[list[SizerConfig], list[Problem]]:
    """Every config that loads, and every problem of those that do not."""
    configs: list[SizerConfig] = []
    problems: list[Problem] = []
    for path in config_paths:
        try:
            configs.append(load_config(path, use_cache))
        except ConfigError as error:
            location = _absolute_or_empty(path)
            problems.extend(found._replace(location=location) for found in error.problems)
    return configs, problems


def _absolute_or_empty(path: Path) -> str:
    try:
        return os.path.abspath(path)
    except OSError:
        return ""
