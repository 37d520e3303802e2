"""Load configs: each stage in turn, every problem of a file collected, each
with the YAML line and column of the offending key or value."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Sequence

from icpp_sizer_check import cache
from icpp_sizer_check.config.location import ConfigLocation, locate_config
from icpp_sizer_check.config.read import decode_config, read_config_bytes
from icpp_sizer_check.config.rules import (
    canister_rule,
    formatter_rule,
    model_rules,
    output_rule,
)
from icpp_sizer_check.config.schema import Accepted, schema_problems
from icpp_sizer_check.config.source import ConfigSource
from icpp_sizer_check.config.text import type_name
from icpp_sizer_check.config.values import SizerConfig, build_config
from icpp_sizer_check.config.yaml_source import YamlError, parse_yaml
from icpp_sizer_check.errors import ConfigError, JsonPath, Problem
from icpp_sizer_check.runtimes import DEFAULT_RUNTIME, get_runtime


def _schema_stage(
    source: ConfigSource, text: str, use_cache: bool
) -> list[tuple[JsonPath | None, Problem]]:
    """The schema's problems, each with the path it refuses; none when these
    exact bytes passed before (the validation cache)."""
    key = cache.validation_key(text) if use_cache and cache.enabled() else ""
    if key and cache.was_validated(key):
        return []
    found = list(schema_problems(source))
    if key and not found:
        cache.remember_validated(key)
    return found


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
    source = ConfigSource(document, file)
    if not isinstance(document.data, dict):
        what = "is empty" if document.data is None else f"is {type_name(document.data)}"
        message = f"the config {what}; it must be a mapping with 'output' and 'models'"
        raise ConfigError([Problem(file, message, document.position_of(()))])
    refused = _schema_stage(source, text, use_cache)
    accepted = Accepted(document.data, [path for path, _ in refused if path is not None])
    name = accepted.get(("runtime",))
    runtime = get_runtime(name if name is not None else DEFAULT_RUNTIME)
    output, output_problems = output_rule(source, accepted, location)
    models = model_rules(source, accepted, location, runtime)
    problems = [
        *(source.problem(path, message) for path, message in document.number_traps),
        *(problem for _, problem in refused),
        *output_problems,
        *canister_rule(source, accepted, runtime),
        *models.problems,
        *formatter_rule(source, accepted, location),
    ]
    if problems:
        # One problem can surface twice (say, via two schema branches).
        raise ConfigError(list(dict.fromkeys(problems)))
    assert output is not None  # the schema requires it, and it passed
    return build_config(source, location, runtime, models.resolved, output, source_digest)


# How a run reads a config's bytes: from the working tree, or from the commit.
ConfigReader = Callable[[ConfigLocation], bytes]


def load_config(
    config_path: Path, use_cache: bool = True, read: ConfigReader = read_config_bytes
) -> SizerConfig:
    """Read (with ``read``) and validate one config file."""
    location = locate_config(config_path)
    raw = read(location)
    text = decode_config(raw, location.shown)
    return parse_config(text, location, use_cache, cache.digest([raw]))


def load_configs(
    config_paths: Sequence[Path], use_cache: bool = True, read: ConfigReader = read_config_bytes
) -> tuple[list[SizerConfig], list[Problem]]:
    """Every config that loads, and every problem of those that do not."""
    configs: list[SizerConfig] = []
    problems: list[Problem] = []
    for path in config_paths:
        try:
            configs.append(load_config(path, use_cache, read))
        except ConfigError as error:
            location = _absolute_or_empty(path)
            problems.extend(found._replace(location=location) for found in error.problems)
    return configs, problems


def _absolute_or_empty(path: Path) -> str:
    try:
        return os.path.abspath(path)
    except OSError:
        return ""
