"""The mutation score command's own parts (mutmut itself is run by hand)."""

from __future__ import annotations

import pytest

from tests.fixtures import REPO
from tests.mutation.score import (
    EQUIVALENT_FILE,
    format_table,
    module_of,
    parse_equivalent,
    parse_results,
    scores,
    selected,
    short_names,
    stale_entries,
)

RESULTS = """\
    pkg.a.x_f__mutmut_1: killed
    pkg.a.x_f__mutmut_2: survived
    pkg.a.x_f__mutmut_3: survived
    pkg.a.xǁCǁ__str____mutmut_1: timeout
    pkg.b.x_g__mutmut_1: no tests
"""


def test_results_are_read_by_mutant_name() -> None:
    statuses = parse_results("Generating mutants\n" + RESULTS)
    assert statuses["pkg.a.xǁCǁ__str____mutmut_1"] == "timeout"
    assert len(statuses) == 5
    assert module_of("pkg.a.xǁCǁ__str____mutmut_1") == "pkg.a"


def test_modules_in_subpackages_are_named_from_the_package() -> None:
    statuses = parse_results(
        "    pkg.runtimes.llama.sizing.x_remedy__mutmut_3: killed\n"
        "    pkg.config.yaml_source.xǁYamlDocumentǁposition_of__mutmut_8: survived\n"
        "    pkg.render.x_format_mb__mutmut_1: killed\n"
    )
    table = scores(statuses, {})
    assert [row.module for row in table] == [
        "pkg.config.yaml_source",
        "pkg.render",
        "pkg.runtimes.llama.sizing",
    ]
    shown = [line.split()[0] for line in format_table(table).splitlines()[1:]]
    assert shown == ["config.yaml_source", "render", "runtimes.llama.sizing", "overall"]
    assert short_names(["pkg.runtimes.llama.sizing"]) == {"pkg.runtimes.llama.sizing": "sizing"}
    assert short_names(["pkg.a", "pkg.a.b"]) == {"pkg.a": "a", "pkg.a.b": "a.b"}
    assert short_names([]) == {}


def test_equivalent_mutants_leave_the_count_and_survivors_lower_the_score() -> None:
    statuses = parse_results(RESULTS)
    table = scores(statuses, {"pkg.a.x_f__mutmut_3": "same either way"})
    a, b = table
    assert (a.module, a.mutants, a.killed, a.equivalent, a.survivors) == (
        "pkg.a",
        4,
        2,
        1,
        ["pkg.a.x_f__mutmut_2"],
    )
    assert a.score == pytest.approx(200 / 3)
    assert (b.killed, b.survivors, b.score) == (0, ["pkg.b.x_g__mutmut_1"], 0.0)
    lines = format_table(table).splitlines()
    assert lines[0].split() == ["module", "mutants", "killed", "equivalent", "survived", "score"]
    assert lines[1].split() == ["a", "4", "2", "1", "1", "66.7", "%"]
    assert lines[-1].split() == ["overall", "5", "2", "1", "2", "50.0", "%"]


def test_a_module_of_only_equivalent_mutants_scores_full() -> None:
    (row,) = scores({"m.x_f__mutmut_1": "survived"}, {"m.x_f__mutmut_1": "why"})
    assert row.score == 100.0


def test_only_the_mutants_a_glob_matches_are_selected() -> None:
    statuses = parse_results(RESULTS)
    assert selected(statuses, []) == statuses
    assert list(selected(statuses, ["pkg.b.*"])) == ["pkg.b.x_g__mutmut_1"]
    assert list(selected(statuses, ["pkg.a.x_f__mutmut_?", "*ǁCǁ*"])) == [
        "pkg.a.x_f__mutmut_1",
        "pkg.a.x_f__mutmut_2",
        "pkg.a.x_f__mutmut_3",
        "pkg.a.xǁCǁ__str____mutmut_1",
    ]
    # Exact case: mutant names are identifiers, and a glob means just those.
    assert selected(statuses, ["PKG.*"]) == {}
    # An equivalent entry outside the glob is not judged stale by a partial run.
    equivalent = {"pkg.a.x_f__mutmut_3": "same", "pkg.c.x_h__mutmut_1": "same"}
    assert stale_entries(selected(statuses, ["pkg.a.*"]), selected(equivalent, ["pkg.a.*"])) == []


def test_stale_entries_of_the_equivalent_list_are_named() -> None:
    statuses = parse_results(RESULTS)
    problems = stale_entries(
        statuses,
        {"pkg.a.x_f__mutmut_1": "x", "pkg.a.x_f__mutmut_9": "y", "pkg.a.x_f__mutmut_2": "z"},
    )
    assert problems == [
        "pkg.a.x_f__mutmut_1: listed as equivalent but the tests catch it; remove it",
        "pkg.a.x_f__mutmut_9: no such mutant (its function changed? judge it again)",
    ]


@pytest.mark.parametrize(
    "text",
    ["pkg.a.x_f__mutmut_1\n", "just a reason\n", "pkg.a.x_f__mutmut_1 a\npkg.a.x_f__mutmut_1 b\n"],
)
def test_every_equivalent_entry_needs_a_name_and_a_reason_once(text: str) -> None:
    with pytest.raises(ValueError, match=r"equivalent\.txt:"):
        parse_equivalent(text)


def test_the_equivalent_list_names_only_mutated_modules() -> None:
    tomllib = pytest.importorskip("tomllib", reason="tomllib is Python 3.11 and newer")
    mutated = {
        path.removesuffix(".py").replace("/", ".")
        for path in tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["mutmut"][
            "only_mutate"
        ]
    }
    reasons = parse_equivalent(EQUIVALENT_FILE.read_text(encoding="utf-8"))
    assert {module_of(name) for name in reasons} <= mutated
    assert all(len(reason) >= 20 for reason in reasons.values())


def test_mutmut_runs_the_quick_tests_in_its_own_process() -> None:
    """mutmut records which tests reach which function in the process it runs
    pytest in: the parallel workers pyproject's addopts asks for would hide
    that, so its pytest runs ask for none (the last -n wins)."""
    tomllib = pytest.importorskip("tomllib", reason="tomllib is Python 3.11 and newer")
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["mutmut"]
    assert config["pytest_add_cli_args"][-2:] == ["-n", "0"]
    # The timing tests hold wall-clock growth, which mutmut's instrumentation
    # and a loaded machine skew: no mutant is judged by them.
    assert config["pytest_add_cli_args_test_selection"] == [
        "tests",
        "-m",
        "not integration and not timing",
    ]
