"""What the schema cannot say: where a model file resolves, and what is recorded of it."""

from __future__ import annotations

import struct
from pathlib import Path

from icpp_sizer_check.config.load import load_config
from tests.fixtures import STORIES_15M


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
