"""A valid config as typed values: what it writes, and the defaults of what it leaves out."""

from __future__ import annotations

from pathlib import Path

from icpp_sizer_check.canister import TARGETS
from icpp_sizer_check.compare import CompareMode
from icpp_sizer_check.config.load import load_config
from icpp_sizer_check.render import Style
from tests.fixtures import DATA, MODEL_YAML


def write(project: Path, text: str) -> Path:
    config = project / "configs" / "c.yaml"
    config.write_text(text, encoding="utf-8")
    return config


def test_the_layout_and_comparison_a_config_chooses(project: Path) -> None:
    chosen = load_config(
        write(project, "output: o.md\nstyle: aligned\ncompare: content\n" + MODEL_YAML)
    )
    assert (chosen.style, chosen.compare) == (Style.ALIGNED, CompareMode.CONTENT)
    assert isinstance(chosen.style, Style) and isinstance(chosen.compare, CompareMode)
    default = load_config(write(project, "output: o.md\n" + MODEL_YAML))
    assert (default.style, default.compare) == (Style.COMPACT, CompareMode.EXACT)
    assert default.target == TARGETS["wasm32"]
    assert default.runtime_options == {}


def test_a_runtimes_own_top_level_keys_are_handed_on_as_written() -> None:
    lcc = load_config(DATA / "configs" / "good" / "lcc_file_too_large.yaml")
    assert lcc.runtime == "llama_cpp_canister"
    assert lcc.runtime_options == {}
    fits = load_config(DATA / "configs" / "good" / "lcc_does_not_fit.yaml")
    assert fits.runtime_options == {"max_model_file_mib": 2048}
