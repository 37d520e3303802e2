"""The last stage: a valid config as typed values, and the defaults of what it may leave out."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, NamedTuple

from icpp_sizer_check.canister import DEFAULT_TARGET, TARGETS, WasmTarget
from icpp_sizer_check.compare import CompareMode
from icpp_sizer_check.config.confine import ConfinedPath
from icpp_sizer_check.config.location import ConfigLocation, regenerate_command
from icpp_sizer_check.config.source import ConfigSource
from icpp_sizer_check.errors import Position
from icpp_sizer_check.render import Style
from icpp_sizer_check.runtimes import DEFAULT_RUNTIME
from icpp_sizer_check.runtimes.base import ModelSpec, ResolvedModel, Runtime

DEFAULT_TITLE = "Canister resource requirements for {stem}."


def default_title(config_path: Path) -> str:
    return DEFAULT_TITLE.format(stem=config_path.stem)


class SizerConfig(NamedTuple):
    """One validated config: everything needed to render and check a document."""

    location: ConfigLocation
    title: str
    command: str
    output: Path  # the document actually read and written, after every symlink
    memory_mib: int
    models: tuple[ModelSpec[Any], ...]
    style: Style = Style.COMPACT
    compare: CompareMode = CompareMode.EXACT
    runtime: str = DEFAULT_RUNTIME
    target: WasmTarget = DEFAULT_TARGET
    output_location: str = ""  # from the config's folder, symlinks not resolved
    output_shown: str = ""
    output_position: Position | None = None
    source_digest: str = ""  # a hash of the config bytes this was built from
    runtime_options: Mapping[str, Any] = {}  # the runtime's own top-level keys, as written

    @property
    def path(self) -> Path:
        return self.location.given

    @property
    def shown(self) -> str:
        return self.location.shown


def build_config(
    source: ConfigSource,
    location: ConfigLocation,
    runtime: Runtime,
    resolved: list[ResolvedModel[Any] | None],
    output: ConfinedPath,
    source_digest: str,
) -> SizerConfig:
    """The typed config of a valid one: every model resolved, the defaults filled in."""
    data = source.document.data
    assert isinstance(data, dict)
    canister = data.get("canister", {})
    default_threshold = data.get(runtime.threshold_key, runtime.default_threshold)
    models = []
    for index, (raw, model) in enumerate(zip(data["models"], resolved)):
        assert model is not None  # every model resolved, or a problem was raised
        models.append(
            ModelSpec(
                name=raw["name"],
                threshold=raw.get(runtime.threshold_key, default_threshold),
                position=source.document.position_of(("models", index)),
                resolved=model,
            )
        )
    return SizerConfig(
        location=location,
        title=data.get("title", default_title(location.given)),
        command=data.get("command") or regenerate_command(location.shown),
        output=Path(output.real),
        memory_mib=canister.get("memory_mib", runtime.default_memory_mib),
        models=tuple(models),
        style=Style(data.get("style", Style.COMPACT)),
        compare=CompareMode(data.get("compare", CompareMode.EXACT)),
        runtime=runtime.name,
        target=TARGETS[canister.get("wasm", DEFAULT_TARGET.name)],
        output_location=output.logical,
        output_shown=location.show(output.logical),
        output_position=source.document.position_of(("output",)),
        source_digest=source_digest,
        runtime_options={key: data[key] for key in runtime.config_keys if key in data},
    )
