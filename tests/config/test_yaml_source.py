from __future__ import annotations

import datetime

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from icpp_sizer_check.config import yaml_source
from icpp_sizer_check.config.yaml_source import MAX_NODES, YamlError, parse_yaml, position_in_text
from icpp_sizer_check.errors import Position
from tests.fixtures import examples


def test_positions_of_values_and_keys() -> None:
    document = parse_yaml("output: a.md\nmodels:\n  - name: x\n    dim: 64\n")
    assert document.data == {"output": "a.md", "models": [{"name": "x", "dim": 64}]}
    assert document.value_positions[("models", 0, "dim")] == Position(4, 10)
    assert document.key_positions[("models", 0, "dim")] == Position(4, 5)
    assert document.value_positions[("models", 0)] == Position(3, 5)


def test_position_of_a_missing_path_falls_back_to_its_parent() -> None:
    document = parse_yaml("models:\n  - name: x\n")
    assert document.position_of(("models", 0, "dim")) == Position(2, 5)


def test_a_path_without_a_key_falls_back_to_the_position_of_its_value() -> None:
    document = parse_yaml("models:\n  - name: x\n")
    assert document.key_position_of(("models", 0)) == Position(2, 5)
    assert document.key_position_of(("models", 0, "name")) == Position(2, 5)
    assert document.key_position_of(("models", 0, "dim")) == Position(2, 5)
    assert parse_yaml("").key_position_of(("models",)) is None


def test_empty_document_has_no_data() -> None:
    assert parse_yaml("").data is None
    assert parse_yaml("# only a comment\n").data is None


def test_duplicate_keys_are_rejected_with_both_lines() -> None:
    with pytest.raises(YamlError) as caught:
        parse_yaml("a: 1\nb: 2\na: 3\n")
    assert caught.value.position == Position(3, 1)
    assert "duplicate key 'a' (first at line 1)" in caught.value.message


def test_duplicate_keys_after_a_merge_key_are_rejected_too() -> None:
    with pytest.raises(YamlError) as caught:
        parse_yaml("base: &b {x: 1}\nuse:\n  <<: *b\n  y: 2\n  y: 3\n")
    assert caught.value.position == Position(5, 3)
    assert "duplicate key 'y' (first at line 4)" in caught.value.message


def test_merge_keys_may_be_overridden_without_a_duplicate_error() -> None:
    document = parse_yaml("base: &b {x: 1, y: 2}\nuse: {<<: *b, y: 3}\n")
    assert document.data == {"base": {"x": 1, "y": 2}, "use": {"x": 1, "y": 3}}


def test_alias_bombs_are_refused_before_they_expand() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        refs = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    with pytest.raises(YamlError) as caught:
        parse_yaml("\n".join(lines) + "\n")
    assert f"more than {MAX_NODES} nodes" in caught.value.message
    # It points into the document, at the node where the count ran over.
    assert caught.value.position is not None
    assert 1 <= caught.value.position.line <= len(lines)


def test_syntax_errors_carry_a_position() -> None:
    with pytest.raises(YamlError) as caught:
        parse_yaml("a: [1, 2\nb: 3\n")
    assert caught.value.position is not None
    assert caught.value.message.startswith("YAML syntax error")


def test_impossible_dates_are_an_error_not_a_crash() -> None:
    with pytest.raises(YamlError, match="cannot be read"):
        parse_yaml("when: 2024-13-45\n")


def test_position_in_text() -> None:
    assert position_in_text("ab\ncd", 4) == Position(2, 2)
    assert position_in_text("ab", 0) == Position(1, 1)
    assert position_in_text("a\nbc\nde\nfgh", 10) == Position(4, 3)
    assert position_in_text("a\nb\n\ncd", 6) == Position(4, 2)
    assert position_in_text("\nab", 2) == Position(2, 2)
    assert position_in_text("ab\n", 2) == Position(1, 3)


values = st.recursive(
    st.none()
    | st.booleans()
    # Beyond 64 bits a number is refused (see below); up to it, the data is safe_load's.
    | st.integers(min_value=-(2**64) + 1, max_value=2**64 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=10)
    | st.dates(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=5) | st.integers(), children, max_size=4)
    ),
    max_leaves=20,
)


