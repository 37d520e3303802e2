"""Tables of the pages made from the one place each fact is kept: the config
reference from the JSON Schema's titles and descriptions, the heap caps from
canister.py, the model-file evidence from file_limit.py, the published heaps
from the sizing and tests/data/published."""

from __future__ import annotations

import json
from typing import Any

from icpp_sizer_check.canister import TARGETS
from icpp_sizer_check.config.load import load_config
from icpp_sizer_check.package_data import config_schema
from icpp_sizer_check.runner import regenerate
from icpp_sizer_check.runtimes.llama_cpp_canister.file_limit import EVIDENCE
from icpp_sizer_check.runtimes.llama_cpp_canister.sizing import size_model
from tests.fixtures import REPO
from tests.runtimes.llama_cpp_canister.gguf_parser_method import published_figures
from tests.runtimes.llama_cpp_canister.published import (
    PUBLISHED_HEAP,
    error_percent,
    published_models,
)

Schema = dict[str, Any]
MIB = 1024 * 1024


def schema() -> Schema:
    return config_schema()


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _default(spec: Schema) -> str:
    if "default" not in spec or spec["default"] == {}:
        return ""
    return f"`{json.dumps(spec['default'])}`"


def _rows(properties: Schema, required: list[str], prefix: str) -> list[str]:
    rows = []
    for key, spec in properties.items():
        meaning = f"**{spec['title']}.** {spec['description']}"
        needed = "yes" if key in required else "no"
        rows.append(f"| `{prefix}{key}` | {needed} | {_default(spec)} | {_cell(meaning)} |")
    return rows


HEAD = ["| key | required | default | meaning |", "| --- | --- | --- | --- |"]


def _branch(runtime: str) -> Schema:
    """The schema's properties for ``runtime``: its if/then/else on ``runtime``."""
    (branch,) = schema()["allOf"]
    chosen: Schema = branch[
        "then" if runtime == branch["if"]["properties"]["runtime"]["const"] else "else"
    ]
    return chosen


def refused_keys(runtime: str) -> set[str]:
    """The top-level keys the schema forbids under ``runtime`` (``not: {}``)."""
    return {key for key, spec in _branch(runtime)["properties"].items() if spec == {"not": {}}}


def model_definition(runtime: str) -> str:
    reference: str = _branch(runtime)["properties"]["models"]["items"]["$ref"]
    return reference.rsplit("/", 1)[1]


def config_keys(runtime: str) -> str:
    """Every key a config of ``runtime`` may hold: the top level, the canister,
    and each model's, as the schema states them."""
    loaded = schema()
    refused = refused_keys(runtime)
    top = {key: spec for key, spec in loaded["properties"].items() if key not in refused}
    canister = top["canister"]["properties"]
    model = loaded["$defs"][model_definition(runtime)]
    rows = [
        *_rows(top, loaded["required"], ""),
        *_rows(canister, [], "canister."),
        *_rows(model["properties"], model["required"], "models[]."),
    ]
    return "\n".join([*HEAD, *rows])


def refused_sentence(runtime: str) -> str:
    """The keys the schema refuses under ``runtime``, each the other's, in a
    sentence (the schema states which keys belong to which runtime)."""
    keys = [f"`{key}`" for key in sorted(refused_keys(runtime))]
    named = keys[0] if len(keys) == 1 else f"{', '.join(keys[:-1])} and {keys[-1]}"
    other = {"icpp_llama2": "llama_cpp_canister", "llama_cpp_canister": "icpp_llama2"}[runtime]
    verb = "belongs" if len(keys) == 1 else "belong"
    return (
        f"{named} {verb} to [{other}]({other}.md): under `runtime: {runtime}` "
        f"{'it is' if len(keys) == 1 else 'they are'} a config error at the key's line."
    )


def architecture_keys() -> str:
    """llama_cpp_canister's ``architecture:`` mapping, as the schema states it."""
    definition = schema()["$defs"]["llama_cpp_architecture"]
    rows = _rows(definition["properties"], definition.get("required", []), "")
    return "\n".join([*HEAD, *rows])


