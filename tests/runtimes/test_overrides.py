"""Values a config writes over a model file's header, as every runtime words them."""

from __future__ import annotations

from icpp_sizer_check.runtimes.overrides import overrides_json, overrides_text

HEADER = {"seq_len": 256, "dim": 288}


def test_only_values_that_differ_from_the_header_are_named() -> None:
    assert overrides_text(HEADER, {"seq_len": 512, "dim": 288}) == (
        "; the config overrides seq_len 256 -> 512"
    )
    assert overrides_text(HEADER, {"dim": 288}) == ""
    assert overrides_text(HEADER, {}) == ""


def test_every_written_value_is_listed_beside_the_headers() -> None:
    assert overrides_json(HEADER, {"seq_len": 512, "dim": 288}) == {
        "seq_len": {"header": 256, "config": 512},
        "dim": {"header": 288, "config": 288},
    }
