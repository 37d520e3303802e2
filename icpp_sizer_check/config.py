"""Load a YAML config, validate it, and turn it into typed values.

Validation has two passes. The JSON Schema (shipped as package data) checks
shape and types; the checks it cannot express (unique names, divisibility of
heads) follow. Every problem of a file is collected, each with the YAML line
and column of the offending key or value.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, Mapping, NamedTuple, Sequence

from icpp_sizer_check import __program__, cache, paths
from icpp_sizer_check.cache import SCHEMA_FILE, read_package_data
from icpp_sizer_check.checkpoint import CheckpointError, read_header
from icpp_sizer_check.errors import ConfigError, Position, Problem
from icpp_sizer_check.sizing import HYPERPARAMETER_NAMES, Hyperparameters
from icpp_sizer_check.yaml_source import JsonPath, YamlDocument, YamlError, parse_yaml

DEFAULT_MEMORY_MIB = 4096  # the wasm32 heap
# A config of a thousand models is under 200 KiB; anything past this is a
# wrong file, and refusing it early bounds the time and memory of a run.
MAX_CONFIG_BYTES = 1024 * 1024
DEFAULT_MIN_CONCURRENT_USERS = 1
DEFAULT_TITLE = "Canister resource requirements for {stem}."
PROGRAM = __program__


class CheckpointSource(NamedTuple):
    """Where a model's hyperparameters were read, and what the config overrode."""

    path: str
    location: str  # absolute, as written (symlinks not resolved)
    format: str  # "legacy", "v1" or "v2"
    shared_classifier: bool
    group_size: int | None
    header: Mapping[str, int]
    overrides: Mapping[str, int]  # keys written beside `checkpoint:`, replacing the header's


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
    output: Path
    memory_mib: int
    models: tuple[ModelSpec, ...]
    style: str = "compact"
    compare: str = "exact"


def display_path(path: Path) -> str:
    """``path`` as a user would type it from the current folder."""
    return _display_path(path, os.getcwd())


@lru_cache(maxsize=4096)
def _display_path(path: Path, cwd: str) -> str:
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path.as_posix()
    shown = Path(relative)
    return shown.as_posix() if not relative.startswith("..") else path.as_posix()


def project_root(start: Path) -> Path:
    """The nearest folder above ``start`` holding ``.git``, else the current folder."""
    return Path(paths.project_root(str(start)))


def default_command(config_path: Path) -> str:
    """The command that regenerates the document, with the config path as seen from
    the project root, so the document does not depend on where the tool ran."""
    absolute = config_path.resolve()
    root = project_root(absolute.parent).resolve()
    try:
        shown = absolute.relative_to(root).as_posix()
    except ValueError:
        shown = absolute.as_posix()
    return f"{PROGRAM} --write --config {shown}"


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
            rule = (
                "a model name must be text without '|', line breaks or surrounding spaces"
                if path and path[-1] == "name"
                else "must be one non-empty line of text"
            )
            yield Problem(
                file,
                f"{rule}, got {_type_name(instance)}",
                document.position_of(path),
                format_json_path(path),
            )
        else:
            yield Problem(file, error.message, document.position_of(path), format_json_path(path))


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


def _inside_root(config_path: Path, relative: str) -> Path:
    """``relative`` (from the config's folder) resolved, symlinks included;
    refused when absolute or when it leaves the project root, so that a config
    can never make the tool read or write elsewhere."""
    if "\0" in relative:
        raise _BadPath("contains a NUL character, which no file name can hold")
    if Path(relative).is_absolute() or relative.startswith("~"):
        raise _BadPath("must be a path relative to the config's folder, not an absolute one")
    folder = config_path.resolve().parent
    root = project_root(folder).resolve()
    target = (folder / relative).resolve()
    if not target.is_relative_to(root):
        raise _BadPath(
            f"the path leaves the repository ({root.as_posix()}); keep it inside"
            + (" (it is a symlink)" if (folder / relative).is_symlink() else "")
        )
    return target


def _output_problems(document: YamlDocument, file: str, config_path: Path) -> list[Problem]:
    """The document must stay inside the project and must not be a folder."""
    data = document.data
    output = data.get("output") if isinstance(data, dict) else None
    if not isinstance(output, str) or not output.strip():
        return []  # the schema reports it
    where: JsonPath = ("output",)
    try:
        target = _inside_root(config_path, output)
        if not target.is_dir():
            return []
        message = f"{output!r} is a folder; name a Markdown file"
    except _BadPath as error:
        message = f"{output!r}: {error}"
    except OSError as error:  # a name too long for the file system, say
        message = f"{output!r}: not a usable path ({error.strerror or error})"
    return [Problem(file, message, document.position_of(where), format_json_path(where))]


