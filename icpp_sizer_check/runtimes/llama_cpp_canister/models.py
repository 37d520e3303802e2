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
    largest,
    mamba2_problem,
)

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


def flash_attn_on(written: object) -> bool:
    """llama.cpp's -fa: on, off, or auto, which the CPU backend resolves to on."""
    return written is not False


def _ranges() -> dict[str, tuple[int, int]]:
    """The range the schema allows each integer of an architecture mapping."""
    schema = config_schema()
    definitions = schema["$defs"]
    ranges = {}
    for key, spec in definitions["llama_cpp_architecture"]["properties"].items():
        reference = spec.get("$ref", "").removeprefix("#/$defs/")
        bounds = {**definitions.get(reference, {}), **spec}
        if bounds.get("type") == "integer":
            ranges[key] = (int(bounds["minimum"]), int(bounds["maximum"]))
    return ranges


def out_of_range(arch: Architecture, keys: Collection[str]) -> list[tuple[str, int, int, int]]:
    """The values of ``keys`` (read from a header) a config could not write:
    (key, value, lowest, highest) each."""
    found = []
    for key, (lowest, highest) in _ranges().items():
        value = getattr(arch, key)
        if key in keys and value is not None and not lowest <= value <= highest:
            found.append((key, value, lowest, highest))
    return found


def _architecture(
    index: int,
    written: Mapping[str, Any],
    file: ModelFile | None,
) -> tuple[Architecture | None, GgufSource | None, FileRead | None, list[Finding]]:
    if file is None:
        if not set(REQUIRED_KEYS) <= set(written):
            return None, None, None, []  # the schema says what is missing
        return Architecture(**written), None, None, []
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
    merged = header._replace(**written)
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


def _shape_findings(index: int, arch: Architecture, origin: JsonPath) -> list[Finding]:
    problem = mamba2_problem(arch)
    if problem is not None:
        return [Finding(origin, f"{problem}; fix the architecture values")]
    if not largest(arch.n_head_kv):
        # llama.cpp loads a hybrid without attention, then fails on its empty KV buffer
        return [
            Finding(
                origin,
                "n_head_kv is 0 in every layer; at least one layer needs a key/value head: "
                "fix the architecture values",
            )
        ]
    if largest(arch.n_head) % largest(arch.n_head_kv):
        return [
            Finding(
                origin,
                f"n_head ({largest(arch.n_head)}) must be divisible by "
                f"n_head_kv ({largest(arch.n_head_kv)}); "
                "fix the architecture values",
            )
        ]
    return []


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
    )
    origin: JsonPath = ("models", index, "architecture" if file is None else "gguf")
    findings += _shape_findings(index, arch, origin)
    findings += _cache_findings(index, arch, settings)
    if findings:
        return None, findings
    return ResolvedModel(LlamaCppModel(arch, settings, source), (read,) if read else ()), []
