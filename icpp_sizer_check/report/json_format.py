"""One JSON document on stdout: a stable interface for other tools.

The shape is documented in docs/json-output.md (and tests/docs/test_pages.py
holds that page to every key a model has); add keys freely, but
never rename or remove one without raising ``schema_version``.
"""

from __future__ import annotations

import json
from typing import Any

from icpp_sizer_check import __program__, __version__
from icpp_sizer_check.compare import Changes, DocumentStatus
from icpp_sizer_check.errors import Problem
from icpp_sizer_check.report import Destination
from icpp_sizer_check.report.messages import fix_command
from icpp_sizer_check.results import ConfigResult, ModelResult, RunResult

SCHEMA_VERSION = 1


def _problem(problem: Problem) -> dict[str, Any]:
    position = problem.position
    return {
        "line": position.line if position else None,
        "column": position.column if position else None,
        "path": problem.json_path or None,
        "message": problem.message,
    }


def _changes(changes: Changes) -> dict[str, Any] | None:
    if not (changes.cells or changes.added_models or changes.removed_models):
        return None
    return {
        "cells": [
            {
                "model": cell.model,
                "section": cell.section,
                "row": cell.row,
                "committed": cell.committed,
                "regenerated": cell.regenerated,
            }
            for cell in changes.cells
        ],
        "added_models": list(changes.added_models),
        "removed_models": list(changes.removed_models),
    }


def _model(config: ConfigResult, model: ModelResult) -> dict[str, Any]:
    return {
        "name": model.name,
        "status": model.status.value,
        "line": model.position.line if model.position else None,
        "column": model.position.column if model.position else None,
        # The runtime's own keys: its values, where they came from, its remedy, bytes.
        **model.account.model_json(model),
    }


def _config(file: str, result: ConfigResult | None, problems: list[Problem]) -> dict[str, Any]:
    if result is None or problems:
        status = "error"
    elif result.document_status.is_current:
        status = "ok"
    else:
        status = result.document_status.value
    return {
        "config": file,
        "output": result.output_file if result else None,
        "status": status,
        "passed": bool(result and result.ok and not problems),
        "written": bool(result and result.document_status == DocumentStatus.WRITTEN),
        "summary": (result.summary or None) if result else None,
        "diff": (result.diff or None) if result else None,
        "changes": _changes(result.changes) if result else None,
        "fix_command": fix_command(result) if result else None,
        # Which copy of the document was judged: "working-tree", or with --staged
        # "staged" (the index's), or "not-staged" (the index's is not current
        # while the file on disk is: staging it is the fix).
        "staging": result.staging.value if result else None,
        "memory_mib": result.memory_mib if result else None,
        "wasm": result.target.name if result else None,
        "errors": [_problem(problem) for problem in problems],
        "models": [_model(result, model) for model in result.models] if result else [],
    }


def as_document(result: RunResult) -> dict[str, Any]:
    by_file = {config.config_file: config for config in result.configs}
    files = list(dict.fromkeys([*result.config_files, *by_file]))
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": __program__, "version": __version__},
        "mode": "write" if result.write else "check",
        "exit_code": result.exit_code,
        "configs": [
            _config(
                file,
                by_file.get(file),
                [problem for problem in result.problems if problem.file == file],
            )
            for file in files
        ],
    }


def inert_json(document: dict[str, Any]) -> str:
    """``document`` as indented JSON that no workflow runner acts on when a job
    prints it: every string is quoted, so no line starts with ``::``; and the
    one command form the runner finds anywhere in a line, ``##[``, is written
    ``#\\u0023[``, an escape that parses to the same text."""
    return json.dumps(document, indent=2).replace("##[", "#\\u0023[")


def report(result: RunResult, to: Destination) -> None:
    to.out.write(inert_json(as_document(result)))
    to.out.write("\n")
