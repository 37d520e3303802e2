"""A llama_cpp_canister model's values: its architecture, from the header of
its GGUF file, written in the config, or both (the written values win), and
llama.cpp's load settings with llama.cpp's defaults."""

from __future__ import annotations

from typing import Any, Collection, Mapping, NamedTuple, Optional

from icpp_sizer_check.errors import JsonPath
from icpp_sizer_check.gguf.ggml_types import (
    BY_NAME,
    DEFAULT_CACHE_TYPE,
    is_quantized,
)
from icpp_sizer_check.package_data import config_schema
from icpp_sizer_check.results import FileRead
from icpp_sizer_check.runtimes.base import Finding, ModelFile, ResolvedModel
from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import (
    REQUIRED_KEYS,
    Architecture,
    Settings,
)
from icpp_sizer_check.runtimes.llama_cpp_canister.shape import shape_problems

SETTING_KEYS = Settings._fields
DEFAULTS = Settings(ctx_size=0)  # llama.cpp's defaults; ctx_size's is the model's


class GgufSource(NamedTuple):
    """Where a model's architecture was read, and what the config overrode."""

    path: str  # as messages name it
    header: Architecture
    overrides: Mapping[str, object]  # keys written under architecture:, replacing the header's


class LlamaCppModel(NamedTuple):
    architecture: Architecture
    settings: Settings
    gguf: Optional[GgufSource] = None
    # The model's own min_users and session_tokens; None: the top level's.
    min_users: Optional[int] = None
    session_tokens: Optional[int] = None
    max_tokens_update: Optional[int] = None  # tokens one update call generates


def flash_attn_on(written: object) -> bool:
    """llama.cpp's -fa: on, off, or auto, which the CPU backend resolves to on."""
    return written is not False


Range = tuple[int, int]


def _resolved(definitions: Mapping[str, Any], spec: Mapping[str, Any]) -> dict[str, Any]:
    reference = str(spec.get("$ref", "")).removeprefix("#/$defs/")
    return {**definitions.get(reference, {}), **spec}


def _integer_range(bounds: Mapping[str, Any]) -> Optional[Range]:
    if bounds.get("type") != "integer":
        return None
    return int(bounds["minimum"]), int(bounds["maximum"])


def _ranges() -> dict[str, tuple[Optional[Range], Optional[Range]]]:
    """The range the schema allows each integer of an architecture mapping,
    and each integer of a per-layer list of it."""
    definitions = config_schema()["$defs"]
    ranges = {}
    for key, spec in definitions["llama_cpp_architecture"]["properties"].items():
        bounds = _resolved(definitions, spec)
        branches = [_resolved(definitions, branch) for branch in bounds.get("anyOf", [bounds])]
        single = [_integer_range(branch) for branch in branches if branch.get("type") != "array"]
        items = [
            _integer_range(_resolved(definitions, branch["items"]))
            for branch in branches
            if branch.get("type") == "array"
        ]
        ranges[key] = (next(iter(single), None), next(iter(items), None))
    return ranges


def out_of_range(arch: Architecture, keys: Collection[str]) -> list[tuple[str, int, int, int]]:
    """The values of ``keys`` (read from a header) a config could not write:
    (key, value, lowest, highest) each; a per-layer value's key names its
    first such layer, as ``n_head_kv[3]``."""
    found = []
    for key, (single, items) in _ranges().items():
        value = getattr(arch, key)
        if key not in keys or value is None:
            continue
        if isinstance(value, tuple):
            outside = _first_outside(value, items) if items else None
            if outside is not None and items:
                found.append((f"{key}[{outside}]", value[outside], *items))
        elif single and not _within(value, single):
            found.append((key, value, *single))
    return found


def _within(value: int, bounds: Range) -> bool:
    return bounds[0] <= value <= bounds[1]


def _first_outside(values: tuple[int, ...], bounds: Range) -> Optional[int]:
    """The first layer whose value is outside ``bounds``, None when none is."""
    return next((il for il, value in enumerate(values) if not _within(value, bounds)), None)


def _written_values(written: Mapping[str, Any]) -> dict[str, Any]:
    """The architecture values as written, a per-layer list as a tuple, a
    mapping (matrix_types) as its sorted pairs."""
    return {
        key: tuple(value)
        if isinstance(value, list)
        else tuple(sorted(value.items()))
        if isinstance(value, dict)
        else value
        for key, value in written.items()
    }


def _architecture(
    index: int,
    written: Mapping[str, Any],
    file: ModelFile | None,
) -> tuple[Architecture | None, GgufSource | None, FileRead | None, list[Finding]]:
    if file is None:
        if not set(REQUIRED_KEYS) <= set(written):
            return None, None, None, []  # the schema says what is missing
        return Architecture(**_written_values(written)), None, None, []
    from icpp_sizer_check.runtimes.llama_cpp_canister.model_file import GgufError, read_model

    try:
        header, read = read_model(file)
    except GgufError as error:
        return None, None, None, [Finding(("models", index, "gguf"), f"{file.written!r}: {error}")]
    where: JsonPath = ("models", index, "gguf")
    findings = [
        Finding(
            where,
            f"the header of {file.written!r} has {key} = {value}; it must be from {lowest} to "
            f"{highest}: write {key} under architecture to override it, or fix the file",
        )
        for key, value, lowest, highest in out_of_range(header, set(header._fields) - set(written))
    ]
    if findings:
        return None, None, None, findings
    merged = header._replace(**_written_values(written))
    return merged, GgufSource(file.shown, header, dict(written)), read, []


