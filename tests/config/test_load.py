from __future__ import annotations

from pathlib import Path

import pytest

from icpp_sizer_check import cache
from icpp_sizer_check.config.load import load_config, load_configs, parse_config
from icpp_sizer_check.config.location import display_path, locate_config, regenerate_command
from icpp_sizer_check.config.schema import validator
from icpp_sizer_check.config.source import format_json_path
from icpp_sizer_check.errors import ConfigError
from icpp_sizer_check.package_data import config_schema
from icpp_sizer_check.runtimes import get_runtime
from icpp_sizer_check.runtimes.base import ModelSpec
from tests.fixtures import (
    BAD_CONFIGS,
    CONFIG,
    DATA,
    GOOD_CONFIGS,
    MODEL_YAML,
    REPO_CONFIG,
    expectation,
)


def parse(text: str, path: Path = Path("c.yaml")) -> list[ModelSpec]:
    return list(parse_config(text, path).models)


@pytest.mark.parametrize("path", GOOD_CONFIGS, ids=lambda p: p.stem)
def test_good_configs_load(path: Path) -> None:
    config = load_config(path)
    assert config.models
    assert config.output.parent.is_relative_to(path.parent)


# The whole catalogue runs here, at the loading layer; tests/test_cli.py runs a
# sample of it through the command line.
@pytest.mark.parametrize("path", BAD_CONFIGS, ids=lambda p: p.name)
def test_bad_configs_are_rejected_with_a_located_message(path: Path) -> None:
    expected = expectation(path)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    shown = display_path(path)
    problems = [str(problem) for problem in caught.value.problems]
    assert problems and all("\n" not in problem for problem in problems), problems
    assert all(problem.startswith(f"{shown}:") for problem in problems), problems
    matching = [problem for problem in problems if expected.message in problem]
    assert matching, f"{expected.message!r} not in {problems}"
    assert matching[0].startswith(expected.line_prefix(shown)), matching[0]


def test_the_catalogue_is_large_and_every_case_has_an_expectation() -> None:
    assert len(BAD_CONFIGS) >= 30
    assert len({path.read_bytes() for path in BAD_CONFIGS}) == len(BAD_CONFIGS)
    assert all(expectation(path).exit_code == 2 for path in BAD_CONFIGS)
    stray = [
        p for p in (DATA / "configs" / "bad").glob("*.expect") if not p.with_suffix("").exists()
    ]
    assert stray == []


@pytest.mark.usefixtures("project")  # the current folder is a project root
def test_defaults() -> None:
    config = parse_config("output: out.md\n" + MODEL_YAML, Path("configs/sizes.yaml"))
    assert config.title == "Canister resource requirements for sizes."
    assert config.memory_mib == get_runtime("icpp_llama2").default_memory_mib == 4096
    assert config.models[0].threshold == 1
    assert config.output == Path("configs/out.md").resolve()
    assert config.output_shown == "configs/out.md"
    assert config.command.startswith("icpp-sizer-check --write --config ")


def test_thresholds_global_and_per_model() -> None:
    text = "output: o.md\nmin_concurrent_users: 7\n" + MODEL_YAML
    text += (
        MODEL_YAML.split("\n", 1)[1].replace("name: m", "name: n") + "    min_concurrent_users: 2\n"
    )
    first, second = parse(text)
    assert (first.threshold, second.threshold) == (7, 2)


def test_default_command_names_the_config_from_the_project_root(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "deploy" / "sizes").mkdir(parents=True)
    config = tmp_path / "deploy" / "sizes" / "llm.yaml"
    assert (
        regenerate_command(locate_config(config).shown)
        == "icpp-sizer-check --write --config deploy/sizes/llm.yaml"
    )


@pytest.mark.usefixtures("project")  # the current folder is a project root
def test_all_problems_of_a_file_are_reported_at_once() -> None:
    text = "output: o.md\ntitel: x\n" + MODEL_YAML.replace("dim: 64", "dim: 0").replace(
        "seq_len: 512", "seq_len: -1"
    )
    with pytest.raises(ConfigError) as caught:
        parse_config(text, Path("c.yaml"))
    messages = [str(problem) for problem in caught.value.problems]
    assert len(messages) == 3
    assert messages[0].startswith("c.yaml:2:1: titel: unknown key")
    assert messages[1].startswith("c.yaml:5:10: models[0].dim: must be at least 1")
    assert messages[2].startswith("c.yaml:11:14: models[0].seq_len: must be at least 1")


def test_the_schema_is_package_data_and_draft_2020_12() -> None:
    schema = config_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False


def test_json_paths_read_naturally() -> None:
    assert format_json_path(("models", 2, "dim")) == "models[2].dim"
    assert format_json_path(()) == "(top level)"


def test_the_repo_config_is_valid() -> None:
    config = load_config(REPO_CONFIG)
    assert [m.name for m in config.models] == ["260K", "15M", "42M", "110M"]
    assert config.memory_mib == 3072


def test_inlining_the_schema_refs_keeps_every_verdict() -> None:
    import json

    from jsonschema import Draft202012Validator

    from icpp_sizer_check.config.schema import inline_local_refs as _inline_local_refs
    from icpp_sizer_check.config.yaml_source import YamlError, parse_yaml

    schema = config_schema()
    inlined = _inline_local_refs(schema)
    assert "$ref" not in json.dumps(inlined)
    original, fast = Draft202012Validator(schema), Draft202012Validator(inlined)

    def verdicts(validator: Draft202012Validator, data: object) -> set[tuple[str, str, str]]:
        return {
            (str(e.validator), "/".join(map(str, e.absolute_path)), e.message)
            for e in validator.iter_errors(data)
        }

    for path in [*GOOD_CONFIGS, *BAD_CONFIGS]:
        try:
            data = parse_yaml(path.read_bytes().decode("utf-8", "replace")).data
        except YamlError:
            continue
        assert verdicts(original, data) == verdicts(fast, data), path.name


