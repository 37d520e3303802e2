from __future__ import annotations

from icpp_sizer_check.config.schema import Accepted

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
