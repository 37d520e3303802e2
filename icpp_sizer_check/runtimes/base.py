"""What every runtime provides, and the values that pass between it and the rest.

A runtime is a canister program that serves models (icpp_llama2 serves
llama2.c models). It says which model keys a config may hold (a definition in
the shipped schema), how a model's values are resolved from the config and
the model file beside it, how models are sized, which tables the document
has, and how a failing model and its remedy are worded. Nothing outside a
runtime knows a row of its tables, a unit, or how its columns are headed.
"""

from __future__ import annotations

from typing import Any, Callable, Generic, Mapping, NamedTuple, Sequence, TypeVar

from icpp_sizer_check.canister import WasmTarget
from icpp_sizer_check.compare import ColumnLayout
from icpp_sizer_check.errors import JsonPath, Position
from icpp_sizer_check.markdown import Table
from icpp_sizer_check.results import FileRead, ModelResult


class Finding(NamedTuple):
    """A problem a runtime finds in a model, at a path of the config."""

    path: JsonPath
    message: str


class ModelFile(NamedTuple):
    """A model file a config names, confined to its project: for the runtime to read."""

    written: str  # as the config writes it
    logical: str  # absolute, from the config's folder, symlinks kept
    real: str  # after every symlink: what is opened
    shown: str  # as messages name it


# A runtime's values of one model (its hyperparameters, a model file's header,
# ...): its own type, which only it builds and reads.
V = TypeVar("V")


class ResolvedModel(Generic[V]):
    """A model's values as the runtime needs them, and the files read for them."""

    __slots__ = ("reads", "values")

    def __init__(self, values: V, reads: tuple[FileRead, ...] = ()) -> None:
        self.values = values
        self.reads = reads


class ModelSpec(Generic[V]):
    """One model of a valid config: what the config says of it, and its values."""

    __slots__ = ("name", "position", "resolved", "threshold")

    def __init__(
        self, name: str, threshold: int, position: Position | None, resolved: ResolvedModel[V]
    ) -> None:
        self.name = name
        self.threshold = threshold  # the runtime's threshold key, from the model or the top level
        self.position = position
        self.resolved = resolved

    @property
    def values(self) -> V:
        return self.resolved.values

    @property
    def reads(self) -> tuple[FileRead, ...]:
        return self.resolved.reads


class Canister(NamedTuple):
    """What a config says of the canister its models are sized for."""

    memory_mib: int
    target: WasmTarget
    options: Mapping[str, Any]  # the config's values of the runtime's config_keys


class Evaluation(NamedTuple):
    """A config's models sized: the document's tables and each model's outcome."""

    tables: list[Table]
    models: tuple[ModelResult, ...]


class Runtime(NamedTuple):
    """A runtime's parts, each declared once: its keys and defaults, its
    document's layout, how it resolves a model and how it sizes a config's
    models. How it words a model is its results' own (``ModelResult.account``).

    Its two functions are typed with its own values (``ResolvedModel[Llama2Model]``);
    here, where every runtime is held alike, their values are ``Any``: a
    config's models go to the runtime that resolved them, by its name."""

    name: str
    schema_definition: str  # the key in the schema's $defs of one model
    model_file_key: str  # the model key that names a model file, from the config's folder
    targets: tuple[WasmTarget, ...]  # the wasm targets it is built for
    default_memory_mib: int
    threshold_key: str  # the key, top-level or per model, of the threshold models must meet
    default_threshold: int
    margin_unit: str  # what a model's margin counts ("users", "MiB headroom")
    config_keys: tuple[str, ...]  # top-level config keys of its own, handed to evaluate
    layout: ColumnLayout
    # (index, model, refused, file): the values of model ``index`` from its keys
    # the schema accepted (``refused``: those written but refused, whose message
    # is the schema's), read from ``file`` where it names one; None with the
    # findings when they cannot be resolved.
    resolve_model: Callable[
        [int, Mapping[str, Any], frozenset[str], ModelFile | None],
        tuple[ResolvedModel[Any] | None, list[Finding]],
    ]
    # (models, canister): ``models`` sized for the canister.
    evaluate: Callable[[Sequence[ModelSpec[Any]], Canister], Evaluation]
