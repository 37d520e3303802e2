"""The last stage: a valid config as typed values, and the defaults of what it may leave out."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from icpp_sizer_check.canister import DEFAULT_TARGET, WasmTarget
from icpp_sizer_check.compare import CompareMode
from icpp_sizer_check.config.location import ConfigLocation
from icpp_sizer_check.errors import Position
from icpp_sizer_check.render import Style
from icpp_sizer_check.runtimes import DEFAULT_RUNTIME
from icpp_sizer_check.runtimes.base import ModelSpec

DEFAULT_MIN_CONCURRENT_USERS = 1
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
    models: tuple[ModelSpec, ...]
    style: Style = Style.COMPACT
    compare: CompareMode = CompareMode.EXACT
    runtime: str = DEFAULT_RUNTIME
    target: WasmTarget = DEFAULT_TARGET
    output_location: str = ""  # from the config's folder, symlinks not resolved
    output_shown: str = ""
    output_position: Position | None = None
    source_digest: str = ""  # a hash of the config bytes this was built from

    @property
    def path(self) -> Path:
        return self.location.given

    @property
    def shown(self) -> str:
        return self.location.shown