@pytest.mark.slow
@settings(max_examples=examples(1000), deadline=None)
@given(data=values)
def test_the_data_is_what_safe_load_gives(data: object) -> None:
    text = yaml.safe_dump(data, allow_unicode=True)
    assert parse_yaml(text).data == yaml.safe_load(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: &x {p: 1, q: [1, 2]}\nb: *x\nc: *x\n",
        "base: &b {x: 1, y: 2}\nuse: {<<: *b, y: 3}\nagain: {<<: *b}\n",
        "list: &l [1, 2]\nboth: [*l, *l]\n",
        "s: !!set {a, b}\no: !!omap [{a: 1}, {b: 2}]\nbin: !!binary aGVsbG8=\n",
        "t: 2024-01-02T03:04:05Z\nn: 0x1F\nf: 1_000.5\nnull_key: {~: 1, 1: 2, true: 3}\n",
        "m: {<<: [{a: 1}, {a: 2, b: 3}], c: 4}\n",
        # An aliased mapping whose own key overrides a merged one is read twice.
        "base: &b {x: 1}\nuse: &u {<<: *b, x: 2}\nagain: *u\n",
    ],
)
def test_aliases_merges_and_tags_match_safe_load(text: str) -> None:
    assert parse_yaml(text).data == yaml.safe_load(text)


def test_an_unhashable_key_is_an_error_not_a_crash() -> None:
    with pytest.raises(YamlError) as caught:
        parse_yaml("? [a, b]\n: 1\n")
    assert (caught.value.message, caught.value.position) == (
        "a mapping key must be plain text",
        Position(1, 3),
    )


def test_nesting_past_libyamls_own_cap_is_an_error_too() -> None:
    with pytest.raises(YamlError) as caught:
        parse_yaml("a: " + "[" * 3000 + "]" * 3000 + "\n")
    assert "nest" in caught.value.message


@pytest.mark.parametrize("number", ["18446744073709551616", "0x" + "f" * 4000, "0b" + "1" * 20000])
def test_a_number_too_large_for_any_value_is_refused_at_its_place(number: str) -> None:
    with pytest.raises(YamlError) as caught:
        parse_yaml(f"a: 1\nb: {number}\n")
    assert "bits is far too large for any value here" in caught.value.message
    assert caught.value.position == (2, 4)


def test_deep_nesting_is_an_error_with_the_pure_python_parser_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Where PyYAML has no libyaml, its own parser recurses instead of capping.
    monkeypatch.setattr(yaml_source, "_Loader", yaml.SafeLoader)
    with pytest.raises(YamlError) as caught:
        parse_yaml("a: " + "[" * 3000 + "]" * 3000 + "\n")
    assert (caught.value.message, caught.value.position) == (
        "the YAML is nested too deeply; flatten it",
        None,
    )
    assert parse_yaml("a: [[1]]\n").data == {"a": [[1]]}


def test_numbers_yaml_reads_otherwise_than_they_look_are_named_with_what_was_meant() -> None:
    text = "a: 0512\nb: -0512\nc: 05_12\nd: +010\ne: 8:32\nf: 07\ng: 00\nh: 512\n"
    octal = "without the leading zero (or {} if octal was meant)"
    assert dict(parse_yaml(text).number_traps) == {
        ("a",): "YAML reads 0512 as the octal number 330; write 512 " + octal.format(330),
        ("b",): "YAML reads -0512 as the octal number -330; write -512 " + octal.format(-330),
        ("c",): "YAML reads 05_12 as the octal number 330; write 512 " + octal.format(330),
        ("d",): "YAML reads +010 as the octal number 8; write 10 " + octal.format(8),
        ("e",): (
            "YAML reads 8:32 as the base-60 number 512; write 512 if that is meant, "
            "or quote '8:32' if it is text"
        ),
    }  # 07 and 00 read as they look


def test_only_plain_numbers_can_be_traps() -> None:
    # A timestamp has colons but is no number; a tagged, quoted number is read
    # as the tag says, which is what its writer asked for.
    text = "a: 2001-12-14 21:59:43\nb: !!int '0512'\n"
    document = parse_yaml(text)
    assert document.data == {"a": datetime.datetime(2001, 12, 14, 21, 59, 43), "b": 330}
    assert document.number_traps == []
