"""The import graph: no cycles, and no module importing from a layer above its own."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from tests.fixtures import REPO

PACKAGE = REPO / "icpp_sizer_check"

# Lowest first. A module may import from its own layer and the ones before it.
LAYERS: list[list[str]] = [
    [
        "",
        "exit_codes",
        "errors",
        "paths",
        "package_data",
        "canister",
        "markdown_lines",
        "markdown",
        "formatters",
        "git_index",
    ],
    [
        "cache",
        "fileio",
        "config",
        "config.yaml_source",
        "config.text",
        "render",
        "compare",
        "gguf",
        "gguf.*",
    ],
    ["results", "config.source"],
    ["config.location", "config.schema", "config.read"],
    ["runtimes", "runtimes.base", "runtimes.overrides", "config.confine"],
    [
        "runtimes.icpp_llama2",
        "runtimes.icpp_llama2.*",
        "runtimes.llama_cpp_canister",
        "runtimes.llama_cpp_canister.*",
    ],
    ["config.values", "config.rules", "config.load"],
    ["sources", "runner", "replay"],
    ["report", "report.*"],
    ["cli", "cli.*", "__main__"],
]


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(part for part in parts if part != "__init__")


def _imports(path: Path) -> set[str]:
    """The package's modules that ``path`` imports, at any depth of its code,
    except under ``if TYPE_CHECKING:`` (mypy's only)."""
    tree = ast.parse(path.read_text())
    typing_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If)
        and isinstance(block.test, ast.Name)
        and block.test.id == "TYPE_CHECKING"
        for statement in block.body
        for node in ast.walk(statement)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "icpp_sizer_check" or node.module.startswith("icpp_sizer_check."):
                base = node.module.removeprefix("icpp_sizer_check").lstrip(".")
                for alias in node.names:
                    child = f"{base}.{alias.name}" if base else alias.name
                    found.add(child if child in MODULES else base)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("icpp_sizer_check"):
                    found.add(alias.name.removeprefix("icpp_sizer_check").lstrip("."))
    return found


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _layer(module: str) -> int:
    for index, layer in enumerate(LAYERS):
        for pattern in layer:
            if module == pattern or (
                pattern.endswith(".*") and module.startswith(pattern.removesuffix("*"))
            ):
                return index
    raise AssertionError(f"module {module or '(package)'} has no layer in LAYERS")


GRAPH = {module: _imports(path) for module, path in MODULES.items()}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_from_a_higher_layer(module: str) -> None:
    higher = [name for name in GRAPH[module] if _layer(name) > _layer(module)]
    assert not higher, f"{module} (layer {_layer(module)}) imports {higher}"


def test_the_import_graph_has_no_cycles() -> None:
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            raise AssertionError(
                "import cycle: " + " -> ".join([*path[path.index(module) :], module])
            )
        if module in done:
            return
        for name in sorted(GRAPH.get(module, ())):
            if name != module:
                visit(name, [*path, module])
        done.add(module)

    for module in sorted(GRAPH):
        visit(module, [])


def test_no_module_is_over_300_lines() -> None:
    if "MUTANT_UNDER_TEST" in os.environ:
        pytest.skip("mutmut's copy of a mutated module holds all its mutants")
    long = {name: len(path.read_text().splitlines()) for name, path in MODULES.items()}
    assert {name: lines for name, lines in long.items() if lines > 300} == {}