@pytest.mark.usefixtures("project")  # the current folder is a project root
def test_names_a_formatter_rewrites_are_refused_only_in_the_formatter_proof_modes() -> None:
    hostile = MODEL_YAML.replace("name: m", "name: '*m*'")
    assert parse("output: o.md\n" + hostile)[0].name == "*m*"
    for mode in ("style: aligned", "compare: content"):
        with pytest.raises(ConfigError) as caught:
            parse_config(f"{mode}\noutput: o.md\n" + hostile, Path("c.yaml"))
        (problem,) = caught.value.problems
        assert str(problem).startswith(
            "c.yaml:4:11: models[0].name: prettier and mdformat rewrite '*' in a table cell"
        )
        assert str(problem).endswith(f", which breaks {mode}; leave it out of the name")


def test_a_name_the_schema_refuses_gets_the_schema_message_alone() -> None:
    text = "style: aligned\noutput: o.md\n" + MODEL_YAML.replace("name: m", "name: '*m|'")
    with pytest.raises(ConfigError) as caught:
        parse_config(text, Path("c.yaml"))
    (problem,) = caught.value.problems
    assert "a model name must be one line of text without '|'" in problem.message


def test_a_default_title_a_formatter_rewrites_asks_for_a_title(tmp_path: Path) -> None:
    """The default title holds the file's name, and "_draft" makes mdformat escape."""
    (tmp_path / ".git").mkdir()
    config = tmp_path / "_draft.yaml"
    with pytest.raises(ConfigError) as caught:
        parse_config("style: aligned\noutput: o.md\n" + MODEL_YAML, config)
    (problem,) = caught.value.problems
    assert problem.position is None
    assert problem.message.startswith("mdformat rewrites '_' in a heading")
    assert problem.message.endswith("write a title (the default one holds the file name)")
    assert parse_config(
        "style: aligned\ntitle: Draft\noutput: o.md\n" + MODEL_YAML, config
    ).title == ("Draft")


def test_load_configs_keeps_the_good_and_places_each_problem_at_its_file(
    project: Path,
) -> None:
    bad = project / "configs" / "bad.yaml"
    bad.write_text("output: o.md\nmodels: []\n", encoding="utf-8")
    configs, problems = load_configs([CONFIG, Path("configs/bad.yaml")])
    assert [config.shown for config in configs] == ["configs/icpp_llama2.yaml"]
    assert [(str(problem), problem.location) for problem in problems] == [
        (
            "configs/bad.yaml:2:9: models: must list at least one model; add a model",
            str(bad),
        )
    ]


def test_a_problem_whose_file_has_no_absolute_path_has_no_location(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    configs, problems = load_configs([Path("c.yaml")])
    assert configs == []
    assert [problem.location for problem in problems] == [""]
    assert problems[0].message.startswith("cannot tell where the config is")


def test_load_configs_remembers_a_valid_config_unless_told_not_to(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(project / "cache-home"))
    monkeypatch.delenv(cache.DISABLE_VARIABLE, raising=False)
    key = cache.validation_key((project / CONFIG).read_text(encoding="utf-8"))
    assert load_configs([CONFIG], use_cache=False)[1] == []
    assert not cache.was_validated(key)
    assert load_configs([CONFIG])[1] == []
    assert cache.was_validated(key)


def test_load_config_remembers_a_valid_config_by_default(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(project / "cache-home"))
    monkeypatch.delenv(cache.DISABLE_VARIABLE, raising=False)
    load_config(project / CONFIG)
    assert cache.was_validated(cache.validation_key((project / CONFIG).read_text()))


def schema_runs(text: str, **options: bool) -> int:
    """How often parse_config asks the schema's validator while parsing ``text``."""
    before = validator.cache_info()
    parse_config(text, Path("c.yaml"), **options)
    after = validator.cache_info()
    return (after.hits + after.misses) - (before.hits + before.misses)


@pytest.mark.usefixtures("project")
def test_a_config_validated_before_skips_the_schema_unless_the_cache_is_off(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    cache_home = tmp_path_factory.mktemp("cache-home")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_home))
    monkeypatch.setenv(cache.DISABLE_VARIABLE, "1")
    text = "output: out.md\n" + MODEL_YAML
    assert [schema_runs(text), schema_runs(text)] == [1, 1]
    assert list(cache_home.rglob("*")) == []  # nothing remembered, not even a stray key
    monkeypatch.delenv(cache.DISABLE_VARIABLE)
    assert [schema_runs(text, use_cache=False), schema_runs(text, use_cache=False)] == [1, 1]
    assert list(cache_home.rglob("*")) == []
    assert [schema_runs(text), schema_runs(text)] == [1, 0]
    assert cache.was_validated(cache.validation_key(text))


@pytest.mark.usefixtures("project")
def test_a_config_parsed_from_text_alone_carries_no_digest_of_bytes() -> None:
    assert parse_config("output: out.md\n" + MODEL_YAML, Path("c.yaml")).source_digest == ""