def _resolve_model(
    document: YamlDocument, file: str, index: int, model: dict[str, Any], config_path: Path
) -> tuple[_ResolvedModel | None, list[Problem]]:
    """Merge a checkpoint's header (if any) with the keys written beside it."""
    values: dict[str, int] = {}
    origins: dict[str, JsonPath] = {}
    checkpoint = None
    problems: list[Problem] = []
    raw_path = model.get("checkpoint")
    if isinstance(raw_path, str) and raw_path.strip():
        where: JsonPath = ("models", index, "checkpoint")
        try:
            location = _inside_root(config_path, raw_path)
            header = read_header(location)
        except (CheckpointError, _BadPath, OSError) as error:
            # OSError: a name too long for the file system, say.
            reason = error.strerror if isinstance(error, OSError) and error.strerror else error
            problems.append(
                Problem(
                    file,
                    f"{raw_path!r}: {reason}",
                    document.position_of(where),
                    format_json_path(where),
                )
            )
            return None, problems
        overrides = {key: model[key] for key in HYPERPARAMETER_NAMES if key in model}
        checkpoint = CheckpointSource(
            path=display_path(location),
            location=os.path.abspath(config_path.parent / raw_path),
            format=header.format,
            shared_classifier=header.shared_classifier,
            group_size=header.group_size,
            header=header.values,
            overrides=overrides,
        )
        for key, value in header.values.items():
            if key in model:
                continue
            if value < 1:
                problems.append(
                    Problem(
                        file,
                        f"the header of checkpoint {raw_path!r} has {key} = {value}; it must be "
                        f"at least 1: write {key} beside checkpoint to override it, "
                        "or fix the export",
                        document.position_of(where),
                        format_json_path(where),
                    )
                )
            values[key], origins[key] = value, where
    for key in HYPERPARAMETER_NAMES:
        if key in model:
            written = _positive_int(model[key])
            if written is None:
                return None, problems  # the schema has said what is wrong
            values[key], origins[key] = written, ("models", index, key)
    if problems or len(values) < len(HYPERPARAMETER_NAMES):
        return None, problems
    for numerator, denominator in (("dim", "n_heads"), ("n_heads", "n_kv_heads")):
        if values[numerator] % values[denominator]:
            path = origins[denominator]
            source = " (from the checkpoint header)" if path[-1] == "checkpoint" else ""
            problems.append(
                Problem(
                    file,
                    f"{numerator} ({values[numerator]}) must be divisible by {denominator} "
                    f"({values[denominator]}){source}; pick a value of {denominator} that "
                    f"divides {numerator}",
                    document.position_of(path),
                    format_json_path(path),
                )
            )
    return _ResolvedModel(values, origins, checkpoint), problems


def _check_models(
    document: YamlDocument, file: str, config_path: Path
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
                    Problem(
                        file,
                        f"duplicate model name {name!r}{where}; model names must be unique",
                        document.position_of(("models", index, "name")),
                        format_json_path(("models", index, "name")),
                    )
                )
            else:
                first_seen[name] = index
        model_result, model_problems = _resolve_model(document, file, index, model, config_path)
        resolved.append(model_result)
        problems.extend(model_problems)
    return resolved, problems


def _build(
    document: YamlDocument, config_path: Path, resolved: list[_ResolvedModel | None]
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
    return SizerConfig(
        path=config_path,
        title=data.get("title", DEFAULT_TITLE.format(stem=config_path.stem)),
        command=data.get("command") or default_command(config_path),
        output=config_path.parent / data["output"],
        memory_mib=int(data.get("canister", {}).get("memory_mib", DEFAULT_MEMORY_MIB)),
        models=tuple(models),
        style=data.get("style", "compact"),
        compare=data.get("compare", "exact"),
    )


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


def parse_config(text: str, config_path: Path, use_cache: bool = True) -> SizerConfig:
    """Validate config ``text`` read from ``config_path``; raise :class:`ConfigError`."""
    file = display_path(config_path)
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
    resolved, model_problems = _check_models(document, file, config_path)
    key = cache.validation_key(text) if use_cache and cache.enabled() else ""
    known_good = bool(key) and cache.was_validated(key)
    schema_problems = [] if known_good else list(_schema_problems(document, file))
    if key and not known_good and not schema_problems:
        cache.remember_validated(key)
    problems = [
        *schema_problems,
        *_output_problems(document, file, config_path),
        *model_problems,
        *_formatter_problems(document, file, config_path, schema_problems),
    ]
    if problems:
        # One problem can surface twice (say, via two schema branches).
        raise ConfigError(list(dict.fromkeys(problems)))
    return _build(document, config_path, resolved)


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


def load_config(config_path: Path, use_cache: bool = True) -> SizerConfig:
    """Read and validate one config file."""
    file = display_path(config_path)
    try:
        with config_path.open("rb") as config_file:
            raw = config_file.read(MAX_CONFIG_BYTES + 1)
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
    return parse_config(decode_config(raw, file), config_path, use_cache)


def load_configs(
    paths: Sequence[Path], use_cache: bool = True
) -> tuple[list[SizerConfig], list[Problem]]:
    """Every config that loads, and every problem of those that do not."""
    configs: list[SizerConfig] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            configs.append(load_config(path, use_cache))
        except ConfigError as error:
            location = os.path.abspath(path)
            problems.extend(problem._replace(location=location) for problem in error.problems)
    return configs, problems
