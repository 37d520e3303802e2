from __future__ import annotations

from icpp_sizer_check.config.schema import Accepted, inline_local_refs, schema_problems
from icpp_sizer_check.config.source import ConfigSource
from icpp_sizer_check.config.yaml_source import parse_yaml

DATA = {
    "output": "o.md",
    "canister": {"memory_mib": 1.5, "wasm": "wasm32"},
    "models": [{"name": "a", "dim": 64, "n_heads": "x"}, {"name": "b", "dim": 1}],
}
REFUSED = [("canister", "memory_mib"), ("models", 0, "n_heads"), ("models", 0, "typo")]


def test_a_path_is_usable_when_no_refusal_is_at_above_or_below_it() -> None:
    accepted = Accepted(DATA, REFUSED)
    assert accepted.usable(("output",))
    assert accepted.usable(("canister", "wasm"))
    assert not accepted.usable(("canister", "memory_mib"))
    assert not accepted.usable(("canister",))  # a refusal below it
    assert not accepted.usable(())
    assert accepted.reachable(("canister",))
    assert not accepted.reachable(("canister", "memory_mib", "deeper"))
    assert accepted.get(("canister", "wasm")) == "wasm32"
    assert accepted.get(("canister", "memory_mib")) is None
    assert accepted.get(("models", 5, "name")) is None
    assert accepted.get(("models", 2, "name")) is None  # just past the last model


def test_keys_of_a_mapping_split_into_accepted_and_refused() -> None:
    accepted = Accepted(DATA, REFUSED)
    assert accepted.keys_of(("models", 0)) == ({"name": "a", "dim": 64}, frozenset({"n_heads"}))
    assert accepted.keys_of(("models", 1)) == ({"name": "b", "dim": 1}, frozenset())
    assert Accepted(DATA, [("models", 1)]).keys_of(("models", 1)) == ({}, frozenset())


def test_many_refusals_are_answered_alike() -> None:
    refused = [("models", index, "dim") for index in range(5000)]
    accepted = Accepted({"models": [{"dim": 1.5}] * 5000}, refused)
    assert not any(accepted.usable(("models", index, "dim")) for index in range(5000))
    assert accepted.usable(("output",))


def schema_messages(text: str) -> list[str]:
    """The schema stage's messages on a config's text, as a user reads them."""
    source = ConfigSource(parse_yaml(text), "c.yaml")
    return [str(problem) for _, problem in schema_problems(source)]


def test_a_value_of_the_wrong_type_names_the_expected_one_as_the_schema_does() -> None:
    text = "runtime: llama_cpp_canister\noutput: o.md\nmodels:\n  - warmup: 'yes'\n"
    expected = "c.yaml:4:13: models[0].warmup: expected boolean, got text ('yes')"
    assert expected in schema_messages(text)


def test_local_refs_are_inlined_with_their_sibling_keywords_and_defs_dropped() -> None:
    schema = {
        "$defs": {"count": {"type": "integer", "minimum": 1}, "name": {"type": "string"}},
        "properties": {
            "n": {"$ref": "#/$defs/count", "description": "how many"},
            "m": {"$ref": "#/$defs/count", "items": [{"$ref": "#/$defs/name"}]},
            "other": {"$ref": "https://example.com/s.json"},
        },
    }
    assert inline_local_refs(schema) == {
        "properties": {
            "n": {"type": "integer", "minimum": 1, "description": "how many"},
            "m": {"type": "integer", "minimum": 1, "items": [{"type": "string"}]},
            "other": {"$ref": "https://example.com/s.json"},
        },
    }


def test_a_missing_key_refuses_nothing_present() -> None:
    """What is there beside a missing key is still checked by the later stages."""
    source = ConfigSource(parse_yaml("models:\n  - name: m\n"), "c.yaml")
    refused = [path for path, _ in schema_problems(source)]
    assert refused and all(path is None for path in refused)