def heap_caps() -> str:
    lines = ["| `canister.wasm` | heap cap |", "| --- | ---: |"]
    for name, target in TARGETS.items():
        gib = target.heap_cap_mib // 1024
        lines.append(f"| `{name}` | {target.heap_cap_mib} MiB ({gib} GiB) |")
    return "\n".join(lines)


def file_evidence() -> str:
    lines = ["| model file (2026) | bytes | MiB | `load_model` |", "| --- | ---: | ---: | --- |"]
    for load in EVIDENCE:
        outcome = "loads" if load.loads else "IC0524"
        lines.append(
            f"| {load.model} | {load.file_bytes:,} | {load.file_bytes / MIB:,.0f} | {outcome} |"
        )
    return "\n".join(lines)


def _settings_label(name: str) -> str:
    settings = published_models()[name].settings
    return (
        f"`{name}`: ctx {settings.ctx_size}, batch {settings.batch_size}, "
        f"ubatch {settings.ubatch_size}, {settings.cache_type_k} K and "
        f"{settings.cache_type_v} V, warm-up {'on' if settings.warmup else 'off'}"
    )


def published_heaps() -> str:
    """The sizing and gguf-parser-go's method against each published heap."""
    lines = [
        "| model and settings | published heap | predicted heap | error "
        "| weights + KV cache alone | error | gguf-parser-go's method | error |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    parser = published_figures()
    for name, model in published_models().items():
        sizing = size_model(model.architecture, model.settings)
        published = PUBLISHED_HEAP[name]
        alone = sizing.weights + sizing.kv_cache
        lines.append(
            f"| {_settings_label(name)} | {published:,} | {sizing.heap:,} "
            f"| {error_percent(sizing.heap, published)} | {alone:,} "
            f"| {error_percent(alone, published)} | {parser[name]:,} "
            f"| {error_percent(parser[name], published)} |"
        )
    return "\n".join(lines)


def document_sections(config: str, headings: tuple[str, ...]) -> str:
    """The sections ``headings`` of the document the tool makes for the repo's
    ``config`` (made in memory, as a check makes it), each table with outer
    pipes."""
    text, _ = regenerate(load_config(REPO / config, use_cache=False))
    shown = []
    for section in text.split("\n### ")[1:]:
        heading, _, body = section.partition("\n")
        if heading in headings:
            rows = [f"| {line} |" for line in body.strip().split("\n")]
            shown += [f"**{heading}**", "", *rows, ""]
    return "\n".join(shown).rstrip()


def published_calls() -> str:
    """Each run_update llama_cpp_canister publishes the cycles of, beside the count."""
    from tests.runtimes.llama_cpp_canister.published_calls import PUBLISHED_CALLS, counted_call

    lines = [
        "| model | ctx_size | tokens generated | published cycles | counted | error | source |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for call in PUBLISHED_CALLS:
        counted = counted_call(call)
        lines.append(
            f"| `{call.model}` | {call.ctx_size} | {call.generated} | {call.cycles:,} "
            f"| {counted:,} | {error_percent(counted, call.cycles)} | {call.source} |"
        )
    return "\n".join(lines)


def published_ceilings() -> str:
    """Each ceiling llama_cpp_canister publishes, beside the tool's."""
    from tests.runtimes.llama_cpp_canister.published_calls import (
        PUBLISHED_CEILINGS,
        counted_ceiling,
    )

    lines = [
        "| model | ctx_size | tokens | published: passed | failed | counted | error | source |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for ceiling in PUBLISHED_CEILINGS:
        counted = counted_ceiling(ceiling)
        failed = "" if ceiling.failed is None else str(ceiling.failed)
        lines.append(
            f"| `{ceiling.model}`{_cache_label(ceiling.cache_type)} | {ceiling.ctx_size} "
            f"| {ceiling.kind} | {ceiling.passed} "
            f"| {failed} | {counted} | {error_percent(counted, ceiling.passed)} "
            f"| {ceiling.source} |"
        )
    return "\n".join(lines)


def _cache_label(cache_type: str) -> str:
    return f", {cache_type} K and V" if cache_type else ""
