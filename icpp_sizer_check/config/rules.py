"""What the schema cannot say, checked on the parts of a config it accepted:
where the document and model files resolve, the canister's heap cap, unique
model names, a runtime's own model rules, and names a Markdown formatter
would rewrite. A part the schema refused is left to the schema's message."""

from __future__ import annotations

from typing import Any, NamedTuple

from icpp_sizer_check.canister import DEFAULT_TARGET, TARGETS, memory_above_cap
from icpp_sizer_check.compare import CompareMode
from icpp_sizer_check.config.confine import BadPath, ConfinedPath, confined, output_target
from icpp_sizer_check.config.location import ConfigLocation
from icpp_sizer_check.config.schema import Accepted
from icpp_sizer_check.config.source import ConfigSource
from icpp_sizer_check.config.values import default_title
from icpp_sizer_check.errors import JsonPath, Problem
from icpp_sizer_check.render import Style
from icpp_sizer_check.runtimes.base import ModelFile, ResolvedModel, Runtime


def output_rule(
    source: ConfigSource, accepted: Accepted, location: ConfigLocation
) -> tuple[ConfinedPath | None, list[Problem]]:
    """The document must be a Markdown file inside the project, outside .git."""
    output = accepted.get(("output",))
    if not isinstance(output, str):
        return None, []
    target = output_target(location, output)
    if isinstance(target, str):
        return None, [source.problem(("output",), target)]
    return target, []


def canister_rule(source: ConfigSource, accepted: Accepted, runtime: Runtime) -> list[Problem]:
    """The memory must fit the heap of the canister's wasm target."""
    memory = accepted.get(("canister", "memory_mib"))
    wasm = accepted.get(("canister", "wasm"))
    target = TARGETS[wasm] if wasm is not None else DEFAULT_TARGET
    if wasm is not None and target not in runtime.targets:
        built = ", ".join(built_for.name for built_for in runtime.targets)
        only = f"{runtime.name} runs on {built} only; set canister.wasm: {built} or remove it"
        return [source.problem(("canister", "wasm"), only)]
    if memory is None or not accepted.usable(("canister", "wasm")):
        return []
    message = memory_above_cap(memory, target, runtime.targets)
    return [source.problem(("canister", "memory_mib"), message)] if message else []


class ModelsChecked(NamedTuple):
    resolved: list[ResolvedModel[Any] | None]
    problems: list[Problem]


def _model_file(
    source: ConfigSource, location: ConfigLocation, where: JsonPath, written: str
) -> ModelFile | Problem:
    try:
        target = confined(location, written)
    except BadPath as error:
        return source.problem(where, f"{written!r}: {error}")
    except OSError as error:  # a name too long for the file system, say
        return source.problem(where, f"{written!r}: {error.strerror or error}")
    return ModelFile(written, target.logical, target.real, location.show(target.logical))


def model_rules(
    source: ConfigSource, accepted: Accepted, location: ConfigLocation, runtime: Runtime
) -> ModelsChecked:
    """Unique names, then each model's values as its runtime resolves them."""
    models = accepted.data.get("models")
    if not isinstance(models, list) or not accepted.reachable(("models",)):
        return ModelsChecked([], [])
    resolved: list[ResolvedModel[Any] | None] = []
    problems: list[Problem] = []
    first_seen: dict[str, int] = {}
    for index in range(len(models)):
        model, refused = accepted.keys_of(("models", index))
        name = model.get("name")
        if isinstance(name, str):
            if name in first_seen:
                first = source.document.position_of(("models", first_seen[name], "name"))
                where = f" (first at line {first.line})" if first else ""
                problems.append(
                    source.problem(
                        ("models", index, "name"),
                        f"duplicate model name {name!r}{where}; model names must be unique",
                    )
                )
            else:
                first_seen[name] = index
        file = None
        written = model.get(runtime.model_file_key)
        if isinstance(written, str):
            found = _model_file(
                source, location, ("models", index, runtime.model_file_key), written
            )
            if isinstance(found, Problem):
                resolved.append(None)
                problems.append(found)
                continue
            file = found
        result, findings = runtime.resolve_model(index, model, refused, file)
        resolved.append(result)
        problems.extend(source.problem(finding.path, finding.message) for finding in findings)
    return ModelsChecked(resolved, problems)


def formatter_rule(
    source: ConfigSource, accepted: Accepted, location: ConfigLocation
) -> list[Problem]:
    """In the modes whose promise is that a Markdown formatter leaves the document
    alone, no name or title (the default one included) may hold what a formatter
    rewrites."""
    from icpp_sizer_check.formatters import formatter_rewrite

    data = accepted.data
    padded = accepted.get(("style",)) == Style.ALIGNED
    content = accepted.get(("compare",)) == CompareMode.CONTENT
    modes = " and ".join(["style: aligned"] * padded + ["compare: content"] * content)
    if not modes:
        return []
    texts: list[tuple[JsonPath, object]] = [
        (("title",), data.get("title", default_title(location.given)))
    ]
    models = data.get("models")
    if isinstance(models, list):
        texts += [
            (("models", i, "name"), m.get("name"))
            for i, m in enumerate(models)
            if isinstance(m, dict)
        ]
    problems = []
    for path, text in texts:
        default = path == ("title",) and "title" not in data
        if not isinstance(text, str) or not accepted.usable(path):
            continue
        why = formatter_rewrite(text, heading=path == ("title",), padded=padded)
        if why:
            fix = f"leave it out of the {path[-1]}"
            if default:
                fix = "write a title (the default one holds the file name)"
            problem = source.problem(path, f"{why}, which breaks {modes}; {fix}")
            problems.append(problem._replace(position=None) if default else problem)
    return problems