def _cache_findings(index: int, arch: Architecture, settings: Settings) -> list[Finding]:
    """What llama.cpp refuses of the cache types (llama_init_from_model)."""
    findings = []
    for key, head_dim in (("cache_type_k", arch.head_dim_k), ("cache_type_v", arch.head_dim_v)):
        kind = BY_NAME[getattr(settings, key)]
        where: JsonPath = ("models", index, key)
        if key == "cache_type_v" and is_quantized(kind) and not settings.flash_attn:
            findings.append(
                Finding(
                    where,
                    f"a quantized V cache ({kind.name}) needs flash attention, and llama.cpp "
                    "refuses it with flash_attn off; set flash_attn: true, or cache_type_v: f16",
                )
            )
        elif head_dim % kind.block_size:
            findings.append(
                Finding(
                    where,
                    f"{kind.name} blocks of {kind.block_size} do not divide the head size "
                    f"{head_dim}, and llama.cpp refuses it; pick f16 or another type",
                )
            )
    return findings


def _weights_findings(index: int, arch: Architecture) -> list[Finding]:
    """What max_tokens_update needs: the weights' types, each with a measured cost."""
    from icpp_sizer_check.runtimes.llama_cpp_canister.instructions import (
        types_written,
        unpriced_types,
    )

    where: JsonPath = ("models", index, "max_tokens_update")
    if not types_written(arch):
        return [
            Finding(
                where,
                "counting an update call's instructions needs the weights' types: write "
                "matrix_types and output_type under architecture (describe-gguf prints them), "
                "or name the gguf file",
            )
        ]
    unpriced = unpriced_types(arch)
    if unpriced:
        return [
            Finding(
                where,
                f"no instruction cost is measured for {', '.join(unpriced)} weights, so the "
                "tokens of an update call cannot be counted; drop max_tokens_update",
            )
        ]
    return []


def _shape_findings(
    index: int, arch: Architecture, written: Collection[str], origin: JsonPath
) -> list[Finding]:
    """What llama.cpp refuses of the shape, at the key that says it when the
    config writes one, else where the values came from."""
    findings = []
    for problem in shape_problems(arch):
        key = next((key for key in problem.keys if key in written), None)
        where = origin if key is None else ("models", index, "architecture", key)
        findings.append(Finding(where, problem.message))
    return findings


def resolve_model(
    index: int, model: Mapping[str, Any], refused: Collection[str], file: ModelFile | None
) -> tuple[ResolvedModel[LlamaCppModel] | None, list[Finding]]:
    """The model's architecture and settings. ``model`` holds the keys the
    schema accepted; a key in ``refused`` was written but refused, so the
    model cannot be sized (the schema's message says why)."""
    written = model.get("architecture", {})
    arch, source, read, findings = _architecture(index, written, file)
    if arch is None or not set(refused).isdisjoint({"architecture", *SETTING_KEYS}):
        return None, findings
    ctx_size = model.get("ctx_size", arch.context_length)
    if ctx_size is None:
        findings.append(
            Finding(
                ("models", index),
                "no ctx_size: write ctx_size, or context_length under architecture "
                "(llama.cpp's default is the model's trained context)",
            )
        )
        return None, findings
    settings = Settings(
        ctx_size=ctx_size,
        batch_size=model.get("batch_size", DEFAULTS.batch_size),
        ubatch_size=model.get("ubatch_size", DEFAULTS.ubatch_size),
        cache_type_k=model.get("cache_type_k", DEFAULT_CACHE_TYPE),
        cache_type_v=model.get("cache_type_v", DEFAULT_CACHE_TYPE),
        flash_attn=flash_attn_on(model.get("flash_attn", "auto")),
        warmup=model.get("warmup", DEFAULTS.warmup),
        buffer_cap_mib=model.get("buffer_cap_mib", DEFAULTS.buffer_cap_mib),
        canister_base_mib=model.get("canister_base_mib", DEFAULTS.canister_base_mib),
    )
    origin: JsonPath = ("models", index, "architecture" if file is None else "gguf")
    findings += _shape_findings(index, arch, written, origin)
    findings += _cache_findings(index, arch, settings)
    tokens = model.get("max_tokens_update")
    if tokens is not None:
        findings += _weights_findings(index, arch)
    if findings:
        return None, findings
    values = LlamaCppModel(
        arch, settings, source, model.get("min_users"), model.get("session_tokens"), tokens
    )
    return ResolvedModel(values, (read,) if read else ()), []
