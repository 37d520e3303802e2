"""What the schema cannot say: where a model file resolves, and what is recorded of it."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from icpp_sizer_check.config.load import load_config
from icpp_sizer_check.errors import ConfigError
from tests.fixtures import MODEL_YAML, STORIES_15M


def test_a_model_file_is_recorded_as_written_and_where_its_symlinks_lead(project: Path) -> None:
    (project / "models").mkdir()
    (project / "models" / "real.bin").write_bytes(struct.pack("<7i", *STORIES_15M) + b"\1" * 64)
    (project / "configs" / "m.bin").symlink_to(project / "models" / "real.bin")
    config = project / "configs" / "c.yaml"
    config.write_text("output: o.md\nmodels:\n  - name: m\n    checkpoint: m.bin\n")
    (read,) = load_config(config).models[0].reads
    assert (read.path, read.real) == (
        str(project / "configs" / "m.bin"),
        str(project / "models" / "real.bin"),
    )


def problems_of(project: Path, text: str) -> list[str]:
    config = project / "configs" / "c.yaml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(config)
    return [str(problem) for problem in raised.value.problems]


def test_a_duplicate_name_points_at_the_first_models_name(project: Path) -> None:
    model = MODEL_YAML.split("\n", 1)[1]
    # The name is the second key of each model: its line is not the model's.
    model = model.replace("  - name: m\n    dim: 64\n", "  - dim: 64\n    name: m\n")
    text = "output: o.md\nmodels:\n" + model + model
    assert problems_of(project, text) == [
        "configs/c.yaml:12:11: models[1].name: duplicate model name 'm' (first at line 4); "
        "model names must be unique"
    ]


def test_every_model_is_checked_after_one_whose_file_is_refused(project: Path) -> None:
    text = (
        "output: o.md\nmodels:\n  - name: a\n    checkpoint: /etc/passwd\n"
        "  - name: b\n    checkpoint: missing.bin\n"
    )
    assert problems_of(project, text) == [
        "configs/c.yaml:4:17: models[0].checkpoint: '/etc/passwd': must be a path relative "
        "to the config's folder, not an absolute one",
        "configs/c.yaml:6:17: models[1].checkpoint: 'missing.bin': no such file",
    ]


def test_every_name_is_checked_for_a_formatter_after_one_that_is_no_text(project: Path) -> None:
    model = MODEL_YAML.split("\n", 1)[1]
    text = (
        "output: o.md\ntitle: T\nstyle: aligned\nmodels:\n"
        + model.replace("name: m", "name: 7")
        + model.replace("name: m", "name: a*b*")
    )
    problems = problems_of(project, text)
    assert problems[0] == "configs/c.yaml:5:11: models[0].name: expected text, got an integer (7)"
    assert problems[1].startswith("configs/c.yaml:13:11: models[1].name: prettier and mdformat")
    assert len(problems) == 2
