"""What the schema cannot say, checked on the parts of a config it accepted:
where the document and model files resolve, the canister's heap cap, unique
model names, a runtime's own model rules, and names a Markdown formatter
would rewrite. A part the schema refused is left to the schema's message."""

from __future__ import annotations

from typing import Any, Collection, Mapping, NamedTuple

from icpp_sizer_check.canister import DEFAULT_TARGET, TARGETS, memory_above_cap
from icpp_sizer_check.compare import CompareMode
from icpp_sizer_check.config.confine import ConfinedPath, confined_or_reason, output_target
from icpp_sizer_check.config.location import ConfigLocation
from icpp_sizer_check.config.source import ConfigSource
from icpp_sizer_check.config.values import default_title
from icpp_sizer_check.errors import JsonPath, Problem
from icpp_sizer_check.render import Style
from icpp_sizer_check.runtimes.base import ModelFile, ResolvedModel, Runtime


class Accepted:
    """The parts of a config's data the schema accepted."""

    def __init__(self, data: Mapping[str, Any], refused: Collection[JsonPath]) -> None:
        self.data = data
        self._refused = refused

    def reachable(self, path: JsonPath) -> bool:
        """Nothing at or above ``path`` was refused (parts below it may be)."""
        return not any(path[: len(bad)] == bad for bad in self._refused)

    def usable(self, path: JsonPath) -> bool:
        """Nothing at, above or below ``path`` was refused."""
        return self.reachable(path) and not any(bad[: len(path)] == path for bad in self._refused)

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

    def keys_of(self, path: JsonPath) -> dict[str, Any]:
        """The accepted keys of the mapping at ``path``."""
        node = self._walk(path) if self.reachable(path) else None
        if not isinstance(node, dict):
            return {}
        return {key: value for key, value in node.items() if self.usable((*path, key))}


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
    if memory is None or not accepted.usable(("canister", "wasm")):
        return []
    message = memory_above_cap(memory, target, runtime.targets)
    return [source.problem(("canister", "memory_mib"), message)] if message else []


class ModelsChecked(NamedTuple):
    resolved: list[ResolvedModel | None]
    problems: list[Problem]


def _model_file(
    source: ConfigSource, location: ConfigLocation, where: JsonPath, written: str
) -> ModelFile | Problem:
    target = confined_or_reason(location, written)
    if isinstance(target, str):
        return source.problem(where, target)
    return ModelFile(written, target.logical, target.real, location.show(target.logical))


def model_rules(
    source: ConfigSource, accepted: Accepted, location: ConfigLocation, runtime: Runtime
) -> ModelsChecked:
    """Unique names, then each model's values as its runtime resolves them."""
    models = accepted.data.get("models")
    if not isinstance(models, list) or not accepted.reachable(("models",)):
        return ModelsChecked([], [])
    resolved: list[ResolvedModel | None] = []
    problems: list[Problem] = []
    first_seen: dict[str, int] = {}
    for index in range(len(models)):
        model = accepted.keys_of(("models", index))
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
        result, findings = runtime.resolve_model(index, model, file)
        resolved.append(result)
        problems.extend(source.problem(finding.path, finding.message) for finding in findings)
    return ModelsChecked(resolved, problems)


def formatter_rule(
    source: ConfigSource, accepted: Accepted, location: ConfigLocation
) -> list[Problem]:
    """In the modes whose promise is that a Markdown formatter leaves the document
    alone, no name or title (the default one included) may hold what a formatter
    rewrites."""
    from icpp_sizer_check.markdown import formatter_rewrite

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
