"""Values a config writes over those a model file's header holds: how every
runtime words them in a model's details and lists them in its JSON."""

from __future__ import annotations

from typing import Any, Mapping


def overrides_text(header: Mapping[str, object], overrides: Mapping[str, object]) -> str:
    """``; the config overrides seq_len 256 -> 512, ...``: each written value
    that differs from the header's; empty when none does."""
    changed = [
        f"{key} {header[key]} -> {value}"
        for key, value in overrides.items()
        if header[key] != value
    ]
    return "; the config overrides " + ", ".join(changed) if changed else ""


def overrides_json(
    header: Mapping[str, object], overrides: Mapping[str, object]
) -> dict[str, dict[str, Any]]:
    """Each written value beside the header's, by key."""
    return {key: {"header": header[key], "config": value} for key, value in overrides.items()}
